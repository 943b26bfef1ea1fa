"""`helm lint --strict` (warnings are errors) passes for the chart and the main value sets."""

from __future__ import annotations

from typing import Any

import pytest
from chartlib import CHART, helm_python
from test_render import VALUE_SETS


@pytest.mark.parametrize("name", ["defaults", "all-namespaces", "network-policy",
                                  "created-claim", "service-monitor"])
def test_lint_strict_passes(name: str) -> None:
    values: dict[str, Any] = VALUE_SETS[name]
    report = helm_python.lint(CHART, values, strict=True, namespace="bbb",
                              kube_version="v1.33.0")
    problems = [m for m in report["messages"] if m["severity"] >= 2]
    assert report["errors"] == [] and problems == [], report


def test_lint_catches_a_broken_value() -> None:
    """The linter runs the schema too: the passing test above is not vacuous."""
    report = helm_python.lint(CHART, {"operator": {"replicas": 3}}, strict=True,
                              kube_version="v1.33.0")
    text = str(report)
    assert report["errors"] or any(m["severity"] >= 2 for m in report["messages"])
    assert "replicas" in text
