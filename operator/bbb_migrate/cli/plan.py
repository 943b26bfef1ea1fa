"""``bbb-migrate plan`` and ``bbb-migrate export-csv``.

Both read a spec (``-f SPEC``) or build one from ``--source-url``/``--secret-env``, list the
recordings (progress bar on stderr), build the plan and print it (table, JSON or CSV on stdout)
or write Pod's CSV. Exit codes scripts can rely on:

* 0: done;
* 2: configuration problem (bad option, invalid spec, secret not found): nothing was asked of
  the server;
* 3: the BBB server failed (wrong secret → ``checksumError``, HTTP error, timeout, unsafe XML,
  a reply over a limit; also running out of memory while listing);
* 4: writing the output failed (a full disk, a closed standard output, the Moodle owners
  lookup of export-csv).

Errors are one clear message on stderr, never a traceback, and never the secret or a checksum.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

import click
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .. import csvexport
from .. import plan as planning
from ..credentials import SecretError, resolve
from ..models import Recording
from ..source import BBBError, list_recordings
from ..spec import Checksum, MigrationSpec, Mode, SpecError, load_spec, parse_spec
from .options import spec_option

EXIT_CONFIG = 2
EXIT_SERVER = 3
EXIT_OUTPUT = 4


class CliError(click.ClickException):
    """A user-facing error with its own exit code."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


def _stderr() -> Console:
    return Console(stderr=True)


def _setup_logging(verbose: bool) -> None:
    root = logging.getLogger("bbb_migrate")
    if not any(isinstance(h, RichHandler) for h in root.handlers):
        root.addHandler(RichHandler(console=_stderr(), show_time=False, show_path=False))
    root.setLevel(logging.INFO if verbose else logging.WARNING)


request_timeout_option = click.option(
    "--request-timeout", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
    help="Deadline of one request to the BBB server, reply included "
         "(source.requestTimeoutSeconds; default 300).")


