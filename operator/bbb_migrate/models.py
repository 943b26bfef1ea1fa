"""Plain values describing BBB recordings.

These dataclasses are what the source client produces and what the plan, the executors and the
publishers consume. They carry no behaviour tied to XML, Kubernetes or SQL, so each layer can be
tested with values built by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum


class PlaybackType(StrEnum):
    """Playback format types BBB publishes; only the first two can be migrated."""

    PRESENTATION = "presentation"
    VIDEO = "video"
    PODCAST = "podcast"
    SCREENSHARE = "screenshare"
    NOTES = "notes"


@dataclass(frozen=True, slots=True)
class PreviewImage:
    """One preview thumbnail of a playback format."""

    url: str
    alt: str = ""
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class Playback:
    """One ``<format>`` of a recording.

    ``length_minutes`` is BBB's rounded length (minutes); the exact duration is only in the
    published ``metadata.xml`` and is read by the recorder.
    """

    type: str
    url: str
    length_minutes: int | None = None
    size: int | None = None
    processing_time_ms: int | None = None
    previews: tuple[PreviewImage, ...] = ()


@dataclass(frozen=True, slots=True)
class Recording:
    """One BBB recording as listed by ``getRecordings``.

    Times are timezone-aware UTC. ``metadata`` keeps every key exactly as the server sent it
    (BBB lowercases caller keys but adds camelCase ones such as ``meetingName``).
    """

    record_id: str
    meeting_id: str
    name: str
    start_time: datetime
    end_time: datetime | None = None
    internal_meeting_id: str = ""
    state: str = "published"
    published: bool = True
    participants: int | None = None
    raw_size: int | None = None
    is_breakout: bool = False
    metadata: dict[str, str] = field(default_factory=dict)
    playbacks: tuple[Playback, ...] = ()

    @property
    def meeting_name(self) -> str:
        """The meeting's name: ``meetingName`` metadata when present (bbb-web), else ``name``."""
        return self.metadata.get("meetingName") or self.name

    @property
    def recording_name(self) -> str:
        """The name Moodle gave the recording (``bbb-recording-name``), or the meeting name."""
        return self.metadata.get("bbb-recording-name") or self.meeting_name

    @property
    def origin_server_name(self) -> str:
        """The Moodle (or other front end) host that created the meeting, or ``""``."""
        return self.metadata.get("bbb-origin-server-name", "").strip()

    @property
    def duration_seconds(self) -> float | None:
        """Wall-clock length from start and end times; the player's duration may differ."""
        if self.end_time is None:
            return None
        return max(0.0, (self.end_time - self.start_time).total_seconds())

    def playback(self, playback_type: str) -> Playback | None:
        """The last format of that type (Pod's rule when a type appears twice)."""
        found = None
        for playback in self.playbacks:
            if playback.type == playback_type:
                found = playback
        return found


def iso_utc(moment: datetime | float) -> str:
    """ISO 8601 in UTC with a ``Z``: the one time format of every output (plan, events, status).

    Accepts an aware datetime or a Unix timestamp (what the state file stores).
    """
    if not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(moment, UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
