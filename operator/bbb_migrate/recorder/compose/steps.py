"""Step functions of time as ffmpeg expressions: the cursor's position and the screen shares'
intervals, evaluated by the filters themselves at each frame.

Why not ``sendcmd``: ffmpeg 5.1's sendcmd keeps every command of the file parsed for the whole
run at ~50 KB of memory each (one allocation of the rest of the file per token) and scans all
of them at every frame, so an hour's cursor cost ~90 MB and per-frame work that grew with the
recording. An expression holds a few nodes per step (x and y of 20 000 cursor moves: +37 MB once
parsed, measured) and a balanced tree of ``if(lt(...))`` is evaluated in log2(steps)
comparisons per frame.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence


def step_expression(steps: Sequence[tuple[int, int]], variable: str,
                    threshold: Callable[[int], str], default: int = 0) -> str:
    """The value of the last step whose frame is at or before ``variable`` (``default``
    before the first): ``steps`` are (frame, value), frames increasing; ``threshold(frame)``
    is the frame written in the unit of ``variable`` (seconds for ``t``, frames for a
    ``pts`` on the grid's time base). Repeated values are merged first."""
    merged: list[tuple[int, int]] = []
    for frame, value in steps:
        if merged and merged[-1][0] >= frame:
            raise ValueError(f"step frames must increase ({merged[-1][0]} then {frame})")
        if (merged[-1][1] if merged else default) != value:
            merged.append((frame, value))
    if not merged:
        return str(default)

    def node(low: int, high: int, before: int) -> str:
        # merged[low:high] decides; ``before`` is the value below merged[low]'s frame.
        if low == high:
            return str(before)
        middle = (low + high) // 2
        frame, value = merged[middle]
        left = node(low, middle, before)
        right = node(middle + 1, high, value)
        return f"if(lt({variable},{threshold(frame)}),{left},{right})"

    return node(0, len(merged), default)


def seconds(fps: int) -> Callable[[int], str]:
    """Half a frame before ``frame``'s time: robust to the float rounding of ``t``."""
    return lambda frame: f"{(frame - 0.5) / fps:.6f}"


def frames(frame: int) -> str:
    return f"{frame - 0.5}"


def intervals_steps(intervals: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """[first, end) frame intervals as steps of 1 (inside) and 0, overlapping ones joined."""
    steps: list[tuple[int, int]] = []
    for first, end in sorted(intervals):
        if steps and first <= steps[-1][0]:  # touches or overlaps the previous one
            steps[-1] = (max(end, steps[-1][0]), 0)
            continue
        steps += [(first, 1), (end, 0)]
    return steps
