"""What one row of the runner's state file holds, and its JSON encodings.

The plan item (``item_json``: the whole Recording, action, playback URL) so that a resumed run
neither re-lists the BBB server nor sees its plan change; the state (``state_json``); the
recorder's result and the publication report. :mod:`.statestore` reads and writes the rows.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from ..models import Playback, PreviewImage, Recording
from ..state import Action, RecordingState

# --- plan items as JSON -----------------------------------------------------------------------


def _recording_to_dict(recording: Recording) -> dict[str, Any]:
    data = asdict(recording)
    data["start_time"] = recording.start_time.isoformat()
    data["end_time"] = recording.end_time.isoformat() if recording.end_time else None
    return data


def _recording_from_dict(data: dict[str, Any]) -> Recording:
    values = dict(data)
    values["start_time"] = datetime.fromisoformat(values["start_time"])
    if values.get("end_time"):
        values["end_time"] = datetime.fromisoformat(values["end_time"])
    values["playbacks"] = tuple(
        Playback(**{**p, "previews": tuple(PreviewImage(**i) for i in p.get("previews", ()))})
        for p in values.get("playbacks", ())
    )
    values["metadata"] = dict(values.get("metadata") or {})
    return Recording(**values)


def item_to_json(item: Any) -> str:
    """Serialise a :class:`bbb_migrate.plan.PlanItem` (with its whole Recording)."""
    return json.dumps({
        "index": item.index,
        "recording": _recording_to_dict(item.recording),
        "action": str(item.action),
        "reason": item.reason,
        "playback_type": item.playback_type,
        "source_url": item.source_url,
    }, sort_keys=True)


def item_from_json(text: str) -> Any:
    """The inverse of :func:`item_to_json`."""
    from ..plan import PlanItem  # the plan module is the foundation's; imported when used

    data = json.loads(text)
    return PlanItem(
        index=data["index"],
        recording=_recording_from_dict(data["recording"]),
        action=Action(data["action"]),
        reason=data["reason"],
        playback_type=data["playback_type"],
        source_url=data["source_url"],
    )


# --- rows -------------------------------------------------------------------------------------


@dataclass
class StoredRecording:
    """One row of the state file, decoded."""

    item: Any  # PlanItem
    state: RecordingState
    result: dict[str, Any] | None
    publish: dict[str, Any] | None
    pgid: int | None
    pg_start: int | None

    @property
    def record_id(self) -> str:
        """The BBB record ID (the row's key)."""
        return self.state.record_id

    @property
    def index(self) -> int:
        """The plan position (1 = newest): the core's order of work."""
        return self.item.index


def decode(row: sqlite3.Row) -> StoredRecording:
    return StoredRecording(
        item=item_from_json(row["item_json"]),
        state=RecordingState.from_dict(json.loads(row["state_json"])),
        result=json.loads(row["result_json"]) if row["result_json"] else None,
        publish=json.loads(row["publish_json"]) if row["publish_json"] else None,
        pgid=row["pgid"],
        pg_start=row["pg_start"],
    )
