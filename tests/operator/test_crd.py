"""The CRDs: generated from the pydantic spec, valid, and their CEL rules catch mistakes."""

from __future__ import annotations

import copy
from typing import Any

import celpy
import jsonschema
import kubernetes_validate
import pytest
import yaml

from bbb_migrate.kube import crdgen
from bbb_migrate.spec import MigrationSpec, parse_spec

SECRET = {"secretKeyRef": {"name": "bbb", "key": "secret"}}


def _crd(name: str) -> dict[str, Any]:
    return yaml.safe_load((crdgen.CRD_DIR / name).read_text())


def _schema(name: str = "bbbmigrations.yaml") -> dict[str, Any]:
    return _crd(name)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]


def _cr(spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "bbb-migrate.esup-portail.org/v1alpha1", "kind": "BBBMigration",
            "metadata": {"name": "m", "namespace": "ns"}, "spec": spec}


def claim() -> dict[str, Any]:
    return {"source": {"url": "https://bbb.example.org/bigbluebutton/",
                       "secretRef": copy.deepcopy(SECRET)},
            "mode": "claim", "volume": {"claimName": "pod-data", "subPath": "bbb"},
            "selection": {"first": 1, "last": 100},
            "pod": {"database": {"urlRef": {"secretKeyRef": {"name": "pod", "key": "url"}}}}}


def import_video() -> dict[str, Any]:
    spec = claim()
    spec.update(mode="import-video")
    spec["pod"]["secretKeyRef"] = {"secretKeyRef": {"name": "pod", "key": "secret-key"}}
    spec["moodle"] = {"databases": {"default": {"urlRef": {"secretKeyRef": {
        "name": "moodle", "key": "url"}}}}}
    return spec


def test_committed_crds_are_the_generated_ones():
    for name, text in crdgen.generated().items():
        assert (crdgen.CRD_DIR / name).read_text() == text, (
            f"crds/{name} is stale: run python -m bbb_migrate.kube.crdgen")


@pytest.mark.parametrize("name", ["bbbmigrations.yaml", "bbbrecordings.yaml"])
def test_crds_are_valid_kubernetes_objects(name):
    kubernetes_validate.validate(_crd(name), "1.33", strict=True)


def _walk_structural(node: dict[str, Any], path: str) -> None:
    assert "$ref" not in node and "anyOf" not in node and "title" not in node, path
    if "properties" in node:
        assert node.get("type") == "object", path
        assert node.get("additionalProperties") in (None,), path
        for key, child in node["properties"].items():
            _walk_structural(child, f"{path}.{key}")
    if isinstance(node.get("items"), dict):
        _walk_structural(node["items"], f"{path}[]")
    if isinstance(node.get("additionalProperties"), dict):
        _walk_structural(node["additionalProperties"], f"{path}{{}}")
    if "type" not in node:
        assert node.get("x-kubernetes-preserve-unknown-fields") or node.get(
            "x-kubernetes-int-or-string"), f"{path} has no type"


def test_schema_is_structural_and_documented():
    spec = _schema()["properties"]["spec"]
    _walk_structural(spec, "spec")
    assert spec["properties"]["mode"]["enum"] == ["claim", "import-video", "export-csv"]
    assert spec["properties"]["selection"]["properties"]["last"]["nullable"] is True
    assert "description" in spec["properties"]["source"]["properties"]["url"]
    timeout = spec["properties"]["source"]["properties"]["timeoutSeconds"]
    assert timeout["minimum"] == 0 and timeout["exclusiveMinimum"] is True


def _apply_defaults(schema: dict[str, Any], value: Any) -> Any:
    """Structural defaulting as the apiserver does it (top-down, {} enables nested ones)."""
    if not isinstance(value, dict) or "properties" not in schema:
        return value
    for key, sub in schema["properties"].items():
        if key not in value and "default" in sub:
            value[key] = copy.deepcopy(sub["default"])
        if key in value:
            value[key] = _apply_defaults(sub, value[key])
    return value


def test_crd_defaults_equal_the_pydantic_defaults():
    minimal = {"source": {"url": "https://bbb.example.org/", "secretRef": SECRET},
               "mode": "claim"}
    defaulted = _apply_defaults(_schema()["properties"]["spec"], copy.deepcopy(minimal))
    expected = MigrationSpec.model_validate(minimal).to_yaml_dict()
    assert defaulted == expected
    assert parse_spec(defaulted) == MigrationSpec.model_validate(minimal)


