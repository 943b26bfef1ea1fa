"""The words of the runner's progress: durations, sizes, the summary's rows and one line per
event, shared by the plain and rich reporters (:mod:`.progress`)."""

from __future__ import annotations

from typing import Any

from ..core.eta import format_eta as format_duration
from .summary import Summary

__all__ = ["describe", "format_duration", "format_size", "summary_rows"]


def format_size(size: float) -> str:
    """Bytes in human units (decimal, as disks are sold)."""
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"  # pragma: no cover - loop always returns


def summary_rows(summary: Summary) -> list[tuple[str, str]]:
    """The summary as (label, value) rows, shared by the rich and plain outputs."""
    rows = [
        ("Recordings", str(summary.total)),
        ("Done (published)", str(summary.done)),
    ]
    for reason, count in sorted(summary.skipped.items()):
        rows.append((f"Skipped: {reason}", str(count)))
    for failed in summary.failed:
        rows.append((f"Failed: {failed.record_id}", failed.reason))
    if summary.remaining:
        rows.append(("Not finished", str(summary.remaining)))
    if summary.notice_failures:
        rows.append(("Moodle notices not written", str(summary.notice_failures)))
    for reason, count in sorted(summary.excluded.items()):
        rows.append((f"Not selected: {reason}", str(count)))
    if summary.engines:
        rows.append(("Engines", ", ".join(f"{name} {count}"
                                          for name, count in sorted(summary.engines.items()))))
    for reason, count in sorted(summary.fallbacks.items()):
        rows.append((f"Captured instead of composed: {reason}", str(count)))
    rows += [
        ("Recorded hours", f"{summary.recorded_seconds / 3600:.2f}"),
        ("Render hours", f"{summary.render_seconds / 3600:.2f}"),
        ("Output size", format_size(summary.output_bytes)),
    ]
    return rows


def describe(kind: str, fields: dict[str, Any]) -> str | None:
    """The one-line text of an event, or None for events not worth a line."""
    rid = fields.get("record_id", "")
    name = fields.get("name")
    label = (f"{rid} ({name})" if name else rid) or "migration"
    match kind:
        case "listing":
            return f"listing recordings from {fields.get('url')}"
        case "planned":
            return (f"plan: {fields.get('items')} recording(s) selected of "
                    f"{fields.get('listed')} listed; actions {fields.get('actions')}")
        case "resumed":
            return (f"resuming the stored plan ({fields.get('items')} recordings): "
                    f"{fields.get('phases')}")
        case "recovered":
            return f"{label}: {fields.get('outcome')} after an interrupted run"
        case "render-started":
            return f"{label}: {fields.get('kind')} started (attempt {fields.get('attempt')})"
        case "render-finished":
            if fields.get("ok"):
                engine = f" ({fields['engine']})" if fields.get("engine") else ""
                return (f"{label}: {fields.get('kind')}{engine} done in "
                        f"{format_duration(fields.get('wall_seconds'))}, "
                        f"{format_size(fields.get('size_bytes') or 0)}")
            return f"{label}: {fields.get('kind')} failed: {fields.get('message')}"
        case "published":
            where = fields.get("final_path") or ""
            return f"{label}: published{' → ' + where if where else ''}"
        case "publish-failed":
            return f"{label}: publication failed: {fields.get('error')}"
        case "failed":
            return f"{label}: FAILED: {fields.get('reason')}"
        case "would":
            writes = fields.get("writes") or []
            lines = [f"{label}: would {fields.get('action')}"]
            if fields.get("owners"):
                lines.append(f"    owners: {', '.join(fields['owners'])}")
            lines += [f"    warning: {warning}" for warning in fields.get("warnings") or []]
            lines += [f"    {write}" for write in writes]
            return "\n".join(lines)
        case "dry-run":
            return (f"dry run: {fields.get('selected')} of {fields.get('listed')} listed "
                    f"recording(s) selected; {fields.get('actions')}; nothing was written")
        case "csv-written":
            return f"CSV written: {fields.get('path')} ({fields.get('rows')} rows)"
        case "stopping":
            return f"stopping ({fields.get('signal')}): terminating running recorders…"
        case "warning":
            return f"warning: {fields.get('message')}"
        case "info":
            return str(fields.get("message"))
        case _:
            return None
