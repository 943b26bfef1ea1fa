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
from .crdrules import RULES_BY_DEF, SPEC_RULES
from .crdstatus import migration_status_schema, recording_schema

CHILD_KIND = "BBBRecording"
PLURAL = "bbbmigrations"
CHILD_PLURAL = "bbbrecordings"
CRD_DIR = Path(__file__).resolve().parents[3] / "crds"


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
        _col("ETA", ".status.eta"),
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
