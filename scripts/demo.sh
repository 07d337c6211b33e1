#!/usr/bin/env bash
# The first-run demo: embedded defaults (local Maildir, SQLite, Maildir outbox) and the
# Prefect dashboard. Starts a local Prefect server (kept running for the dashboard),
# seeds the Maildir with the bundled returns as emails, runs the intake flow, prints
# who has returned what.
set -euo pipefail
cd "$(dirname "$0")/.."
export RETURNS_HOME=${RETURNS_HOME:-$PWD/var}
export PREFECT_HOME=${PREFECT_HOME:-$RETURNS_HOME/prefect}
export PREFECT_SERVER_ANALYTICS_ENABLED=false
PORT=${PREFECT_PORT:-4200}
export PREFECT_API_URL="http://127.0.0.1:$PORT/api"
mkdir -p "$RETURNS_HOME"

if ! curl -fs "$PREFECT_API_URL/health" >/dev/null 2>&1; then
  echo "demo: starting the Prefect server (dashboard) on http://127.0.0.1:$PORT ..."
  nohup .venv/bin/prefect server start --host 127.0.0.1 --port "$PORT" >"$RETURNS_HOME/prefect-server.log" 2>&1 &
  echo $! >"$RETURNS_HOME/prefect-server.pid"
  for _ in $(seq 1 120); do
    curl -fs "$PREFECT_API_URL/health" >/dev/null 2>&1 && break
    sleep 0.5
  done
fi

.venv/bin/returns demo
echo
echo "Dashboard: http://127.0.0.1:$PORT  (flow runs, the 'intake-summary' and 'intake-emails' artifacts)"
echo "Stop the server with: make stop"