def _rules(schema: dict[str, Any], value: Any, path: str = "spec"):
    """(path, rule, message, self) for every CEL rule that applies to a value."""
    for rule in schema.get("x-kubernetes-validations") or []:
        yield path, rule, value
    if isinstance(value, dict):
        for key, sub in (schema.get("properties") or {}).items():
            if key in value and value[key] is not None:
                yield from _rules(sub, value[key], f"{path}.{key}")
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for key, item in value.items():
                yield from _rules(extra, item, f"{path}.{key}")


def cel_errors(spec: dict[str, Any], old: dict[str, Any] | None = None) -> list[str]:
    env = celpy.Environment()
    schema = _schema()["properties"]["spec"]
    olds = {p: v for p, _r, v in _rules(schema, old)} if old is not None else {}
    errors = []
    for path, rule, value in _rules(schema, spec):
        activation = {"self": celpy.json_to_cel(value)}
        if "oldSelf" in rule["rule"]:
            if path not in olds:
                continue  # transition rules only run on update
            activation["oldSelf"] = celpy.json_to_cel(olds[path])
        program = env.program(env.compile(rule["rule"]))
        if not program.evaluate(activation):
            errors.append(f"{path}: {rule['message']}")
    return errors


@pytest.mark.parametrize("spec", [claim(), import_video()])
def test_good_examples_pass_jsonschema_cel_and_pydantic(spec):
    jsonschema.Draft7Validator(_schema()).validate(_cr(spec))
    assert cel_errors(spec) == []
    assert cel_errors(spec, old=spec) == []
    parse_spec(spec)


def _bad(change) -> dict[str, Any]:
    spec = claim()
    change(spec)
    return spec


@pytest.mark.parametrize(("spec", "message"), [
    (_bad(lambda s: s["selection"].update(first=10, last=5)), "selection.last must be"),
    (_bad(lambda s: s["source"]["secretRef"].update(env="BBB_SECRET")), "exactly one of"),
    (_bad(lambda s: s["source"].update(secretRef={"file": "/etc/bbb"})), "must be a secretKeyRef"),
    (_bad(lambda s: s.pop("volume")), "mode claim needs volume"),
    (_bad(lambda s: s.update(mode="import-video")), "needs pod.database and pod.secretKeyRef"),
])
def test_cel_rules_catch_mistakes(spec, message):
    errors = cel_errors(spec)
    assert any(message in e for e in errors), errors


def test_transition_rules_make_mode_and_source_immutable():
    old = claim()
    new = copy.deepcopy(old)
    new["mode"] = "export-csv"
    new["source"]["url"] = "https://other.example.org/"
    errors = cel_errors(new, old=old)
    assert any("mode is immutable" in e for e in errors)
    assert any("source.url is immutable" in e for e in errors)
    ok = copy.deepcopy(old)
    ok["recorder"] = {"parallelism": 8}
    ok["suspend"] = True
    assert cel_errors(ok, old=old) == []


def test_jsonschema_rejects_type_errors():
    spec = claim()
    spec["recorder"] = {"parallelism": "four"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(_schema()).validate(_cr(spec))
    spec = claim()
    spec["mode"] = "copy"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(_schema()).validate(_cr(spec))


def test_printer_columns_and_status():
    version = _crd("bbbmigrations.yaml")["spec"]["versions"][0]
    names = [c["name"] for c in version["additionalPrinterColumns"]]
    assert names[:6] == ["Mode", "Phase", "Total", "Rendered", "Published", "Failed"]
    assert "Age" in names
    assert version["subresources"] == {"status": {}}
    status = version["schema"]["openAPIV3Schema"]["properties"]["status"]["properties"]
    conditions = status["conditions"]
    assert conditions["x-kubernetes-list-map-keys"] == ["type"]
    assert set(conditions["items"]["properties"]) == {
        "type", "status", "reason", "message", "lastTransitionTime", "observedGeneration"}
    child = _crd("bbbrecordings.yaml")["spec"]["versions"][0]
    assert [c["name"] for c in child["additionalPrinterColumns"]][:5] == [
        "Record ID", "Action", "Phase", "Attempts", "Job"]


def test_crdgen_check_mode(tmp_path, capsys):
    assert crdgen.main(["--dir", str(tmp_path), "--check"]) == 1
    assert crdgen.main(["--dir", str(tmp_path)]) == 0
    assert crdgen.main(["--dir", str(tmp_path), "--check"]) == 0
