#!/usr/bin/env bash
# Install or upgrade the iPLiK central server on Debian 12 (docs/deploy-central.md). Safe to run again:
# what is already right is left alone, central.env is never overwritten, and the end of the output says
# what was done and what is left.
#
#   sudo deploy/central/install.sh --domain iplik.ntbprov.go.id --proxy nginx --local-db
#   sudo deploy/central/install.sh                 # an upgrade: the checkout's new release
#
# What it sets up:
#   packages   python3 + venv, postgresql-client, rsync, openssl (+ nginx or caddy, + postgresql)
#   user       iplik-central: a system user with no password and no shell
#   app        /opt/iplik-central/releases/<version>/ with its own .venv, /opt/iplik-central/current -> it
#   settings   /etc/iplik-central/central.env (0640 root:iplik-central) from central.env.example, once
#   data       /var/lib/iplik-central (0750): evidence/ uploads, backups/ (nightly)
#   units      iplik-central.service (uvicorn workers on 127.0.0.1), the tick timer (every 5 min), the
#              backup timer (nightly); the command /usr/local/bin/iplik-central
#   proxy      nginx (a server block with TLS, a placeholder certificate until yours is there) or Caddy
#              (automatic certificates)
#   database   --local-db: PostgreSQL on this host, role iplik-central (peer authentication, no
#              password) owning database iplik_central. The schema is migrated by the NEW release
#              before it becomes current: a release whose migration fails is never switched to.
#
# Options:
#   --domain NAME          the server's host name (proxy configuration, public URL of a new central.env)
#   --proxy nginx|caddy|none   the reverse proxy to set up (default nginx; none: yours)
#   --acme-email ADDR      Caddy: the address Let's Encrypt writes to about the certificate
#   --local-db             install PostgreSQL here and make the role and the database
#   --from DIR | --tarball FILE   where the app comes from (default: the checkout holding this script)
#   --version V            release name (default: pyproject version + git commit)
#   --wheelhouse DIR       install the Python packages offline from DIR
#   --builder EXE          run EXE RELEASE_DIR instead of venv + pip install (tests, build farms)
#   --no-start             do not start or restart anything
#   --rollback             only switch back to the previous release and restart the server (migrations
#                          only add, so the previous release runs on the database the new one migrated)
#   --root DIR             lay everything under DIR (staging, tests); --dry-run: change nothing
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# The kiosk's provisioning helpers: --root, --dry-run, files with owner and mode, the manifest.
# shellcheck source=deploy/lib.sh
. "$HERE/../lib.sh"

SERVER_USER="iplik-central"
APP="/opt/iplik-central"
ETC="/etc/iplik-central"
ENV_FILE="$ETC/central.env"
DATA="/var/lib/iplik-central"
UNIT_DIR="/etc/systemd/system"
UNITS=(iplik-central.service iplik-central-tick.service iplik-central-tick.timer
       iplik-central-backup.service iplik-central-backup.timer)
DOMAIN="" PROXY="nginx" ACME_EMAIL="" LOCAL_DB=0 SRC_DIR="" TARBALL="" VERSION="" WHEELHOUSE="" BUILDER=""
NO_START=0 ROLLBACK=0

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
  exit "${1:-0}"
}

need() {
  if [ $# -lt 2 ] || [ -z "$2" ]; then
    echo "install.sh: $1 needs a value" >&2
    exit 2
  fi
}

while [ $# -gt 0 ]; do
  case "$1" in
    --domain) need "$@"; DOMAIN="$2"; shift 2 ;;
    --proxy) need "$@"; PROXY="$2"; shift 2 ;;
    --acme-email) need "$@"; ACME_EMAIL="$2"; shift 2 ;;
    --local-db) LOCAL_DB=1; shift ;;
    --from) need "$@"; SRC_DIR="$2"; shift 2 ;;
    --tarball) need "$@"; TARBALL="$2"; shift 2 ;;
    --version) need "$@"; VERSION="$2"; shift 2 ;;
    --wheelhouse) need "$@"; WHEELHOUSE="$2"; shift 2 ;;
    --builder) need "$@"; BUILDER="$2"; shift 2 ;;
    --no-start) NO_START=1; shift ;;
    --rollback) ROLLBACK=1; shift ;;
    --root) need "$@"; ROOT="$(realpath -m "$2")"; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h | --help) usage 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage 2 ;;
  esac
