"""The chart renders, with each supported value set, into objects the Kubernetes API accepts.

Every rendered object goes through kubernetes-validate in strict mode (unknown fields are errors)
against the Kubernetes OpenAPI schemas of the oldest supported version (1.29) and of 1.33; the
ServiceMonitor, a Prometheus-operator kind that kubernetes-validate does not know, is checked
field by field instead.
"""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest
from chartlib import KUBE_VERSION, NAMESPACE, by_kind, manifests, one, render

MIN_KUBE_VERSION = "1.29"  # Chart.yaml kubeVersion: CEL validation rules are GA from 1.29

VALUE_SETS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "namespaces": {"watch": {"namespaces": ["bbb-a", "bbb-b"]}},
    "all-namespaces": {"watch": {"allNamespaces": True}},
    "kueue": {"kueue": {"windowFactor": 8, "windowMax": 200}},
    "existing-claim": {"sharedVolume": {"enabled": True, "existingClaim": "pod-shared"}},
    "created-claim": {"sharedVolume": {"enabled": True, "storageClassName": "cephfs",
                                       "size": "2Ti"}},
    "network-policy": {"watch": {"namespaces": ["bbb-a", "bbb-b"]},
                       "networkPolicy": {"enabled": True, "bbbServers": [
                           {"cidr": "192.0.2.10/32", "ports": [443, 80]},
                           {"cidr": "2001:db8::/64", "ports": [443]}]}},
    "service-monitor": {"metrics": {"serviceMonitor": {"enabled": True,
                                                       "labels": {"release": "prom"}}}},
    "pull-secrets-digest": {
        "imagePullSecrets": [{"name": "regcred"}],
        "operator": {"image": {"repository": "registry.example.org/bbb/operator",
                               "tag": "", "digest": "sha256:" + "a" * 64,
                               "pullPolicy": "Always"}},
        "recorder": {"image": {"repository": "registry.example.org/bbb/recorder",
                               "tag": "0.1.1", "pullPolicy": "Always"}},
    },
    "paused": {"operator": {"replicas": 0}},
}


def _validate_service_monitor(obj: dict[str, Any]) -> None:
    """monitoring.coreos.com/v1 ServiceMonitor: the fields the Prometheus operator requires."""
    assert obj["apiVersion"] == "monitoring.coreos.com/v1"
    spec = obj["spec"]
    assert set(spec) <= {"namespaceSelector", "selector", "endpoints", "jobLabel"}
    assert spec["selector"]["matchLabels"]
    for endpoint in spec["endpoints"]:
        assert set(endpoint) <= {"port", "path", "interval", "scrapeTimeout"}


@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_every_rendered_object_is_valid_kubernetes(name: str) -> None:
    objects = manifests(VALUE_SETS[name])
    assert objects, "nothing rendered"
    for obj in objects:
        if obj["kind"] == "ServiceMonitor":
            _validate_service_monitor(obj)
            continue
        for version in (MIN_KUBE_VERSION, KUBE_VERSION):
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                pytest.fail(f"{name} (Kubernetes {version}): {obj['kind']}/"
                            f"{obj['metadata']['name']}: {exc.message} "
                            f"at {'.'.join(map(str, exc.path))}")
    names = [(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]) for o in objects]
    assert len(names) == len(set(names)), f"duplicate objects: {names}"


def _operator_container(objects: list[dict[str, Any]]) -> dict[str, Any]:
    deployment = one(objects, "Deployment")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


