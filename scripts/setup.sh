#!/usr/bin/env bash
# Installs everything bbb-migrate needs on a Debian machine and starts the databases the tests
# use. Idempotent: a second run only checks. Run as root (or with sudo available).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Debian packages of the recorder (the same ones as recorder-image/Dockerfile).
DEB_PACKAGES=(chromium xvfb pulseaudio ffmpeg fonts-dejavu-core fonts-liberation fonts-noto-core
              x11-utils)
missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The Python package with its test dependencies.
python3 -m pip install -q --disable-pip-version-check -e '.[test]'

# PostgreSQL and MariaDB, when this machine has them installed but stopped.
if command -v pg_ctlcluster >/dev/null 2>&1 && ! pg_isready -h 127.0.0.1 -q 2>/dev/null; then
  echo "setup: starting PostgreSQL"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
if [ -x /usr/sbin/mariadbd ] && ! mariadb-admin -h 127.0.0.1 -uroot status >/dev/null 2>&1; then
  echo "setup: starting MariaDB"
  $SUDO start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
fi
for _ in $(seq 1 30); do
  pg_ready=0; my_ready=0
  pg_isready -h 127.0.0.1 -q 2>/dev/null && pg_ready=1
  mariadb-admin -h 127.0.0.1 -uroot status >/dev/null 2>&1 && my_ready=1
  if [ "$pg_ready" = 1 ] && [ "$my_ready" = 1 ]; then break; fi
  sleep 1
done