done

# --- checking the options before anything changes ---------------------------------------------------

case "$PROXY" in nginx | caddy | none) ;; *) die "--proxy must be nginx, caddy or none" ;; esac
if [ -n "$DOMAIN" ] && ! [[ "$DOMAIN" =~ ^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$ ]]; then
  die "--domain must be a host name such as iplik.ntbprov.go.id, not '$DOMAIN'"
fi
if [ -n "$ACME_EMAIL" ] && ! [[ "$ACME_EMAIL" =~ ^[^[:space:]@]+@[^[:space:]@]+$ ]]; then
  die "--acme-email must be an e-mail address"
fi
if [ -z "$SRC_DIR" ] && [ -z "$TARBALL" ]; then SRC_DIR="$(cd "$HERE/../.." && pwd)"; fi
[ -z "$TARBALL" ] || [ -f "$TARBALL" ] || die "no such tarball: $TARBALL"
[ -z "$SRC_DIR" ] || [ -f "$SRC_DIR/pyproject.toml" ] || die "$SRC_DIR is not a source tree (no pyproject.toml)"
if ! staging && ! dry && [ "$(id -u)" -ne 0 ]; then
  die "run as root: sudo $0 ... (or --dry-run to see what it would do)"
fi

manifest_load

if [ "$ROLLBACK" = 1 ]; then
  step "Rollback"
  cur="$(readlink "$(R "$APP/current")" 2>/dev/null || true)"
  prev="$(readlink "$(R "$APP/previous")" 2>/dev/null || true)"
  if [ -z "$prev" ] || [ ! -d "$(R "$APP/$prev")" ]; then die "there is no previous release to go back to"; fi
  ensure_link "$prev" "$APP/current"
  [ -z "$cur" ] || ensure_link "$cur" "$APP/previous"
  [ "$NO_START" = 1 ] || sys_run systemctl restart iplik-central.service
  manifest_save
  summary
  exit 0
fi

say "iPLiK central server installation$(staging && printf ' into %s' "$ROOT")$(dry && printf ' (dry run: nothing is changed)')"

# --- the system ----------------------------------------------------------------------------------------

PACKAGES=(python3 python3-venv postgresql-client rsync openssl ca-certificates)
[ "$PROXY" = none ] || PACKAGES+=("$PROXY")
[ "$LOCAL_DB" = 0 ] || PACKAGES+=(postgresql)
step "Packages"
install_packages "${PACKAGES[@]}"

step "Server user"
if staging || dry; then
  sys_run useradd --system --user-group --home-dir "$DATA" --no-create-home --shell /usr/sbin/nologin "$SERVER_USER"
elif id "$SERVER_USER" >/dev/null 2>&1; then
  same "user $SERVER_USER exists"
else
  useradd --system --user-group --home-dir "$DATA" --no-create-home --shell /usr/sbin/nologin \
    --comment "iPLiK central server" "$SERVER_USER"
  did "created the system user $SERVER_USER"
fi

step "Folders"
ensure_dir "$APP" 0755 root root
ensure_dir "$APP/releases" 0755 root root
ensure_dir "$ETC" 0750 root "$SERVER_USER"
ensure_dir "$ETC/tls" 0750 root root
ensure_dir "$DATA" 0750 "$SERVER_USER" "$SERVER_USER"
ensure_dir "$DATA/evidence" 0750 "$SERVER_USER" "$SERVER_USER"
ensure_dir "$DATA/backups" 0750 "$SERVER_USER" "$SERVER_USER"

# --- the release -----------------------------------------------------------------------------------------

