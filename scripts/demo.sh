#!/usr/bin/env bash
# The README's first command: installs what is missing (scripts/setup.sh, into the project's
# .venv), then runs the embedded default — the local runner migrating the bundled sample
# recordings from the project's BBB simulator, in claim mode, into ./bbb-migrate-demo.
# Extra arguments go to `bbb-migrate demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec "${BBB_MIGRATE_VENV:-$PWD/.venv}/bin/python" -m bbb_migrate.cli demo "$@"
