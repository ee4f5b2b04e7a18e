#!/usr/bin/env bash
# Debian packages that the tests and the demo need on a developer's machine or in CI:
# Mesa's software OpenGL for an offscreen Kivy window, CUPS with a PDF printer, poppler to look at PDFs,
# PostgreSQL for the central server's tests, Chromium and a font for the staff pages' browser tests, and
# the deploy/ checkers (shellcheck, systemd-analyze), and a bare X server with a keyboard robot for the
# lock-down tests that type real keys into the app (tests/ui_x11: Xvfb, xdotool, xwininfo), and the
# central server's deploy checkers (nginx, caddy, the PostgreSQL client tools, rsync).
# Installs only what is missing, so a second run costs a few dpkg queries.
set -euo pipefail

packages=(
  libgl1 libegl1 libgl1-mesa-dri libmtdev1
  cups cups-client printer-driver-cups-pdf poppler-utils
  postgresql
  chromium fonts-dejavu-core
  shellcheck systemd
  xvfb xdotool x11-utils
  # The central server's deploy tests (tests/deploy/test_central_*.py): nginx -t and caddy validate on
  # the proxy configurations, pg_dump/pg_restore/psql and rsync for the backup and restore scripts,
  # openssl for a throwaway certificate, PyYAML for Debian's python3 to read compose.yaml.
  nginx caddy postgresql-client rsync openssl python3-yaml
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing Debian packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "Need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
