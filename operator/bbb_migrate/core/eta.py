"""How long until every recording is rendered, from the render speed measured so far.

Both executors ask this: the runner for its progress line, the operator for ``status.eta``
(the ``ETA`` column of ``kubectl get bbbmigrations``) and the ``bbb_migrate_eta_seconds``
metric. The speed is the wall seconds per recorded second of the renders kept so far (compose
runs many times faster than real time, capture about at real time); before the first one
finishes the estimate assumes real time, so it starts pessimistic for compose.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..state import Action

RENDER_OVERHEAD_SECONDS = 20.0  # browser start, files fetched, verification
DEFAULT_RENDER_RATIO = 1.05  # wall seconds per recorded second before anything is measured


def eta_seconds(remaining: Iterable[tuple[Action, float, float]], parallelism: int, *,
                observed: tuple[float, float] = (0.0, 0.0)) -> float:
    """Remaining recorder work / parallelism.

    ``remaining``: (action, recorded seconds, seconds its recorder has run already) of each
    recording not yet rendered; ``observed``: (recorded seconds, wall seconds) of the renders
    kept so far.
    """
    media, wall = observed
    ratio = wall / media if media > 0 and wall > 0 else DEFAULT_RENDER_RATIO
    work = 0.0
    for action, seconds, elapsed in remaining:
        if action is Action.RENDER:
            work += max(0.0, seconds * ratio + RENDER_OVERHEAD_SECONDS - elapsed)
        elif action is Action.DOWNLOAD:
            work += RENDER_OVERHEAD_SECONDS / 4
    return work / max(1, parallelism)


def format_eta(seconds: float | None) -> str:
    """``1h02m``, ``4m05s``, ``12s``; ``?`` when unknown (the same words everywhere)."""
    if seconds is None:
        return "?"
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"
