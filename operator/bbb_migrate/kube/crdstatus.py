"""The ``status`` schemas of the two CRDs (written by the operator only) and the child's
``spec``; :mod:`.crdgen` assembles them with the spec's schema into ``crds/*.yaml``."""

from __future__ import annotations

from typing import Any

from ..state import Action, Phase


def _condition_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "A standard condition (metav1.Condition).",
        "required": ["type", "status"],
        "properties": {
            "type": {"type": "string", "description": "Ready, Progressing or Degraded."},
            "status": {"type": "string", "enum": ["True", "False", "Unknown"]},
            "reason": {"type": "string", "description": "CamelCase reason."},
            "message": {"type": "string", "description": "What happened, for a person."},
            "lastTransitionTime": {"type": "string", "format": "date-time"},
            "observedGeneration": {"type": "integer", "format": "int64"},
        },
    }


def _int(description: str) -> dict[str, Any]:
    return {"type": "integer", "description": description}


MIGRATION_PHASES = [
    "Pending", "Planning", "Planned", "Running", "Suspended", "Completed", "Degraded",
]


def migration_status_schema() -> dict[str, Any]:
    """The ``status`` of ``BBBMigration`` (written by the operator only)."""
    counts = {
        "type": "object",
        "description": "Recordings by phase (children of this migration).",
        "properties": {
            "total": _int("Children created from the plan (skipped ones included)."),
            **{p.value[0].lower() + p.value[1:]: _int(f"Recordings in phase {p.value}.")
               for p in Phase},
            "rendered": _int("Recordings rendered or downloaded (Rendered or Published)."),
            "inFlight": _int("Jobs in flight (Queued + Rendering)."),
            "observed": _int("Children the operator's watch has delivered so far."),
            "noticeFailures": _int("Moodle notices refused for good (no UPDATE right...); "
                                   "those recordings are published all the same."),
        },
    }
    plan = {
        "type": "object",
        "description": "Summary of the plan (also in Events); the full plan is the children, "
        "or `bbb-migrate plan` / the CSV.",
        "properties": {
            "listed": _int("Recordings the server listed."),
            "selected": _int("Recordings kept by the selection."),
            "byAction": {
                "type": "object", "description": "Selected recordings by action.",
                "additionalProperties": {"type": "integer"},
            },
            "excluded": {
                "type": "object", "description": "Recordings left out, by reason.",
                "additionalProperties": {"type": "integer"},
            },
            "skipped": {
                "type": "object", "description": "Recordings planned as skip, by reason.",
                "additionalProperties": {"type": "integer"},
            },
            "sample": {
                "type": "array", "maxItems": 50,
                "description": "The first planned recordings (dry run), newest first.",
                "items": {
                    "type": "object",
                    "properties": {
                        "index": {"type": "integer"},
                        "recordId": {"type": "string"},
                        "name": {"type": "string"},
                        "action": {"type": "string"},
                        "reason": {"type": "string"},
                    },
                },
            },
            "csvPath": {"type": "string", "description": "The export-csv file (written at the "
                        "end; a dry run only names it)."},
            "csvRows": _int("Rows the export-csv file would hold (dry run)."),
            "specHash": {"type": "string", "description": "Hash of the plan's inputs (mode, "
                         "source, listing, selection, volume: core/guard.py)."},
        },
    }
    return {
        "type": "object",
        "description": "Observed state, written by the operator.",
        "properties": {
            "phase": {"type": "string", "enum": MIGRATION_PHASES},
            "observedGeneration": {"type": "integer", "format": "int64"},
            "recordings": counts,
            "plan": plan,
            "plannedSpecHash": {
                "type": "string",
                "description": "Hash of mode, source and selection the children were planned "
                "from; a later change to those is refused.",
            },
            "plannedTotal": _int("Children the plan created (the scheduler waits for them)."),
            "message": {"type": "string", "description": "Last notable event, for a person."},
            "eta": {"type": "string", "description": "Time left to render what remains, from "
                    "the render speed measured so far (core/eta.py); empty when nothing is left."},
            "etaSeconds": _int("The same in seconds."),
            "conditions": {
                "type": "array",
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["type"],
                "items": _condition_schema(),
            },
        },
    }


def recording_schema() -> dict[str, Any]:
    """``spec`` and ``status`` of the per-recording child ``BBBRecording``."""
    spec = {
        "type": "object",
        "description": "What the plan decided for one recording (written once, at planning).",
        "required": ["recordId", "action"],
        "properties": {
            "migration": {"type": "string", "description": "The owning BBBMigration."},
            "recordId": {"type": "string", "description": "BBB recordID."},
            "meetingId": {"type": "string"},
            "name": {"type": "string", "description": "Recording name."},
            "index": _int("1-based position in the newest-first listing."),
            "action": {"type": "string", "enum": [a.value for a in Action]},
            "reason": {"type": "string", "description": "Why this action (esp. skip)."},
            "playbackType": {"type": "string", "nullable": True},
            "sourceUrl": {"type": "string", "description": "Playback URL the recorder uses."},
            "durationSeconds": {"type": "number", "nullable": True},
            "recording": {
                "type": "object",
                "description": "The listed recording (metadata, playbacks), so publication "
                "needs no new listing after a restart.",
                "x-kubernetes-preserve-unknown-fields": True,
            },
        },
    }
    status = {
        "type": "object",
        "description": "The recording's state (bbb_migrate.state.RecordingState).",
        "properties": {
            "phase": {"type": "string", "enum": [p.value for p in Phase]},
            "attempts": _int("Recorder attempts (Jobs) so far."),
            "publishAttempts": _int("Publication attempts so far."),
            "reason": {"type": "string", "description": "Why skipped or failed."},
            "exitClass": {"type": "string", "description": "Recorder exit class."},
            "lastError": {"type": "string"},
            "jobName": {"type": "string"},
            "outputPath": {"type": "string", "description": "Rendered file, as the Job sees it."},
            "notBefore": {"type": "number", "description": "Backoff end (epoch seconds)."},
            "seq": _int("Write counter of the operator (orders its own updates)."),
            "renderSeconds": {"type": "number", "nullable": True},
            "engine": {"type": "string", "description": "Renderer used: compose or capture."},
            "engineReason": {"type": "string", "description": "Why that engine (auto's choice)."},
            "publishedPath": {"type": "string", "nullable": True},
            "noticeFailures": _int("Moodle notices refused when it was published."),
            "owners": {"type": "array", "items": {"type": "string"}, "nullable": True,
                       "description": "Moodle owners found when published (the CSV column)."},
        },
    }
    return {
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "spec": spec,
            "status": status,
        },
    }