source_version() {
  local dir="$1" v sha=""
  v="$(sed -n 's/^version *= *"\(.*\)"/\1/p' "$dir/pyproject.toml" 2>/dev/null | head -n 1)"
  [ -n "$v" ] || die "$dir/pyproject.toml has no version; pass --version"
  if git -C "$dir" rev-parse --git-dir >/dev/null 2>&1; then sha="+g$(git -C "$dir" rev-parse --short=8 HEAD)"; fi
  printf '%s%s' "$v" "$sha"
}

unpack_source() {
  local dest="$1" tmp top
  if [ -n "$TARBALL" ]; then
    tmp="$(mktemp -d)"
    tar -xzf "$TARBALL" -C "$tmp"
    top="$(find "$tmp" -mindepth 1 -maxdepth 1)"
    # `git archive --prefix=name/` makes one top folder: take what is inside it.
    if [ "$(printf '%s\n' "$top" | wc -l)" = 1 ] && [ -d "$top" ]; then cp -a "$top/." "$dest/"; else cp -a "$tmp/." "$dest/"; fi
    rm -rf "$tmp"
  elif git -C "$SRC_DIR" rev-parse --git-dir >/dev/null 2>&1; then
    # The committed tree only: never a developer's half-edited files.
    git -C "$SRC_DIR" archive --format=tar HEAD | tar -x -C "$dest"
  else
    tar -C "$SRC_DIR" --exclude=./.git --exclude=./.venv --exclude=./var --exclude=__pycache__ -cf - . | tar -x -C "$dest"
  fi
}

if [ -z "$VERSION" ]; then
  if [ -n "$TARBALL" ]; then
    VERSION="$(basename "$TARBALL" .tar.gz)"
  else
    VERSION="$(source_version "$SRC_DIR")"
  fi
fi
[[ "$VERSION" =~ ^[A-Za-z0-9][A-Za-z0-9._+-]*$ ]] || die "--version may hold letters, digits and . _ + - only"
REL="$APP/releases/$VERSION"
step "Release $VERSION"
if [ -f "$(R "$REL")/.iplik-release" ]; then
  same "$REL is installed"
elif dry; then
  say "  would unpack ${TARBALL:-$SRC_DIR} into $REL and build its .venv"
else
  real="$(R "$REL")"
  rm -rf "$real"
  mkdir -p "$real"
  unpack_source "$real"
  # The venv is built in place: its scripts carry the release's absolute path.
  if [ -n "$BUILDER" ]; then
    "$BUILDER" "$real" || { rm -rf "$real"; die "the builder failed for $VERSION"; }
  else
    python3 -m venv "$real/.venv"
    pip=("$real/.venv/bin/pip" install --disable-pip-version-check --quiet)
    [ -z "$WHEELHOUSE" ] || pip+=(--no-index --find-links "$WHEELHOUSE")
    # Editable: the server reads its templates, locale catalogs and assets from the release folder.
    "${pip[@]}" -e "${real}[server]" || { rm -rf "$real"; die "pip install failed for $VERSION (network? try --wheelhouse)"; }
  fi
  # Byte-compiled now: the server's user cannot write into the release.
  "$real/.venv/bin/python" -m compileall -q "$real/kiosk" >/dev/null || true
  if ! "$real/.venv/bin/python" -m kiosk.central --help >/dev/null 2>"$real.smoke.log"; then
    warn "the new release's server does not start:"
    sed 's/^/    /' "$real.smoke.log" | tail -n 15 >&2
    rm -rf "$real" "$real.smoke.log"
    die "release $VERSION is broken; nothing was changed"
  fi
  rm -f "$real.smoke.log"
  printf 'version=%s\nsource=%s\ninstalled=%s\n' "$VERSION" "${TARBALL:-$SRC_DIR}" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$real/.iplik-release"
  staging || chown -R root:root "$real"
  chmod -R u+rwX,go+rX,go-w "$real"
  did "installed release $VERSION in $REL"
fi
set_meta "$REL" dir 0755 root root

# --- settings ------------------------------------------------------------------------------------------

step "Settings"
new_env=0
if [ -f "$(R "$ENV_FILE")" ]; then
  same "$ENV_FILE is kept as it is (compare it with $REL/deploy/central/central.env.example after an upgrade)"
  set_meta "$ENV_FILE" file 0640 root "$SERVER_USER"
