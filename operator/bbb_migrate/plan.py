"""The migration plan: which recordings, in which order, and what to do with each.

Recordings are sorted newest first (start time, then record ID, both descending) by this module,
never trusting the server's order: bbb-web lists folders in no useful order, Scalelite newest
first. The 1-based ``first``/``last`` window counts over *all* listed recordings in that order
(Pod's ``--min``/``--max``), so ``first: 1, last: 2`` is always "the two newest recordings",
and there is no silent cap (Pod stops at 10,000 by default).

Each selected recording gets one :class:`~bbb_migrate.state.Action`:

========== ================================= =====================================
mode       recording has                     action
========== ================================= =====================================
claim      a ``video`` playback              download (Pod prefers the video)
claim      a ``presentation`` playback only  render (browser recorder)
claim      neither                           skip, with the formats it has
import-video a playback URL                  publish-only (external recording row)
import-video no playback URL                 skip
import-video from ``rendered``               as claim (the row then points at the MP4)
export-csv any                               publish-only (one CSV row)
========== ================================= =====================================

A ``deleted`` recording is skipped in claim and import-video: its files are gone. A playback
URL that is not ``http(s)`` or not on the BBB server's host is skipped too (a listing is data
from the network: a ``file:`` or ``javascript:`` URL, or another host, is never fetched,
rendered or published).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

from .models import PlaybackType, Recording, iso_utc
from .source.urls import host_of
from .spec import MigrationSpec, Mode, Selection
from .state import Action

NAME_WIDTH = 80  # the table view shortens longer names (JSON and CSV keep them whole)

PLAN_FIELDS = ("index", "record_id", "meeting_id", "name", "start_time", "end_time", "state",
               "origin_server_name", "playback_type", "source_url", "action", "reason")


@dataclass(frozen=True)
class PlanItem:
    """One selected recording and the decision about it."""

    index: int  # 1-based position in the newest-first ordering of ALL listed recordings
    recording: Recording
    action: Action
    reason: str
    playback_type: str | None  # "video" | "presentation" | None
    source_url: str  # chosen playback URL, after the optional 2.0 → 2.3 rewrite

    @property
    def record_id(self) -> str:
        """The BBB recordID, the key of everything downstream."""
        return self.recording.record_id

    def to_dict(self) -> dict[str, Any]:
        """The row of ``plan --json`` (stable keys: scripts rely on them)."""
        rec = self.recording
        return {
            "index": self.index,
            "record_id": rec.record_id,
            "meeting_id": rec.meeting_id,
            "name": rec.name,
            "start_time": iso_utc(rec.start_time),
            "end_time": iso_utc(rec.end_time) if rec.end_time else None,
            "state": rec.state,
            "origin_server_name": rec.origin_server_name,
            "playback_type": self.playback_type,
            "source_url": self.source_url,
            "action": str(self.action),
            "reason": self.reason,
        }


@dataclass
class Plan:
    """The selected recordings, newest first, and why the others were left out."""

    items: list[PlanItem]
    total_listed: int
    excluded: dict[str, int] = field(default_factory=dict)  # reason → count of recordings

    def counts(self) -> dict[str, int]:
        """How many items per action."""
        return dict(Counter(str(item.action) for item in self.items))

    def summary(self) -> str:
        """One line for people: listed, selected, per action, excluded per reason."""
        actions = ", ".join(f"{n} {a}" for a, n in sorted(self.counts().items())) or "nothing"
        plural = "" if self.total_listed == 1 else "s"
        text = (f"{self.total_listed} recording{plural} listed, {len(self.items)} selected "
                f"({actions})")
        if self.excluded:
            text += "; excluded: " + ", ".join(
                f"{n} by {reason}" for reason, n in sorted(self.excluded.items()))
        return text


def rewrite_20_to_23(url: str, record_id: str) -> str:
    """Pod's ``convert_format``: ``…/2.0/playback.html?meetingId=ID`` → ``…/2.3/ID?meetingId=ID``.

    Off by default: BBB 2.2 servers have no 2.3 player.
    """
    if "/2.0/" not in url:
        return url
    return url.replace("/2.0/playback.html", "/2.3/" + record_id).strip()


def choose_playback(recording: Recording, *, rewrite_20: bool = False) -> tuple[str | None, str]:
    """Pod's choice: the video playback when there is one, else the presentation."""
    video = recording.playback(PlaybackType.VIDEO)
    if video is not None:
        return "video", video.url
    presentation = recording.playback(PlaybackType.PRESENTATION)
    if presentation is not None:
        url = presentation.url.strip()
        if rewrite_20:
            url = rewrite_20_to_23(url, recording.internal_meeting_id or recording.record_id)
        return "presentation", url
    return None, ""


def url_problem(url: str, hosts: set[str]) -> str | None:
    """Why a playback URL must not be used, or None: only http(s) on the BBB server's host.

    ``hosts`` are the server's host and ``source.playbackHosts``.
    """
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in ("http", "https"):
        return f"playback URL scheme {scheme[:20] or '(none)'!r} refused (http or https only)"
    host = host_of(url)
    if host not in hosts:
        return (f"playback URL on another host ({host[:80] or 'none'}) than the BBB server "
                f"({', '.join(sorted(hosts))}; see source.playbackHosts): refused")
    return None


