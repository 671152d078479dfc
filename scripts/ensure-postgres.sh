#!/usr/bin/env bash
# The store tests run against a real PostgreSQL server started from the distribution's binaries.
# Install them if they are missing and we can; otherwise say how (those tests then report a skip).
set -u
if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing the PostgreSQL server for the store tests (apt-get install postgresql)..."
  if DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null 2>&1 || \
     { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null 2>&1; }; then
    exit 0
  fi
fi
echo "note: PostgreSQL server binaries not found; the PostgreSQL store tests will be skipped." >&2
echo "      install them with: sudo apt-get install postgresql" >&2
exit 0
