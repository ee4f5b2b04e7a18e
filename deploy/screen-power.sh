#!/usr/bin/env bash
# Turn the kiosk's screen off for the night and on again in the morning:
#   screen-power off | on | status
# Run by iplik-screen-off.service / iplik-screen-on.service (as root); installed by provision.sh as
# /usr/local/lib/iplik-kiosk/screen-power. The app keeps running while the screen is dark.
#
# How, in order of preference (SCREEN_METHOD in /etc/iplik-kiosk/session.env picks one, default auto):
#   backlight  the panel's backlight in /sys/class/backlight (the Raspberry Pi touch display and most
#              built-in panels): the picture keeps being drawn, only the light goes out.
#   wlopm      output power management through the compositor (cage 0.2 and newer; not in Debian 12).
#   wlr-randr  turn the output off and on through the compositor (cage 0.2 and newer).
#   ddcutil    DPMS over DDC/CI for an HDMI/DisplayPort monitor (apt-get install ddcutil; i2c-dev).
# With none of these available the script says so and exits 0: a screen left on is not a fault.
set -euo pipefail

action="${1:-}"
method="${SCREEN_METHOD:-auto}"
kiosk_user="${KIOSK_USER:-iplik}"
sysfs="${SCREEN_SYSFS:-/sys}"

say() { printf 'screen-power: %s\n' "$*"; }

usage() {
  echo "usage: screen-power off|on|status" >&2
  exit 2
}

backlights() {
  local d
  for d in "$sysfs"/class/backlight/*; do
    [ -e "$d/bl_power" ] && printf '%s\n' "$d"
  done
  return 0
}

# The compositor's socket: cage runs as the kiosk user in a logind session.
wayland_env() {
  local uid dir sock
  uid="$(id -u "$kiosk_user" 2>/dev/null)" || return 1
  dir="/run/user/$uid"
  for sock in "$dir"/wayland-*; do
    case "$sock" in *.lock) continue ;; esac
    [ -S "$sock" ] || continue
    export XDG_RUNTIME_DIR="$dir" WAYLAND_DISPLAY="${sock##*/}"
    return 0
  done
  return 1
}

via_backlight() {
  local value d done=1
  # bl_power: 0 is on (FB_BLANK_UNBLANK), 4 is off (FB_BLANK_POWERDOWN).
  if [ "$1" = off ]; then value=4; else value=0; fi
  while IFS= read -r d; do
    [ -n "$d" ] || continue
    printf '%s\n' "$value" > "$d/bl_power" && done=0 && say "backlight ${d##*/}: $1"
  done < <(backlights)
  return "$done"
}

via_wlopm() {
  command -v wlopm >/dev/null && wayland_env || return 1
  wlopm "--$1" '*' && say "wlopm: all outputs $1"
}

via_wlr_randr() {
  local out
  command -v wlr-randr >/dev/null && wayland_env || return 1
  out="$(wlr-randr | awk 'NR==1 {print $1}')"
  [ -n "$out" ] || return 1
  wlr-randr --output "$out" "--$1" && say "wlr-randr: $out $1"
}

via_ddcutil() {
  command -v ddcutil >/dev/null || return 1
  # VCP feature D6 (power mode): 01 on, 04 off (DPMS standby/off on most monitors).
  if [ "$1" = off ]; then ddcutil --noverify setvcp D6 04; else ddcutil --noverify setvcp D6 01; fi
  say "ddcutil: monitor $1"
}

status() {
  local d found=0
  while IFS= read -r d; do
    [ -n "$d" ] || continue
    found=1
    say "backlight ${d##*/}: bl_power=$(cat "$d/bl_power")"
  done < <(backlights)
  [ "$found" = 1 ] || say "no backlight in $sysfs/class/backlight"
  if command -v wlopm >/dev/null; then say "wlopm is installed"; fi
  if command -v wlr-randr >/dev/null; then say "wlr-randr is installed"; fi
  if command -v ddcutil >/dev/null; then say "ddcutil is installed"; fi
}

case "$action" in
  on | off) ;;
  status) status; exit 0 ;;
  *) usage ;;
esac

case "$method" in
  auto)
    via_backlight "$action" || via_wlopm "$action" || via_wlr_randr "$action" || via_ddcutil "$action" \
      || say "no way to switch this screen $action found (see deploy/README.md, 'Screen off at night')"
    ;;
  backlight) via_backlight "$action" ;;
  wlopm) via_wlopm "$action" ;;
  wlr-randr) via_wlr_randr "$action" ;;
  ddcutil) via_ddcutil "$action" ;;
  none) say "SCREEN_METHOD=none: leaving the screen as it is" ;;
  *) say "unknown SCREEN_METHOD=$method" >&2; exit 2 ;;
esac
