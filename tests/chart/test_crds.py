"""The chart ships the repository's CRDs, byte for byte (crds/ is the one source of truth;
scripts/sync-chart-crds.sh copies them), and they are valid CustomResourceDefinitions."""

from __future__ import annotations

import subprocess

import kubernetes_validate
import yaml
from chartlib import CHART, CRDS, KUBE_VERSION, REPO, helm_python


def test_chart_crds_are_identical_to_the_repository_crds() -> None:
    source = {p.name: p.read_bytes() for p in CRDS.glob("*.yaml")}
    shipped = {p.name: p.read_bytes() for p in (CHART / "crds").glob("*.yaml")}
    assert source, "crds/ is empty"
    assert sorted(shipped) == sorted(source), (
        "chart CRDs differ from crds/: run scripts/sync-chart-crds.sh")
    for name, content in source.items():
        assert shipped[name] == content, (
            f"charts/bbb-migrate/crds/{name} differs from crds/{name}: "
            "run scripts/sync-chart-crds.sh")


def test_sync_script_restores_a_drifted_copy(tmp_path) -> None:
    """The script is what the failure message above tells people to run: it must fix drift."""
    work = tmp_path / "repo"
    (work / "scripts").mkdir(parents=True)
    (work / "scripts" / "sync-chart-crds.sh").write_bytes(
        (REPO / "scripts" / "sync-chart-crds.sh").read_bytes())
    (work / "crds").mkdir()
    for crd in CRDS.glob("*.yaml"):
        (work / "crds" / crd.name).write_bytes(crd.read_bytes())
    chart_crds = work / "charts" / "bbb-migrate" / "crds"
    chart_crds.mkdir(parents=True)
    (chart_crds / "stale.yaml").write_text("kind: Old\n")
    first = next(CRDS.glob("*.yaml")).name
    (chart_crds / first).write_text("drifted\n")
    subprocess.run(["bash", str(work / "scripts" / "sync-chart-crds.sh")], check=True,
                   capture_output=True)
    assert sorted(p.name for p in chart_crds.iterdir()) == sorted(p.name for p in
                                                                   CRDS.glob("*.yaml"))
    for crd in CRDS.glob("*.yaml"):
        assert (chart_crds / crd.name).read_bytes() == crd.read_bytes()


def test_crds_are_valid_and_helm_installs_them() -> None:
    kinds = set()
    for path in sorted(CRDS.glob("*.yaml")):
        crd = yaml.safe_load(path.read_text(encoding="utf-8"))
        kubernetes_validate.validate(crd, KUBE_VERSION, strict=True)
        kinds.add(crd["spec"]["names"]["kind"])
        assert crd["spec"]["group"] == "bbb-migrate.esup-portail.org"
    assert kinds == {"BBBMigration", "BBBRecording"}
    # Helm sees them as the chart's CRDs (installed before the templates on `helm install`).
    with helm_python.Chart.load(CHART) as chart:
        shipped = {entry["name"]: entry["data"] for entry in chart.crds}
    assert sorted(shipped) == sorted(f"crds/{p.name}" for p in CRDS.glob("*.yaml"))
    for name, data in shipped.items():
        assert data == (CHART / name).read_text(encoding="utf-8")
