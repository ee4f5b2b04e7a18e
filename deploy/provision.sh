#!/usr/bin/env bash
# Turn a bare Debian 12 or Raspberry Pi OS (bookworm) device into an iPLiK kiosk. Safe to run again:
# what is already right is left alone, and the end of the output says what was done and what is left.
#
#   sudo deploy/provision.sh --name "Kiosk Lobi Samsat" --office "Samsat Mataram" \
#        --server https://iplik.example --code 7KQ4-M2XT-9HBC \
#        --printer-uri usb://EPSON/TM-T82?serial=X --printer-model tmx-cups/tm-t82.ppd --paper-width 80
#
# What it sets up (deploy/README.md explains each step):
#   packages     cage + Xwayland, CUPS, Noto fonts, Mesa GL, Python venv, ...
#   user         iplik: a system user with no password, no shell and no home outside its data
#   app          /opt/iplik-kiosk/releases/<version>/ with its own .venv, /opt/iplik-kiosk/current -> it
#   config       /etc/iplik-kiosk/config.toml (0640 root:iplik), session.env (screen rotation, ...)
#   data         /var/lib/iplik-kiosk (0750 iplik:iplik): the database, the enrollment token
#   services     iplik-kiosk (the app in cage on tty1, watchdog), iplik-sync, screen off/on timers (the
#                times below, or those set on the server), nightly restart; journal size cap; no consoles
#                on tty2-6; no SysRq
#   printer      the CUPS queue KioskReceipt (a USB receipt printer or a network printer)
#   enrollment   `kiosk enroll` with the code from `kiosk central enroll-code`
#
# Options:
#   --name TEXT            kiosk name shown in the fleet view and on receipts
#   --office TEXT          office shown in the top bar and on receipts
#   --kiosk-id ID          local id of the device (default: the host name)
#   --server URL           central server; with --code the kiosk is enrolled
#   --code CODE            one-time enrollment code
#   --printer-uri URI      usb://..., ipp://..., ipps://..., socket://... (lpinfo -v lists them)
#   --printer-model NAME   CUPS driver (lpinfo -m lists them; default "everywhere" for ipp/ipps)
#   --printer-ppd FILE     a PPD file from the printer's maker instead of --printer-model
#   --paper-width 58|80    receipt roll width in mm (default 80)
#   --rotate 0|90|180|270  screen rotation, clockwise (the touchscreen is calibrated to match)
#   --touch-matrix "a b c d e f"   libinput calibration matrix, when the default for --rotate is not right
#   --screen-off HH:MM     screen off at night (default 21:00); --screen-on HH:MM (default 06:30); a time
#                          set on the central server for a kiosk or its office takes their place
#   --restart-at HH:MM     nightly restart of the app (default 03:00)
#   --admin-pin-hash HASH  staff PIN hash (kiosk admin hash-pin); default: a random PIN, printed once
#   --from DIR | --tarball FILE   where the app comes from (default: the checkout holding this script)
#   --version V            release name (default: pyproject version + git commit)
#   --wheelhouse DIR       install Python packages offline from DIR; --builder EXE: see update.sh
#   --no-start             do not start the services now
#   --root DIR             lay everything under DIR (staging, tests); --dry-run: change nothing
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/lib.sh
. "$HERE/lib.sh"

NAME="" OFFICE="" KIOSK_ID="" SERVER="" CODE=""
PRINTER_URI="" PRINTER_MODEL="" PRINTER_PPD="" PAPER_WIDTH=""
ROTATE="" TOUCH_MATRIX="" SCREEN_OFF="" SCREEN_ON="" RESTART_AT="" PIN_HASH=""
SRC_DIR="" TARBALL="" RELEASE="" WHEELHOUSE="" BUILDER="" NO_START=0
QUEUE="KioskReceipt"
UPDATE_ARGS=()

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
  exit "${1:-0}"
}

