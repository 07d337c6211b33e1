#!/usr/bin/env bash
# Stop what `make demo` started: `returns serve`, then the Prefect server.
set -uo pipefail
cd "$(dirname "$0")/.."
RETURNS_HOME=${RETURNS_HOME:-$PWD/var}
stopped=0
for name in serve prefect-server; do
  pidfile="$RETURNS_HOME/$name.pid"
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -INT "$pid" 2>/dev/null
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    echo "stopped $name (pid $pid)"
    stopped=1
  fi
  rm -f "$pidfile"
done
rm -f "$RETURNS_HOME/prefect-api-url"
[ "$stopped" = 1 ] || echo "nothing to stop"
