"""Per-operator-run state kept in kopf's ``memo``: settings, the API client, wake-up events."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

import kopf

from . import jobs
from .api import KubeApi, configuration
from .config import OperatorConfig


@dataclass
class Runtime:
    """Created at start-up; the daemons and handlers share it through ``memo.runtime``."""

    config: OperatorConfig
    connection: kopf.ConnectionInfo | None = None
    _api: KubeApi | None = None
    wakeups: dict[tuple[str, str], asyncio.Event] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def api(self) -> KubeApi:
        """The client, built from the credentials kopf logged in with."""
        with self._lock:
            if self._api is None:
                if self.connection is None:
                    raise kopf.TemporaryError("not logged in to the API server yet", delay=1)
                self._api = KubeApi(configuration(self.connection),
                                    timeout=self.config.api_timeout_seconds)
            return self._api

    def relogin(self, info: kopf.ConnectionInfo) -> None:
        """New credentials (token rotation): the next call builds a new client."""
        with self._lock:
            self.connection = info
            if self._api is not None:
                self._api.close()
                self._api = None

    def wakeup(self, namespace: str, migration: str) -> asyncio.Event:
        """The event that wakes a migration's scheduler before its next timed pass."""
        key = (namespace, jobs.label_value(migration))
        if key not in self.wakeups:
            self.wakeups[key] = asyncio.Event()
        return self.wakeups[key]

    def forget(self, namespace: str, migration: str) -> None:
        """A deleted migration: it is no longer scheduled (nor counted by the probe)."""
        self.wakeups.pop((namespace, jobs.label_value(migration)), None)

    def poke(self, namespace: str, migration_label: str) -> None:
        """Wake a scheduler (called with the migration *label value*, as Jobs carry it)."""
        event = self.wakeups.get((namespace, migration_label))
        if event is not None:
            event.set()

    def close(self) -> None:
        """Release the client."""
        if self._api is not None:
            self._api.close()
            self._api = None
