#!/usr/bin/env bash
# Installs what the test suite needs beyond the Rust toolchain: a Python virtualenv at ./.venv
# with moto server (AWS emulator), cfn-lint and checkov (in the repo, nothing global); and, only
# when they are missing, Java 17 and Maven for the real OpenSearch node (scripts/opensearch.sh),
# from Debian's packages when running as root.
# Idempotent: does nothing when everything is there and the requirements have not changed.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v java >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup-test-env: installing Java 17 and Maven from Debian's packages" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jdk-headless maven >/dev/null
  else
    echo "setup-test-env: Java 17+ and Maven are needed for the real OpenSearch node; install them" >&2
    exit 1
  fi
fi

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
