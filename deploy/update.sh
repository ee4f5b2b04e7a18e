#!/usr/bin/env bash
# Install a new release of the kiosk app and switch to it, rolling back when it does not come up.
#
#   update.sh --from DIR        a git checkout (its committed HEAD) or an unpacked source tree
#   update.sh --tarball FILE    a .tar.gz of the source tree (e.g. `git archive --format=tar.gz HEAD`)
#   update.sh --rollback        go back to the previous release
#   update.sh --status          show the installed releases
#
# What an update does (deploy/README.md, "Updates and rollback"):
#   1. unpack the source into /opt/iplik-kiosk/releases/<version>/ with its own .venv (pip install -e,
#      offline from --wheelhouse when given); the running release is not touched;
#   2. check it before any switch: `kiosk --help` runs, and the new release migrates a COPY of the
#      kiosk database and `kiosk doctor --quick` passes on that copy. A failure here stops the update
#      with nothing changed. The copy is kept in /var/lib/iplik-kiosk/backups/ (the last 5);
#   3. switch the `current` symlink atomically (rename over it) and remember the old one as `previous`;
#   4. restart iplik-sync and iplik-kiosk; systemctl waits for the app's READY=1 (Type=notify), then the
#      unit must stay up for --settle seconds without a restart, and `kiosk doctor --quick` must pass;
#   5. if any of that fails: point `current` back at the previous release, restart, and exit 1.
# The database migrates when the new app starts (kiosk.store.db); migrations only add, so the previous
# release still runs on a migrated database after a rollback (tests/test_store_records.py upgrades a
# database from every released schema step).
#
# Options:
#   --version V        release name (default: pyproject version + git commit, e.g. 0.1.0+g8b74c7f)
#   --wheelhouse DIR   install Python packages from DIR only (no network): pip download -d DIR ".[ui]" setuptools wheel
#   --python PY        the Python that makes the venv (default python3)
#   --builder EXE      run EXE RELEASE_DIR instead of the default venv + pip install (a build farm's own
#                      step; the tests use one that reuses the development environment's packages)
#   --restart-cmd EXE  run EXE instead of `systemctl restart` (environment: IPLIK_ROOT, IPLIK_RELEASE)
#   --no-restart       switch without restarting anything
#   --install-only     only install the release; make it current when there is none yet (provision.sh)
#   --settle S         seconds the unit must stay up after READY (default 10)
#   --keep N           releases kept on disk besides current and previous (default 3)
#   --root DIR, --dry-run   see deploy/lib.sh
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/lib.sh
. "$HERE/lib.sh"

MODE="update"
SRC_DIR=""
TARBALL=""
VERSION=""
WHEELHOUSE=""
PYTHON="python3"
BUILDER=""
RESTART_CMD=""
NO_RESTART=0
SETTLE=10
KEEP=3
UNITS=(iplik-sync.service iplik-kiosk.service)

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
  exit "${1:-0}"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --from) SRC_DIR="$2"; shift 2 ;;
    --tarball) TARBALL="$2"; shift 2 ;;
    --version) VERSION="$2"; shift 2 ;;
    --wheelhouse) WHEELHOUSE="$2"; shift 2 ;;
    --python) PYTHON="$2"; shift 2 ;;
    --builder) BUILDER="$2"; shift 2 ;;
    --restart-cmd) RESTART_CMD="$2"; shift 2 ;;
    --no-restart) NO_RESTART=1; shift ;;
    --install-only) MODE="install"; shift ;;
    --settle) SETTLE="$2"; shift 2 ;;
    --keep) KEEP="$2"; shift 2 ;;
    --rollback) MODE="rollback"; shift ;;
    --status) MODE="status"; shift ;;
    --root) ROOT="$(realpath -m "$2")"; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h | --help) usage 0 ;;
    *) echo "update.sh: unknown option $1" >&2; usage 2 ;;
  esac
done

RELEASES="$APP_DIR/releases"
CURRENT="$APP_DIR/current"
PREVIOUS="$APP_DIR/previous"
MARKER=".iplik-release"

if ! staging && ! dry && [ "$(id -u)" -ne 0 ] && [ "$MODE" != status ]; then
  die "run as root (or with --root DIR / --dry-run)"
fi
manifest_load

link_of() {
  local real
  real="$(R "$1")"
  if [ -L "$real" ]; then readlink "$real"; fi
}

