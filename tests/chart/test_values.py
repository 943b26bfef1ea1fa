"""Wrong values fail at install time, with a message that names the offending value.

`helm install` validates values against values.schema.json before rendering; rules a JSON
schema cannot express are `fail` calls in the templates. Both paths are exercised here through
the real Helm library, as `helm install` would run them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from chartlib import CHART, NAMESPACE, RELEASE, helm_python, render

# (values, words the error message must contain)
BAD_VALUES: list[tuple[dict[str, Any], list[str]]] = [
    ({"operator": {"replicas": 2}}, ["/operator/replicas", "0, 1"]),
    ({"operatr": {"replicas": 1}}, ["operatr", "not allowed"]),
    ({"operator": {"image": {"pullPolicy": "Sometimes"}}}, ["/operator/image/pullPolicy"]),
    ({"operator": {"image": {"digest": "latest"}}}, ["/operator/image/digest"]),
    ({"recorder": {"image": {"repository": "Not A Repo"}}}, ["/recorder/image/repository"]),
    ({"operator": {"livenessPort": 70000}}, ["/operator/livenessPort"]),
    ({"operator": {"securityContext": {"runAsNonRoot": False}}},
     ["/operator/securityContext/runAsNonRoot"]),
    ({"operator": {"securityContext": {"allowPrivilegeEscalation": True}}},
     ["/operator/securityContext/allowPrivilegeEscalation"]),
    ({"operator": {"resources": {"limits": {"memory": "a lot"}}}},
     ["/operator/resources/limits/memory"]),
    ({"watch": {"namespaces": ["Bad_Namespace"]}}, ["/watch/namespaces/0"]),
    ({"watch": {"allNamespaces": True, "namespaces": ["bbb"]}}, ["/watch/namespaces"]),
    ({"watch": {"allNamespaces": "yes"}}, ["/watch/allNamespaces"]),
    ({"networkPolicy": {"enabled": True}}, ["/networkPolicy/bbbServers"]),
    ({"networkPolicy": {"bbbServers": [{"cidr": "bbb.example.org", "ports": [443]}]}},
     ["/networkPolicy/bbbServers/0/cidr"]),
    ({"networkPolicy": {"bbbServers": [{"cidr": "192.0.2.1/32", "ports": []}]}},
     ["/networkPolicy/bbbServers/0/ports"]),
    ({"sharedVolume": {"size": "lots"}}, ["/sharedVolume/size"]),
    ({"sharedVolume": {"accessModes": ["ReadWriteSometimes"]}}, ["/sharedVolume/accessModes/0"]),
    ({"sharedVolume": {"mountPath": "relative/path"}}, ["/sharedVolume/mountPath"]),
    ({"metrics": {"serviceMonitor": {"interval": "often"}}},
     ["/metrics/serviceMonitor/interval"]),
    ({"imagePullSecrets": ["regcred"]}, ["/imagePullSecrets/0"]),
    ({"kueue": {"enabled": True, "queue": "q"}}, ["queue", "not allowed"]),
]

# Rules checked by the templates (the schema cannot relate two values).
BAD_COMBINATIONS: list[tuple[dict[str, Any], list[str]]] = [
    ({"operator": {"metricsPort": 8080, "livenessPort": 8080}},
     ["livenessPort", "metricsPort", "differ"]),
    ({"metrics": {"service": {"enabled": False}, "serviceMonitor": {"enabled": True}}},
     ["metrics.serviceMonitor.enabled needs metrics.service.enabled"]),
    ({"watch": {"allNamespaces": True},
      "networkPolicy": {"enabled": True, "bbbServers": [{"cidr": "192.0.2.1/32",
                                                          "ports": [443]}]}},
     ["networkPolicy.enabled needs watch.namespaces"]),
    ({"operator": {"serviceAccount": {"create": False, "name": ""}}},
     ["operator.serviceAccount.name is required"]),
]


@pytest.mark.parametrize(("values", "words"), BAD_VALUES,
                         ids=[json.dumps(v, sort_keys=True) for v, _ in BAD_VALUES])
def test_schema_rejects_bad_values_naming_them(values: dict[str, Any], words: list[str]) -> None:
    with helm_python.Chart.load(CHART) as chart, pytest.raises(
            helm_python.HelmValuesError) as caught:
        chart.validate_schema(values)
    for word in words:
        assert word in str(caught.value)
    # `helm install` stops at the same check, before rendering anything.
    with pytest.raises(helm_python.HelmValuesError):
        render(values)


@pytest.mark.parametrize(("values", "words"), BAD_COMBINATIONS,
                         ids=[json.dumps(v, sort_keys=True) for v, _ in BAD_COMBINATIONS])
def test_templates_reject_contradictory_values(values: dict[str, Any], words: list[str]) -> None:
    with pytest.raises(helm_python.HelmError) as caught:
        render(values)
    for word in words:
        assert word in str(caught.value)


def test_shipped_values_and_documented_examples_pass_the_schema() -> None:
    with helm_python.Chart.load(CHART) as chart:
        defaults = yaml.safe_load((CHART / "values.yaml").read_text(encoding="utf-8"))
        chart.validate_schema(defaults)
        chart.validate_schema({"networkPolicy": {"enabled": True, "bbbServers": [
            {"cidr": "192.0.2.10/32", "ports": [443]}]}})


def test_every_values_key_is_described_in_the_schema() -> None:
    """values.yaml and the schema list the same keys (no undocumented or dead value)."""
    schema = json.loads((CHART / "values.schema.json").read_text(encoding="utf-8"))
    values = yaml.safe_load((CHART / "values.yaml").read_text(encoding="utf-8"))

    def walk(value: Any, node: dict[str, Any], path: str) -> None:
        # Fixed-key objects only; open ones (securityContext, resources...) are Kubernetes types.
        if not isinstance(value, dict) or node.get("additionalProperties") is not False:
            return
        for key, sub in value.items():
            assert key in node["properties"], f"{path}.{key} is not in values.schema.json"
            walk(sub, node["properties"][key], f"{path}.{key}")

    walk(values, schema, "")


def test_release_name_and_namespace_shape_names() -> None:
    text = render(name="migrate", namespace="tools")["bbb-migrate/templates/deployment.yaml"]
    deployment = yaml.safe_load(text)
    assert deployment["metadata"]["name"] == "migrate-bbb-migrate-operator"
    assert deployment["metadata"]["namespace"] == "tools"
    assert RELEASE and NAMESPACE  # the defaults other tests use
