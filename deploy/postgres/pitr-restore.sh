#!/bin/sh
# Restore the database to an instant: `pitr-restore.sh "2026-12-07 03:15:00+00"` (or `latest`).
# The server must be stopped. Files are restored in place (--delta keeps what is unchanged), WAL is replayed
# up to the instant, and the server is promoted when it starts. Run as the postgres user.
set -eu
stanza="${PGBACKREST_STANZA:-coach}"
target="${1:?usage: pitr-restore.sh 'YYYY-MM-DD HH:MM:SS+00' | latest}"
if [ "$target" = "latest" ]; then
    pgbackrest --stanza="$stanza" --delta restore
else
    pgbackrest --stanza="$stanza" --delta --type=time --target="$target" --target-action=promote restore
fi
echo "Restored to $target: start PostgreSQL now; it replays WAL to that instant and opens for writes."
