"""The optional static file server of the rendered MP4s (``pod.importVideo.source: rendered``).

It serves one folder of the shared claim, read-only, through a Service and an optional Ingress;
every object it adds is valid Kubernetes, and a server without the shared volume is refused.
"""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest
from chartlib import by_kind, helm_python, manifests, render

VALUES: dict[str, Any] = {
    "sharedVolume": {"enabled": True, "existingClaim": "pod-shared"},
    "mediaServer": {"enabled": True, "subPath": "bbb/media",
                    "ingress": {"enabled": True, "className": "nginx",
                                "host": "media.univ.example.org", "path": "/bbb",
                                "tls": [{"hosts": ["media.univ.example.org"],
                                         "secretName": "media-tls"}]}},
}


def _media(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in by_kind(objects, kind)
            if o["metadata"]["labels"].get("app.kubernetes.io/component") == "media-server"]


def test_off_by_default() -> None:
    objects = manifests({"sharedVolume": {"enabled": True}})
    assert not _media(objects, "Deployment") and not _media(objects, "Service")


def test_serves_the_claim_folder_read_only_behind_service_and_ingress() -> None:
    objects = manifests(VALUES)
    for obj in objects:
        if obj["kind"] in ("Deployment", "Service", "Ingress"):
            for version in ("1.29", "1.33"):
                kubernetes_validate.validate(obj, version, strict=True)
    (deployment,) = _media(objects, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    mount = next(m for m in container["volumeMounts"] if m["name"] == "media")
    assert mount == {"name": "media", "mountPath": "/usr/share/nginx/html", "readOnly": True,
                     "subPath": "bbb/media"}
    volume = next(v for v in pod["volumes"] if v["name"] == "media")
    assert volume["persistentVolumeClaim"] == {"claimName": "pod-shared", "readOnly": True}
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert pod["automountServiceAccountToken"] is False
    (service,) = _media(objects, "Service")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert service["spec"]["selector"]["app.kubernetes.io/component"] == "media-server"
    (ingress,) = _media(objects, "Ingress")
    rule = ingress["spec"]["rules"][0]
    assert rule["host"] == "media.univ.example.org"
    assert rule["http"]["paths"][0]["path"] == "/bbb"
    assert rule["http"]["paths"][0]["backend"]["service"]["name"] == service["metadata"]["name"]
    # The operator's own Service never selects the media pods (and the reverse).
    operator_services = [s for s in by_kind(objects, "Service") if s not in _media(objects,
                                                                                "Service")]
    for other in operator_services:
        assert not other["spec"]["selector"].items() <= labels.items()


@pytest.mark.parametrize(("values", "words"), [
    ({"mediaServer": {"enabled": True}}, ["mediaServer.enabled needs sharedVolume.enabled"]),
    ({"sharedVolume": {"enabled": True}, "mediaServer": {"enabled": True,
                                                         "ingress": {"enabled": True}}},
     ["mediaServer.ingress.enabled needs mediaServer.ingress.host"]),
])
def test_contradictions_are_refused(values: dict[str, Any], words: list[str]) -> None:
    with pytest.raises(helm_python.HelmError) as caught:
        render(values)
    for word in words:
        assert word in str(caught.value)


@pytest.mark.parametrize("sub_path", ["../pod", "/etc", "a/../../b"])
def test_sub_path_stays_inside_the_claim(sub_path: str) -> None:
    with pytest.raises(helm_python.HelmValuesError) as caught:
        render({"sharedVolume": {"enabled": True},
                "mediaServer": {"enabled": True, "subPath": sub_path}})
    assert "/mediaServer/subPath" in str(caught.value)