# The kiosk command of a release, with the config and (under --root) the staging data folder.
kiosk_cmd() {
  local rel="$1"
  KIOSK=("$(R "$APP_DIR/$rel")/.venv/bin/kiosk" --config "$(R "$CONFIG_FILE")")
  if staging; then KIOSK+=(--data-dir "$(R "$DATA_DIR")"); fi
}

source_version() {
  local dir="$1" v sha=""
  v="$(sed -n 's/^version *= *"\(.*\)"/\1/p' "$dir/pyproject.toml" 2>/dev/null | head -n 1)"
  [ -n "$v" ] || die "$dir/pyproject.toml has no version; pass --version"
  if [ -z "$TARBALL" ] && git -C "$dir" rev-parse --git-dir >/dev/null 2>&1; then
    sha="+g$(git -C "$dir" rev-parse --short=8 HEAD)"
  fi
  printf '%s%s' "$v" "$sha"
}

unpack_source() {
  local dest="$1" tmp
  if [ -n "$TARBALL" ]; then
    tmp="$(mktemp -d)"
    tar -xzf "$TARBALL" -C "$tmp"
    # A tarball made by `git archive --prefix=name/` has one top folder: take what is inside it.
    if [ "$(find "$tmp" -mindepth 1 -maxdepth 1 | wc -l)" = 1 ] && [ -d "$(find "$tmp" -mindepth 1 -maxdepth 1)" ]; then
      cp -a "$(find "$tmp" -mindepth 1 -maxdepth 1)/." "$dest/"
    else
      cp -a "$tmp/." "$dest/"
    fi
    rm -rf "$tmp"
  elif git -C "$SRC_DIR" rev-parse --git-dir >/dev/null 2>&1; then
    # The committed tree only: never a developer's half-edited files.
    git -C "$SRC_DIR" archive --format=tar HEAD | tar -x -C "$dest"
  else
    tar -C "$SRC_DIR" --exclude=./.git --exclude=./.venv --exclude=./var --exclude=__pycache__ -cf - . | tar -x -C "$dest"
  fi
}

default_build() {
  local rel="$1" pip
  "$PYTHON" -m venv "$rel/.venv"
  pip=("$rel/.venv/bin/pip" install --disable-pip-version-check --quiet)
  if [ -n "$WHEELHOUSE" ]; then pip+=(--no-index --find-links "$WHEELHOUSE"); fi
  # Editable: the app runs from its release folder, where its assets and forms are (kiosk/paths.py).
  "${pip[@]}" -e "${rel}[ui]"
}

# install_release: build releases/$VERSION unless it is already complete. Sets REL (relative to APP_DIR).
install_release() {
  local rel_path real
  REL="releases/$VERSION"
  rel_path="$APP_DIR/$REL"
  real="$(R "$rel_path")"
  step "Release $VERSION"
  if [ -f "$real/$MARKER" ]; then
    same "$rel_path is installed"
    return 0
  fi
  if dry; then
    say "  would unpack ${TARBALL:-$SRC_DIR} into $rel_path and build its .venv"
    return 0
  fi
  mkdir -p "$(R "$RELEASES")"
  rm -rf "$real"
  mkdir "$real"
  unpack_source "$real"
  # The venv is built in place: its scripts carry the release's absolute path.
  if [ -n "$BUILDER" ]; then
    "$BUILDER" "$real" || { rm -rf "$real"; die "the builder failed for $VERSION"; }
  else
    default_build "$real" || { rm -rf "$real"; die "pip install failed for $VERSION (network? try --wheelhouse)"; }
  fi
  # Byte-compile now: the kiosk user cannot write into the release, so it would compile every start.
  "$real/.venv/bin/python" -m compileall -q "$real/kiosk" >/dev/null || true
  # The same for the KV files of the screens and Kivy's own style.kv (kiosk/ui/kv.py): parsed rules kept.
  "$real/.venv/bin/python" -m kiosk.ui.kv >/dev/null 2>&1 || true
  if ! "$real/.venv/bin/kiosk" --help >/dev/null 2>"$real.smoke.log"; then
    warn "the new release's kiosk command does not start:"
    sed 's/^/    /' "$real.smoke.log" | tail -n 15 >&2
    rm -rf "$real" "$real.smoke.log"
    die "release $VERSION is broken; nothing was changed"
  fi
  rm -f "$real.smoke.log"
  printf 'version=%s\nsource=%s\ninstalled=%s\n' "$VERSION" "${TARBALL:-$SRC_DIR}" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$real/$MARKER"
  if ! staging; then chown -R root:root "$real"; fi
  chmod -R u+rwX,go+rX,go-w "$real"
  set_meta "$rel_path" dir 0755 root root
  did "installed release $VERSION in $rel_path"
}

