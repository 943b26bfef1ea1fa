"""Validate a custom resource the way the API server would on create (or update), offline.

The apiserver (1) applies the structural schema's defaults, (2) checks the OpenAPI v3 schema and
(3) evaluates the CEL ``x-kubernetes-validations`` rules. kubernetes-validate knows only the
built-in kinds, so this does the three steps with jsonschema and cel-python over the CRD's own
``openAPIV3Schema``. Transition rules (those using ``oldSelf``) run only when ``old`` is given,
as on an update.
"""

from __future__ import annotations

import copy
from typing import Any

import celpy
import jsonschema


def _version_schema(crd: dict[str, Any], version: str | None = None) -> dict[str, Any]:
    versions = crd["spec"]["versions"]
    chosen = next((v for v in versions if v["name"] == version), None) if version else None
    chosen = chosen or next(v for v in versions if v.get("storage"))
    return chosen["schema"]["openAPIV3Schema"]


def apply_defaults(schema: dict[str, Any], value: Any) -> Any:
    """Structural defaulting: missing properties with a ``default`` get it, recursively."""
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        for key, sub in props.items():
            if key not in value and "default" in sub:
                value[key] = copy.deepcopy(sub["default"])
        for key, item in value.items():
            if key in props:
                apply_defaults(props[key], item)
            elif isinstance(schema.get("additionalProperties"), dict):
                apply_defaults(schema["additionalProperties"], item)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            apply_defaults(schema["items"], item)
    return value


def _to_jsonschema(schema: Any) -> Any:
    """OpenAPI ``nullable: true`` → JSON Schema ``type: [t, "null"]``; x-kubernetes-* dropped."""
    if isinstance(schema, list):
        return [_to_jsonschema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, sub in schema.items():
        if key.startswith("x-kubernetes-") or key == "nullable":
            continue
        if key in ("properties", "patternProperties"):
            out[key] = {k: _to_jsonschema(v) for k, v in sub.items()}
        elif key in ("items", "additionalProperties", "not"):
            out[key] = _to_jsonschema(sub)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [_to_jsonschema(s) for s in sub]
        else:
            out[key] = sub
    if schema.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


def _cel_errors(schema: dict[str, Any], value: Any, old: Any, path: str,
                env: celpy.Environment) -> list[str]:
    errors: list[str] = []
    for rule in schema.get("x-kubernetes-validations") or []:
        uses_old = "oldSelf" in rule["rule"]
        if uses_old and old is None:
            continue
        activation = {"self": celpy.json_to_cel(value)}
        if uses_old:
            activation["oldSelf"] = celpy.json_to_cel(old)
        result = env.program(env.compile(rule["rule"])).evaluate(activation)
        if isinstance(result, Exception) or not bool(result):
            errors.append(f"{path or '(root)'}: {rule.get('message') or rule['rule']}")
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            sub = props.get(key) or (extra if isinstance(extra, dict) else None)
            if sub is not None:
                old_item = old.get(key) if isinstance(old, dict) else None
                errors += _cel_errors(sub, item, old_item, f"{path}.{key}" if path else key, env)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            errors += _cel_errors(schema["items"], item, None, f"{path}[{index}]", env)
    return errors


def validate_cr(obj: dict[str, Any], crd: dict[str, Any], *,
                old: dict[str, Any] | None = None) -> list[str]:
    """All the errors the apiserver would report for ``obj`` (empty list: accepted)."""
    names = crd["spec"]["names"]
    group = crd["spec"]["group"]
    errors = []
    api_version = obj.get("apiVersion", "")
    served = {f"{group}/{v['name']}" for v in crd["spec"]["versions"] if v.get("served")}
    if api_version not in served:
        errors.append(f"apiVersion {api_version!r} is not served (served: {sorted(served)})")
    if obj.get("kind") != names["kind"]:
        errors.append(f"kind {obj.get('kind')!r} is not {names['kind']}")
    if errors:
        return errors
    schema = _version_schema(crd, api_version.split("/")[-1])
    value = apply_defaults(schema, copy.deepcopy(obj))
    validator = jsonschema.Draft7Validator(_to_jsonschema(schema))
    for error in sorted(validator.iter_errors(value), key=lambda e: list(e.path)):
        where = ".".join(str(p) for p in error.path) or "(root)"
        errors.append(f"{where}: {error.message}")
    if not errors:
        errors += _cel_errors(schema, value, old, "", celpy.Environment())
    return errors
