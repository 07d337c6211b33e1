#!/usr/bin/env bash
# The first-run demo on the embedded defaults (local Maildir, SQLite, Maildir outbox):
#   1. a Prefect server with the dashboard on 127.0.0.1:4200 (kept running)
#   2. HOME/prefect-api-url, so every `returns` command run from this folder reports there
#   3. `returns serve`: the deployments (intake every 5 min, chase and status board daily,
#      recheck on demand) registered and run on their schedules (kept running)
#   4. the Maildir seeded with the bundled returns, the first intake run, the result
# `make stop` (scripts/stop.sh) stops what this started.
set -euo pipefail
cd "$(dirname "$0")/.."
export RETURNS_HOME=${RETURNS_HOME:-$PWD/var}
export PREFECT_HOME=${PREFECT_HOME:-$RETURNS_HOME/prefect}
export PREFECT_SERVER_ANALYTICS_ENABLED=false
PORT=${PREFECT_PORT:-4200}
API="http://127.0.0.1:$PORT/api"
export PREFECT_API_URL="$API"
mkdir -p "$RETURNS_HOME"

if ! curl -fs "$API/health" >/dev/null 2>&1; then
  echo "demo: starting the Prefect server (dashboard) on http://127.0.0.1:$PORT ..."
  PREFECT_UI_API_URL="$API" nohup .venv/bin/prefect server start --host 127.0.0.1 --port "$PORT" \
    >"$RETURNS_HOME/prefect-server.log" 2>&1 &
  echo $! >"$RETURNS_HOME/prefect-server.pid"
  for _ in $(seq 1 120); do
    curl -fs "$API/health" >/dev/null 2>&1 && break
    sleep 0.5
  done
  curl -fs "$API/health" >/dev/null || { echo "demo: the Prefect server did not start; see $RETURNS_HOME/prefect-server.log"; exit 1; }
fi
echo "$API" >"$RETURNS_HOME/prefect-api-url"

if [ ! -f "$RETURNS_HOME/serve.pid" ] || ! kill -0 "$(cat "$RETURNS_HOME/serve.pid")" 2>/dev/null; then
  echo "demo: registering the deployments and serving them (returns serve) ..."
  nohup .venv/bin/returns serve --home "$RETURNS_HOME" >"$RETURNS_HOME/serve.log" 2>&1 &
  echo $! >"$RETURNS_HOME/serve.pid"
fi

.venv/bin/returns demo --home "$RETURNS_HOME"
echo
echo "Dashboard:   http://127.0.0.1:$PORT"
echo "  Runs:        every intake and chase run, named after what it did"
echo "  Deployments: intake (every 5 min), chase (07:00), status-board (06:30), recheck - 'Run' to start one"
echo "  Artifacts:   status-board (who has returned what), intake-summary, chase-run, report-networks ..."
echo "In a shell here, 'returns status', 'returns chase --dry-run', 'returns report networks' use the same"
echo "warehouse ($RETURNS_HOME) and report their runs to this dashboard."
echo "Stop everything with: make stop"
