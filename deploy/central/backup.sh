#!/usr/bin/env bash
# The central server's backup: one pg_dump -Fc of the database and a snapshot of the evidence uploads,
# run nightly by iplik-central-backup.timer (docs/deploy-central.md, "Backups").
#
#   backup.sh [--dir DIR] [--keep-days N] [--db URL] [--evidence DIR]
#
# Settings come from the environment (the unit's Environment= and /etc/iplik-central/central.env);
# the options override them:
#   IPLIK_CENTRAL_DATABASE_URL   postgresql+psycopg://... (the server's own setting)
#   IPLIK_BACKUP_DIR             where backups go (default /var/lib/iplik-central/backups)
#   IPLIK_BACKUP_KEEP_DAYS       days kept (default 14); the backup just made is always kept
#   IPLIK_CENTRAL_EVIDENCE_DIR   the evidence uploads (none set or not there yet: only the database)
#
# What it leaves in DIR, per run (UTC time in the name):
#   central-YYYYMMDDTHHMMSSZ.dump       the database, pg_dump custom format (restore.sh DUMP)
#   central-YYYYMMDDTHHMMSSZ.evidence/  the evidence files; unchanged files are hard links into the
#                                       previous snapshot, so a night costs only what changed
#   LATEST                              the name of the newest good backup (monitoring: its age)
# Each is written under a hidden .partial name, checked (pg_restore reads the whole dump back), synced
# to disk, then renamed: a file with a final name is a complete backup. On any failure the partial files
# are removed, nothing older is deleted, and the exit status is not 0 (the unit shows as failed).
set -euo pipefail

HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
# shellcheck source=deploy/central/pgenv.sh
. "$HERE/pgenv.sh"

DIR="${IPLIK_BACKUP_DIR:-/var/lib/iplik-central/backups}"
KEEP_DAYS="${IPLIK_BACKUP_KEEP_DAYS:-14}"
URL="${IPLIK_CENTRAL_DATABASE_URL:-}"
EVIDENCE="${IPLIK_CENTRAL_EVIDENCE_DIR:-}"

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
  exit "${1:-0}"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --dir) DIR="${2:?--dir needs a folder}"; shift 2 ;;
    --keep-days) KEEP_DAYS="${2:?--keep-days needs a number}"; shift 2 ;;
    --db) URL="${2:?--db needs a URL}"; shift 2 ;;
    --evidence) EVIDENCE="${2:?--evidence needs a folder}"; shift 2 ;;
    -h | --help) usage 0 ;;
    *) echo "backup.sh: unknown option $1" >&2; usage 2 ;;
  esac
done

[[ "$KEEP_DAYS" =~ ^[1-9][0-9]{0,3}$ ]] || die "IPLIK_BACKUP_KEEP_DAYS must be a whole number of days from 1 to 9999, not '$KEEP_DAYS'"
[ -d "$DIR" ] || die "the backup folder $DIR does not exist (install.sh makes it)"
[ -w "$DIR" ] || die "cannot write into $DIR (run as iplik-central: systemctl start iplik-central-backup)"
for tool in pg_dump pg_restore python3; do
  command -v "$tool" >/dev/null || die "$tool is missing (apt-get install postgresql-client python3)"
done
pg_env "$URL"

# One backup at a time: a run started by hand during the nightly one waits for nothing, it stops.
exec 9> "$DIR/.lock"
flock -n 9 || die "another backup is running in $DIR"
# What a killed run left (the lock says no run is going on now).
rm -rf "$DIR"/.central-*.partial

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
name="central-$stamp"
dump_tmp="$DIR/.$name.dump.partial"
evidence_tmp="$DIR/.$name.evidence.partial"
trap 'rm -rf "$dump_tmp" "$evidence_tmp"' EXIT
trap 'echo "backup FAILED: $name was not made; older backups are untouched" >&2' ERR

started=$SECONDS
# -Fc: compressed, and pg_restore can pick tables from it. One consistent snapshot of the database.
pg_dump --format=custom --compress=6 --file="$dump_tmp" --no-password
# Read it all back: a dump that pg_restore cannot read is no backup. (--list alone reads only its table
# of contents; writing the whole script to /dev/null decompresses every table's data.)
pg_restore --file=/dev/null "$dump_tmp"
tables="$(pg_restore --list "$dump_tmp" | grep -c ' TABLE DATA ' || true)"
sync "$dump_tmp"
mv -T "$dump_tmp" "$DIR/$name.dump"
sync "$DIR"
size="$(du -h "$DIR/$name.dump" | cut -f1)"
echo "database $PGDATABASE: $DIR/$name.dump ($size, $tables tables)"

if [ -n "$EVIDENCE" ] && [ -d "$EVIDENCE" ]; then
  command -v rsync >/dev/null || die "rsync is missing (apt-get install rsync)"
  previous="$(find "$DIR" -maxdepth 1 -type d -name 'central-*.evidence' | LC_ALL=C sort | tail -n 1)"
  link=()
  [ -z "$previous" ] || link=(--link-dest="$previous")
  rsync -a --delete "${link[@]}" "$EVIDENCE/" "$evidence_tmp/"
  sync -f "$evidence_tmp"
  mv -T "$evidence_tmp" "$DIR/$name.evidence"
  files="$(find "$DIR/$name.evidence" -type f | wc -l)"
  echo "evidence: $DIR/$name.evidence ($files files)"
elif [ -n "$EVIDENCE" ]; then
  echo "evidence: $EVIDENCE does not exist yet (no uploads): only the database was backed up"
fi

printf '%s\n' "$name" > "$DIR/.LATEST.tmp"
mv -T "$DIR/.LATEST.tmp" "$DIR/LATEST"

# Older than KEEP_DAYS by the time in their names (mtimes change with copies and rsync). The backup
# just made is new, so a failed night never leaves zero backups: nothing is deleted before it exists.
cutoff="$(date -u -d "-$KEEP_DAYS days" +%Y%m%dT%H%M%SZ)"
removed=0
for old in "$DIR"/central-*.dump "$DIR"/central-*.evidence; do
  [ -e "$old" ] || continue
  base="${old##*/central-}"
  when="${base%%.*}"
  [[ "$when" =~ ^[0-9]{8}T[0-9]{6}Z$ ]] || continue
  if [[ "$when" < "$cutoff" ]] && [ "$when" != "$stamp" ]; then
    rm -rf "$old"
    removed=$((removed + 1))
  fi
done
echo "backup $name done in $((SECONDS - started)) s; removed $removed older than $KEEP_DAYS days"
