"""Checks a local run makes before it touches the BBB server or the disk.

A refused configuration must leave nothing behind: no output folder, no ``state.sqlite`` or
``state.lock``, no cached listing. So everything that can be known from the spec and the
machine alone is checked first, and every problem found is reported at once (one per line):
the BBB secret resolves, the output folder and the CSV's folder can be created and written, the
recorder command exists. The Publisher's own up-front check (databases, Pod recorder, claim
folder) is read-only too; the executor runs it right after these, still before any write.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..credentials import SecretError, resolve
from ..spec import MigrationSpec, Mode


class PreflightError(RuntimeError):
    """The configuration cannot work; the message lists every problem found, one per line."""


def _writable_folder(path: Path, what: str) -> str | None:
    """Why ``path`` cannot be (created and) written as a folder, or None when it can."""
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        return f"{what} {path}: {probe} is not a folder"
    if not os.access(probe, os.W_OK | os.X_OK):
        return f"{what} {path}: {probe} is not writable by this user"
    return None


def _recorder_found(command: list[str]) -> bool:
    program = command[0] if command else ""
    return bool(program) and (shutil.which(program) is not None
                              or (os.sep in program and os.access(program, os.X_OK)))


def problems(spec: MigrationSpec, out: Path, recorder: list[str], *, lists: bool,
             writes: bool = True) -> list[str]:
    """Every configuration problem found without a write or a request (empty: all good).

    ``lists``: the run will ask the BBB server (no stored plan yet, or ``--replan``);
    ``writes``: a real run (a dry run writes nothing, so its folders need not be writable).
    """
    found: list[str] = []
    if lists:
        try:
            resolve(spec.source.secret_ref)
        except SecretError as exc:
            found.append(f"source.secretRef: {exc}")
    if writes:
        for problem in (_writable_folder(out, "output.directory"),
                        _writable_folder(Path(spec.output.csv_path).expanduser().parent,
                                         "output.csvPath")
                        if spec.mode is Mode.EXPORT_CSV and spec.output.csv_path else None):
            if problem:
                found.append(problem)
        if spec.renders and not _recorder_found(recorder):  # claim, import-video from rendered
            found.append(f"the recorder command {recorder[0] if recorder else ''!r} is not "
                         "installed (check BBB_MIGRATE_RECORDER_CMD or the installation)")
    return found


def check(spec: MigrationSpec, out: Path, recorder: list[str], *, lists: bool,
          writes: bool = True) -> None:
    """Raise :class:`PreflightError` listing every problem :func:`problems` finds."""
    found = problems(spec, out, recorder, lists=lists, writes=writes)
    if found:
        raise PreflightError("the configuration cannot work, nothing was written:\n  "
                             + "\n  ".join(found))
