# shellcheck shell=bash
# Shared by provision.sh and update.sh: the target root, dry runs, files laid down with their intended
# owner and mode, and the lists of what was done and what is left.
#
# Three modes:
#   real        (no --root) change this machine: files, users, packages, services. Needs root.
#   --root DIR  lay every file under DIR instead (a staging tree, for tests and image builds). Nothing
#               outside DIR is touched: no apt, no users, no systemctl, no lpadmin; those are printed as
#               "would run". Owners cannot be set without the users, so the owner and mode each file
#               should have are written to DIR/.iplik-manifest (path, type, mode, owner, group).
#   --dry-run   print what would be done and change nothing at all (with or without --root).

# The variables below are used by the scripts that source this file.
# shellcheck disable=SC2034
ROOT=""
DRY_RUN=0
KIOSK_USER="iplik"
# shellcheck disable=SC2034
APP_DIR="/opt/iplik-kiosk"
ETC_DIR="/etc/iplik-kiosk"
# shellcheck disable=SC2034
DATA_DIR="/var/lib/iplik-kiosk"
# shellcheck disable=SC2034
LIB_DIR="/usr/local/lib/iplik-kiosk"
# shellcheck disable=SC2034
CONFIG_FILE="$ETC_DIR/config.toml"
MANIFEST_NAME=".iplik-manifest"

DONE=()
LEFT=()
CHANGES=0  # files written (or, in a dry run, that would be)
declare -A MANIFEST=()

umask 022

say() { printf '%s\n' "$*"; }
step() { printf '\n== %s\n' "$*"; }
did() {
  DONE+=("$*")
  printf '  + %s\n' "$*"
}
same() { printf '  = %s\n' "$*"; }
left() { LEFT+=("$*"); }
warn() { printf '  ! %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# The path of an absolute target path on the machine we write to.
R() { printf '%s%s' "$ROOT" "$1"; }

staging() { [ -n "$ROOT" ]; }
dry() { [ "$DRY_RUN" = 1 ]; }

quoted() {
  local out="" a
  for a in "$@"; do
    if [[ "$a" =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then out+=" $a"; else out+=" $(printf '%q' "$a")"; fi
  done
  printf '%s' "${out# }"
}

# A command that changes the system outside the target tree (apt, useradd, systemctl, lpadmin):
# run for real only without --root and without --dry-run.
sys_run() {
  if dry || staging; then
    printf '  would run: %s\n' "$(quoted "$@")"
    return 0
  fi
  "$@"
}

# A command that changes only files inside the target tree: skipped (and printed) in a dry run.
tree_run() {
  if dry; then
    printf '  would run: %s\n' "$(quoted "$@")"
    return 0
  fi
  "$@"
}

# Run a command as the kiosk user (so the files it creates belong to it). Under --root there is no
# such user: the command runs as whoever runs this script, inside the staging tree.
as_kiosk() {
  if dry; then
    printf '  would run as %s: %s\n' "$KIOSK_USER" "$(quoted "$@")"
    return 0
  fi
  if staging || [ "$(id -un)" = "$KIOSK_USER" ]; then
    "$@"
  else
    # From / : the kiosk user cannot enter root's working folder (e.g. /root/iplik-kiosk).
    (cd / && runuser -u "$KIOSK_USER" -- "$@")
  fi
}

manifest_load() {
  local file path rest
  staging || return 0
  file="$ROOT/$MANIFEST_NAME"
  [ -f "$file" ] || return 0
  while IFS=$'\t' read -r path rest; do
    [ -n "$path" ] && MANIFEST["$path"]="$rest"
  done < "$file"
}

manifest_save() {
  local file tmp path
  staging && ! dry || return 0
  file="$ROOT/$MANIFEST_NAME"
  tmp="$file.tmp"
  for path in "${!MANIFEST[@]}"; do
    printf '%s\t%s\n' "$path" "${MANIFEST[$path]}"
  done | LC_ALL=C sort > "$tmp"
  if cmp -s "$tmp" "$file"; then rm -f "$tmp"; else mv -f "$tmp" "$file"; fi
}

# set_meta PATH TYPE MODE OWNER GROUP: give a target path its mode and owner (recorded under --root).
set_meta() {
  local path="$1" type="$2" mode="$3" owner="$4" group="$5" real
  real="$(R "$path")"
  dry && return 0
  if staging; then
    MANIFEST["$path"]="$type	$mode	$owner	$group"
  else
    chown "$owner:$group" "$real"
  fi
  chmod "$mode" "$real"
}

# Debian packages, installed only when missing (staging and dry runs only say the command).
install_packages() {
  local p missing=()
  if staging || dry; then
    sys_run apt-get install -y --no-install-recommends "$@"
    return
  fi
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    same "all $# packages are installed"
  else
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
    did "installed ${missing[*]}"
  fi
}

# ensure_dir PATH MODE OWNER GROUP
ensure_dir() {
  local path="$1" real
  real="$(R "$path")"
  if [ -d "$real" ]; then
    same "$path/ exists"
  elif dry; then
    say "  would create $path/ ($2 $3:$4)"
    return 0
  else
    mkdir -p "$real"
    did "created $path/ ($2 $3:$4)"
  fi
  set_meta "$path" dir "$2" "$3" "$4"
}

# install_file SOURCE PATH MODE OWNER GROUP: copy when missing or different; keep it otherwise.
install_file() {
  local src="$1" path="$2" real tmp
  real="$(R "$path")"
  if [ -f "$real" ] && cmp -s "$src" "$real"; then
    same "$path unchanged"
  elif dry; then
    if [ -e "$real" ]; then say "  would update $path ($3 $4:$5)"; else say "  would write $path ($3 $4:$5)"; fi
    CHANGES=$((CHANGES + 1))
    return 0
  else
    mkdir -p "$(dirname "$real")"
    tmp="$(mktemp "$real.XXXXXX")"
    cat "$src" > "$tmp"
    chmod "$3" "$tmp"
    if [ -e "$real" ]; then did "updated $path"; else did "wrote $path"; fi
    mv -f "$tmp" "$real"
    CHANGES=$((CHANGES + 1))
  fi
  set_meta "$path" file "$3" "$4" "$5"
}

# install_text PATH MODE OWNER GROUP < content
install_text() {
  local tmp rc=0
  tmp="$(mktemp)"
  cat > "$tmp"
  install_file "$tmp" "$@" || rc=$?
  rm -f "$tmp"
  return "$rc"
}

# ensure_link TARGET PATH: PATH becomes a symlink to TARGET, replaced atomically (rename over it).
ensure_link() {
  local target="$1" path="$2" real
  real="$(R "$path")"
  if [ -L "$real" ] && [ "$(readlink "$real")" = "$target" ]; then
    same "$path -> $target"
    return 0
  fi
  if dry; then
    say "  would point $path -> $target"
    return 0
  fi
  ln -sfn "$target" "$real.new"
  mv -fT "$real.new" "$real"
  did "$path -> $target"
}

summary() {
  local item
  printf '\n== Done\n'
  if [ ${#DONE[@]} -eq 0 ]; then
    say "  nothing needed changing"
  else
    for item in "${DONE[@]}"; do say "  - $item"; done
  fi
  printf '\n== Left to do\n'
  if [ ${#LEFT[@]} -eq 0 ]; then
    say "  nothing"
  else
    for item in "${LEFT[@]}"; do say "  - $item"; done
  fi
}
