#!/bin/sh
# A base backup for point-in-time recovery: `pitr-backup.sh full|diff|incr` (default: full on Sundays, a
# differential on other days). The stanza is created on the first run. Run as the postgres user.
set -eu
stanza="${PGBACKREST_STANZA:-coach}"
type="${1:-}"
if [ -z "$type" ]; then
    if [ "$(date -u +%u)" = "7" ]; then type=full; else type=diff; fi
fi
pgbackrest --stanza="$stanza" stanza-create >/dev/null 2>&1 || pgbackrest --stanza="$stanza" check
pgbackrest --stanza="$stanza" --type="$type" backup
pgbackrest --stanza="$stanza" info