else
  new_env=1
  work="$(mktemp)"
  cp "$HERE/central.env.example" "$work"
  if [ -n "$DOMAIN" ]; then sed -i "s#^IPLIK_CENTRAL_PUBLIC_URL=.*#IPLIK_CENTRAL_PUBLIC_URL=https://$DOMAIN#" "$work"; fi
  install_file "$work" "$ENV_FILE" 0640 root "$SERVER_USER"
  rm -f "$work"
  left "fill in $ENV_FILE: the database (if not --local-db), IPLIK_CENTRAL_PUBLIC_URL, the SMTP server; then: systemctl restart iplik-central"
fi

# --- the database ----------------------------------------------------------------------------------------

step "Database"
if [ "$LOCAL_DB" = 1 ]; then
  if staging || dry; then
    sys_run runuser -u postgres -- createuser "$SERVER_USER"
    sys_run runuser -u postgres -- createdb -O "$SERVER_USER" iplik_central
  else
    if [ "$(runuser -u postgres -- psql -XtAc "SELECT 1 FROM pg_roles WHERE rolname = '$SERVER_USER'")" = 1 ]; then
      same "PostgreSQL role $SERVER_USER exists"
    else
      runuser -u postgres -- createuser "$SERVER_USER"
      did "created the PostgreSQL role $SERVER_USER (peer authentication over the local socket)"
    fi
    if [ "$(runuser -u postgres -- psql -XtAc "SELECT 1 FROM pg_database WHERE datname = 'iplik_central'")" = 1 ]; then
      same "PostgreSQL database iplik_central exists"
    else
      runuser -u postgres -- createdb -O "$SERVER_USER" iplik_central
      did "created the PostgreSQL database iplik_central"
    fi
  fi
fi
# The new release migrates the database before it becomes current (and before the server restarts).
MIGRATED=0
if staging || dry; then
  sys_run env IPLIK_CENTRAL_APP="$REL" "$REL/deploy/central/iplik-central" migrate
elif [ "$new_env" = 1 ] && [ "$LOCAL_DB" = 0 ]; then
  same "not migrating yet: $ENV_FILE is new and names no database of yours yet"
else
  if ! IPLIK_CENTRAL_APP="$REL" "$REL/deploy/central/iplik-central" migrate 2>&1 | sed 's/^/  /'; then
    die "release $VERSION could not migrate the database (above): nothing was switched"
  fi
  MIGRATED=1
fi

step "Switch"
cur="$(readlink "$(R "$APP/current")" 2>/dev/null || true)"
SWITCHED=0
if [ "$cur" = "releases/$VERSION" ]; then
  same "$APP/current -> releases/$VERSION"
else
  [ -z "$cur" ] || ensure_link "$cur" "$APP/previous"
  ensure_link "releases/$VERSION" "$APP/current"
  SWITCHED=1
fi

# --- units, command, proxy -------------------------------------------------------------------------------

step "Services"
for u in "${UNITS[@]}"; do
  install_file "$HERE/$u" "$UNIT_DIR/$u" 0644 root root
done
install_file "$HERE/iplik-central" /usr/local/bin/iplik-central 0755 root root
sys_run systemctl daemon-reload
sys_run systemctl enable iplik-central.service iplik-central-tick.timer iplik-central-backup.timer

