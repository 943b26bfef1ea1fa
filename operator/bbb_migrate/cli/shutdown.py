"""``bbb-migrate shutdown-check -f SPEC``: can the old BBB server be switched off now?

Exit statuses: 0 yes, 1 no (every blocker listed), 2 a configuration problem (no state file, a
secret missing), 3 Pod's database could not be read.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import kubesecrets, options

EXIT_NO = 1
EXIT_CONFIG = 2
EXIT_DATABASE = 3


def _fail(message: str, status: int = EXIT_CONFIG) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(status)


@click.command("shutdown-check")
@options.spec_option(required=True, help="Migration spec (YAML) of the local run to check.")
@click.option("--keep-old-links", is_flag=True,
              help="External recordings in Pod that point at the old server do not block "
              "(they become dead links).")
@click.option("--json", "json_output", is_flag=True,
              help="Machine-readable output: one JSON object (ok, blockers, notes, checked).")
@kubesecrets.namespace_option()
def shutdown_check(spec_path: str, keep_old_links: bool, json_output: bool,
                   namespace: str | None) -> None:
    """Can the old server be switched off now? Exit 0 only when the answer is yes; otherwise
    exit 1 and list what blocks it. Reads only."""
    from ..credentials import SecretError, resolve
    from ..publish import cleanup
    from ..publish.db import Connection, DatabaseError
    from ..runner import shutdown_check as sc
    from ..runner.statestore import StateError, StateStore
    from ..spec import SpecError, load_spec

    try:
        spec = load_spec(spec_path)
    except SpecError as exc:
        _fail(str(exc))
    directory = Path(spec.output.directory).expanduser()
    try:
        store = StateStore.for_directory(directory, readonly=True)
    except StateError as exc:
        _fail(f"{exc}; run `bbb-migrate run -f {spec_path}` first")
    with store:
        rows = store.load()
    old_links = None
    database = spec.pod.database
    if database is not None:
        try:
            conn = Connection(resolve(database.url_ref, kubesecrets.reader(namespace)),
                              connect_timeout=database.connect_timeout_seconds,
                              statement_timeout=database.statement_timeout_seconds,
                              label="Pod database", dry_run=True)
            try:
                old_links = cleanup.candidates(conn, spec, [cleanup.OLD_SERVER])
            finally:
                conn.close()
        except SecretError as exc:
            _fail(f"pod.database.urlRef: {exc}")
        except DatabaseError as exc:
            _fail(str(exc), EXIT_DATABASE)
    verdict = sc.check(spec, rows, old_links, keep_old_links=keep_old_links)
    if json_output:
        click.echo(json.dumps({"ok": verdict.ok, "blockers": verdict.blockers,
                               "notes": verdict.notes, "checked": verdict.checked}))
    else:
        checked = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in
                            verdict.checked.items())
        click.echo(f"Checked: {checked}")
        for note in verdict.notes:
            click.echo(f"Note: {note}")
        for blocker in verdict.blockers:
            click.echo(f"Blocks: {blocker}")
        click.echo("The old server can be switched off now." if verdict.ok else
                   f"Not yet: {len(verdict.blockers)} thing(s) block the shutdown.")
    sys.exit(0 if verdict.ok else EXIT_NO)
