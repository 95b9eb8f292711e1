#!/usr/bin/env bash
# A real single-node OpenSearch (2.19, from Maven Central) on 127.0.0.1, for the tests and for
# trying shiplog locally. Needs Java 17+ and Maven; nothing is downloaded from anywhere else.
#
#   scripts/opensearch.sh start [STATE_DIR]   build the launcher if needed, start the node in the
#                                             background, wait until _cluster/health is yellow,
#                                             print its base URL. Idempotent: a running node is
#                                             reused.
#   scripts/opensearch.sh url   [STATE_DIR]   print the running node's base URL (exit 1 if none)
#   scripts/opensearch.sh stop  [STATE_DIR]   stop the node; its data stays in STATE_DIR/data, so
#                                             a later start finds the same indices
#
# STATE_DIR defaults to target/opensearch-node (removed by `cargo clean`). The node listens on a
# free port (HTTP and transport), security off, discovery.type=single-node, heap 512 MB
# (SHIPLOG_OPENSEARCH_HEAP to change it). Its log is STATE_DIR/node.log.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
module="$root/tests/opensearch-node"
build="$root/target/opensearch-node-build"
verb="${1:-}"
state="${2:-$root/target/opensearch-node}"
heap="${SHIPLOG_OPENSEARCH_HEAP:-512m}"
start_timeout_s="${SHIPLOG_OPENSEARCH_START_TIMEOUT:-180}"

die() { echo "opensearch.sh: $*" >&2; exit 1; }

running_pid() {
  [[ -f "$state/pid" ]] || return 1
  local pid
  pid="$(cat "$state/pid")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

healthy() {
  local url="$1"
  curl -fsS --max-time 5 "$url/_cluster/health?wait_for_status=yellow&timeout=5s" 2>/dev/null \
    | grep -Eq '"status":"(yellow|green)"'
}

java_bin() {
  local java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
  command -v "$java" >/dev/null 2>&1 || die "Java 17 or newer is needed (java not found)"
  local major
  major="$("$java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')"
  [[ "${major:-0}" -ge 17 ]] || die "Java 17 or newer is needed (found ${major:-unknown})"
  echo "$java"
}

# Compiles the launcher and writes its classpath, when the module changed since the last build.
build_launcher() {
  command -v mvn >/dev/null 2>&1 || die "Maven is needed to build the launcher (mvn not found)"
  local stamp="$build/classpath.txt"
  if [[ -f "$stamp" && -d "$build/classes" ]] \
    && [[ -z "$(find "$module" -newer "$stamp" -type f -print -quit)" ]]; then
    return 0
  fi
  mkdir -p "$build"
  mvn -B -q -f "$module/pom.xml" \
    -DbuildDirectory="$build" \
    compile dependency:build-classpath -Dmdep.outputFile="$stamp.tmp" >"$build/maven.log" 2>&1 \
    || { tail -40 "$build/maven.log" >&2; die "building the launcher failed (log: $build/maven.log)"; }
  mv "$stamp.tmp" "$stamp"
}

start() {
  mkdir -p "$state"
  exec 9>"$state/lock"
  flock 9
  local pid url
  if pid="$(running_pid)" && [[ -f "$state/url" ]] && url="$(cat "$state/url")" && healthy "$url"; then
    echo "$url"
    return 0
  fi
  [[ -n "${pid:-}" ]] && { kill "$pid" 2>/dev/null || true; sleep 1; }
  local java
  java="$(java_bin)"
  build_launcher
  rm -f "$state/url" "$state/pid"
  # setsid: the node outlives this script and the shell that called it.
  setsid "$java" -Xms"$heap" -Xmx"$heap" -XX:+UseSerialGC -Djava.awt.headless=true \
    -Dlog4j2.disable.jmx=true -Dlog4j.shutdownHookEnabled=false \
    -cp "$build/classes:$(cat "$build/classpath.txt")" \
    dev.shiplog.testnode.OpenSearchTestNode "$state" >"$state/node.log" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid" >"$state/pid"
  local waited=0
  while :; do
    kill -0 "$pid" 2>/dev/null \
      || { tail -40 "$state/node.log" >&2; die "the node exited during start-up (log: $state/node.log)"; }
    if [[ -f "$state/url" ]] && url="$(cat "$state/url")" && healthy "$url"; then
      echo "$url"
      return 0
    fi
    [[ "$waited" -lt "$start_timeout_s" ]] \
      || { tail -40 "$state/node.log" >&2; die "the node was not healthy after ${start_timeout_s}s"; }
    sleep 1
    waited=$((waited + 1))
  done
}

url() {
  running_pid >/dev/null && [[ -f "$state/url" ]] || die "no node is running in $state"
  cat "$state/url"
}

stop() {
  local pid
  if pid="$(running_pid)"; then
    kill "$pid"
    for _ in $(seq 1 60); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$state/pid" "$state/url"
}

case "$verb" in
  start) start ;;
  url) url ;;
  stop) stop ;;
  *) echo "usage: scripts/opensearch.sh start|url|stop [STATE_DIR]" >&2; exit 2 ;;
esac
