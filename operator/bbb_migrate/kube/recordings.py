"""The per-recording child resource ``BBBRecording``: its body, its view, its status.

A child's ``spec`` is written once at planning and holds the listed recording, so publishing
after a restart needs no new BBB listing. Its ``status`` is a
:class:`~bbb_migrate.state.RecordingState` (camelCase); no status means the initial state the
plan decided, which saves one API call per child at planning.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ..models import Playback, PreviewImage, Recording
from ..spec import API_GROUP, API_VERSION
from ..state import Action, RecordingState, initial
from . import jobs

_STATUS_KEYS = {
    "phase": "phase", "attempts": "attempts", "publish_attempts": "publishAttempts",
    "reason": "reason", "exit_class": "exitClass", "last_error": "lastError",
    "job_name": "jobName", "output_path": "outputPath", "not_before": "notBefore",
}


def recording_to_dict(rec: Recording) -> dict[str, Any]:
    """A JSON-ready form of a listed recording (kept in the child's spec)."""
    return {
        "recordId": rec.record_id,
        "meetingId": rec.meeting_id,
        "name": rec.name,
        "startTime": rec.start_time.isoformat(),
        "endTime": rec.end_time.isoformat() if rec.end_time else None,
        "internalMeetingId": rec.internal_meeting_id,
        "state": rec.state,
        "published": rec.published,
        "participants": rec.participants,
        "rawSize": rec.raw_size,
        "isBreakout": rec.is_breakout,
        "metadata": dict(rec.metadata),
        "playbacks": [
            {"type": p.type, "url": p.url, "lengthMinutes": p.length_minutes, "size": p.size,
             "processingTimeMs": p.processing_time_ms,
             "previews": [{"url": i.url, "alt": i.alt, "width": i.width, "height": i.height}
                          for i in p.previews]}
            for p in rec.playbacks
        ],
    }


def recording_from_dict(data: dict[str, Any]) -> Recording:
    """The inverse of :func:`recording_to_dict`."""
    return Recording(
        record_id=data["recordId"],
        meeting_id=data.get("meetingId", ""),
        name=data.get("name", ""),
        start_time=datetime.fromisoformat(data["startTime"]),
        end_time=datetime.fromisoformat(data["endTime"]) if data.get("endTime") else None,
        internal_meeting_id=data.get("internalMeetingId", ""),
        state=data.get("state", "published"),
        published=data.get("published", True),
        participants=data.get("participants"),
        raw_size=data.get("rawSize"),
        is_breakout=data.get("isBreakout", False),
        metadata=dict(data.get("metadata") or {}),
        playbacks=tuple(
            Playback(type=p["type"], url=p["url"], length_minutes=p.get("lengthMinutes"),
                     size=p.get("size"), processing_time_ms=p.get("processingTimeMs"),
                     previews=tuple(PreviewImage(url=i["url"], alt=i.get("alt", ""),
                                                 width=i.get("width"), height=i.get("height"))
                                    for i in p.get("previews") or ()))
            for p in data.get("playbacks") or ()
        ),
    )


_PUBLISHING_METADATA = ("bbb-origin-server-name",)


def for_publishing(rec: Recording) -> Recording:
    """The listed recording cut to what publishing reads (ids, name, start, origin server):
    kept in each child's view so that publishing needs no GET, and small for 10,000 views."""
    return replace(rec, playbacks=(),
                   metadata={k: v for k, v in rec.metadata.items() if k in _PUBLISHING_METADATA})


def duration_of(rec: Recording) -> float | None:
    """Best known length: end - start, else the playback's rounded minutes."""
    if rec.duration_seconds:
        return rec.duration_seconds
    lengths = [p.length_minutes for p in rec.playbacks if p.length_minutes]
    return float(max(lengths) * 60) if lengths else None


def child_body(item: Any, *, migration: str, namespace: str, owner_uid: str) -> dict[str, Any]:
    """The BBBRecording for one :class:`~bbb_migrate.plan.PlanItem`, owned by its migration."""
    rec: Recording = item.recording
    name = jobs.child_name(migration, rec.record_id)
    return {
        "apiVersion": f"{API_GROUP}/{API_VERSION}",
        "kind": jobs.CHILD_KIND,
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {**jobs.selector_labels(migration),
                       jobs.LABEL_RECORD: jobs.label_value(rec.record_id)},
            "annotations": {jobs.ANNOTATION_RECORD: rec.record_id},
            "ownerReferences": [jobs.owner_reference(
                f"{API_GROUP}/{API_VERSION}", "BBBMigration", migration, owner_uid)],
        },
        "spec": {
            "migration": migration,
            "recordId": rec.record_id,
            "meetingId": rec.meeting_id,
            "name": rec.recording_name,
            "index": item.index,
            "action": str(item.action),
            "reason": item.reason,
            "playbackType": item.playback_type,
            "sourceUrl": item.source_url,
            "durationSeconds": duration_of(rec),
            "recording": recording_to_dict(rec),
        },
    }


