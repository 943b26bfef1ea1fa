"""The export-csv file, compatible with Pod's ``migrate_bbb_recordings --use-export-csv``.

Same ``;`` separator, same ``"`` quoting (minimal), same ``\\r\\n`` line ends, the same header in
the same order, and the ``Moodle_owners`` column when owners are looked up. Differences, chosen
on purpose and documented in docs/foundation.md:

* UTF-8 whatever the platform's locale (Pod uses the platform encoding);
* ``start_date`` is the UTC date (Pod's is the date in the Pod server's local time zone);
* ``Moodle_owners`` is a readable ``, ``-joined list (``Jane Doe (jdoe), John Roe (jroe)``),
  not the Python ``repr`` Pod writes (``['Jane Doe (jdoe)']``);
* the file is written atomically (temporary file in the same folder, then renamed), at the
  path the user chooses, so an interrupted export never leaves a half-written file behind.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable

from .atomicfile import atomic_write
from .models import Recording
from .plan import PlanItem

HEADER = ("meeting_name", "recording_name", "start_date", "origin", "origin_server_name",
          "origin_version", "origin_context", "origin_id", "origin_label", "description",
          "published", "state", "source_url")
OWNERS_COLUMN = "Moodle_owners"
# Pod's Generic_recording fields read from the metadata (missing → "").
_METADATA_COLUMNS = {
    "recording_name": "bbb-recording-name",
    "origin": "bbb-origin",
    "origin_server_name": "bbb-origin-server-name",
    "origin_version": "bbb-origin-version",
    "origin_context": "bbb-context",
    "origin_id": "bbb-context-id",
    "origin_label": "bbb-context-label",
    "description": "bbb-recording-description",
}


def row(item: PlanItem) -> list[str]:
    """One Pod CSV row (without the owners column)."""
    rec = item.recording
    values = {
        "meeting_name": rec.name.strip(),
        "start_date": rec.start_time.strftime("%Y-%m-%d"),
        "published": "true" if rec.published else "false",
        "state": rec.state,
        "source_url": item.source_url,
    }
    for column, key in _METADATA_COLUMNS.items():
        values[column] = rec.metadata.get(key, "").strip()
    return [values[column] for column in HEADER]


def write_csv(items: Iterable[PlanItem], path: str | os.PathLike[str], *,
              owners: Callable[[Recording], list[str]] | None = None) -> int:
    """Write the CSV atomically; returns the number of rows (header excluded)."""
    count = 0
    with atomic_write(path, newline="") as out:
        writer = csv.writer(out, delimiter=";", quotechar='"', quoting=csv.QUOTE_MINIMAL)
        writer.writerow([*HEADER, OWNERS_COLUMN] if owners else HEADER)
        for item in items:
            values = row(item)
            if owners is not None:
                values.append(", ".join(owners(item.recording)))
            writer.writerow(values)
            count += 1
    return count
