"""Child processes that never outlive the recorder, and their CPU and memory.

Every child (Xvfb, PulseAudio, Chromium, ffmpeg) starts in its own session, with the kernel
told to SIGKILL it if the recorder dies (``PR_SET_PDEATHSIG``), so even a SIGKILLed recorder
leaves nothing behind; a clean exit terminates each process group, then kills what remains.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)
_CLK_TCK = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def parent_death_signal(sig: int = signal.SIGKILL) -> Callable[[], None]:
    """A ``preexec_fn`` asking Linux to send ``sig`` to the child when this process dies.

    The child then checks its parent: had this process died between fork and ``prctl``, the
    signal would never come, so the child exits at once instead of running unsupervised. The
    local runner uses it too (with SIGTERM, so that a recorder stops its own children).
    """
    parent = os.getpid()

    def setup() -> None:  # runs in the child between fork and exec
        _libc.prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)

    return setup


class Child:
    """One started process, its output forwarded line by line to ``on_line``."""

    def __init__(self, name: str, argv: Sequence[str], *, env: dict[str, str] | None = None,
                 on_line: Callable[[str, str], None] | None = None, stdin: bool = False,
                 stdout_pipe: bool = True, pass_fds: Sequence[int] = ()):
        self.name = name
        self.argv = list(argv)
        self.proc = subprocess.Popen(
            self.argv, env=env, start_new_session=True, preexec_fn=parent_death_signal(),
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE if stdout_pipe else subprocess.DEVNULL,
            stderr=subprocess.STDOUT if stdout_pipe else subprocess.DEVNULL,
            pass_fds=tuple(pass_fds),
        )
        self._reader: threading.Thread | None = None
        if stdout_pipe and self.proc.stdout is not None:
            self._reader = threading.Thread(
                target=self._pump, args=(self.proc.stdout, on_line), daemon=True,
                name=f"{name}-output")
            self._reader.start()

    def _pump(self, pipe: IO[bytes], on_line: Callable[[str, str], None] | None) -> None:
        for raw in iter(pipe.readline, b""):
            if on_line is not None:
                on_line(self.name, raw.decode("utf-8", "replace").rstrip())
        pipe.close()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM the process group, then SIGKILL what is left after ``timeout``."""
        if self.proc.poll() is None:
            _signal_group(self.proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout)
        _signal_group(self.proc.pid, signal.SIGKILL)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        if self._reader is not None:
            self._reader.join(2)


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def descendants(root: int) -> list[int]:
    """PIDs of every process below ``root`` (from /proc, Linux)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    stack = [root]
    while stack:
        for pid in children.get(stack.pop(), []):
            found.append(pid)
            stack.append(pid)
    return found


def _proc_stat(pid: int) -> tuple[float, int] | None:
    """(CPU seconds, RSS bytes) of one process, or None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    cpu = (int(fields[11]) + int(fields[12])) / _CLK_TCK
    rss = int(fields[21]) * _PAGE
    return cpu, rss


class TreeMeter:
    """CPU seconds and resident memory of a process tree, sampled while it runs.

    CPU of processes that already exited is kept from their last sample, so the total covers
    Chromium's short-lived helpers too (their parents never report them to us).
    """

    def __init__(self, root: int | None = None):
        self.root = root if root is not None else os.getpid()
        self._cpu: dict[int, float] = {}
        self.peak_rss = 0
        self.samples: list[tuple[float, int]] = []  # (monotonic, rss), bounded below

    def sample(self) -> int:
        """Take one sample; return the tree's current RSS in bytes."""
        rss_total = 0
        for pid in [self.root, *descendants(self.root)]:
            stat = _proc_stat(pid)
            if stat is None:
                continue
            self._cpu[pid] = stat[0]
            rss_total += stat[1]
        self.peak_rss = max(self.peak_rss, rss_total)
        self.samples.append((time.monotonic(), rss_total))
        if len(self.samples) > 2000:  # keep memory flat on long recordings: thin out
            self.samples = self.samples[::2]
        return rss_total

    @property
    def cpu_seconds(self) -> float:
        own = os.times()
        return sum(v for pid, v in self._cpu.items() if pid != self.root) + own.user + own.system


def env_with(**extra: Any) -> dict[str, str]:
    """The current environment plus ``extra`` (None removes a variable)."""
    env = dict(os.environ)
    for key, value in extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = str(value)
    return env
