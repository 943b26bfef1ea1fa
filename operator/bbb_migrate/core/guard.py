"""The plan-change guard: which parts of a spec a stored plan was made from.

Both executors store :func:`encode` of :func:`plan_parts` when they plan, and compare it with
the current spec before doing anything: a plan made for another server, mode, listing,
selection or volume cannot silently apply to the recordings already planned. Tuning
(parallelism, attempts, suspend, Pod or Moodle settings, secrets) changes no part.
"""

from __future__ import annotations

import hashlib
import json

from ..spec import MigrationSpec

REPLANNABLE = frozenset({"listing", "selection"})
"""Parts whose change the local runner accepts with ``--replan`` (recordings already planned
keep their state, new ones are added). The operator refuses every change of a part."""


def plan_parts(spec: MigrationSpec) -> dict[str, str]:
    """Short hashes of the spec parts the plan was made from."""
    parts = {
        # import-video from rendered files renders what the other source only links to
        "mode": str(spec.mode) + ("/rendered" if spec.from_rendered else ""),
        "source": spec.source.url,
        "listing": spec.source.model_dump(mode="json", by_alias=True,
                                          include={"states", "meta",
                                                   "rewrite_playback_20_to_23"}),
        "selection": spec.selection.model_dump(mode="json", by_alias=True),
        "volume": (spec.volume.model_dump(mode="json", by_alias=True,
                                          include={"claim_name", "sub_path"})
                   if spec.volume else None),
    }
    return {k: hashlib.sha256(json.dumps(v, sort_keys=True).encode()).hexdigest()[:12]
            for k, v in parts.items()}


def encode(parts: dict[str, str]) -> str:
    """``listing=…,mode=…`` as stored (``status.plannedSpecHash``, the state file's meta)."""
    return ",".join(f"{k}={v}" for k, v in sorted(parts.items()))


def changed(planned: str, current: dict[str, str]) -> list[str]:
    """Names of the parts that differ from the planned ones, sorted."""
    old = dict(p.split("=", 1) for p in planned.split(",") if "=" in p)
    return sorted(k for k, v in current.items() if old.get(k) != v)