need() {
  if [ $# -lt 2 ] || [ -z "$2" ]; then
    echo "provision.sh: $1 needs a value" >&2
    exit 2
  fi
}

while [ $# -gt 0 ]; do
  case "$1" in
    --name) need "$@"; NAME="$2"; shift 2 ;;
    --office) need "$@"; OFFICE="$2"; shift 2 ;;
    --kiosk-id) need "$@"; KIOSK_ID="$2"; shift 2 ;;
    --server) need "$@"; SERVER="${2%/}"; shift 2 ;;
    --code) need "$@"; CODE="$2"; shift 2 ;;
    --printer-uri) need "$@"; PRINTER_URI="$2"; shift 2 ;;
    --printer-model) need "$@"; PRINTER_MODEL="$2"; shift 2 ;;
    --printer-ppd) need "$@"; PRINTER_PPD="$2"; shift 2 ;;
    --paper-width) need "$@"; PAPER_WIDTH="$2"; shift 2 ;;
    --rotate) need "$@"; ROTATE="$2"; shift 2 ;;
    --touch-matrix) need "$@"; TOUCH_MATRIX="$2"; shift 2 ;;
    --screen-off) need "$@"; SCREEN_OFF="$2"; shift 2 ;;
    --screen-on) need "$@"; SCREEN_ON="$2"; shift 2 ;;
    --restart-at) need "$@"; RESTART_AT="$2"; shift 2 ;;
    --admin-pin-hash) need "$@"; PIN_HASH="$2"; shift 2 ;;
    --from) need "$@"; SRC_DIR="$2"; shift 2 ;;
    --tarball) need "$@"; TARBALL="$2"; shift 2 ;;
    --version) need "$@"; RELEASE="$2"; shift 2 ;;
    --wheelhouse) need "$@"; WHEELHOUSE="$2"; shift 2 ;;
    --builder) need "$@"; BUILDER="$2"; shift 2 ;;
    --no-start) NO_START=1; shift ;;
    --root) need "$@"; ROOT="$(realpath -m "$2")"; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h | --help) usage 0 ;;
    *) echo "provision.sh: unknown option $1" >&2; usage 2 ;;
  esac
done

# --- checking the options before anything changes ---------------------------------------------------

hhmm() { [[ "$1" =~ ^([01][0-9]|2[0-3]):[0-5][0-9]$ ]]; }
for t in "$SCREEN_OFF" "$SCREEN_ON" "$RESTART_AT"; do
  [ -z "$t" ] || hhmm "$t" || die "times are HH:MM (24 h), not '$t'"
done
case "$PAPER_WIDTH" in "" | 58 | 80) ;; *) die "--paper-width must be 58 or 80" ;; esac
case "$ROTATE" in "" | 0 | 90 | 180 | 270) ;; *) die "--rotate must be 0, 90, 180 or 270" ;; esac
if [ -n "$TOUCH_MATRIX" ] && ! [[ "$TOUCH_MATRIX" =~ ^(-?[0-9.]+[[:space:]]+){5}-?[0-9.]+$ ]]; then
  die "--touch-matrix takes six numbers, e.g. \"0 1 0 -1 0 1\""
