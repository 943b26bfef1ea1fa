"""A private X display (Xvfb) and sound server (PulseAudio) for one recorder.

Several recorders share a host, so nothing is global: Xvfb picks a free display number itself
(``-displayfd``), and PulseAudio runs as a per-recorder user daemon with its own runtime
directory, one null sink (``rec``) whose monitor ffmpeg records, and no idle exit.
"""

from __future__ import annotations

import os
import select
import socket
import time
from collections.abc import Callable
from pathlib import Path

from ..contract import ExitCode
from .errors import RecorderError
from .procs import Child, env_with

SINK = "rec"


def start_xvfb(width: int, height: int, on_line: Callable[[str, str], None]) -> tuple[Child, str]:
    """Start Xvfb on a free display; return it and the ``:N`` display name."""
    read_fd, write_fd = os.pipe()
    try:
        child = Child("xvfb", [
            "Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{width}x{height}x24",
            "-nolisten", "tcp", "-ac", "-noreset",
            "-dpi", "96", "+extension", "RANDR",
        ], on_line=on_line, pass_fds=[write_fd])
    finally:
        os.close(write_fd)
    try:
        number = b""
        deadline = time.monotonic() + 20
        while not number.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not child.alive():
                child.stop()
                raise RecorderError(ExitCode.CRASH, "Xvfb did not start")
            ready, _, _ = select.select([read_fd], [], [], min(remaining, 0.5))
            if ready:
                data = os.read(read_fd, 32)
                if not data:
                    continue
                number += data
    finally:
        os.close(read_fd)
    return child, f":{int(number.strip())}"


def start_pulseaudio(runtime_dir: Path, on_line: Callable[[str, str], None]) -> tuple[Child, str]:
    """Start a private PulseAudio with one null sink; return it and its server address."""
    runtime_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    sock = runtime_dir / "native"
    env = env_with(HOME=runtime_dir, XDG_RUNTIME_DIR=runtime_dir, PULSE_RUNTIME_PATH=runtime_dir,
                   PULSE_STATE_PATH=runtime_dir, XDG_CONFIG_HOME=runtime_dir, DISPLAY=None,
                   DBUS_SESSION_BUS_ADDRESS="disabled:")
    child = Child("pulseaudio", [
        "pulseaudio", "--daemonize=no", "--system=false", "--exit-idle-time=-1", "-n",
        "--use-pid-file=no", "--disable-shm=true", "--log-target=stderr", "--log-level=error",
        f"--load=module-native-protocol-unix auth-anonymous=1 socket={sock}",
        f"--load=module-null-sink sink_name={SINK} rate=48000 channels=2",
    ], env=env, on_line=on_line)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if not child.alive():
            raise RecorderError(ExitCode.CRASH, "PulseAudio exited at start")
        if sock.exists():
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                try:
                    probe.connect(str(sock))
                    return child, f"unix:{sock}"
                except OSError:
                    pass
        time.sleep(0.1)
    child.stop()
    raise RecorderError(ExitCode.CRASH, "PulseAudio did not start")
