#!/usr/bin/env bash
# The test command of the README: installs what is missing, starts the databases, runs ruff and
# the whole test suite (slow browser tests included). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
python3 -m ruff check operator tests bench
python3 -m pytest -ra "$@"