def state_to_status(state: RecordingState, seq: int) -> dict[str, Any]:
    """The child's status for a state (``seq`` orders the operator's own writes)."""
    data = state.to_dict()
    status = {camel: data[snake] for snake, camel in _STATUS_KEYS.items()}
    status["seq"] = seq
    return status


def item_from_body(body: dict[str, Any]) -> Any:
    """The :class:`~bbb_migrate.plan.PlanItem` a child was created from (its spec)."""
    from ..plan import PlanItem

    spec = body.get("spec") or {}
    return PlanItem(index=int(spec.get("index") or 0),
                    recording=recording_from_dict(spec["recording"]),
                    action=Action(spec.get("action", "skip")), reason=spec.get("reason", ""),
                    playback_type=spec.get("playbackType"), source_url=spec.get("sourceUrl", ""))


@dataclass(frozen=True, slots=True)
class ChildView:
    """The little the scheduler keeps in memory per child (10,000 of them must stay small)."""

    name: str
    uid: str
    migration: str
    record_id: str
    action: Action
    index: int
    source_url: str
    duration: float | None
    state: RecordingState
    seq: int
    notice_failures: int = 0  # Moodle notices refused when it was published (status)
    owner_uid: str = ""  # the migration that owns it (by uid)
    recording: Recording | None = None  # what publishing reads of it (see for_publishing)
    playback_type: str | None = None
    render_seconds: float | None = None  # the recorder's wall time of the render kept (ETA)

    def plan_item(self) -> Any:
        """The :class:`~bbb_migrate.plan.PlanItem` to publish, without reading the child again."""
        from ..plan import PlanItem

        assert self.recording is not None
        return PlanItem(index=self.index, recording=self.recording, action=self.action,
                        reason=self.state.reason, playback_type=self.playback_type,
                        source_url=self.source_url)

    def saved(self, state: RecordingState, seq: int, *, notice_failures: int,
              render_seconds: float | None = None) -> ChildView:
        """The same child after our own status write (ahead of the watch)."""
        return replace(self, state=state, seq=seq, notice_failures=notice_failures,
                       render_seconds=render_seconds if render_seconds is not None
                       else self.render_seconds)

    @classmethod
    def from_body(cls, body: Any) -> ChildView:
        """Parse a watched BBBRecording body."""
        meta = body.get("metadata") or {}
        spec = body.get("spec") or {}
        status = body.get("status") or {}
        action = Action(spec.get("action", "skip"))
        record_id = spec.get("recordId", "")
        if status.get("phase"):
            values = {snake: status[camel] for snake, camel in _STATUS_KEYS.items()
                      if status.get(camel) is not None}
            state = RecordingState.from_dict({"record_id": record_id, "action": action,
                                              **values})
        else:
            state = initial(record_id, action, spec.get("reason", ""))
        return cls(name=meta.get("name", ""), uid=meta.get("uid", ""),
                   migration=spec.get("migration", ""), record_id=record_id, action=action,
                   index=int(spec.get("index") or 0), source_url=spec.get("sourceUrl", ""),
                   duration=spec.get("durationSeconds"), state=state,
                   seq=int(status.get("seq") or 0), owner_uid=jobs.owner_uid(meta),
                   notice_failures=int(status.get("noticeFailures") or 0),
                   recording=(for_publishing(recording_from_dict(spec["recording"]))
                              if spec.get("recording") else None),
                   playback_type=spec.get("playbackType"),
                   render_seconds=status.get("renderSeconds"))
