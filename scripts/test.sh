#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs the test tools (scripts/setup-test-env.sh),
# starts one real OpenSearch node (scripts/opensearch.sh) and passes its URL to the tests as
# SHIPLOG_OPENSEARCH_URL, then runs every Rust test of the workspace with cargo-nextest (falls
# back to cargo test). Test harnesses start moto server and the fake OpenSearch themselves; every
# server listens on 127.0.0.1 only. A node this script started is stopped when it ends.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-test-env.sh
export SHIPLOG_PYTHON="$PWD/.venv/bin/python"
export PATH="$PWD/.venv/bin:$PATH"

if ! scripts/opensearch.sh url >/dev/null 2>&1; then
  trap 'scripts/opensearch.sh stop' EXIT
fi
SHIPLOG_OPENSEARCH_URL="$(scripts/opensearch.sh start)"
export SHIPLOG_OPENSEARCH_URL
echo "test.sh: real OpenSearch node at $SHIPLOG_OPENSEARCH_URL" >&2

if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --all-targets --no-fail-fast "$@"
  cargo test --workspace --doc --quiet
else
  cargo test --workspace --all-targets --no-fail-fast "$@"
fi
