#!/usr/bin/env bash
# Installs everything bbb-migrate needs on a Debian 12 machine, into the project's virtual
# environment .venv (Debian's own Python is "externally managed": pip refuses to install into
# it), and starts the PostgreSQL and MariaDB servers the tests use. Idempotent: a second run
# only checks. Run as root, or as a user with sudo.
#
#   BBB_MIGRATE_VENV=DIR   use another virtual environment (default: .venv in the repository)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
VENV=${BBB_MIGRATE_VENV:-$REPO/.venv}

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "setup: run as root or install sudo" >&2; exit 1; }
  SUDO="sudo"
fi

# --- Debian packages -------------------------------------------------------------------------
# The recorder's (the same as recorder-image/Dockerfile), the venv module, and the two database
# servers of the tests when this machine has none.
DEB_PACKAGES=(chromium xvfb pulseaudio ffmpeg fonts-dejavu-core fonts-liberation fonts-noto-core
              x11-utils python3 python3-venv ca-certificates libcairo2)
command -v pg_ctlcluster >/dev/null 2>&1 || DEB_PACKAGES+=(postgresql)
[ -x /usr/sbin/mariadbd ] || DEB_PACKAGES+=(mariadb-server mariadb-client)
missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}"
fi

# --- the project's virtual environment -----------------------------------------------------
# Reinstalled only when pyproject.toml changed or the venv points at another checkout.
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating the virtual environment $VENV"
  python3 -m venv "$VENV"
fi
stamp="$VENV/.bbb-migrate-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1) $REPO"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] \
   || ! "$VENV/bin/python" -c 'import bbb_migrate' >/dev/null 2>&1; then
  echo "setup: installing bbb-migrate and its test tools into $VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".[test,recorder,operator]"
  echo "$want" > "$stamp"
fi

# --- PostgreSQL and MariaDB: started when down, reachable as the tests connect ---------------
pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
my_up() { mariadb-admin -h 127.0.0.1 -P 3306 -uroot --connect-timeout=2 ping >/dev/null 2>&1 \
          || mariadb-admin --connect-timeout=2 ping >/dev/null 2>&1; }
if ! pg_up; then
  echo "setup: starting PostgreSQL"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start \
    || true
fi
if ! my_up; then
  echo "setup: starting MariaDB"
  $SUDO install -d -o mysql -g mysql /run/mysqld
  $SUDO start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
fi
for _ in $(seq 1 60); do
  pg_up && my_up && break
  sleep 1
done
pg_up || { echo "setup: PostgreSQL does not answer on 127.0.0.1:5432" >&2; exit 1; }
my_up || { echo "setup: MariaDB does not answer" >&2; exit 1; }

# The tests log in as postgres (PostgreSQL) and root (MariaDB) over 127.0.0.1 without a
# password, and make and drop their own uniquely named databases. Debian's defaults ask for a
# password (PostgreSQL) or only accept the unix socket (MariaDB): allow the loopback logins.
if ! psql -h 127.0.0.1 -U postgres -w -d postgres -Atc 'select 1' >/dev/null 2>&1; then
  hba="$(ls -d /etc/postgresql/*/main | sort -V | tail -n1)/pg_hba.conf"
  echo "setup: letting postgres log in over 127.0.0.1 without a password (first line of $hba)"
  $SUDO sed -i '1i host all postgres 127.0.0.1/32 trust  # bbb-migrate tests (scripts/setup.sh)' "$hba"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$(basename "$(dirname "$(dirname "$hba")")")" main reload
fi
if ! mariadb -h 127.0.0.1 -P 3306 -uroot -e 'select 1' >/dev/null 2>&1; then
  echo "setup: letting root log in to MariaDB over 127.0.0.1 without a password"
  $SUDO mariadb -uroot -e "ALTER USER root@localhost IDENTIFIED VIA unix_socket OR
      mysql_native_password USING PASSWORD('');
    CREATE USER IF NOT EXISTS root@'127.0.0.1' IDENTIFIED BY '';
    GRANT ALL PRIVILEGES ON *.* TO root@'127.0.0.1' WITH GRANT OPTION; FLUSH PRIVILEGES;"
fi
psql -h 127.0.0.1 -U postgres -w -d postgres -Atc 'select 1' >/dev/null
mariadb -h 127.0.0.1 -P 3306 -uroot -e 'select 1' >/dev/null
