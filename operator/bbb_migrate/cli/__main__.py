"""``python -m bbb_migrate.cli``: the CLI without relying on the console script being on PATH."""

from . import main

main()
