"""Bounds for Playwright calls that have none: ``page.evaluate`` and anything past the deadline.

Playwright's sync API gives ``goto`` a timeout but ``evaluate`` none: a renderer that stops
answering (a busy page, a hung GPU process, a browser swapping to death) would hold the
recorder for ever, deadline or not. One watchdog thread per render watches the call in
progress; when it outlives its bound (``timeout`` for one call, and never past the render's
deadline) the browser is killed, the blocked call fails at once, and :meth:`Watchdog.bound`
turns that failure into the contract's exit code: ``DEADLINE`` when the deadline ran out,
``CRASH`` (retryable) for a browser that stopped answering.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from playwright.sync_api import Error as PlaywrightError

from ..contract import ExitCode
from .errors import RecorderError

POLL_SECONDS = 0.1


class Watchdog:
    """Kills the browser (``kill``) when the guarded call outlives its bound."""

    def __init__(self, kill: Callable[[], None], deadline: float) -> None:
        self.deadline = deadline
        self._kill = kill
        self._until: float | None = None
        self._what = ""
        self.fired: str | None = None  # what was running when the browser was killed
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="render-watchdog", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            until = self._until
            if until is not None and time.monotonic() > until:
                self.fired = self._what
                self._kill()
                return

    @contextmanager
    def bound(self, timeout: float, what: str) -> Iterator[None]:
        """Run the block with the browser killed after ``timeout`` s or at the deadline."""
        if time.monotonic() > self.deadline:
            raise RecorderError(ExitCode.DEADLINE, f"deadline passed before {what}")
        self._what = what
        self._until = min(time.monotonic() + timeout, self.deadline)
        try:
            yield
        except PlaywrightError as error:
            if self.fired is None:
                raise
            if time.monotonic() >= self.deadline:
                raise RecorderError(ExitCode.DEADLINE,
                                    f"deadline passed during {self.fired}") from error
            raise RecorderError(ExitCode.CRASH, f"the browser did not answer {self.fired} "
                                f"within {timeout:g} s") from error
        finally:
            self._until = None

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)


class GuardedPage:
    """A Playwright page whose ``evaluate`` is bounded by a :class:`Watchdog`."""

    def __init__(self, page: Any, watchdog: Watchdog, timeout: float) -> None:
        self.page = page
        self.watchdog = watchdog
        self.timeout = timeout

    def evaluate(self, expression: str, arg: Any = None, timeout: float | None = None) -> Any:
        with self.watchdog.bound(timeout or self.timeout, "page.evaluate"):
            return self.page.evaluate(expression, arg)
