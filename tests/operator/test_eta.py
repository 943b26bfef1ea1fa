"""The ETA (core/eta.py) as the operator computes it from its children and shows it in
``kubectl get bbbmigrations`` (a printer column), and as the runner prints it: the speed is
the one measured on the renders kept, not a guess."""

from __future__ import annotations

import yaml

from bbb_migrate.core.eta import DEFAULT_RENDER_RATIO, eta_seconds, format_eta
from bbb_migrate.kube.crdgen import CRD_DIR
from bbb_migrate.kube.recordings import ChildView
from bbb_migrate.kube.scheduler import Scheduler
from bbb_migrate.spec import parse_spec
from bbb_migrate.state import Action, Phase, RecordingState

SPEC = parse_spec({"source": {"url": "https://bbb.example.org/bigbluebutton/",
                              "secretRef": {"env": "BBB_SECRET"}},
                   "mode": "claim", "recorder": {"parallelism": 2}})


def view(n: int, phase: Phase, duration: float, render_seconds: float | None = None
         ) -> ChildView:
    state = RecordingState(f"r{n}", Action.RENDER, phase)
    return ChildView(name=f"c{n}", uid=f"u{n}", migration="m", record_id=f"r{n}",
                     action=Action.RENDER, index=n, source_url="", duration=duration,
                     state=state, seq=1, render_seconds=render_seconds)


def test_eta_from_the_measured_speed():
    # before anything is kept: about real time (capture), the pessimistic side
    assert eta_seconds([(Action.RENDER, 600.0, 0.0)], 1) == 600 * DEFAULT_RENDER_RATIO + 20
    # compose measured at 10x real time: two 10-minute recordings on two recorders
    assert eta_seconds([(Action.RENDER, 600.0, 0.0)] * 2, 2,
                       observed=(6000.0, 600.0)) == 80.0
    # a recorder that has run for a while has less left; a download is short
    assert eta_seconds([(Action.RENDER, 600.0, 50.0), (Action.DOWNLOAD, 3600.0, 0.0)], 1,
                       observed=(600.0, 60.0)) == 30.0 + 5.0
    assert [format_eta(s) for s in (None, 12, 245, 3720)] == ["?", "12s", "4m05s", "1h02m"]


def test_operator_eta_from_its_children_and_the_printer_column():
    views = [view(1, Phase.PUBLISHED, 1200.0, 120.0), view(2, Phase.RENDERED, 600.0, 60.0),
             view(3, Phase.PENDING, 1800.0), view(4, Phase.RENDERING, 1800.0),
             view(5, Phase.FAILED, 999.0)]
    # speed 1800 s in 180 s = 0.1; left: 2 x (180 + 20) s on 2 recorders
    assert Scheduler._eta(SPEC, views) == 200.0
    crd = yaml.safe_load((CRD_DIR / "bbbmigrations.yaml").read_text())
    version = crd["spec"]["versions"][0]
    columns = {c["name"]: c["jsonPath"] for c in version["additionalPrinterColumns"]}
    assert columns["ETA"] == ".status.eta"
    assert "eta" in version["schema"]["openAPIV3Schema"]["properties"]["status"]["properties"]


def test_degraded_gauge_follows_the_condition():
    """One series while Degraded, labelled with the current reason; none once it clears (the
    BBBMigrationDegraded alert waits on it)."""
    from prometheus_client import REGISTRY

    from bbb_migrate.kube import metrics

    def series() -> dict[str, float]:
        return {s.labels["reason"]: s.value for f in REGISTRY.collect()
                if f.name == "bbb_migrate_degraded" for s in f.samples
                if s.labels["migration"] == "eta-test"}

    metrics.set_degraded("ns", "eta-test", "BBBUnavailable")
    assert series() == {"BBBUnavailable": 1.0}
    metrics.set_degraded("ns", "eta-test", "SecretUnavailable")
    assert series() == {"SecretUnavailable": 1.0}
    metrics.set_degraded("ns", "eta-test", None)
    assert series() == {}
