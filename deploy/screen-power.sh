#!/usr/bin/env bash
# Turn the kiosk's screen off for the night and on again in the morning:
#   screen-power off | on [--unless-scheduled]   switch now (--unless-scheduled: not when the schedule
#                                                 file names a time for this direction)
#   screen-power schedule                        switch when this minute is a time in the schedule file
#   screen-power status
# Run as root by iplik-screen-off.service / iplik-screen-on.service (the provisioned times) and by
# iplik-screen-schedule.service (every minute: the times set on the central server); installed by
# provision.sh as /usr/local/lib/iplik-kiosk/screen-power. The app keeps running while the screen is dark.
#
# The schedule file (SCREEN_SCHEDULE_FILE, default /var/lib/iplik-kiosk/screen-schedule.json) is written
# by the kiosk's sync worker, as the kiosk user: {"off": "21:00", "on": "06:30"}, either key may be
# missing. Root does not trust it: it must be a regular file owned by the kiosk user with one link and a
# few bytes, it is opened without following a symlink, its content is matched against that one shape
# and never evaluated, and a time that is not HH:MM is ignored with a line in the journal. Ignored
# means the provisioned time applies for that direction.
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
option="${2:-}"
sysfs="${SCREEN_SYSFS:-/sys}"
schedule_file="${SCREEN_SCHEDULE_FILE:-/var/lib/iplik-kiosk/screen-schedule.json}"
# The file is about 30 bytes; anything much larger is not the kiosk's and is not read.
schedule_max_bytes=1024

say() { printf 'screen-power: %s\n' "$*"; }

usage() {
  echo "usage: screen-power off|on [--unless-scheduled] | schedule | status" >&2
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

hhmm() { [[ "$1" =~ ^([01][0-9]|2[0-3]):[0-5][0-9]$ ]]; }

schedule_ignored() { say "schedule file $schedule_file ignored: $*"; }

# Sets sched_off / sched_on from the schedule file; both stay empty when it is absent or not to be
# trusted (then the provisioned timers' times apply). Never fails and never prints the file's content:
# it may be anything the kiosk user (or whoever took it over) put there.
sched_off="" sched_on=""
read_schedule() {
  local LC_ALL=C f="$schedule_file" meta kind uid links size ino owner content after pair re k1 v1 k2 v2
  sched_off="" sched_on=""
  [ -e "$f" ] || [ -L "$f" ] || return 0
  # stat without -L looks at the name itself: a symlink is reported as one, not followed.
  if ! meta="$(stat -c '%F|%u|%h|%s|%d:%i' -- "$f" 2>/dev/null)"; then
    schedule_ignored "cannot stat it"; return 0
  fi
  IFS='|' read -r kind uid links size ino <<<"$meta"
  if [ "$kind" = "regular empty file" ]; then schedule_ignored "it is empty"; return 0; fi
  if [ "$kind" != "regular file" ]; then schedule_ignored "not a regular file ($kind)"; return 0; fi
  if ! owner="$(id -u -- "$kiosk_user" 2>/dev/null)"; then schedule_ignored "no user $kiosk_user"; return 0; fi
  # Only the kiosk user writes it; a root-owned or hard-linked file there is someone else's file.
  if [ "$uid" != "$owner" ]; then schedule_ignored "owned by uid $uid, not $kiosk_user"; return 0; fi
  if [ "$links" != 1 ]; then schedule_ignored "it has $links hard links"; return 0; fi
  if [ "$size" -gt "$schedule_max_bytes" ]; then schedule_ignored "$size bytes, more than $schedule_max_bytes"; return 0; fi
  # nofollow: a symlink swapped in after the stat is not opened; nonblock: neither does a FIFO hang us.
  # One read of at most max+1 bytes; a NUL becomes '?' (bash would drop it) so it fails the match.
  if ! content="$(dd if="$f" iflag=nofollow,nonblock bs="$((schedule_max_bytes + 1))" count=1 status=none 2>/dev/null \
      | tr '\000' '?')"; then
    schedule_ignored "cannot read it"; return 0
  fi
  after="$(stat -c '%d:%i' -- "$f" 2>/dev/null)" || after=""
  if [ "$after" != "$ino" ]; then schedule_ignored "it was replaced while being read"; return 0; fi
  if [ "${#content}" -gt "$schedule_max_bytes" ]; then schedule_ignored "more than $schedule_max_bytes bytes"; return 0; fi
  # The one shape the sync worker writes: an object with at most an "off" and an "on" string.
  pair='"(on|off)"[[:space:]]*:[[:space:]]*"([^"]*)"'
  re="^[[:space:]]*\\{[[:space:]]*($pair([[:space:]]*,[[:space:]]*$pair)?)?[[:space:]]*\\}[[:space:]]*\$"
  if ! [[ "$content" =~ $re ]]; then schedule_ignored 'not {"off": "HH:MM", "on": "HH:MM"}'; return 0; fi
  k1="${BASH_REMATCH[2]}" v1="${BASH_REMATCH[3]}" k2="${BASH_REMATCH[5]}" v2="${BASH_REMATCH[6]}"
  if [ -n "$k1" ] && [ "$k1" = "$k2" ]; then schedule_ignored "\"$k1\" is given twice"; return 0; fi
  for pair in "$k1=$v1" "$k2=$v2"; do
    case "$pair" in
      "=") ;;
      off=*) if hhmm "${pair#*=}"; then sched_off="${pair#*=}"; else schedule_ignored "the off time is not HH:MM (24 h)"; fi ;;
      on=*) if hhmm "${pair#*=}"; then sched_on="${pair#*=}"; else schedule_ignored "the on time is not HH:MM (24 h)"; fi ;;
    esac
  done
  return 0
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
  read_schedule
  if [ -n "$sched_off$sched_on" ]; then
    say "schedule from the server ($schedule_file): off ${sched_off:-(provisioned)}, on ${sched_on:-(provisioned)}"
  else
    say "no schedule from the server: the provisioned times apply"
  fi
}

