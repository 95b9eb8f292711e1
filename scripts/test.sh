#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs the test tools (scripts/setup-test-env.sh),
# then runs every Rust test of the workspace with cargo-nextest (falls back to cargo test).
# Test harnesses start moto server and the fake OpenSearch themselves, on 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-test-env.sh
export SHIPLOG_PYTHON="$PWD/.venv/bin/python"
export PATH="$PWD/.venv/bin:$PATH"

if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --all-targets --no-fail-fast "$@"
  cargo test --workspace --doc --quiet
else
  cargo test --workspace --all-targets --no-fail-fast "$@"
fi
