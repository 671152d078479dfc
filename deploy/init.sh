#!/bin/sh
# One-off start-up job for a shared deployment (the `init` service in compose.yaml).
# Runs before any app process starts, with the same environment as the app:
#   1. brings the knowledge on the Chroma server (CHROMA_HOST) up to date;
#   2. opens the database (DATABASE_URL) once, which creates or migrates the schema;
#   3. with COACH_ADMIN_PASSWORD set, creates the account `admin` (role admin) if it is missing.
# A database that has any account never gets the demo team, so a shared deployment has no
# demo passwords. Safe to run again: every step is a no-op when there is nothing to do.
set -eu

coach ingest
coach users list > /dev/null

if [ -n "${COACH_ADMIN_PASSWORD:-}" ]; then
    if out=$(COACH_NEW_PASSWORD="$COACH_ADMIN_PASSWORD" coach users add admin --role admin \
                 --display-name "Administrator" 2>&1); then
        echo "$out"
    else
        case "$out" in
            *"already exists"*) echo "admin account present" ;;
            *) echo "$out" >&2; exit 1 ;;
        esac
    fi
fi
