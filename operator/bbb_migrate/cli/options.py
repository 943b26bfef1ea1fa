"""Options shared by several commands, so that every command spells them the same way."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from ..runner.statestore import StateStore
    from ..spec import MigrationSpec

EXIT_CONFIG = 2  # a refused spec, a missing secret or state: nothing was done

OLD_SPEC_NAME = "--file"  # run/status/retry-failed's name before 0.2: still accepted, not shown


class AliasOption(click.Option):
    """An option that also answers to old names, which ``--help`` no longer shows.

    Scripts written against an older release keep working; new users see one name only.
    """

    def __init__(self, *args: Any, hidden_names: tuple[str, ...] = (), **kwargs: Any) -> None:
        self.hidden_names = hidden_names
        super().__init__(*args, **kwargs)

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        shown = self.opts
        self.opts = [name for name in shown if name not in self.hidden_names]
        try:
            return super().get_help_record(ctx)
        finally:
            self.opts = shown


def spec_option(*, required: bool, help: str) -> Any:
    """``-f/--spec SPEC`` (old name ``--file`` still accepted), into ``spec_path``."""
    return click.option("-f", "--spec", OLD_SPEC_NAME, "spec_path", cls=AliasOption,
                        hidden_names=(OLD_SPEC_NAME,), required=required, metavar="SPEC",
                        type=click.Path(dir_okay=False), help=help)


def fail(message: str, status: int = EXIT_CONFIG) -> NoReturn:
    """Print ``Error: message`` on stderr and exit ``status``: how every command refuses."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(status)


def open_state(spec: MigrationSpec, spec_path: str) -> StateStore:
    """The local run's state store, read-only; a refusal that says how to make one."""
    from ..runner.statestore import StateError, StateStore

    try:
        return StateStore.for_directory(Path(spec.output.directory).expanduser(), readonly=True)
    except StateError as exc:
        fail(f"{exc}; run `bbb-migrate run -f {spec_path}` first")
