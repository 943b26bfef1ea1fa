"""Process trees, through psutil: the one place that finds, measures and stops processes.

Used by the recorder (its Xvfb, PulseAudio, Chromium and ffmpeg children, their CPU and memory)
and by the local runner (recorders it started, or that a killed runner left behind). A process
is named by its pid *and* its start time, so a pid reused by the system is never signalled.
"""

from __future__ import annotations

import contextlib
import os
import signal

import psutil

_GONE = (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied)


def started_at(pid: int) -> float | None:
    """A process's start time (seconds since the epoch), or None when it is gone."""
    try:
        return psutil.Process(pid).create_time()
    except _GONE:
        return None


def find(pid: int, created: float | None = None) -> psutil.Process | None:
    """The live process ``pid``, if it is the one started at ``created`` (pid reuse guard)."""
    try:
        proc = psutil.Process(pid)
        if created is not None and abs(proc.create_time() - created) > 0.05:
            return None
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
    except _GONE:
        return None
    return proc


def descendants(pid: int) -> list[int]:
    """PIDs of every live process below ``pid``."""
    try:
        return [child.pid for child in psutil.Process(pid).children(recursive=True)]
    except _GONE:
        return []


def tree(pid: int) -> list[psutil.Process]:
    """``pid`` and its descendants that are still alive."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except _GONE:
        return []


def usage(proc: psutil.Process) -> tuple[float, int] | None:
    """(CPU seconds, resident bytes) of one process, or None when it is gone."""
    try:
        with proc.oneshot():
            times = proc.cpu_times()
            return times.user + times.system, proc.memory_info().rss
    except _GONE:
        return None


def signal_group(pgid: int, sig: int) -> None:
    """Send ``sig`` to a process group; a group already gone is not an error."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def stop(pid: int, created: float | None = None, *, grace: float = 15.0) -> bool:
    """Stop a process, its process group and its descendants: SIGTERM, then SIGKILL after
    ``grace`` seconds. Returns False when there was nothing (or someone else's process)."""
    proc = find(pid, created)
    if proc is None:
        return False
    procs = tree(pid)
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        signal_group(pid, sig)  # the recorder leads its own session: its whole group
        for member in procs:
            with contextlib.suppress(*_GONE):
                member.send_signal(sig)
        _, procs = psutil.wait_procs(procs, timeout=wait)
        if not procs:
            break
    return True