def test_defaults_run_one_hardened_operator_in_the_release_namespace() -> None:
    objects = manifests()
    deployment = one(objects, "Deployment")
    assert deployment["metadata"]["namespace"] == NAMESPACE
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    container = _operator_container(objects)
    sc = container["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"] == {"drop": ["ALL"]}
    assert container["resources"]["requests"] and container["resources"]["limits"]["memory"]
    # Probes hit kopf's liveness endpoint, on the port the operator is told to serve it on.
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    liveness_arg = next(a for a in container["args"] if a.startswith("--liveness="))
    assert liveness_arg == f"--liveness=http://0.0.0.0:{ports['liveness']}/healthz"
    for probe in ("livenessProbe", "startupProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "liveness"}
    assert f"--namespace={NAMESPACE}" in container["args"]
    assert "--all-namespaces" not in container["args"]
    # The read-only root needs a writable /tmp.
    assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
    # Default: namespaced RBAC only, no cluster-wide rights for the operator (the ClusterRoles
    # aggregated into view/edit/admin give nobody anything by themselves: test_rbac.py).
    assert not _operator_kind(objects, "ClusterRole")
    assert not by_kind(objects, "ClusterRoleBinding")
    (role,) = by_kind(objects, "Role")
    assert role["metadata"]["namespace"] == NAMESPACE
    (binding,) = by_kind(objects, "RoleBinding")
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    operator_sa = pod["serviceAccountName"]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": operator_sa,
                                    "namespace": NAMESPACE}]
    assert not by_kind(objects, "PersistentVolumeClaim")
    assert not by_kind(objects, "NetworkPolicy")
    assert not by_kind(objects, "ServiceMonitor")


def test_metrics_service_targets_the_operator_metrics_port() -> None:
    objects = manifests()
    service = one(objects, "Service")
    deployment = one(objects, "Deployment")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert deployment["spec"]["selector"]["matchLabels"] == service["spec"]["selector"]
    container = _operator_container(objects)
    (port,) = service["spec"]["ports"]
    metrics_port = next(p for p in container["ports"] if p["name"] == port["targetPort"])
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["BBB_MIGRATE_METRICS_PORT"] == str(metrics_port["containerPort"])


def test_namespace_list_gets_a_role_and_recorder_account_in_each() -> None:
    objects = manifests(VALUE_SETS["namespaces"])
    container = _operator_container(objects)
    assert [a for a in container["args"] if a.startswith("--namespace")] == [
        "--namespace=bbb-a", "--namespace=bbb-b"]
    assert sorted(r["metadata"]["namespace"] for r in by_kind(objects, "Role")) == [
        "bbb-a", "bbb-b"]
    assert sorted(r["metadata"]["namespace"] for r in by_kind(objects, "RoleBinding")) == [
        "bbb-a", "bbb-b"]
    for binding in by_kind(objects, "RoleBinding"):
        # The operator's account lives in the release namespace, whatever it watches.
        assert binding["subjects"][0]["namespace"] == NAMESPACE
    recorder_sas = [s for s in by_kind(objects, "ServiceAccount")
                    if s["metadata"]["labels"]["app.kubernetes.io/component"] == "recorder"]
    assert sorted(s["metadata"]["namespace"] for s in recorder_sas) == ["bbb-a", "bbb-b"]
    assert not _operator_kind(objects, "ClusterRole")


def _operator_kind(objects: list[dict], kind: str) -> list[dict]:
    """The operator's objects of ``kind`` (not the ClusterRoles for people, test_rbac.py)."""
    return [o for o in by_kind(objects, kind)
            if o["metadata"]["labels"]["app.kubernetes.io/component"] == "operator"]


def test_all_namespaces_uses_one_cluster_role() -> None:
    objects = manifests(VALUE_SETS["all-namespaces"])
    container = _operator_container(objects)
    assert "--all-namespaces" in container["args"]
    assert not [a for a in container["args"] if a.startswith("--namespace")]
    assert not by_kind(objects, "Role") and not by_kind(objects, "RoleBinding")
    (role,) = _operator_kind(objects, "ClusterRole")
    binding = one(objects, "ClusterRoleBinding")
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io",
                                  "kind": "ClusterRole", "name": role["metadata"]["name"]}


