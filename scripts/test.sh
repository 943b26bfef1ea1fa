#!/usr/bin/env bash
# The test command of the README: installs what is missing (scripts/setup.sh: Debian packages,
# the project's .venv, PostgreSQL and MariaDB), then runs ruff and the whole test suite (slow
# browser tests included) with the venv's Python. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
PY="${BBB_MIGRATE_VENV:-$PWD/.venv}/bin/python"
"$PY" -m ruff check operator tests bench
"$PY" -m pytest -ra --durations=25 "$@"
