"""The chart's optional monitoring: the Grafana dashboard ConfigMap and the PrometheusRule.

Every query of the dashboard and every alert expression is parsed as PromQL (promql-parser,
the Rust parser in a wheel) and may only name metrics the operator exports (its
prometheus_client registry), so a renamed metric cannot leave a dead panel or a silent alert.
The PrometheusRule, a kind kubernetes-validate does not know, is checked field by field like
the ServiceMonitor. Rule *unit tests* (promtool test rules: series in, alerts out) need an
evaluator of PromQL, which has no Python implementation; Debian's ``prometheus`` package has
promtool but weighs ~100 MB with its web assets, so these alerts are checked by parsing and by
the metric names only (docs/checking.md).
"""

from __future__ import annotations

import json
import re
from typing import Any

import kubernetes_validate
import pytest
from chartlib import CHART, KUBE_VERSION, by_kind, manifests, one

promql_parser = pytest.importorskip("promql_parser")
pytest.importorskip("prometheus_client")

DASHBOARD = CHART / "dashboards" / "bbb-migrate.json"
ON = {"metrics": {"grafanaDashboard": {"enabled": True},
                  "prometheusRule": {"enabled": True, "labels": {"release": "kps"}}}}
DURATION = re.compile(r"^[0-9]+(ms|s|m|h|d|w|y)$")


def exported() -> set[str]:
    """The series names the operator's /metrics can show."""
    from prometheus_client import REGISTRY

    from bbb_migrate.kube import metrics  # noqa: F401 - registers the operator's metrics

    names: set[str] = set()
    for family in REGISTRY.collect():
        if family.type == "counter":
            names.update({family.name + "_total", family.name + "_created"})
        elif family.type == "histogram":
            names.update(family.name + s for s in ("_bucket", "_sum", "_count", "_created"))
        else:
            names.add(family.name)
    return names


def selectors(node: Any) -> set[str]:
    """Metric names of every vector selector in a parsed PromQL expression."""
    found: set[str] = set()
    if type(node).__name__ == "VectorSelector":
        found.add(node.name)
    for attr in ("lhs", "rhs", "expr", "param", "vector_selector"):
        child = getattr(node, attr, None)
        if child is not None and not isinstance(child, (str, int, float)):
            found |= selectors(child)
    for arg in getattr(node, "args", None) or []:
        found |= selectors(arg)
    return found


def metrics_of(expr: str) -> set[str]:
    """Grafana variables replaced by values, then parsed (a syntax error fails here)."""
    expr = expr.replace("$namespace", "bbb").replace("$migration", "m")
    label_values = re.fullmatch(r"label_values\((.*),\s*\w+\)", expr)
    return selectors(promql_parser.parse(label_values.group(1) if label_values else expr))


def test_dashboard_queries_use_only_exported_metrics():
    board = json.loads(DASHBOARD.read_text())
    known = exported()
    queries = [(p["title"], t["expr"]) for p in board["panels"] for t in p["targets"]]
    queries += [(v["name"], v["definition"]) for v in board["templating"]["list"]
                if v["type"] == "query"]
    titles = {p["title"] for p in board["panels"]}
    for wanted in ("Recordings by phase", "ETA", "Jobs in flight", "Failed attempts by reason"
                   " (1 h)", "Render speed per engine (x real time)"):
        assert wanted in titles
    assert any(t.startswith("Throughput") for t in titles)
    for title, expr in queries:
        names = metrics_of(expr)
        assert names, f"{title}: no metric in {expr!r}"
        assert names <= known, f"{title}: {sorted(names - known)} not exported by the operator"


def test_rendered_dashboard_configmap_and_rules_are_valid():
    objects = manifests(ON)
    configmap = next(o for o in by_kind(objects, "ConfigMap") if "bbb-migrate.json" in
                     o.get("data", {}))
    kubernetes_validate.validate(configmap, KUBE_VERSION, strict=True)
    assert configmap["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(configmap["data"]["bbb-migrate.json"]) == json.loads(
        DASHBOARD.read_text())
    rule = one(objects, "PrometheusRule")
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule["metadata"]["labels"]["release"] == "kps"
    known = exported()
    alerts = {}
    for group in rule["spec"]["groups"]:
        assert set(group) <= {"name", "interval", "rules"} and group["name"]
        for item in group["rules"]:
            assert set(item) <= {"alert", "expr", "for", "labels", "annotations"}, item
            assert DURATION.match(item["for"]), item["for"]
            assert item["labels"]["severity"] in ("warning", "critical")
            assert item["annotations"]["summary"] and item["annotations"]["description"]
            names = metrics_of(item["expr"])
            assert names and names <= known, f"{item['alert']}: {sorted(names - known)}"
            alerts[item["alert"]] = item
    assert set(alerts) == {"BBBMigrationStalled", "BBBMigrationFailureRatio",
                           "BBBMigrationDegraded", "BBBServerUnreachable"}
    assert "[30m]" in alerts["BBBMigrationStalled"]["expr"]
    assert alerts["BBBMigrationDegraded"]["for"] == "15m"
    assert "> 0.1" in alerts["BBBMigrationFailureRatio"]["expr"]


def test_monitoring_is_off_by_default_and_thresholds_come_from_values():
    kinds = {o["kind"] for o in manifests({})}
    assert "PrometheusRule" not in kinds
    assert not any("bbb-migrate.json" in o.get("data", {}) for o in manifests({})
                   if o["kind"] == "ConfigMap")
    values = {"metrics": {"prometheusRule": {"enabled": True, "stalledMinutes": 90,
                                             "degradedMinutes": 5, "failureRatio": 0.25}}}
    rules = {r["alert"]: r for r in one(manifests(values), "PrometheusRule")["spec"]["groups"][0]
             ["rules"]}
    assert "[90m]" in rules["BBBMigrationStalled"]["expr"]
    assert rules["BBBMigrationDegraded"]["for"] == "5m"
    assert "> 0.25" in rules["BBBMigrationFailureRatio"]["expr"]
