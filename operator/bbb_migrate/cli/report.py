"""``bbb-migrate report``: rebuild the migration's static HTML report (report/index.html)."""

from __future__ import annotations

from pathlib import Path

import click

from . import options


@click.command()
@options.spec_option(required=False, help="Migration spec (YAML): its output.directory.")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
              help="The output folder instead (e.g. the shared volume's sub-path in a cluster, "
                   "where only the recorders' result JSONs are).")
@click.option("--title", help="The page's title (default: the spec's file name).")
def report(spec_path: str | None, directory: Path | None, title: str | None) -> None:
    """Write report/index.html in the output folder: every recording with its contact sheet,
    phase, reason, durations, owners and output path; open it from the file system."""
    from ..report import build
    from ..runner.statestore import StateError
    from ..spec import SpecError, load_spec

    if directory is None:
        if spec_path is None:
            raise click.UsageError("give -f SPEC or --dir FOLDER")
        try:
            directory = Path(load_spec(spec_path).output.directory).expanduser()
        except SpecError as exc:
            raise click.ClickException(str(exc)) from None
    if not directory.is_dir():
        raise click.ClickException(f"{directory}: no such folder (has the migration run?)")
    try:
        path = build(directory, title or (Path(spec_path).stem if spec_path else directory.name))
    except StateError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {path} (open file://{path.resolve()})")
