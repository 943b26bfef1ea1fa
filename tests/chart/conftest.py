"""Fixtures of the Helm chart tests (helpers are in chartlib.py)."""

from __future__ import annotations

from typing import Any

import pytest
from chartlib import load_crds


@pytest.fixture(scope="session")
def crds() -> dict[str, dict[str, Any]]:
    found = load_crds()
    if not found:
        pytest.fail("crds/ holds no CRD")
    return found
