"""examples/cluster/*.yaml: one BBBMigration per mode, with the Secrets it references.

Each BBBMigration is validated as the apiserver would on `kubectl apply` (structural defaults,
the CRD's OpenAPI schema, its CEL rules; see crschema.py), and by the operator's own spec model;
each Secret by kubernetes-validate. Every secretKeyRef must name a key of a Secret in the file.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from chartlib import KUBE_VERSION, REPO
from crschema import validate_cr

from bbb_migrate.spec import parse_spec

EXAMPLES = REPO / "examples" / "cluster"
MODES = {"claim.yaml": "claim", "import-video.yaml": "import-video",
         "export-csv.yaml": "export-csv"}


def _documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def _secret_key_refs(value: Any) -> list[dict[str, str]]:
    if isinstance(value, dict):
        ref = value.get("secretKeyRef")
        found = [ref] if isinstance(ref, dict) and {"name", "key"} <= set(ref) else []
        for sub in value.values():
            found += _secret_key_refs(sub)
        return found
    if isinstance(value, list):
        return [ref for item in value for ref in _secret_key_refs(item)]
    return []


def test_one_example_per_mode() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.yaml")) == sorted(MODES)


@pytest.mark.parametrize("filename", sorted(MODES))
def test_example_is_accepted_by_the_crd_and_the_operator(filename: str, crds) -> None:
    documents = _documents(EXAMPLES / filename)
    migrations = [d for d in documents if d["kind"] == "BBBMigration"]
    secrets = {d["metadata"]["name"]: d for d in documents if d["kind"] == "Secret"}
    assert len(migrations) == 1
    migration = migrations[0]
    assert migration["spec"]["mode"] == MODES[filename]
    assert validate_cr(migration, crds["BBBMigration"]) == []
    parse_spec(migration)  # the operator's model accepts it too (raises SpecError otherwise)
    for secret in secrets.values():
        kubernetes_validate.validate(secret, KUBE_VERSION, strict=True)
    refs = _secret_key_refs(migration["spec"])
    assert refs, "an example without any Secret reference"
    for ref in refs:
        assert ref["name"] in secrets, f"{filename}: Secret {ref['name']} is not in the file"
        assert ref["key"] in secrets[ref["name"]]["stringData"], (
            f"{filename}: Secret {ref['name']} has no key {ref['key']}")
    assert set(secrets) == {ref["name"] for ref in refs}, "a Secret nobody references"


def _claim_example() -> dict[str, Any]:
    return next(d for d in _documents(EXAMPLES / "claim.yaml") if d["kind"] == "BBBMigration")


@pytest.mark.parametrize(("change", "message"), [
    (lambda s: s.__setitem__("mode", "copy"), "mode"),
    (lambda s: s["recorder"].__setitem__("parallelism", "four"), "parallelism"),
    (lambda s: (s.__setitem__("dryRun", False), s.pop("volume")), "mode claim needs volume"),
    (lambda s: s["source"].__setitem__("secretRef", {"env": "BBB_SECRET"}),
     "must be a secretKeyRef"),
    (lambda s: s.__setitem__("selection", {"first": 5, "last": 2}),
     "selection.last must be greater"),
])
def test_the_crd_check_rejects_broken_examples(change, message: str, crds) -> None:
    """The validation used above can fail: schema errors and CEL rules are both enforced."""
    migration = copy.deepcopy(_claim_example())
    change(migration["spec"])
    errors = validate_cr(migration, crds["BBBMigration"])
    assert any(message in error for error in errors), errors


def test_immutable_fields_are_checked_on_update(crds) -> None:
    old = _claim_example()
    new = copy.deepcopy(old)
    new["spec"]["mode"] = "export-csv"
    errors = validate_cr(new, crds["BBBMigration"], old=old)
    assert errors and all("mode" in e for e in errors), errors
    assert validate_cr(copy.deepcopy(old), crds["BBBMigration"], old=old) == []


def test_examples_use_the_claim_and_mount_the_chart_gives_the_operator() -> None:
    """Installed as in docs/cluster.md (release "bbb-migrate", sharedVolume on), the chart's
    claim is the one the examples name, and claim mode's recorderPath is under the operator's
    mount of it."""
    from chartlib import manifests, one

    objects = manifests({"sharedVolume": {"enabled": True}}, name="bbb-migrate")
    claim = one(objects, "PersistentVolumeClaim")["metadata"]["name"]
    env = {e["name"]: e.get("value")
           for e in one(objects, "Deployment")["spec"]["template"]["spec"]["containers"][0]["env"]}
    for filename in MODES:
        spec = next(d for d in _documents(EXAMPLES / filename)
                    if d["kind"] == "BBBMigration")["spec"]
        if "volume" in spec:
            assert spec["volume"]["claimName"] == claim, filename
    recorder_path = _claim_example()["spec"]["pod"]["claim"]["recorderPath"]
    assert recorder_path.startswith(env["BBB_MIGRATE_SHARED_ROOT"].rstrip("/") + "/")