def source_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options shared by plan and export-csv."""
    options = [
        spec_option(required=False, help="Migration spec (YAML); the flags below override it."),
        click.option("--source-url", help="BBB API URL as `bbb-conf --secret` prints it "
                     "(https://bbb.example.org/bigbluebutton/) or the server root."),
        click.option("--secret-env", help="Environment variable holding the BBB shared secret."),
        click.option("--secret-file", type=click.Path(dir_okay=False),
                     help="File holding the BBB shared secret."),
        click.option("--checksum", type=click.Choice([c.value for c in Checksum]),
                     help="Checksum algorithm (default sha256, accepted by every server)."),
        click.option("--paging", type=click.Choice(["auto", "on", "off"]),
                     help="offset/limit paging (BBB 2.6+); auto detects it."),
        click.option("--first", type=int, help="1-based index of the first recording."),
        click.option("--last", type=int, help="1-based index of the last recording."),
        click.option("--cache-file", type=click.Path(dir_okay=False),
                     help="Reuse (or save) the listing at this path."),
        request_timeout_option,
        click.option("-v", "--verbose", is_flag=True, help="Log progress details on stderr."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def build_spec(spec_path: str | None, *, mode: str | None = None, **flags: Any) -> MigrationSpec:
    """The spec from ``-f`` and/or flags; flags win. Raises SpecError naming the field."""
    if spec_path:
        data = load_spec(spec_path).to_yaml_dict()
        origin = spec_path
    else:
        if not flags.get("source_url"):
            raise SpecError("give -f SPEC, or --source-url with --secret-env or --secret-file")
        data = {"source": {"url": flags["source_url"]}, "mode": mode or "claim", "dryRun": True}
        origin = "command line"
    source = data.setdefault("source", {})
    if flags.get("source_url"):
        source["url"] = flags["source_url"]
    if flags.get("secret_env") and flags.get("secret_file"):
        raise SpecError("give --secret-env or --secret-file, not both")
    if flags.get("secret_env"):
        source["secretRef"] = {"env": flags["secret_env"]}
    elif flags.get("secret_file"):
        source["secretRef"] = {"file": flags["secret_file"]}
    elif "secretRef" not in source:
        raise SpecError("the BBB secret is needed: --secret-env NAME or --secret-file PATH")
    for flag, key in (("checksum", "checksum"), ("paging", "paging"),
                      ("cache_file", "cacheFile"), ("request_timeout", "requestTimeoutSeconds")):
        if flags.get(flag):
            source[key] = flags[flag]
    selection = data.setdefault("selection", {})
    for flag in ("first", "last"):
        if flags.get(flag) is not None:
            selection[flag] = flags[flag]
    if mode:
        data["mode"] = mode
    return parse_spec(data, origin=origin)


def fetch(spec: MigrationSpec) -> list[Recording]:
    """Resolve the secret and list the recordings with a progress bar on stderr."""
    secret = resolve(spec.source.secret_ref)
    console = _stderr()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True,
                  disable=not console.is_terminal) as progress:
        task = progress.add_task("listing recordings", total=None)
        last = [0]

        def update(done: int, total: int | None) -> None:
            if done < last[0]:  # the second pass: formats re-read after a paged listing
                progress.update(task, description="re-reading formats")
            last[0] = done
            progress.update(task, completed=done, total=total)

        return list_recordings(spec.source, secret, progress=update, plan_spec=spec)


def run_guarded(action: Callable[[], None]) -> None:
    """Turn the known errors into one message and an exit code; no tracebacks for users."""
    try:
        action()
    except (SpecError, SecretError) as exc:
        raise CliError(str(exc), EXIT_CONFIG) from None
    except BBBError as exc:
        hint = ""
        if exc.message_key == "checksumError":
            hint = " (wrong secret, or a checksum algorithm the server does not accept)"
        raise CliError(f"{exc}{hint}", EXIT_SERVER) from None
    except ValueError as exc:  # e.g. an unusable URL caught by the client
        raise CliError(str(exc), EXIT_CONFIG) from None
    except MemoryError:
        raise CliError("out of memory while listing the recordings: lower the listing's size "
                       "with source.meta or source.states filters", EXIT_SERVER) from None
    except Exception as exc:
        # The Moodle owners lookup (export-csv with moodle configured) raises PublishError.
        try:
            from ..publish import PublishConfigError, PublishError
        except ImportError:
            raise exc from None
        if isinstance(exc, PublishError):
            code = EXIT_CONFIG if isinstance(exc, PublishConfigError) else EXIT_OUTPUT
            raise CliError(f"Moodle owners: {exc}", code) from None
        raise


@click.command()
@source_options
@click.option("--mode", type=click.Choice([m.value for m in Mode]),
              help="Mode to plan for (default: the spec's, or claim).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default=None,
              help="Output format on stdout (default table).")
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
def plan(spec_path: str | None, mode: str | None, fmt: str | None, as_json: bool,
         verbose: bool, **flags: Any) -> None:
    """Show what a migration would do (a dry run): one action per recording, newest first."""
    _setup_logging(verbose)
    if as_json and fmt not in (None, "json"):
        raise CliError("--json and --format are exclusive", EXIT_CONFIG)
    fmt = "json" if as_json else (fmt or "table")

    def action() -> None:
        spec = build_spec(spec_path, mode=mode, **flags)
        result = planning.build_plan(fetch(spec), spec)
        with _stdout_or_exit_4() as out:
            if fmt == "json":
                planning.write_json(result, out)
            elif fmt == "csv":
                planning.write_csv(result, out)
            else:
                # not a terminal (a pipe, a file): the whole table, not squeezed to 80 columns
                planning.print_table(result, Console(file=out,
                                                     width=None if out.isatty() else 400))
        if fmt != "table":
            _stderr().print(result.summary(), highlight=False)

    run_guarded(action)


@click.command("export-csv")
@source_options
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="CSV file (default: the spec's output.csvPath, else recordings.csv in "
                   "output.directory).")
def export_csv(spec_path: str | None, output: str | None, verbose: bool, **flags: Any) -> None:
    """Write Pod's CSV export (`;` separated, Pod's header) of the selected recordings."""
    _setup_logging(verbose)

    def action() -> None:
        spec = build_spec(spec_path, mode=Mode.EXPORT_CSV.value, **flags)
        target = Path(output or spec.output.csv_path
                      or Path(spec.output.directory) / "recordings.csv")
        owners, close = _owners(spec)  # Moodle checked before a listing that may take minutes
        try:
            result = planning.build_plan(fetch(spec), spec)
            try:
                count = csvexport.write_csv(result.items, target, owners=owners)
            except OSError as exc:
                raise CliError(f"{target}: cannot write: {exc.strerror or exc}", EXIT_OUTPUT
                               ) from None
        finally:
            close()
        _stderr().print(f"{count} rows written to {target}; {result.summary()}",
                        highlight=False)

    run_guarded(action)


@contextlib.contextmanager
def _stdout_or_exit_4() -> Iterator[TextIO]:
    """Standard output for the plan; any failure to write it all is exit 4, no traceback.

    A full disk (``> /dev/full``), a closed standard output or a closed pipe: the message says
    so, and standard output is then pointed at /dev/null so that Python's own flush at exit
    does not print a traceback after it.
    """
    out = sys.stdout
    try:
        if out is None:
            raise OSError("standard output is closed")
        yield out
        out.flush()
    except (OSError, ValueError) as exc:
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        reason = getattr(exc, "strerror", None) or str(exc)
        raise CliError(f"cannot write the plan to standard output: {reason}", EXIT_OUTPUT
                       ) from None


def _owners(spec: MigrationSpec) -> tuple[Callable[[Recording], list[str]] | None,
                                          Callable[[], None]]:
    """Moodle owners through the publish layer, only when the spec configures Moodle."""
    if spec.moodle is None or not spec.moodle.databases:
        return None, lambda: None
    try:
        from ..publish import Publisher
    except ImportError as exc:
        raise CliError(f"Moodle owners need the publish module: {exc}", EXIT_CONFIG) from None
    publisher = Publisher(spec)
    try:
        publisher.check()  # unreachable database, wrong table prefix: exit 2, nothing listed
    except BaseException:
        publisher.close()
        raise
    return publisher.moodle_owners, publisher.close