fi
if [ -n "$CODE" ] && [ -z "$SERVER" ]; then die "--code needs --server"; fi
if [ -n "$SERVER" ] && ! [[ "$SERVER" =~ ^https?:// ]]; then die "--server must start with https://"; fi
if [ -n "$PRINTER_PPD" ] && [ ! -f "$PRINTER_PPD" ]; then die "no such PPD file: $PRINTER_PPD"; fi
if [ -n "$PRINTER_URI" ] && [ -z "$PRINTER_MODEL" ] && [ -z "$PRINTER_PPD" ]; then
  case "$PRINTER_URI" in
    ipp://* | ipps://*) PRINTER_MODEL="everywhere" ;;
    *) die "a ${PRINTER_URI%%:*} printer needs its driver: --printer-model NAME (lpinfo -m) or --printer-ppd FILE" ;;
  esac
fi
if [ -z "$SRC_DIR" ] && [ -z "$TARBALL" ]; then SRC_DIR="$(dirname "$HERE")"; fi
if ! staging && ! dry && [ "$(id -u)" -ne 0 ]; then
  die "run as root: sudo $0 ... (or --dry-run to see what it would do)"
fi
[ -z "$BUILDER" ] || UPDATE_ARGS+=(--builder "$BUILDER")
[ -z "$RELEASE" ] || UPDATE_ARGS+=(--version "$RELEASE")
[ -z "$WHEELHOUSE" ] || UPDATE_ARGS+=(--wheelhouse "$WHEELHOUSE")
[ -z "$ROOT" ] || UPDATE_ARGS+=(--root "$ROOT")
[ "$DRY_RUN" = 0 ] || UPDATE_ARGS+=(--dry-run)
if [ -n "$TARBALL" ]; then UPDATE_ARGS+=(--tarball "$TARBALL"); else UPDATE_ARGS+=(--from "$SRC_DIR"); fi

manifest_load
say "iPLiK Kiosk provisioning$(staging && printf ' into %s' "$ROOT")$(dry && printf ' (dry run: nothing is changed)')"

# --- the system ----------------------------------------------------------------------------------------

step "System"
if [ -r "$(R /etc/os-release)" ]; then
  # shellcheck disable=SC1090,SC1091
  codename="$(. "$(R /etc/os-release)" && printf '%s' "${VERSION_CODENAME:-}")"
  if [ "$codename" = bookworm ]; then same "Debian 12 / Raspberry Pi OS bookworm"; else
    warn "this is '${codename:-unknown}', not bookworm: packages may be named differently"
  fi
fi

PACKAGES=(
  cage xwayland libpam-systemd dbus systemd-timesyncd
  libgl1 libegl1 libgles2 libgl1-mesa-dri libmtdev1 libx11-6 libxext6 libxi6 libxrandr2 libxcursor1 libxss1 libxkbcommon0
  fonts-noto-core fonts-noto-color-emoji
  cups cups-client cups-bsd
  python3 python3-venv git ca-certificates sqlite3 wlr-randr
)
step "Packages"
install_packages "${PACKAGES[@]}"

step "Kiosk user"
if staging || dry; then
  sys_run useradd --system --user-group --home-dir "$DATA_DIR" --no-create-home --shell /usr/sbin/nologin "$KIOSK_USER"
  sys_run usermod -a -G video,render,input "$KIOSK_USER"
elif id "$KIOSK_USER" >/dev/null 2>&1; then
  same "user $KIOSK_USER exists"
else
  useradd --system --user-group --home-dir "$DATA_DIR" --no-create-home --shell /usr/sbin/nologin \
    --comment "iPLiK Kiosk" "$KIOSK_USER"
  did "created the system user $KIOSK_USER"
fi
if ! staging && ! dry; then
  # The display, GPU and input devices (logind grants them to the session too; this is for Kivy's own
  # input providers and for a session started without logind).
  for g in video render input; do
    if getent group "$g" >/dev/null && ! id -nG "$KIOSK_USER" | tr ' ' '\n' | grep -qx "$g"; then
      usermod -a -G "$g" "$KIOSK_USER"
      did "added $KIOSK_USER to group $g"
    fi
  done
fi

step "Folders"
ensure_dir /opt/iplik-kiosk 0755 root root
ensure_dir /opt/iplik-kiosk/releases 0755 root root
ensure_dir "$ETC_DIR" 0750 root "$KIOSK_USER"
ensure_dir "$DATA_DIR" 0750 "$KIOSK_USER" "$KIOSK_USER"
ensure_dir "$DATA_DIR/backups" 0750 "$KIOSK_USER" "$KIOSK_USER"
ensure_dir "$LIB_DIR" 0755 root root

# --- the app -----------------------------------------------------------------------------------------

step "App"
manifest_save
bash "$HERE/update.sh" --install-only "${UPDATE_ARGS[@]}" | sed 's/^/  /'
manifest_load
CUR="$(R "$APP_DIR/current")"
KIOSK=("$CUR/.venv/bin/kiosk" --config "$(R "$CONFIG_FILE")")
if staging; then KIOSK+=(--data-dir "$(R "$DATA_DIR")"); fi
if [ -L "$CUR" ]; then say "  app: $APP_DIR/current -> $(readlink "$CUR")"; fi

# --- configuration -----------------------------------------------------------------------------------

step "Configuration"
SETTINGS=()
new_config=0
[ -f "$(R "$CONFIG_FILE")" ] || new_config=1
if [ "$new_config" = 1 ]; then
  SETTINGS+=("kiosk.data_dir=$DATA_DIR" "kiosk.id=${KIOSK_ID:-$(hostname -s 2>/dev/null || hostname)}" "ui.fullscreen=true")
  SETTINGS+=("printer.backend=$([ -n "$PRINTER_URI" ] && echo cups || echo none)" "printer.queue=$QUEUE")
  if [ -z "$PIN_HASH" ]; then
    ADMIN_PIN="$(printf '%06d' $(( $(od -An -N4 -tu4 /dev/urandom | tr -d ' ') % 1000000 )))"
  fi
else
  [ -z "$KIOSK_ID" ] || SETTINGS+=("kiosk.id=$KIOSK_ID")
  [ -z "$PRINTER_URI" ] || SETTINGS+=("printer.backend=cups" "printer.queue=$QUEUE")
fi
[ -z "$NAME" ] || SETTINGS+=("kiosk.name=$NAME")
[ -z "$OFFICE" ] || SETTINGS+=("office.name=$OFFICE")
[ -z "$SERVER" ] || SETTINGS+=("server.url=$SERVER")
[ -z "$PAPER_WIDTH" ] || SETTINGS+=("printer.paper_width_mm=$PAPER_WIDTH")
[ -z "$PIN_HASH" ] || SETTINGS+=("admin.pin_hash=$PIN_HASH")

if dry; then
  if [ "$new_config" = 1 ]; then say "  would write $CONFIG_FILE (0640 root:$KIOSK_USER) from the release's config.toml"; fi
  for s in "${SETTINGS[@]}"; do say "  would set ${s%%=*} = ${s#*=}"; done
  [ -z "${ADMIN_PIN:-}" ] || say "  would set admin.pin_hash from a new random PIN"
else
  work="$(mktemp)"
  if [ "$new_config" = 1 ]; then cp "$CUR/config.toml" "$work"; else cp "$(R "$CONFIG_FILE")" "$work"; fi
  if [ -n "${ADMIN_PIN:-}" ]; then
    # hash-pin refuses easy PINs (runs, repeats); a random one is one now and then: draw again.
    hash=""
    for _try in 1 2 3 4 5 6 7 8; do
      hash="$(printf '%s\n' "$ADMIN_PIN" | "$CUR/.venv/bin/kiosk" --config "$work" admin hash-pin 2>/dev/null | sed -n 's/^pin_hash = "\(.*\)"$/\1/p')"
      [ -z "$hash" ] || break
      ADMIN_PIN="$(printf '%06d' $(( $(od -An -N4 -tu4 /dev/urandom | tr -d ' ') % 1000000 )))"
    done
    [ -n "$hash" ] || die "could not hash the new admin PIN"
    SETTINGS+=("admin.pin_hash=$hash")
  fi
  if [ ${#SETTINGS[@]} -gt 0 ]; then
    "$CUR/.venv/bin/kiosk" --config "$work" config set "${SETTINGS[@]}" >/dev/null
  fi
  install_file "$work" "$CONFIG_FILE" 0640 root "$KIOSK_USER"
  rm -f "$work"
  if [ -n "${ADMIN_PIN:-}" ]; then
    left "write down the staff PIN $ADMIN_PIN (admin screen); it is stored only as a hash. Change it: kiosk admin hash-pin"
  fi
fi

# session.env: read by the kiosk unit and the screen services. Rewritten only when an option for it is
# given (or it does not exist yet), so a second run without --rotate keeps the rotation.
session_env="$(R "$ETC_DIR/session.env")"
if [ -n "$ROTATE" ] || [ ! -f "$session_env" ]; then
  cage_args=""
  case "${ROTATE:-0}" in 90) cage_args="-r" ;; 180) cage_args="-r -r" ;; 270) cage_args="-r -r -r" ;; esac
  install_text "$ETC_DIR/session.env" 0644 root root <<EOF