step "Reverse proxy ($PROXY)"
domain="${DOMAIN:-iplik.example.go.id}"
[ -n "$DOMAIN" ] || [ "$PROXY" = none ] || left "run again with --domain NAME: the proxy answers to iplik.example.go.id until then"
case "$PROXY" in
  nginx)
    # Not `sed | install_text`: the right side of a pipe is a subshell, and the manifest it keeps would be lost.
    work="$(mktemp)"
    sed "s/iplik\.example\.go\.id/$domain/g" "$HERE/nginx-iplik-central.conf" > "$work"
    install_file "$work" /etc/nginx/sites-available/iplik-central.conf 0644 root root
    rm -f "$work"
    ensure_dir /etc/nginx/sites-enabled 0755 root root
    ensure_link ../sites-available/iplik-central.conf /etc/nginx/sites-enabled/iplik-central.conf
    ensure_dir /var/www/letsencrypt 0755 root root
    # nginx will not start without the certificate it names: a self-signed one, until yours is there.
    if [ -f "$(R "$ETC/tls/fullchain.pem")" ]; then
      same "$ETC/tls/fullchain.pem exists"
    elif dry; then
      say "  would make a self-signed placeholder certificate for $domain in $ETC/tls/"
    else
      openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$domain" -addext "subjectAltName=DNS:$domain" \
        -keyout "$(R "$ETC/tls/privkey.pem")" -out "$(R "$ETC/tls/fullchain.pem")" 2>/dev/null
      set_meta "$ETC/tls/privkey.pem" file 0600 root root
      set_meta "$ETC/tls/fullchain.pem" file 0644 root root
      did "made a self-signed placeholder certificate for $domain (30 days)"
      left "put the real certificate in $ETC/tls/ (fullchain.pem, privkey.pem; certbot: docs/deploy-central.md), then: systemctl reload nginx"
    fi
    sys_run nginx -t
    sys_run systemctl reload-or-restart nginx
    ;;
  caddy)
    caddyfile=/etc/caddy/Caddyfile
    # Debian's caddy package ships a placeholder Caddyfile; one of the site's own is left alone.
    if [ -f "$(R "$caddyfile")" ] && ! head -n 1 "$(R "$caddyfile")" | grep -q -e '^# The Caddyfile is an easy way' -e '^# iPLiK central server'; then
      same "$caddyfile is the site's own: not touched"
      left "add the iPLiK site to $caddyfile (deploy/central/Caddyfile shows it)"
    else
      work="$(mktemp)"
      sed -e "s/iplik\.example\.go\.id/$domain/g" -e "s/admin@example\.go\.id/${ACME_EMAIL:-admin@$domain}/" "$HERE/Caddyfile" > "$work"
      install_file "$work" "$caddyfile" 0644 root root
      rm -f "$work"
    fi
    sys_run caddy validate --config "$caddyfile" --adapter caddyfile
    sys_run systemctl reload-or-restart caddy
    ;;
  none)
    same "no proxy set up: yours must pass X-Forwarded-For and be the one address in IPLIK_CENTRAL_TRUSTED_PROXIES"
    ;;
esac

# --- start ---------------------------------------------------------------------------------------------

step "Start"
if [ "$NO_START" = 1 ]; then
  left "start the server: systemctl start iplik-central iplik-central-tick.timer iplik-central-backup.timer"
elif staging || dry; then
  sys_run systemctl restart iplik-central.service
  sys_run systemctl start iplik-central-tick.timer iplik-central-backup.timer
elif [ "$MIGRATED" = 0 ]; then
  left "then start the server: systemctl start iplik-central iplik-central-tick.timer iplik-central-backup.timer"
else
  if [ "$SWITCHED" = 1 ] || ! systemctl is-active --quiet iplik-central.service; then
    systemctl restart iplik-central.service
    did "restarted iplik-central"
  fi
  systemctl start iplik-central-tick.timer iplik-central-backup.timer
  port="$(sed -n 's/^IPLIK_SERVE_PORT=\([0-9]*\).*/\1/p' "$ENV_FILE" | tail -n 1)"
  url="http://127.0.0.1:${port:-8080}/api/v1/health"
  if python3 - "$url" <<'PY'
import sys, time, urllib.request
for _ in range(60):
    try:
        with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
            if r.status == 200:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(1)
sys.exit(1)
PY
  then
    did "the server answers at $url"
  else
    warn "the server does not answer at $url: journalctl -u iplik-central -b"
    if [ "$SWITCHED" = 1 ] && [ -n "$cur" ]; then
      left "to go back to $cur: $0 --rollback"
    fi
    manifest_save
    summary
    exit 1
  fi
fi
left "the first administrator: sudo iplik-central user add --role admin --name \"Nama Lengkap\" admin"

manifest_save
summary