def decide(recording: Recording, mode: Mode, playback_type: str | None,
           url_refused: str | None = None, *, rendered: bool = False) -> tuple[Action, str]:
    """The action for one selected recording, with the reason shown to people."""
    if mode is Mode.EXPORT_CSV:
        return Action.PUBLISH_ONLY, "CSV row" + (f" without URL: {url_refused}"
                                                 if url_refused else "")
    if recording.state == "deleted":
        return Action.SKIP, "deleted on the BBB server: no playback files left"
    if playback_type is not None and url_refused:
        return Action.SKIP, url_refused
    if playback_type is None:
        formats = ", ".join(sorted({p.type for p in recording.playbacks})) or "none"
        return Action.SKIP, f"no video or presentation playback (formats: {formats})"
    note = ""
    if recording.state and recording.state != "published":
        note = f" (state {recording.state}: the server may not serve its playback)"
    if mode is Mode.IMPORT_VIDEO and not rendered:
        return Action.PUBLISH_ONLY, f"external recording link to the {playback_type}" + note
    if playback_type == "video":
        return Action.DOWNLOAD, "video playback: download" + note
    return Action.RENDER, "presentation playback: render in a browser" + note


def _aware(moment: datetime | None) -> datetime | None:
    """A spec date without a zone is taken as UTC, so comparisons never fail."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _exclusion(index: int, rec: Recording, sel: Selection) -> str | None:
    """Why the selection leaves this recording out, or None to keep it."""
    if index < sel.first or (sel.last is not None and index > sel.last):
        return "window"
    if sel.states and rec.state not in sel.states and "any" not in sel.states:
        return "state"
    after, before = _aware(sel.start_after), _aware(sel.start_before)
    if (after and rec.start_time < after) or (before and rec.start_time >= before):
        return "date"
    if sel.meeting_ids and rec.meeting_id not in sel.meeting_ids:
        return "meeting-id"
    if sel.record_ids and rec.record_id not in sel.record_ids:
        return "record-id"
    if sel.origin_servers and rec.origin_server_name not in sel.origin_servers:
        return "origin-server"
    if rec.origin_server_name and rec.origin_server_name in sel.ignored_servers:
        return "ignored-server"
    return None


def order_newest_first(recordings: Iterable[Recording]) -> list[Recording]:
    """Newest first by start time, ties broken by record ID (both descending)."""
    return sorted(recordings, key=lambda r: (r.start_time, r.record_id), reverse=True)


def _selected(recordings: Iterable[Recording], sel: Selection
              ) -> tuple[list[tuple[int, Recording]], Counter[str], int]:
    """(index, recording) of the selected ones, newest first; exclusions; how many listed."""
    unique: dict[str, Recording] = {}
    for rec in recordings:
        unique.setdefault(rec.record_id, rec)
    ordered = order_newest_first(unique.values())
    excluded: Counter[str] = Counter()
    kept = []
    for index, rec in enumerate(ordered, start=1):
        why = _exclusion(index, rec, sel)
        if why is None:
            kept.append((index, rec))
        else:
            excluded[why] += 1
    return kept, excluded, len(ordered)


def build_plan(recordings: Iterable[Recording], spec: MigrationSpec) -> Plan:
    """Order, select and decide; pure (no I/O), so the same plan comes out everywhere."""
    kept, excluded, listed = _selected(recordings, spec.selection)
    items = []
    rewrite = spec.source.rewrite_playback_20_to_23
    hosts = {host_of(spec.source.url), *(h.lower() for h in spec.source.playback_hosts)}
    for index, rec in kept:
        playback_type, url = choose_playback(rec, rewrite_20=rewrite)
        refused = url_problem(url, hosts) if playback_type else None
        action, reason = decide(rec, spec.mode, playback_type, refused,
                                rendered=spec.from_rendered)
        if refused:
            url = ""  # never handed on: not to a recorder, not into a CSV row
        items.append(PlanItem(index, rec, action, reason, playback_type, url))
    return Plan(items=items, total_listed=listed, excluded=dict(excluded))


def formats_matter(recordings: Iterable[Recording], spec: MigrationSpec) -> set[str]:
    """The record IDs whose formats can change this spec's plan: the selected ones.

    Selection never depends on formats (window, states, dates, IDs, servers), so it can be
    applied to a listing whose formats are not complete yet (BBB 2.6+ pages): only these
    recordings need their formats re-read.
    """
    return {rec.record_id for _index, rec in _selected(recordings, spec.selection)[0]}


# -- output -------------------------------------------------------------------------------------

def write_json(plan: Plan, out: IO[str]) -> None:
    """``plan --json``: a JSON array of :meth:`PlanItem.to_dict`, newest first."""
    json.dump([item.to_dict() for item in plan.items], out, ensure_ascii=False, indent=1)
    out.write("\n")


def write_csv(plan: Plan, out: IO[str]) -> None:
    """The plan as CSV (comma separated, the JSON keys as header); not Pod's export format."""
    writer = csv.DictWriter(out, fieldnames=PLAN_FIELDS, lineterminator="\n")
    writer.writeheader()
    for item in plan.items:
        writer.writerow({k: ("" if v is None else v) for k, v in item.to_dict().items()})


def print_table(plan: Plan, console: Any) -> None:
    """A rich table for people (the summary line follows it)."""
    from rich.table import Table

    table = Table(show_lines=False, header_style="bold")
    wide = console.width >= 150  # the record ID column only when it fits
    columns = ["#", "start (UTC)", "name", "origin server", "state", "playback", "action",
               "reason"] + (["record ID"] if wide else [])
    for column in columns:
        table.add_column(column, overflow="fold")
    styles = {Action.SKIP: "yellow", Action.RENDER: "cyan", Action.DOWNLOAD: "green"}
    for item in plan.items:
        rec = item.recording
        name = rec.name if len(rec.name) <= NAME_WIDTH else rec.name[:NAME_WIDTH - 1] + "…"
        table.add_row(str(item.index), rec.start_time.strftime("%Y-%m-%d %H:%M"), name,
                      rec.origin_server_name, rec.state, item.playback_type or "-",
                      str(item.action), item.reason, *([rec.record_id] if wide else []),
                      style=styles.get(item.action))
    console.print(table)
    console.print(plan.summary())
