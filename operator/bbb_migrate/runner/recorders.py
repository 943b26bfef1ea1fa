"""How the local runner runs one recorder attempt: a subprocess, in its own session.

The runner's side of the recorder's contract: the command (``$BBB_MIGRATE_RECORDER_CMD`` or
this Python's ``bbb-migrate record``), its arguments, its console log, and stopping it. Process
trees are handled by :mod:`bbb_migrate.proctree` (psutil), nothing here reads ``/proc``.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from .. import proctree
from ..spec import MigrationSpec

RECORDER_CMD_ENV = "BBB_MIGRATE_RECORDER_CMD"
"""Environment variable: the command that runs one recorder, split like a shell would.

Administrators use it to wrap the recorder (``nice -n 10 bbb-migrate record``, ``systemd-run
--scope -p MemoryMax=3G bbb-migrate record``, a container runtime…). The runner appends the
contract's arguments (``--url … --output … --record-id …``) and relies only on the contract: the
exit code, the atomically renamed output and the result JSON beside it."""

TERMINATE_GRACE_SECONDS = 15.0


class RunnerError(RuntimeError):
    """A problem that stops the whole run (not one recording); the message says what to fix."""


def recorder_command() -> list[str]:
    """The recorder: ``$BBB_MIGRATE_RECORDER_CMD``, else this Python's ``bbb-migrate record``."""
    custom = os.environ.get(RECORDER_CMD_ENV, "").strip()
    if custom:
        return shlex.split(custom)
    return [sys.executable, "-m", "bbb_migrate.cli", "record"]


def recorder_arguments(spec: MigrationSpec, item: Any, output: Path) -> list[str]:
    """The contract's arguments for one recording (the URL the plan chose, the output path)."""
    rec = spec.recorder
    return [
        "--url", item.source_url, "--output", str(output), "--record-id", item.record_id,
        "--width", str(rec.width), "--height", str(rec.height), "--fps", str(rec.fps),
        "--deadline-factor", str(rec.deadline_factor),
        "--deadline-margin", str(rec.deadline_margin_seconds),
        "--stall-seconds", str(rec.stall_seconds), *rec.engine_args(),
    ]


def console_path(output: Path) -> Path:
    """Where the recorder's console output goes (beside its output)."""
    return output.with_name(output.name + ".console.log")


def console_tail(output: Path, lines: int = 3) -> str:
    """The last lines of a recorder's console: the reason of a failure it did not describe."""
    try:
        text = console_path(output).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])[-500:]


@dataclass
class Recorder:
    """A recorder subprocess started by this run."""

    record_id: str
    process: subprocess.Popen
    output: Path
    console: TextIO
    started: float  # monotonic

    @property
    def identity(self) -> tuple[int, int]:
        """(pid, start time in ms) as stored, to find it again after a crash of the runner."""
        created = proctree.started_at(self.process.pid)
        return self.process.pid, int((created or 0) * 1000)

    def poll(self) -> int | None:
        """Its exit status once it ended (the console is then closed), else None."""
        code = self.process.poll()
        if code is not None:
            self.console.close()
        return code

    def signal(self, sig: int) -> None:
        """Signal its whole process group (it leads its own session)."""
        proctree.signal_group(self.process.pid, sig)


def start(spec: MigrationSpec, item: Any, output: Path) -> Recorder:
    """Start one recorder; :class:`RunnerError` if the command cannot run at all."""
    from ..recorder.procs import parent_death_signal

    console = console_path(output).open("w", encoding="utf-8")
    command = recorder_command() + recorder_arguments(spec, item, output)
    try:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT,
            start_new_session=True,
            # the runner dies (even by kill -9): Linux SIGTERMs the recorder, which stops its
            # browser and capture; a restarted runner renders it again
            preexec_fn=parent_death_signal(signal.SIGTERM),
        )
    except OSError as exc:  # the same for every recording: a configuration problem
        console.close()
        raise RunnerError(f"cannot start the recorder {command[0]!r} ({exc.strerror}); "
                          f"check {RECORDER_CMD_ENV} or the installation") from None
    return Recorder(item.record_id, process, output, console, time.monotonic())


def stop_left_behind(pid: int, started_ms: int) -> bool:
    """Stop a recorder a previous (killed) run left running; True if there was one."""
    return proctree.stop(pid, started_ms / 1000 if started_ms else None,
                         grace=TERMINATE_GRACE_SECONDS)
