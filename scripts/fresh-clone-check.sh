#!/usr/bin/env bash
# Fresh-clone check: clone the committed main into a temp folder, run the README's two
# commands there, and report. `make app` is judged by Streamlit's health endpoint.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
port="${PORT:-8765}"
app_pid=""
trap '[ -n "$app_pid" ] && kill -- -$app_pid 2>/dev/null; rm -rf "$work"' EXIT
git clone --quiet "$repo" "$work/clone"
cd "$work/clone"

start=$(date +%s)
make test > "$work/test.log" 2>&1 || { tail -30 "$work/test.log"; echo "FAIL: make test"; exit 1; }
echo "make test (first run, installs): $(( $(date +%s) - start ))s — $(grep -E '[0-9]+ passed' "$work/test.log" | tail -1)"

start=$(date +%s)
make setup > "$work/setup2.log" 2>&1 || { echo "FAIL: second make setup"; exit 1; }
echo "make setup again (lock unchanged, nothing reinstalled): $(( $(date +%s) - start ))s"

set -m
STREAMLIT_SERVER_PORT=$port make app > "$work/app.log" 2>&1 &
app_pid=$!
set +m
for _ in $(seq 1 60); do
  if curl -fs "http://127.0.0.1:$port/_stcore/health" > /dev/null 2>&1; then
    echo "make app: healthy on port $port"
    exit 0
  fi
  sleep 1
done
tail -20 "$work/app.log"
echo "FAIL: make app did not become healthy"
exit 1
