"""The ``bbb-migrate`` command line.

Each sub-command lives in its own module and is imported only when used (click's lazy group
pattern), so ``bbb-migrate record`` in a recorder container never imports the operator, and a
slow import never delays ``--help``.
"""

from __future__ import annotations

import importlib

import click

from .. import __version__

# command name → "module:attribute" inside this package.
COMMANDS: dict[str, str] = {
    "plan": "plan:plan",
    "export-csv": "plan:export_csv",
    "simulate": "simulate:simulate",
    "record": "record:record",
    "run": "run:run",
    "status": "run:status",
    "retry-failed": "run:retry_failed",
    "demo": "run:demo",
    "operator": "cluster:operator",
    "cleanup": "cleanup:cleanup",
    "report": "report:report",
    "shutdown-check": "shutdown:shutdown_check",
}


class LazyGroup(click.Group):
    """A group whose sub-commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        module = importlib.import_module(f"{__name__}.{module_name}")
        command = getattr(module, attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="bbb-migrate")
def main() -> None:
    """Migrate BigBlueButton recordings into Esup-Pod (claim, import-video or export-csv)."""
