"""Fixtures of the foundation tests: a real simulator over HTTP, and published folders."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from simhelpers import SECRET

from bbb_migrate.simulator import Simulator, SimulatorConfig


@pytest.fixture
def make_sim() -> Iterator:
    """Start simulators with a config; all are stopped at the end of the test."""
    started: list[Simulator] = []

    def start(**kwargs) -> Simulator:
        kwargs.setdefault("secret", SECRET)
        sim = Simulator(SimulatorConfig(**kwargs)).start()
        started.append(sim)
        return sim

    yield start
    for sim in started:
        sim.stop()


@pytest.fixture
def sim(make_sim) -> Simulator:
    """A BBB 2.6+ simulator with 250 generated recordings."""
    return make_sim(catalogue_size=250)
