"""``bbb-migrate shutdown-check -f SPEC``: can the old BBB server be switched off now?

With ``-n NS`` and a ``BBBMigration`` manifest, the recordings are the migration's children in
the cluster (read with the user's kubeconfig) instead of a local state file.

Exit statuses: 0 yes, 1 no (every blocker listed), 2 a configuration problem (no state file, a
secret missing, no such migration), 3 Pod's database could not be read.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from . import kubesecrets, options

EXIT_NO = 1
EXIT_DATABASE = 3
_fail = options.fail


@click.command("shutdown-check")
@options.spec_option(required=True, help="Migration spec (YAML) of the local run to check, or "
                     "the BBBMigration manifest of a cluster migration (with -n NS).")
@click.option("--keep-old-links", is_flag=True,
              help="External recordings in Pod that point at the old server do not block "
              "(they become dead links).")
@click.option("--json", "json_output", is_flag=True,
              help="Machine-readable output: one JSON object (ok, blockers, notes, checked).")
@click.option("--accept-unchecked-files", is_flag=True,
              help="Cluster, claim mode: the recorder folder on the shared volume cannot be "
              "read from here; accept the operator's check at publication instead.")
@kubesecrets.namespace_option()
def shutdown_check(spec_path: str, keep_old_links: bool, json_output: bool,
                   accept_unchecked_files: bool, namespace: str | None) -> None:
    """Can the old server be switched off now? Exit 0 only when the answer is yes; otherwise
    exit 1 and list what blocks it. Reads only."""
    from ..credentials import SecretError, resolve
    from ..publish import cleanup
    from ..publish.db import Connection, DatabaseError
    from ..runner import shutdown_check as sc
    from ..spec import SpecError, load_spec

    try:
        spec = load_spec(spec_path)
    except SpecError as exc:
        _fail(str(exc))
    name = _migration_name(spec_path) if namespace is not None else None
    blockers: list[str] = []
    if name is not None:
        rows, blockers = _cluster_rows(namespace, name, spec)
    else:
        with options.open_state(spec, spec_path) as store:
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
    verdict = sc.check(spec, rows, old_links, keep_old_links=keep_old_links,
                       files_here=name is None, accept_unchecked=accept_unchecked_files,
                       blockers=blockers)
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


def _migration_name(spec_path: str) -> str | None:
    """The manifest's ``metadata.name`` when the file is a BBBMigration, else None (a local
    run's spec, whose secretKeyRefs ``-n`` only reads)."""
    import yaml

    from ..spec import KIND

    data = yaml.safe_load(Path(spec_path).read_text(encoding="utf-8"))  # load_spec read it
    if not isinstance(data, dict) or data.get("kind") != KIND:
        return None
    name = (data.get("metadata") or {}).get("name")
    if not name:
        _fail(f"{spec_path}: the BBBMigration manifest has no metadata.name")
    return str(name)


def _cluster_rows(namespace: str, name: str, spec: Any) -> tuple[list[Any], list[str]]:
    """The migration's children and its own blockers, through the Kubernetes API."""
    from ..credentials import SecretError
    from ..kube.shutdown_rows import migration_rows

    try:
        api = kubesecrets.kube_api()
    except SecretError as exc:
        _fail(str(exc))
    try:
        return migration_rows(api, namespace, name, spec)
    except LookupError as exc:
        _fail(str(exc))
    except Exception as exc:  # the kubernetes client: ApiException, connection errors
        _fail(f"cannot read BBBMigration {name} in namespace {namespace}: "
              f"{type(exc).__name__}: {str(exc)[:200]}")
    finally:
        api.close()