switch() {
  case "$method" in
    auto)
      via_backlight "$1" || via_wlopm "$1" || via_wlr_randr "$1" || via_ddcutil "$1" \
        || say "no way to switch this screen $1 found (see deploy/README.md, 'Screen off at night')"
      ;;
    backlight) via_backlight "$1" ;;
    wlopm) via_wlopm "$1" ;;
    wlr-randr) via_wlr_randr "$1" ;;
    ddcutil) via_ddcutil "$1" ;;
    none) say "SCREEN_METHOD=none: leaving the screen as it is" ;;
    *) say "unknown SCREEN_METHOD=$method" >&2; exit 2 ;;
  esac
}

# Called every minute by iplik-screen-schedule.timer: acts only in the minute the file names, so a
# minute that is missed (the kiosk was off, the clock jumped) is not caught up: the screen stays as it
# is until the next time comes round, as with the provisioned timers. SCREEN_NOW=HH:MM is for the tests.
schedule() {
  local now="${SCREEN_NOW:-$(date +%H:%M)}"
  if ! hhmm "$now"; then say "SCREEN_NOW is not HH:MM" >&2; exit 2; fi
  read_schedule
  if [ -n "$sched_off" ] && [ "$sched_off" = "$sched_on" ]; then
    [ "$now" != "$sched_off" ] || say "schedule: off and on both at $now: the screen is left as it is"
    return 0
  fi
  if [ "$now" = "$sched_off" ]; then
    say "schedule: off at $now (set on the server)"; switch off
  elif [ "$now" = "$sched_on" ]; then
    say "schedule: on at $now (set on the server)"; switch on
  fi
}

case "$action" in
  on | off)
    case "$option" in
      "") ;;
      --unless-scheduled)
        # The provisioned timer gives way to a time from the server for the same direction.
        read_schedule
        t="$sched_on"
        [ "$action" = on ] || t="$sched_off"
        if [ -n "$t" ]; then
          say "skipped: the schedule from the server switches the screen $action at $t (iplik-screen-schedule.timer)"
          exit 0
        fi
        ;;
      *) usage ;;
    esac
    ;;
  schedule) [ -z "$option" ] || usage; schedule; exit 0 ;;
  status) status; exit 0 ;;
  *) usage ;;
esac

switch "$action"
