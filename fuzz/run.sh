#!/usr/bin/env bash
# Runs every fuzz target for a time budget each: fuzz/run.sh [SECONDS] [TARGET...]
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a nightly toolchain. Seed corpora are built
# from the repo's fixtures into fuzz/corpus/<target> (git-ignored); crashes land in
# fuzz/artifacts/<target> and each one becomes a regression test (see fuzz/README.md).
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo +nightly fuzz list)
fi

fixtures=../tests/fixtures/corpus
seed() { # seed TARGET: copy relevant fixtures into the target's corpus dir
  local t=$1 dir=corpus/$1
  mkdir -p "$dir"
  case $t in
    decode_awslogs|decode_kinesis|decoded_batch|pipeline)
      find "$fixtures" ../samples -name '*.json' -size -300k -exec cp {} "$dir/" \; ;;
    line_parsers|monitoring)
      # one file per corpus message
      python3 - "$fixtures" "$dir" <<'PY'
import json, pathlib, sys
src, dst = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for f in src.rglob('*.jsonl'):
    for i, line in enumerate(l for l in f.read_text().split("\n") if l.strip()):
        rec = json.loads(line)
        (dst / f"{f.stem}-{i}").write_text(rec["message"])
PY
      ;;
    eventbridge)
      cp "$fixtures"/07-eventbridge/*.json "$dir/" ;;
    bulk_response)
      printf '\x00{"took":3,"errors":false,"items":[{"create":{"_index":"shiplog-2023.11.14","_id":"a","status":201}},{"create":{"_index":"shiplog-2023.11.14","_id":"b","status":201}},{"create":{"_index":"shiplog-2023.11.14","_id":"c","status":201}}]}' > "$dir/ok"
      printf '\x00{"took":3,"errors":true,"items":[{"create":{"_id":"a","status":409,"error":{"type":"version_conflict_engine_exception","reason":"exists"}}},{"create":{"_id":"b","status":400,"error":{"type":"mapper_parsing_exception","reason":"failed to parse field [attributes.fields.k]"}}},{"create":{"_id":"c","status":429,"error":{"type":"es_rejected_execution_exception","reason":"busy"}}}]}' > "$dir/mixed"
      printf '\x08{"error":{"type":"cluster_block_exception"},"status":503}' > "$dir/unavailable" ;;
  esac
}

status=0
for t in "${targets[@]}"; do
  seed "$t"
  echo "== $t (${secs}s)"
  if ! cargo +nightly fuzz run "$t" "corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 2>&1 | tee "corpus/$t.log" | grep -E "^(#[0-9]+ +DONE|stat::|==[0-9]+==|SUMMARY|Done)"; then
    status=1
  fi
done
exit $status
