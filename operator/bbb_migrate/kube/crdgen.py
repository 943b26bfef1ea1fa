"""Generate ``crds/*.yaml`` from the pydantic spec, so the CRD can never drift from the CLI.

``python -m bbb_migrate.kube.crdgen`` rewrites ``crds/bbbmigrations.yaml`` and
``crds/bbbrecordings.yaml``; a test checks the committed files equal the generated ones.

Pydantic emits JSON Schema 2020-12; Kubernetes wants a *structural* OpenAPI v3 subset:
``$ref`` inlined, ``anyOf [X, null]`` turned into ``nullable: true``, no
``additionalProperties: false`` next to ``properties`` (the apiserver prunes unknown fields and
``kubectl`` rejects them with field validation), ``exclusiveMinimum`` as a boolean, and defaults
for fields built by ``default_factory`` (pydantic leaves those out). CEL rules
(``x-kubernetes-validations``) add the cross-field checks pydantic does in Python, so a mistake is
rejected by ``kubectl apply`` instead of surfacing later as a ``Degraded`` condition.
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import GenerateJsonSchema

from .. import spec as spec_module
from ..spec import API_GROUP, API_VERSION, KIND, MigrationSpec
from ..state import Action, Phase

CHILD_KIND = "BBBRecording"
PLURAL = "bbbmigrations"
CHILD_PLURAL = "bbbrecordings"
CRD_DIR = Path(__file__).resolve().parents[3] / "crds"

SECRET_REF_RULES = [
    {
        "rule": "(has(self.env) ? 1 : 0) + (has(self.file) ? 1 : 0)"
        " + (has(self.secretKeyRef) ? 1 : 0) == 1",
        "message": "give exactly one of env, file or secretKeyRef",
    },
    {
        # In a cluster env/file would be read from the *operator's* pod: anyone allowed to create
        # a BBBMigration could then make the operator read its own service-account token.
        "rule": "has(self.secretKeyRef)",
        "message": "in a cluster a secret must be a secretKeyRef (a Secret in this namespace); "
        "env and file would read the operator's own environment and files",
    },
]

SPEC_RULES = [
    {
        "rule": "self.mode != 'import-video' || (has(self.dryRun) && self.dryRun)"
        " || (has(self.pod) && has(self.pod.database) && has(self.pod.secretKeyRef))",
        "message": "mode import-video needs pod.database and pod.secretKeyRef (unless dryRun)",
    },
    {
        "rule": "self.mode != 'claim' || (has(self.dryRun) && self.dryRun) || has(self.volume)",
        "message": "mode claim needs volume (the shared ReadWriteMany claim the Jobs write to)",
    },
    {
        "rule": "self.mode == oldSelf.mode",
        "message": "mode is immutable: create a new BBBMigration",
    },
    {
        "rule": "self.source.url == oldSelf.source.url",
        "message": "source.url is immutable: create a new BBBMigration",
    },
]

SELECTION_RULES = [
    {
        "rule": "!has(self.last) || !has(self.first) || self.last >= self.first",
        "message": "selection.last must be greater than or equal to selection.first",
    },
]

IMPORT_VIDEO_RULES = [
    {
        "rule": "!has(self.source) || self.source != 'rendered' || has(self.baseUrl)",
        "message": "pod.importVideo.source rendered needs baseUrl (where the MP4s are served)",
    },
]

RULES_BY_DEF = {"SecretRef": SECRET_REF_RULES, "Selection": SELECTION_RULES,
                "ImportVideoSettings": IMPORT_VIDEO_RULES}


class _WithFactoryDefaults(GenerateJsonSchema):
    """Emit defaults of ``default_factory`` fields too (pydantic leaves them out).

    A nested model default becomes ``{}`` when the factory builds the model's own defaults: the
    apiserver then applies the nested defaults, which is what pydantic does when it calls the
    factory. A factory with other values (``recorder.composeResources``) is written out whole,
    or the apiserver would fill in the model's defaults instead of the factory's.
    """

    def get_default_value(self, schema: Any) -> Any:
        factory = schema.get("default_factory")
        if factory is not None and not schema.get("default_factory_takes_data"):
            value = factory()
            if isinstance(value, BaseModel):
                try:
                    plain = type(value)()
                except ValidationError:  # required fields: not the model's own defaults
                    plain = None
                if value == plain:
                    return {}
                return value.model_dump(mode="json", by_alias=True)
            return value
        return super().get_default_value(schema)


def _tidy(text: str) -> str:
    """A docstring as one-paragraph-per-line text for `kubectl explain` (no reST markup)."""
    paragraphs = [" ".join(p.split()) for p in text.replace("``", "`").split("\n\n")]
    return "\n".join(p for p in paragraphs if p)


def _resolve(node: Any, defs: dict[str, Any], rules_added: str | None = None) -> Any:
    """Turn one pydantic JSON-schema node into a structural OpenAPI v3 node."""
    if isinstance(node, list):
        return [_resolve(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    node = dict(node)
    extra: dict[str, Any] = {}
    if "$ref" in node:
        name = node.pop("$ref").rsplit("/", 1)[-1]
        target = copy.deepcopy(defs[name])
        extra = {k: v for k, v in node.items() if k in ("description", "default")}
        if "description" in extra:
            extra["description"] = _tidy(extra["description"])
        node = target
        if name in RULES_BY_DEF:
            node["x-kubernetes-validations"] = copy.deepcopy(RULES_BY_DEF[name])
    if "anyOf" in node:
        options = node.pop("anyOf")
        non_null = [o for o in options if o.get("type") != "null"]
        if len(non_null) != 1:
            raise ValueError(f"cannot express anyOf {options} structurally")
        inner = _resolve(non_null[0], defs)
        outer = {k: v for k, v in node.items() if k != "default" or v is not None}
        node = {**inner, **outer, "nullable": True}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("title", "$defs"):
            continue
        if key == "additionalProperties" and value is False:
            continue
        if key == "properties":
            out[key] = {name: _resolve(prop, defs) for name, prop in value.items()}
        elif key in ("items", "additionalProperties"):
            out[key] = _resolve(value, defs)
        elif key == "exclusiveMinimum" and not isinstance(value, bool):
            out["minimum"] = value
            out["exclusiveMinimum"] = True
        elif key == "exclusiveMaximum" and not isinstance(value, bool):
            out["maximum"] = value
            out["exclusiveMaximum"] = True
        elif key == "const":
            out["enum"] = [value]
        elif key == "description":
            out[key] = _tidy(value)
        else:
            out[key] = value
    for key, value in extra.items():
        out.setdefault(key, value)
        if key == "default":
            out[key] = value
    free_form = "properties" not in out and "additionalProperties" not in out
    if out.get("type") == "object" and free_form:
        out["x-kubernetes-preserve-unknown-fields"] = True
    return out


def spec_schema() -> dict[str, Any]:
    """The ``spec`` schema of ``BBBMigration``, generated from :class:`MigrationSpec`."""
    raw = MigrationSpec.model_json_schema(
        by_alias=True, mode="validation", schema_generator=_WithFactoryDefaults
    )
    defs = raw.get("$defs", {})
    schema = _resolve(raw, defs)
    schema["x-kubernetes-validations"] = copy.deepcopy(SPEC_RULES)
    schema["description"] = (
        "The migration spec: the same document `bbb-migrate run -f` reads (see docs/operator.md)."
    )
    return schema


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


def _crd(kind: str, plural: str, short: list[str], schema: dict[str, Any],
         columns: list[dict[str, Any]], description: str) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{API_GROUP}"},
        "spec": {
            "group": API_GROUP,
            "scope": "Namespaced",
            "names": {
                "kind": kind, "listKind": f"{kind}List", "plural": plural,
                "singular": kind.lower(), "shortNames": short, "categories": ["bbb"],
            },
            "versions": [{
                "name": API_VERSION,
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "additionalPrinterColumns": columns,
                "schema": {"openAPIV3Schema": {"description": description, **schema}},
            }],
        },
    }


def _col(name: str, path: str, kind: str = "string", priority: int = 0) -> dict[str, Any]:
    col = {"name": name, "type": kind, "jsonPath": path}
    if priority:
        col["priority"] = priority
    return col


def migration_crd() -> dict[str, Any]:
    """The ``BBBMigration`` CRD."""
    schema = {
        "type": "object",
        "required": ["spec"],
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "spec": spec_schema(),
            "status": migration_status_schema(),
        },
    }
    columns = [
        _col("Mode", ".spec.mode"),
        _col("Phase", ".status.phase"),
        _col("Total", ".status.recordings.total", "integer"),
        _col("Rendered", ".status.recordings.rendered", "integer"),
        _col("Published", ".status.recordings.published", "integer"),
        _col("Failed", ".status.recordings.failed", "integer"),
        _col("Degraded", '.status.conditions[?(@.type=="Degraded")].status', priority=1),
        _col("Age", ".metadata.creationTimestamp", "date"),
    ]
    return _crd(KIND, PLURAL, ["bbbm"], schema, columns,
                "A migration of BigBlueButton recordings into Esup-Pod.")


def recording_crd() -> dict[str, Any]:
    """The ``BBBRecording`` CRD (one per planned recording, owned by its migration)."""
    columns = [
        _col("Record ID", ".spec.recordId"),
        _col("Action", ".spec.action"),
        _col("Phase", ".status.phase"),
        _col("Attempts", ".status.attempts", "integer"),
        _col("Job", ".status.jobName"),
        _col("Engine", ".status.engine"),
        _col("Reason", ".status.reason", priority=1),
        _col("Name", ".spec.name", priority=1),
        _col("Meeting", ".spec.meetingId", priority=1),
        _col("Output", ".status.outputPath", priority=1),
        _col("Error", ".status.lastError", priority=1),
        _col("Age", ".metadata.creationTimestamp", "date"),
    ]
    return _crd(CHILD_KIND, CHILD_PLURAL, ["bbbr"], recording_schema(), columns,
                "One recording of a BBBMigration: its plan and its progress.")


def render(crd: dict[str, Any]) -> str:
    """YAML text of a CRD, stable across runs (the committed file is compared byte for byte)."""
    header = ("# Generated by `python -m bbb_migrate.kube.crdgen` from bbb_migrate.spec: "
              "do not edit.\n")
    return header + yaml.safe_dump(crd, sort_keys=False, allow_unicode=True, width=100)


def generated() -> dict[str, str]:
    """File name → YAML text of every CRD."""
    return {
        f"{PLURAL}.yaml": render(migration_crd()),
        f"{CHILD_PLURAL}.yaml": render(recording_crd()),
    }


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or, with ``--check``, compare) the CRD files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=CRD_DIR)
    parser.add_argument("--check", action="store_true", help="fail if the files differ")
    args = parser.parse_args(argv)
    stale = []
    for name, text in generated().items():
        path = args.dir / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if stale:
        print("stale CRD(s), run python -m bbb_migrate.kube.crdgen: " + ", ".join(stale),
              file=sys.stderr)
        return 1
    return 0


_ = spec_module  # the module the schema comes from (named for readers of this file)

if __name__ == "__main__":
    raise SystemExit(main())