# iPLiK Kiosk session settings, read by iplik-kiosk.service and iplik-screen-*.service.
# Written by deploy/provision.sh (--rotate); edit and run: systemctl restart iplik-kiosk
# Screen rotation: cage turns the picture 90 degrees clockwise per -r (cage 0.1.x, Debian 12).
CAGE_ARGS=$cage_args
# How the screen is turned off at night: auto, backlight, wlopm, wlr-randr, ddcutil or none.
SCREEN_METHOD=auto
# The screen times set on the server, as the kiosk's sync writes them (next to kiosk.db: change it only
# with kiosk.data_dir in config.toml).
#SCREEN_SCHEDULE_FILE=$DATA_DIR/screen-schedule.json
EOF
fi

# The touchscreen turns with the picture: libinput's calibration matrix (README, "Touchscreen").
if [ -z "$TOUCH_MATRIX" ]; then
  case "$ROTATE" in
    90) TOUCH_MATRIX="0 1 0 -1 0 1" ;;
    180) TOUCH_MATRIX="-1 0 1 0 -1 1" ;;
    270) TOUCH_MATRIX="0 -1 1 1 0 0" ;;
  esac
fi
rule=/etc/udev/rules.d/99-iplik-touchscreen.rules
if [ -n "$TOUCH_MATRIX" ]; then
  install_text "$rule" 0644 root root <<EOF