def test_recorder_account_has_no_token_and_carries_pull_secrets() -> None:
    objects = manifests(VALUE_SETS["pull-secrets-digest"])
    recorder_sa = next(s for s in by_kind(objects, "ServiceAccount")
                       if s["metadata"]["labels"]["app.kubernetes.io/component"] == "recorder")
    assert recorder_sa["automountServiceAccountToken"] is False
    assert recorder_sa["imagePullSecrets"] == [{"name": "regcred"}]
    # No Role or binding ever names the recorder account.
    for binding in by_kind(objects, "RoleBinding") + by_kind(objects, "ClusterRoleBinding"):
        assert all(s["name"] != recorder_sa["metadata"]["name"] for s in binding["subjects"])
    deployment = one(objects, "Deployment")
    assert deployment["spec"]["template"]["spec"]["imagePullSecrets"] == [{"name": "regcred"}]
    container = _operator_container(objects)
    assert container["image"] == "registry.example.org/bbb/operator@sha256:" + "a" * 64
    assert container["imagePullPolicy"] == "Always"
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["BBB_MIGRATE_RECORDER_IMAGE"] == "registry.example.org/bbb/recorder:0.1.1"
    assert env["BBB_MIGRATE_RECORDER_IMAGE_PULL_POLICY"] == "Always"
    assert env["BBB_MIGRATE_RECORDER_SERVICE_ACCOUNT"] == recorder_sa["metadata"]["name"]


def test_kueue_window_reaches_the_operator_and_adds_no_permission() -> None:
    objects = manifests(VALUE_SETS["kueue"])
    env = {e["name"]: e.get("value") for e in _operator_container(objects)["env"]}
    assert env["BBB_MIGRATE_KUEUE_WINDOW_FACTOR"] == "8"
    assert env["BBB_MIGRATE_KUEUE_WINDOW_MAX"] == "200"
    assert one(objects, "Role")["rules"] == one(manifests(), "Role")["rules"]


