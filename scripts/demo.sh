#!/usr/bin/env bash
# The README's first command: installs what is missing, then runs the embedded default — the
# local runner migrating the bundled sample recordings from the project's BBB simulator, in
# claim mode, into ./bbb-migrate-demo. Extra arguments go to `bbb-migrate demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec python3 -m bbb_migrate.cli demo "$@"