# iPLiK Kiosk: touchscreen calibration (libinput), written by deploy/provision.sh --rotate/--touch-matrix.
ACTION=="add|change", KERNEL=="event[0-9]*", ENV{ID_INPUT_TOUCHSCREEN}=="1", ENV{LIBINPUT_CALIBRATION_MATRIX}="$TOUCH_MATRIX"
EOF
elif [ "$ROTATE" = 0 ] && [ -f "$(R "$rule")" ]; then
  tree_run rm -f "$(R "$rule")"
  if staging && ! dry; then unset 'MANIFEST[$rule]'; fi
  did "removed $rule (no rotation)"
fi

# --- services ------------------------------------------------------------------------------------------

step "Services"
UNIT_DIR=/etc/systemd/system
for f in "$HERE"/systemd/*.service "$HERE"/systemd/*.timer; do
  install_file "$f" "$UNIT_DIR/${f##*/}" 0644 root root
done
install_file "$HERE/screen-power.sh" "$LIB_DIR/screen-power" 0755 root root
n=$CHANGES
install_file "$HERE/systemd/journald.conf.d/iplik-kiosk.conf" /etc/systemd/journald.conf.d/iplik-kiosk.conf 0644 root root
journald_changed=$((CHANGES - n))
n=$CHANGES
install_file "$HERE/systemd/logind.conf.d/iplik-kiosk.conf" /etc/systemd/logind.conf.d/iplik-kiosk.conf 0644 root root
logind_changed=$((CHANGES - n))
n=$CHANGES
install_file "$HERE/sysctl.d/90-iplik-kiosk.conf" /etc/sysctl.d/90-iplik-kiosk.conf 0644 root root
sysctl_changed=$((CHANGES - n))

# timer_time TIMER HH:MM: a drop-in with the site's time (the unit file keeps the default).
timer_time() {
  local timer="$1" time="$2" dropin="$UNIT_DIR/$1.d/time.conf"
  if [ -z "$time" ]; then
    if [ -f "$(R "$dropin")" ]; then same "$timer keeps its time"; else same "$timer at its default time"; fi
    return 0
  fi
  ensure_dir "$UNIT_DIR/$timer.d" 0755 root root
  install_text "$dropin" 0644 root root <<EOF
# Written by deploy/provision.sh: the site's time for $timer.
[Timer]
OnCalendar=
OnCalendar=*-*-* $time:00
EOF
}
timer_time iplik-screen-off.timer "$SCREEN_OFF"
timer_time iplik-screen-on.timer "$SCREEN_ON"
timer_time iplik-restart.timer "$RESTART_AT"

sys_run systemctl daemon-reload
# iplik-screen-schedule.timer applies the screen times set on the central server (every minute, from the
# kiosk's screen-schedule.json); the off/on timers keep the times given here for when the server sets none.
sys_run systemctl enable iplik-kiosk.service iplik-sync.service iplik-screen-off.timer iplik-screen-on.timer \
  iplik-screen-schedule.timer iplik-restart.timer
