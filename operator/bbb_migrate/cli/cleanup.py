"""``bbb-migrate cleanup -f SPEC``: remove the external recordings that lead nowhere any more.

Exit statuses: 0 done (or, with ``--dry-run``, listed), 2 a configuration problem (nothing
changed), 3 the Pod database failed (nothing deleted: the deletion is one transaction).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import click

from . import kubesecrets, options

EXIT_DATABASE = 3
_fail = options.fail


@click.command()
@options.spec_option(required=True, help="Migration spec (YAML; a BBBMigration manifest works "
                     "too): its source (the old server) and pod sections are used.")
@click.option("--dry-run", is_flag=True,
              help="Delete nothing: list what would be removed (and write --csv if given).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), default=None,
              help="CSV of the removed rows (default: output.directory/cleanup-<UTC time>.csv).")
@click.option("--only", "kinds", type=click.Choice(["old-server", "imported"]), multiple=True,
              help="Remove only links to the old server, or only rendered MP4s their owner has "
              "imported (default: both).")
@kubesecrets.namespace_option()
def cleanup(spec_path: str, dry_run: bool, csv_path: str | None, kinds: tuple[str, ...],
            namespace: str | None) -> None:
    """Export, then remove, the external recordings in Pod whose source is the old server, or
    whose rendered MP4 its owner has already imported. Never removes a Pod video."""
    from ..credentials import SecretError, resolve
    from ..publish import cleanup as clean
    from ..publish.db import Connection, DatabaseError
    from ..spec import SpecError, load_spec

    try:
        spec = load_spec(spec_path)
    except SpecError as exc:
        _fail(str(exc))
    database = spec.pod.database
    if database is None:
        _fail("cleanup needs pod.database")
    try:
        url = resolve(database.url_ref, kubesecrets.reader(namespace))
    except SecretError as exc:
        _fail(f"pod.database.urlRef: {exc}")
    chosen = kinds or clean.KINDS
    try:
        conn = Connection(url, connect_timeout=database.connect_timeout_seconds,
                          statement_timeout=database.statement_timeout_seconds,
                          label="Pod database", dry_run=dry_run)
    except DatabaseError as exc:
        _fail(str(exc), EXIT_DATABASE)
    try:
        rows = clean.candidates(conn, spec, chosen)
        counts = Counter(row.reason for row in rows)
        words = ", ".join(f"{counts[k]} {k}" for k in chosen)
        verb = "would remove" if dry_run else "removing"
        click.echo(f"External recordings: {verb} {len(rows)} ({words}); Pod videos are never "
                   "touched.")
        for row in rows[:20] if dry_run else []:
            click.echo(f"  {row.id} {row.owner or '(no owner)'} {row.reason} {row.source_url}")
        if dry_run and len(rows) > 20:
            click.echo(f"  … and {len(rows) - 20} more (--csv FILE lists them all)")
        target = Path(csv_path) if csv_path else None
        if target is None and not dry_run:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            target = Path(spec.output.directory).expanduser() / f"cleanup-{stamp}.csv"
        if target is not None:
            clean.write_csv(rows, target)  # before anything is deleted
            click.echo(f"CSV: {target}")
        if not dry_run and rows:
            deleted = clean.remove(conn, rows)
            click.echo(f"Removed {deleted} external recording(s)"
                       + (f"; {len(rows) - deleted} changed since read, left alone"
                          if deleted != len(rows) else ""))
    except DatabaseError as exc:
        _fail(str(exc), EXIT_DATABASE)
    except OSError as exc:
        _fail(f"cannot write the CSV: {exc}; nothing was removed")
    finally:
        conn.close()