# Copy the live database with SQLite's backup API (consistent even while the app writes).
backup_db() {
  local src="$1" dest="$2" rel_python="$3"
  as_kiosk "$rel_python" -c 'import sqlite3, sys
src = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
dst = sqlite3.connect(sys.argv[2])
src.backup(dst)
dst.close()
src.close()' "$src" "$dest"
}

# Before the switch: the new release migrates a copy of the database and passes doctor --quick on it.
precheck() {
  local db backups stamp copy check rc=0
  db="$(R "$DATA_DIR")/kiosk.db"
  step "Checking $VERSION on a copy of the database"
  if dry; then
    say "  would copy $DATA_DIR/kiosk.db and run the new release's kiosk init + doctor --quick on the copy"
    return 0
  fi
  if [ ! -f "$db" ]; then
    same "no database yet: nothing to migrate"
    return 0
  fi
  backups="$(R "$DATA_DIR")/backups"
  stamp="$(date -u +%Y%m%dT%H%M%SZ)"
  copy="$backups/kiosk-$stamp-before-$VERSION.db"
  as_kiosk mkdir -p "$backups"
  backup_db "$db" "$copy" "$(R "$APP_DIR/$REL")/.venv/bin/python"
  check="$(as_kiosk mktemp -d "$(R "$DATA_DIR")/.update-check.XXXXXX")"
  as_kiosk cp "$copy" "$check/kiosk.db"
  kiosk_cmd "$REL"
  # --data-dir last: it wins over the staging one kiosk_cmd may have added.
  if ! as_kiosk "${KIOSK[@]}" --data-dir "$check" init >"$check.log" 2>&1 \
    || ! as_kiosk "${KIOSK[@]}" --data-dir "$check" doctor --quick >>"$check.log" 2>&1; then
    rc=1
    warn "the new release failed on a copy of the database:"
    sed 's/^/    /' "$check.log" | tail -n 20 >&2
  fi
  rm -rf "$check" "$check.log"
  # Keep the five newest backups.
  find "$backups" -maxdepth 1 -name 'kiosk-*-before-*.db' -printf '%T@ %p\n' | sort -rn | tail -n +6 \
    | cut -d' ' -f2- | while IFS= read -r old; do rm -f "$old"; done
  if [ "$rc" -ne 0 ]; then
    remove_release "$REL"
    die "update to $VERSION stopped before the switch; the kiosk still runs $(link_of "$CURRENT")"
  fi
  did "the new release migrated a copy of the database (backup: $DATA_DIR/backups/${copy##*/})"
}

remove_release() {
  local rel="$1"
  [ "$rel" = "$(link_of "$CURRENT")" ] || [ "$rel" = "$(link_of "$PREVIOUS")" ] && return 0
  rm -rf "$(R "$APP_DIR/$rel")"
  if staging; then unset 'MANIFEST[$APP_DIR/$rel]'; fi
}

restart_units() {
  local rel="$1"
  [ "$NO_RESTART" = 1 ] && return 0
  if [ -n "$RESTART_CMD" ]; then
    if dry; then say "  would run: $RESTART_CMD"; return 0; fi
    IPLIK_ROOT="$ROOT" IPLIK_RELEASE="$(R "$APP_DIR/$rel")" "$RESTART_CMD"
    return
  fi
  if staging || dry; then
    sys_run systemctl restart "${UNITS[@]}"
    return 0
  fi
  # Type=notify: this waits until the app has sent READY=1, or fails.
  timeout 180 systemctl restart "${UNITS[@]}" || return 1
  unit_settles
}

# The app must stay up: no restart by systemd (crash or watchdog) for SETTLE seconds after READY.
unit_settles() {
  local before now i
  before="$(systemctl show -p NRestarts --value iplik-kiosk.service)"
  for ((i = 0; i < SETTLE; i++)); do
    sleep 1
    systemctl is-active --quiet iplik-kiosk.service || return 1
    now="$(systemctl show -p NRestarts --value iplik-kiosk.service)"
    [ "$now" = "$before" ] || return 1
  done
}

health() {
  local rel="$1"
  if dry; then
    say "  would run: kiosk doctor --quick (release $rel)"
    return 0
  fi
  kiosk_cmd "$rel"
  as_kiosk "${KIOSK[@]}" doctor --quick
}

switch_to() {
  ensure_link "$1" "$CURRENT"
  if staging && ! dry; then MANIFEST["$CURRENT"]="link	0777	root	root"; fi
}

