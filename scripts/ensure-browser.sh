#!/usr/bin/env bash
# The browser test drives the app with Playwright (from npm) and the distribution's Chromium.
# Install what is missing when we can; otherwise say how (the test then reports a skip).
set -u
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Chromium for the browser test (apt-get install chromium)..."
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 || \
      { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1; } || \
      echo "note: could not install Chromium; the browser test will be skipped (sudo apt-get install chromium)" >&2
  else
    echo "note: Chromium not found; the browser test will be skipped (sudo apt-get install chromium)" >&2
  fi
fi
if command -v npm >/dev/null 2>&1; then
  if [ ! -d tests/browser/node_modules/playwright-core ]; then
    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1) || \
      echo "note: npm could not install playwright-core; the browser test will be skipped" >&2
  fi
else
  echo "note: node/npm not found; the browser test will be skipped (install Node.js 20+)" >&2
fi
exit 0
