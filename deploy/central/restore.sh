#!/usr/bin/env bash
# Restore a backup made by backup.sh into an empty database (docs/deploy-central.md, "The restore drill").
#
#   restore.sh [--db URL] [--env-file FILE] [--force] [--evidence SNAPSHOT] DUMP
#
#   DUMP              a central-*.dump from /var/lib/iplik-central/backups (or a copy of one)
#   --db URL          the database to restore into (default: IPLIK_CENTRAL_DATABASE_URL, read from
#                     --env-file, default /etc/iplik-central/central.env when it is readable)
#   --evidence DIR    also copy this central-*.evidence snapshot into IPLIK_CENTRAL_EVIDENCE_DIR
#   --force           restore even into a database that has tables (each object of the dump is
#                     dropped and made again: what was in them is lost), and over evidence files
#
# The database must exist and, without --force, be empty: make it first, owned by the role the
# server connects as, e.g.  sudo -u postgres createdb -O iplik-central iplik_central
# Stop the server during a restore (systemctl stop iplik-central iplik-central-tick.timer); start it
# afterwards: it migrates the restored database to its own schema version first.
# The restore is one transaction: if anything fails, the database is left as it was.
set -euo pipefail

HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
# shellcheck source=deploy/central/pgenv.sh
. "$HERE/pgenv.sh"

URL=""
ENV_FILE=""
FORCE=0
EVIDENCE_FROM=""
DUMP=""

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
  exit "${1:-0}"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --db) URL="${2:?--db needs a URL}"; shift 2 ;;
    --env-file) ENV_FILE="${2:?--env-file needs a file}"; shift 2 ;;
    --evidence) EVIDENCE_FROM="${2:?--evidence needs a folder}"; shift 2 ;;
    --force) FORCE=1; shift ;;
    -h | --help) usage 0 ;;
    -*) echo "restore.sh: unknown option $1" >&2; usage 2 ;;
    *) [ -z "$DUMP" ] || { echo "restore.sh: one DUMP only" >&2; exit 2; }; DUMP="$1"; shift ;;
  esac
done

[ -n "$DUMP" ] || usage 2
[ -f "$DUMP" ] || die "no such backup file: $DUMP"
for tool in pg_restore psql python3; do
  command -v "$tool" >/dev/null || die "$tool is missing (apt-get install postgresql-client python3)"
done
if [ -z "$URL" ]; then
  if [ -n "$ENV_FILE" ]; then
    load_env_file "$ENV_FILE"
  elif [ -z "${IPLIK_CENTRAL_DATABASE_URL:-}" ] && [ -r /etc/iplik-central/central.env ]; then
    load_env_file /etc/iplik-central/central.env
  fi
  URL="${IPLIK_CENTRAL_DATABASE_URL:-}"
fi
pg_restore --list "$DUMP" > /dev/null 2>&1 || die "$DUMP is not a pg_dump custom-format file (or it is damaged)"
pg_env "$URL"

sql() { psql --no-psqlrc --no-align --tuples-only --quiet --no-password --set=ON_ERROR_STOP=1 --command="$1"; }

if ! sql "SELECT 1" > /dev/null 2> "${TMPDIR:-/tmp}/iplik-restore.$$"; then
  reason="$(tail -n 1 "${TMPDIR:-/tmp}/iplik-restore.$$")"
  rm -f "${TMPDIR:-/tmp}/iplik-restore.$$"
  die "cannot connect to database $PGDATABASE: $reason
  Make it first, owned by the server's role: sudo -u postgres createdb -O ${PGUSER:-iplik-central} $PGDATABASE"
fi
rm -f "${TMPDIR:-/tmp}/iplik-restore.$$"

objects="$(sql "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
  AND n.nspname NOT LIKE 'pg_temp%' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')")"
clean=()
if [ "$objects" != 0 ]; then
  if [ "$FORCE" != 1 ]; then
    die "database $PGDATABASE is not empty ($objects tables, views or sequences): nothing was restored.
  Restore into a new, empty database (sudo -u postgres createdb -O ${PGUSER:-iplik-central} NEWNAME, then --db),
  or pass --force to drop and replace every object the backup holds (what is in them now is lost)."
  fi
  clean=(--clean --if-exists)
  echo "database $PGDATABASE has $objects objects: --force, replacing them"
fi

if [ -n "$EVIDENCE_FROM" ]; then
  [ -d "$EVIDENCE_FROM" ] || die "no such evidence snapshot: $EVIDENCE_FROM"
  target="${IPLIK_CENTRAL_EVIDENCE_DIR:-}"
  [ -n "$target" ] || die "IPLIK_CENTRAL_EVIDENCE_DIR is not set: where should the evidence files go?"
  if [ -d "$target" ] && [ -n "$(find "$target" -mindepth 1 -print -quit)" ] && [ "$FORCE" != 1 ]; then
    die "$target is not empty: nothing was restored (--force replaces its files)"
  fi
  command -v rsync >/dev/null || die "rsync is missing (apt-get install rsync)"
fi

# The objects belong to whoever restores (the server's role), whatever role owned them in the old
# cluster; grants of the old cluster are not carried over for the same reason.
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --no-password "${clean[@]}" \
  --dbname="$PGDATABASE" "$DUMP"
echo "restored $DUMP into database $PGDATABASE"

if [ -n "$EVIDENCE_FROM" ]; then
  mkdir -p "$target"
  rsync -a --delete "$EVIDENCE_FROM/" "$target/"
  echo "restored the evidence files into $target ($(find "$target" -type f | wc -l) files);" \
    "if you ran this as root: chown -R iplik-central:iplik-central $target"
fi

# Rows per table, to compare with the old server (the same query there) or a count you know.
echo "rows per table:"
sql "SELECT format('  %-40s %s', table_name,
        (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', table_schema, table_name),
                                              false, true, '')))[1]::text)
     FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
echo "next: systemctl start iplik-central iplik-central-tick.timer (the server migrates the database to its release)"
