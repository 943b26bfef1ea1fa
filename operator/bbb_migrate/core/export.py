"""What the export-csv file holds, for both executors.

One rule: the CSV lists the recordings *Published* in export-csv mode (their Moodle owners were
looked up by the publisher, so a Moodle error is a retry of that recording, not a lost file),
in plan order, written once every recording is terminal. A dry run never writes it; it only
says how many rows it would hold (:mod:`.dryrun`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from ..spec import MigrationSpec
from ..state import Phase, RecordingState


def rows(records: Iterable[tuple[Any, RecordingState, list[str] | None]]
         ) -> list[tuple[Any, list[str]]]:
    """(plan item, owners) of the Published recordings, in plan order.

    ``records`` are (plan item, state, owners the publisher reported) in any order.
    """
    kept = [(item, list(owners or [])) for item, state, owners in records
            if state.phase is Phase.PUBLISHED]
    kept.sort(key=lambda pair: pair[0].index)
    return kept


def write(path: str | os.PathLike[str], published: list[tuple[Any, list[str]]],
          spec: MigrationSpec) -> int:
    """Write the CSV atomically (Pod's format, :mod:`bbb_migrate.csvexport`); returns rows.

    The ``Moodle_owners`` column is there when Moodle databases are configured.
    """
    from ..csvexport import write_csv

    owners = {item.record_id: names for item, names in published}
    with_owners = bool(spec.moodle and spec.moodle.databases)
    return write_csv([item for item, _ in published], path,
                     owners=(lambda rec: owners.get(rec.record_id, [])) if with_owners
                     else None)
