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
from typing import IO, Any

from .. import proctree

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


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
            proctree.signal_group(self.proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout)
        proctree.signal_group(self.proc.pid, signal.SIGKILL)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        if self._reader is not None:
            self._reader.join(2)


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
        for proc in proctree.tree(self.root):
            measured = proctree.usage(proc)
            if measured is None:
                continue
            self._cpu[proc.pid] = measured[0]
            rss_total += measured[1]
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
