#!/usr/bin/env bash
# Installs what the test suite needs beyond the Rust toolchain into the repo (nothing global):
# a Python virtualenv at ./.venv with moto server (AWS emulator), cfn-lint and checkov.
# Idempotent: does nothing when the requirements have not changed since the last run.
set -euo pipefail
cd "$(dirname "$0")/.."

req=scripts/requirements-test.txt
stamp=.venv/.requirements.sha256
want=$(sha256sum "$req" | cut -d' ' -f1)

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x .venv/bin/python ]; then
  exit 0
fi

echo "setup-test-env: creating .venv and installing $(grep -cv '^#' "$req") Python packages (first run only)" >&2
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$req"
echo "$want" > "$stamp"