sys_run systemctl set-default graphical.target
# tty1 belongs to the app; Ctrl+Alt+Del from a keyboard plugged into the kiosk must not reboot it.
sys_run systemctl mask getty@tty1.service ctrl-alt-del.target
if ! staging && ! dry; then
  for dm in lightdm.service gdm3.service sddm.service; do
    if systemctl is-enabled --quiet "$dm" 2>/dev/null; then
      systemctl disable "$dm"
      did "disabled the desktop login $dm (the kiosk owns the screen)"
    fi
  done
fi
[ "$sysctl_changed" = 0 ] || sys_run sysctl --system
if [ -n "$TOUCH_MATRIX" ]; then sys_run udevadm control --reload; sys_run udevadm trigger --subsystem-match=input; fi
[ "$journald_changed" = 0 ] || sys_run systemctl restart systemd-journald.service
[ "$logind_changed" = 0 ] || left "reboot once so that the console settings (no getty on tty2-6) take effect"

# --- printer -------------------------------------------------------------------------------------------

step "Printer"
if [ -z "$PRINTER_URI" ]; then
  same "no --printer-uri: receipts are shown on screen only"
  grep -q '^backend = "cups"' "$(R "$CONFIG_FILE")" 2>/dev/null \
    || left "connect the receipt printer and run again with --printer-uri (lpinfo -v lists the printers)"
else
  sys_run systemctl enable --now cups.service
  driver=(-m "$PRINTER_MODEL")
  [ -z "$PRINTER_PPD" ] || driver=(-P "$PRINTER_PPD")
  # abort-job: a receipt that could not print is shown on screen; it must not come out hours later
  # for the next person in the queue.
  sys_run lpadmin -p "$QUEUE" -E -v "$PRINTER_URI" "${driver[@]}" -D "iPLiK receipt printer (${PAPER_WIDTH:-80} mm)" \
    -o printer-error-policy=abort-job -o printer-is-shared=false
  sys_run cupsenable "$QUEUE"
  sys_run cupsaccept "$QUEUE"
  if ! staging && ! dry; then did "CUPS queue $QUEUE -> $PRINTER_URI"; fi
fi

# --- database and enrollment ---------------------------------------------------------------------------

step "Database"
had_db=0
[ -f "$(R "$DATA_DIR")/kiosk.db" ] && had_db=1
# Creates the database or brings it to this release's schema; keeps what is there.
as_kiosk "${KIOSK[@]}" init | sed 's/^/  /'
dry || [ "$had_db" = 1 ] || did "created the kiosk database in $DATA_DIR"

step "Enrollment"
if [ -f "$(R "$DATA_DIR")/device.json" ]; then
  same "already enrolled ($DATA_DIR/device.json); to enroll again: revoke it on the server, delete the file, run again"
elif [ -n "$CODE" ]; then
  as_kiosk "${KIOSK[@]}" enroll --server "$SERVER" --code "$CODE" ${NAME:+--name "$NAME"} | sed 's/^/  /'
  dry || did "enrolled with $SERVER"
else
  left "enroll: sudo -u $KIOSK_USER $APP_DIR/current/.venv/bin/kiosk --config $CONFIG_FILE enroll --server URL --code CODE"
fi
if [ -f "$(R "$DATA_DIR")/kiosk.db" ]; then set_meta "$DATA_DIR/kiosk.db" file 0640 "$KIOSK_USER" "$KIOSK_USER"; fi
if [ -f "$(R "$DATA_DIR")/device.json" ]; then set_meta "$DATA_DIR/device.json" file 0600 "$KIOSK_USER" "$KIOSK_USER"; fi

# --- start ---------------------------------------------------------------------------------------------

step "Start"
if [ "$NO_START" = 1 ]; then
  left "start the kiosk: systemctl start iplik-sync iplik-kiosk iplik-screen-off.timer iplik-screen-on.timer iplik-screen-schedule.timer iplik-restart.timer (or reboot)"
else
  sys_run systemctl restart iplik-sync.service iplik-kiosk.service
  # enable alone starts a timer at the next boot; a kiosk provisioned again gets a new one now.
  sys_run systemctl start iplik-screen-off.timer iplik-screen-on.timer iplik-screen-schedule.timer iplik-restart.timer
fi
left "check the kiosk: sudo $APP_DIR/current/.venv/bin/kiosk --config $CONFIG_FILE doctor"

manifest_save
summary
