#!/usr/bin/env bash
# Dependency audit with cargo-deny (configuration: deny.toml), run by .ci/run after clippy.
#
# 1. Installs cargo-deny $DENY_VERSION into ./.tools when it is missing or another version.
#    A debug build (`--debug`) keeps this cheap: about 2 minutes on a shared 2-core machine
#    (measured: 2:00 wall, 86 s CPU), against several more for a release build. Later runs
#    reuse ./.tools/bin/cargo-deny.
# 2. `cargo deny check bans licenses sources`: offline, from Cargo.lock; any violation fails.
# 3. `cargo deny check advisories` against the RustSec advisory database. When the database
#    cannot be fetched because the network is unreachable, a NOTICE says that advisories were
#    NOT checked and the script goes on; any other fetch failure, and any advisory found, fails.
set -euo pipefail
cd "$(dirname "$0")/.."

DENY_VERSION=0.20.2
TOOLS="$PWD/.tools"
DENY="$TOOLS/bin/cargo-deny"

# What a fetch that failed for want of a network says (git CLI and gitoxide wordings).
NETWORK_ERROR='could not resolve host|resolve host|name resolution|dns error|unable to access|failed to connect|could not connect|connection (refused|reset|timed out)|network is unreachable|no route to host|operation timed out|timed out'

install_cargo_deny() {
  if [[ -x "$DENY" ]] && [[ "$("$DENY" --version 2>/dev/null)" == "cargo-deny $DENY_VERSION" ]]; then
    return
  fi
  echo "audit: installing cargo-deny $DENY_VERSION into $TOOLS (debug build, about 2 minutes)"
  cargo install cargo-deny --version "$DENY_VERSION" --locked --debug --force --root "$TOOLS"
}

check_advisories() {
  local log
  log="$(mktemp)"
  if "$DENY" fetch db >"$log" 2>&1; then
    rm -f "$log"
    "$DENY" --locked check advisories
    return
  fi
  if grep -qiE "$NETWORK_ERROR" "$log"; then
    local reason
    reason="$(grep -iE "$NETWORK_ERROR" "$log" | head -n 1)"
    rm -f "$log"
    cat >&2 <<EOF

##########################################################################################
# NOTICE: security advisories were NOT checked.
#
# The RustSec advisory database could not be fetched (no network access to it):
#   $reason
#
# Bans, licenses and sources were checked and passed. Run ./scripts/audit.sh where
# https://github.com/RustSec/advisory-db is reachable to check for vulnerable dependencies.
##########################################################################################

EOF
    return
  fi
  echo "audit: fetching the advisory database failed (not a network error):" >&2
  cat "$log" >&2
  rm -f "$log"
  return 1
}

install_cargo_deny
cargo fetch --locked --quiet
# --hide-inclusion-graph: without it every duplicate warning prints its whole inclusion tree
# (1,700 lines); run `.tools/bin/cargo-deny check` by hand to see who pulls a crate in.
"$DENY" --frozen check --hide-inclusion-graph bans licenses sources
check_advisories
