"""Debian's Chromium in a kiosk window of exactly the capture size, driven over CDP.

The recorder starts Chromium itself (so it owns the process and its flags) and attaches
Playwright with ``connect_over_cdp``; no browser is ever downloaded. On bare Xvfb (no window
manager) ``--kiosk`` alone gives a 1050x700 page at (10,10) and ``--window-size=W,H`` a page one
pixel short; ``--kiosk --window-position=0,0 --window-size=W+1,H+1`` covers the whole grab
(measured with Chromium 156, research note bbb-players.md §3.3).
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from ..contract import ExitCode
from .errors import RecorderError
from .procs import Child, env_with

CHROMIUM = os.environ.get("BBB_MIGRATE_CHROMIUM", "/usr/bin/chromium")


def chromium_flags(width: int, height: int, profile: Path) -> list[str]:
    """Flags for an unattended, quiet, full-window capture."""
    flags = [
        "--kiosk", "--window-position=0,0", f"--window-size={width + 1},{height + 1}",
        f"--user-data-dir={profile}", "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
        # a closed network: no background traffic, no first-run UI, no updates or sync
        "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-default-apps",
        "--disable-extensions", "--disable-client-side-phishing-detection",
        "--disable-features=Translate,MediaRouter,OptimizationHints,DialMediaRouteProvider,"
        "AutofillServerCommunication,CertificateTransparencyComponentUpdater",
        "--disable-quic", "--password-store=basic", "--use-mock-keychain",
        "--metrics-recording-only",
        # a clean frame: no scrollbars, bubbles, infobars or crash prompts
        "--hide-scrollbars", "--disable-infobars", "--noerrdialogs", "--test-type",
        "--disable-session-crashed-bubble", "--disable-notifications",
        "--force-device-scale-factor=1", "--force-color-profile=srgb",
        # play without a gesture, and never throttle a page nobody looks at
        "--autoplay-policy=no-user-gesture-required", "--disable-background-timer-throttling",
        "--disable-backgrounding-occluded-windows", "--disable-renderer-backgrounding",
        "--disable-gpu", "--disable-dev-shm-usage",
    ]
    if os.geteuid() == 0:
        flags.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
    return flags


def chromium_version() -> str | None:
    """``Chromium 156.0.8078.73`` or None."""
    try:
        out = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=30,
                             env=env_with(DISPLAY=None))
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None


def start_chromium(width: int, height: int, profile: Path, display: str, pulse_server: str,
                   on_line: Callable[[str, str], None]) -> tuple[Child, str]:
    """Start Chromium on ``display``; return it and its CDP endpoint URL."""
    profile.mkdir(parents=True, exist_ok=True)
    env = env_with(DISPLAY=display, PULSE_SERVER=pulse_server, PULSE_SINK="rec",
                   HOME=profile.parent, XDG_CONFIG_HOME=profile.parent / "config",
                   XDG_CACHE_HOME=profile.parent / "cache", DBUS_SESSION_BUS_ADDRESS=None)
    port_file = profile / "DevToolsActivePort"
    port_file.unlink(missing_ok=True)
    child = Child("chromium", [CHROMIUM, *chromium_flags(width, height, profile), "about:blank"],
                  env=env, on_line=on_line)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not child.alive():
            raise RecorderError(ExitCode.CRASH,
                                f"Chromium exited at start ({child.proc.returncode})")
        try:
            lines = port_file.read_text().split("\n")
            if lines and lines[0].strip().isdigit():
                return child, f"http://127.0.0.1:{int(lines[0])}"
        except OSError:
            pass
        time.sleep(0.1)
    child.stop()
    raise RecorderError(ExitCode.CRASH, "Chromium did not open its DevTools port")