def _shared_mount(objects: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    pod = one(objects, "Deployment")["spec"]["template"]["spec"]
    volume = next(v for v in pod["volumes"] if v["name"] == "shared")
    mount = next(m for m in pod["containers"][0]["volumeMounts"] if m["name"] == "shared")
    return volume, mount


def test_existing_claim_is_mounted_and_not_created() -> None:
    objects = manifests(VALUE_SETS["existing-claim"])
    assert not by_kind(objects, "PersistentVolumeClaim")
    volume, mount = _shared_mount(objects)
    assert volume["persistentVolumeClaim"] == {"claimName": "pod-shared"}
    env = {e["name"]: e.get("value") for e in _operator_container(objects)["env"]}
    assert env["BBB_MIGRATE_SHARED_ROOT"] == mount["mountPath"]


def test_created_claim_is_read_write_many_kept_and_mounted() -> None:
    objects = manifests(VALUE_SETS["created-claim"])
    claim = one(objects, "PersistentVolumeClaim")
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    assert claim["spec"]["storageClassName"] == "cephfs"
    assert claim["spec"]["resources"]["requests"]["storage"] == "2Ti"
    assert claim["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    volume, _ = _shared_mount(objects)
    assert volume["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]


def test_network_policy_lets_recorders_reach_only_bbb_and_dns() -> None:
    objects = manifests(VALUE_SETS["network-policy"])
    policies = by_kind(objects, "NetworkPolicy")
    assert sorted(p["metadata"]["namespace"] for p in policies) == ["bbb-a", "bbb-b"]
    for policy in policies:
        spec = policy["spec"]
        assert spec["policyTypes"] == ["Ingress", "Egress"]
        assert spec["ingress"] == []
        peers = [(peer.get("ipBlock", {}).get("cidr"), sorted(p["port"] for p in rule["ports"]))
                 for rule in spec["egress"] for peer in rule["to"] if "ipBlock" in peer]
        assert peers == [("192.0.2.10/32", [80, 443]), ("2001:db8::/64", [443])]
        dns = [rule for rule in spec["egress"]
               if any("namespaceSelector" in peer for peer in rule["to"])]
        assert len(dns) == 1
        assert sorted((p["protocol"], p["port"]) for p in dns[0]["ports"]) == [
            ("TCP", 53), ("UDP", 53)]
        assert len(spec["egress"]) == 3  # two servers and DNS: nothing else is open


def _operator_job(objects: list[dict[str, Any]], namespace: str,
                  spec_extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The Job the operator would create, built by its own code with the chart's settings."""
    from bbb_migrate.kube import jobs
    from bbb_migrate.spec import parse_spec

    env = {e["name"]: e.get("value") for e in _operator_container(objects)["env"]}
    spec = parse_spec({"source": {"url": "https://bbb.example.org/bigbluebutton/",
                                  "secretRef": {"secretKeyRef": {"name": "s", "key": "k"}}},
                       "mode": "claim", "volume": {"claimName": "shared"},
                       **(spec_extra or {})})
    return jobs.build_job(
        spec=spec, migration="m", namespace=namespace, child="m-0123456789", child_uid="uid",
        record_id="rec-1", source_url="https://x/", duration_seconds=60, attempt=1,
        ttl_seconds=int(env["BBB_MIGRATE_JOB_TTL_SECONDS"]),
        default_image=env["BBB_MIGRATE_RECORDER_IMAGE"],
        pull_policy=env["BBB_MIGRATE_RECORDER_IMAGE_PULL_POLICY"],
        service_account=env.get("BBB_MIGRATE_RECORDER_SERVICE_ACCOUNT", ""))


def test_network_policy_selects_the_pods_of_the_operators_jobs() -> None:
    """The policy's selector must match the labels the operator puts on recorder pods."""
    objects = manifests(VALUE_SETS["network-policy"])
    for policy in by_kind(objects, "NetworkPolicy"):
        job = _operator_job(objects, policy["metadata"]["namespace"])
        pod_labels = job["spec"]["template"]["metadata"]["labels"]
        selector = policy["spec"]["podSelector"]["matchLabels"]
        assert selector.items() <= pod_labels.items()


def test_operator_jobs_run_the_chart_recorder_image_and_account() -> None:
    """With the chart's settings, a Job the operator builds runs the chart's recorder image as
    the recorder ServiceAccount the chart created in the Job's namespace, and is valid."""
    objects = manifests(VALUE_SETS["pull-secrets-digest"] | VALUE_SETS["namespaces"])
    accounts = {(a["metadata"]["namespace"], a["metadata"]["name"])
                for a in by_kind(objects, "ServiceAccount")}
    for namespace in ("bbb-a", "bbb-b"):
        job = _operator_job(objects, namespace)
        pod = job["spec"]["template"]["spec"]
        assert (namespace, pod["serviceAccountName"]) in accounts
        assert pod["containers"][0]["image"] == "registry.example.org/bbb/recorder:0.1.1"
        assert pod["containers"][0]["imagePullPolicy"] == "Always"
        kubernetes_validate.validate(job, KUBE_VERSION, strict=True)
    # A migration naming its own image keeps it.
    job = _operator_job(objects, "bbb-a", {"recorder": {"image": "other/recorder:9"}})
    assert job["spec"]["template"]["spec"]["containers"][0]["image"] == "other/recorder:9"


def test_service_monitor_scrapes_the_metrics_service() -> None:
    objects = manifests(VALUE_SETS["service-monitor"])
    monitor = one(objects, "ServiceMonitor")
    service = one(objects, "Service")
    assert monitor["metadata"]["labels"]["release"] == "prom"
    assert monitor["spec"]["selector"]["matchLabels"].items() <= (
        service["metadata"]["labels"].items())
    assert monitor["spec"]["endpoints"][0]["port"] == service["spec"]["ports"][0]["name"]
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": [NAMESPACE]}


def test_notes_tell_what_to_apply_next() -> None:
    notes = render({"sharedVolume": {"enabled": True, "existingClaim": "pod-shared"}})[
        "bbb-migrate/templates/NOTES.txt"]
    assert "examples/cluster/claim.yaml" in notes
    assert "claimName: pod-shared" in notes
    assert "kubectl apply --server-side -f charts/bbb-migrate/crds/" in notes
    assert "get bbbrecordings" in notes


def test_notes_warn_when_jobs_cannot_see_the_release_namespace_claim() -> None:
    shared = {"enabled": True, "existingClaim": "pod-shared"}
    same = render({"sharedVolume": shared})["bbb-migrate/templates/NOTES.txt"]
    assert "WARNING" not in same
    other = render({"sharedVolume": shared, "watch": {"namespaces": ["bbb-a", NAMESPACE]}})[
        "bbb-migrate/templates/NOTES.txt"]
    assert "claim named pod-shared" in other and "(bbb-a)" in other