prune() {
  local cur prev n=0 d name
  cur="$(link_of "$CURRENT")"
  prev="$(link_of "$PREVIOUS")"
  dry && return 0
  while IFS= read -r d; do
    name="releases/${d##*/}"
    [ "$name" = "$cur" ] || [ "$name" = "$prev" ] && continue
    n=$((n + 1))
    if [ "$n" -gt "$KEEP" ]; then
      rm -rf "$d"
      if staging; then unset 'MANIFEST[$APP_DIR/$name]'; fi
      did "removed old release ${d##*/}"
    fi
  done < <(find "$(R "$RELEASES")" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %p\n' 2>/dev/null | sort -rn | cut -d' ' -f2-)
}

do_switch() {
  local new="$1" old="$2"
  step "Switching to ${new#releases/}"
  switch_to "$new"
  if restart_units "$new" && health "$new"; then
    if [ -n "$old" ] && [ "$old" != "$new" ]; then
      ensure_link "$old" "$PREVIOUS"
      if staging && ! dry; then MANIFEST["$PREVIOUS"]="link	0777	root	root"; fi
    fi
    did "the kiosk runs ${new#releases/}"
    return 0
  fi
  warn "${new#releases/} did not come up"
  if [ -z "$old" ]; then
    left "the first release did not come up: see journalctl -u iplik-kiosk -u iplik-sync"
    return 1
  fi
  step "Rolling back to ${old#releases/}"
  switch_to "$old"
  if restart_units "$old" && health "$old"; then
    did "rolled back to ${old#releases/}"
  else
    warn "${old#releases/} does not come up either"
    left "neither ${new#releases/} nor ${old#releases/} comes up: see journalctl -u iplik-kiosk -u iplik-sync"
  fi
  return 1
}

case "$MODE" in
  status)
    say "current:  $(link_of "$CURRENT")"
    say "previous: $(link_of "$PREVIOUS")"
    say "releases:"
    for d in "$(R "$RELEASES")"/*/; do
      [ -f "$d$MARKER" ] && say "  $(basename "$d")  $(sed -n 's/^installed=//p' "$d$MARKER")"
    done
    exit 0
    ;;
  rollback)
    cur="$(link_of "$CURRENT")"
    prev="$(link_of "$PREVIOUS")"
    if [ -z "$prev" ] || [ ! -d "$(R "$APP_DIR/$prev")" ]; then die "there is no previous release to go back to"; fi
    step "Rolling back from ${cur#releases/} to ${prev#releases/}"
    switch_to "$prev"
    ensure_link "$cur" "$PREVIOUS"
    rc=0
    { restart_units "$prev" && health "$prev"; } || rc=1
    manifest_save
    summary
    exit "$rc"
    ;;
esac

if [ -z "$SRC_DIR" ] && [ -z "$TARBALL" ]; then
  die "say where the new release comes from: --from DIR or --tarball FILE (see --help)"
fi
if [ -n "$SRC_DIR" ]; then SRC_DIR="$(realpath "$SRC_DIR")"; fi
if [ -n "$TARBALL" ]; then TARBALL="$(realpath "$TARBALL")"; fi
if [ -z "$VERSION" ]; then
  if [ -n "$TARBALL" ]; then
    tmpv="$(mktemp -d)"
    tar -xzf "$TARBALL" -C "$tmpv" --wildcards '*pyproject.toml' 2>/dev/null || true
    VERSION="$(source_version "$(dirname "$(find "$tmpv" -name pyproject.toml | head -n 1)")")"
    rm -rf "$tmpv"
  else
    VERSION="$(source_version "$SRC_DIR")"
  fi
fi
[[ "$VERSION" =~ ^[A-Za-z0-9][A-Za-z0-9._+-]*$ ]] || die "bad release name: $VERSION"

if ! dry; then mkdir -p "$(R "$APP_DIR")"; fi
install_release
old="$(link_of "$CURRENT")"

if [ "$MODE" = install ]; then
  if [ -z "$old" ]; then
    switch_to "$REL"
  elif [ "$old" != "$REL" ]; then
    same "current stays at $old (switch releases with deploy/update.sh)"
  fi
  manifest_save
  exit 0
fi

if [ "$old" = "$REL" ]; then
  same "$VERSION is already the current release"
  manifest_save
  summary
  exit 0
fi
precheck
rc=0
do_switch "$REL" "$old" || rc=1
if [ "$rc" -eq 0 ]; then prune; fi
manifest_save
summary
exit "$rc"
