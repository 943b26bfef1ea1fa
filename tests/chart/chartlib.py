"""Helpers of the Helm chart tests: the chart rendered offline by helm-python-sdk (Helm v4's
Go library in a wheel, no helm binary), manifests parsed, CRDs and their validators.

(A module of its own, not conftest.py: several test folders have a conftest.py, and
``from conftest import`` would pick whichever was imported first.)

Everything here is offline: no cluster, no registry. Rendering is real Helm (templates, schema,
`fail`, `required`), and every rendered object is validated against the Kubernetes OpenAPI schemas
by kubernetes-validate.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

helm_python = pytest.importorskip("helm_python", reason="helm-python-sdk (x86_64 wheel) needed")

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "bbb-migrate"
CRDS = REPO / "crds"
KUBE_VERSION = "1.33"
RELEASE = "bbbm"
NAMESPACE = "bbb"


def render(values: dict[str, Any] | None = None, *, name: str = RELEASE,
           namespace: str = NAMESPACE) -> dict[str, str]:
    """Render the chart as `helm install` would (schema checked first); template → text."""
    with helm_python.Chart.load(CHART) as chart:
        return chart.render(values or {}, name=name, namespace=namespace, is_install=True)


def manifests(values: dict[str, Any] | None = None, **kwargs: Any) -> list[dict[str, Any]]:
    """Every rendered Kubernetes object (NOTES.txt excluded), in template order."""
    objects: list[dict[str, Any]] = []
    for path, text in render(values, **kwargs).items():
        if path.endswith("NOTES.txt"):
            continue
        for doc in yaml.safe_load_all(text):
            if doc:
                objects.append(doc)
    return objects


def by_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def one(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = by_kind(objects, kind)
    assert len(found) == 1, f"expected one {kind}, got {len(found)}"
    return found[0]


def load_crds() -> dict[str, dict[str, Any]]:
    """The repository's CRDs by kind (crds/ is the source of truth)."""
    crds = {}
    for path in sorted(CRDS.glob("*.yaml")):
        crd = yaml.safe_load(path.read_text(encoding="utf-8"))
        crds[crd["spec"]["names"]["kind"]] = crd
    return crds
