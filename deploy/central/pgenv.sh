# shellcheck shell=bash
# Shared by backup.sh, restore.sh and iplik-central (the command wrapper): reading central.env the
# way systemd does, and turning the server's database URL into libpq's PG* variables, so pg_dump,
# pg_restore and psql reach the same database as the server without a password on any command line
# (a process's arguments are visible to every user of the host; its environment is not).

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# load_env_file FILE: export every KEY=VALUE of an EnvironmentFile (no shell expansion, quotes
# around the value removed); a variable already set in the environment keeps its value.
load_env_file() {
  local file="$1" line key value
  [ -r "$file" ] || die "cannot read $file (run as root, or pass --env-file)"
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line#"${line%%[![:space:]]*}"}"
    case "$line" in "" | "#"* | ";"*) continue ;; esac
    key="${line%%=*}"
    value="${line#*=}"
    [[ "$key" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "$file: not a KEY=VALUE line: ${key:0:40}"
    if [[ "$value" =~ ^\"(.*)\"$ ]] || [[ "$value" =~ ^\'(.*)\'$ ]]; then value="${BASH_REMATCH[1]}"; fi
    if [ -z "${!key+x}" ]; then export "$key=$value"; fi
  done < "$file"
}

# pg_env URL: export PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE (and PGSSLMODE, ...) for the
# server's URL postgresql+psycopg://user:password@host:port/database?host=/run/postgresql&sslmode=...
pg_env() {
  local url="$1" assignments line
  case "$url" in
    postgresql+psycopg://*) ;;
    "") die "no database: set IPLIK_CENTRAL_DATABASE_URL (in /etc/iplik-central/central.env) or pass --db URL" ;;
    sqlite:*) die "the database is SQLite; these scripts back up and restore PostgreSQL (docs/deploy-central.md)" ;;
    *) die "the database URL must start with postgresql+psycopg://" ;;
  esac
  assignments="$(python3 - "$url" <<'PY'
import sys
from urllib.parse import parse_qsl, unquote, urlsplit

url = urlsplit(sys.argv[1])
out = {}
if url.username:
    out["PGUSER"] = unquote(url.username)
if url.password is not None:
    out["PGPASSWORD"] = unquote(url.password)
if url.hostname:
    out["PGHOST"] = unquote(url.hostname)
if url.port:
    out["PGPORT"] = str(url.port)
database = unquote(url.path.lstrip("/"))
if not database:
    sys.exit("the database URL names no database")
out["PGDATABASE"] = database
names = {"host": "PGHOST", "port": "PGPORT", "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT",
         "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "connect_timeout": "PGCONNECT_TIMEOUT",
         "application_name": "PGAPPNAME", "options": "PGOPTIONS"}
for key, value in parse_qsl(url.query, keep_blank_values=True):
    if key not in names:
        sys.exit(f"the database URL has a parameter these scripts do not know: {key}")
    out[names[key]] = value
for key, value in out.items():
    if "\n" in value or "\0" in value:
        sys.exit(f"the database URL has a line break in {key}")
    print(f"{key}={value}")
PY
)" || die "cannot read the database URL"
  while IFS= read -r line; do
    export "${line%%=*}=${line#*=}"
  done <<< "$assignments"
}
