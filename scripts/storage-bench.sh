#!/usr/bin/env bash
# What the OpenSearch domain pays for, measured on a real OpenSearch node: the default
# `shiplog bench` workload (100 000 events) indexed as shiplog's documents with shiplog's index
# template and as the LogsToElasticsearch blueprint's documents (dynamic mapping), one after the
# other on a private node nobody else writes to. Prints, per case: store size after a force-merge
# to one segment (bytes per event and per GB of input logs), the node JVM's CPU time spent
# indexing, and the mapping's field count (scripts/storage-bench.py does the measuring).
#
#   scripts/storage-bench.sh [--rounds N] [--template NAME=FILE ...] [--json OUT]
#
# Without --template, shiplog's case uses infra/opensearch/index-template.json. Needs Node.js,
# Python 3, Java 17+ and Maven (for the node). The node's state goes to
# target/opensearch-storage-bench (removed before and after the run); its heap is 2 GB unless
# SHIPLOG_OPENSEARCH_HEAP says otherwise.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
work="$root/target/storage-bench"
state="$root/target/opensearch-storage-bench"

cargo build --release -p shiplog-cli --features opensearch
rm -rf "$work" "$state"
mkdir -p "$work"
target/release/shiplog bench --generate "$work/events"
node bench/node-baseline/bulk-bodies.js "$work/events" "$work/blueprint"

export SHIPLOG_OPENSEARCH_HEAP="${SHIPLOG_OPENSEARCH_HEAP:-2g}"
url="$(scripts/opensearch.sh start "$state")"
trap 'scripts/opensearch.sh stop "$state"; rm -rf "$state"' EXIT
python3 scripts/storage-bench.py --url "$url" --node-pid "$(cat "$state/pid")" \
  --events "$work/events" --blueprint-bodies "$work/blueprint" \
  --shiplog target/release/shiplog "$@"
