"""Render benchmark: the compose and capture engines side by side on one long lecture.

Measured in one run, on this machine, against the simulator serving lectures generated here
(``simulator/make_lecture.py``: per 10 minutes 30 slides, 2 zooms, cursor, annotations, a 60 s
screen share, webcams at 15 fps, a beep every 10 s), 1280x720, 25 fps, layout
presentation+webcam:
1. compose on the 10-minute lecture;
2. capture on a slice of it (``--capture-minutes``, default 2, 0 to skip: capture runs in real
   time, so its speed and CPU per minute do not depend on the length; the slice is the same
   lecture's first minutes, rendered with ``--duration``);
3. compose on the 60-minute lecture (``--long-minutes``, 0 to skip): is the cost linear (CPU
   per recorded minute and peak memory about the same as for 10 minutes)?
For each: x real time (recorded seconds / wall seconds), CPU seconds per recorded minute (the
recorder's whole process tree), peak memory of the tree. Targets (issue 13): compose >= 10x
real time, <= 6 CPU s per recorded minute, peak < 1 GiB, linear in duration.
Usage: python bench/bench_render.py [--minutes 10] [--long-minutes 60] [--capture-minutes 2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bbb_migrate.contract import RecorderResult, result_path
from bbb_migrate.recorder.procs import TreeMeter
from bbb_migrate.simulator import Simulator, SimulatorConfig
from bbb_migrate.simulator.make_lecture import lecture_id, make_lecture


def run(url: str, output: Path, *extra: str) -> tuple[RecorderResult, int, float]:
    """One recorder run; its result, the tree's peak RSS (sampled each 0.5 s), the CPU s."""
    proc = subprocess.Popen([sys.executable, "-m", "bbb_migrate.cli", "record", "--url", url,
                             "--output", str(output), *extra], stdout=subprocess.DEVNULL)
    meter = TreeMeter(proc.pid)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, meter.sample())
        time.sleep(0.5)
    return RecorderResult.read(result_path(output)), peak, meter.cpu_seconds


def line(name: str, result: RecorderResult, peak: int, cpu: float) -> dict:
    # A refused render (a capture starved of CPU by the machine's load) is measured against
    # the length it was rendering: its speed and CPU are still what it cost.
    recorded = result.duration_seconds or result.expected_duration_seconds or 0.0
    wall = result.wall_seconds or 0.0
    cpu = max(cpu, result.cpu_seconds or 0.0)
    row = {"run": name, "exit": result.exit_class, "recorded_s": round(recorded, 1),
           "wall_s": round(wall, 1), "x_real_time": round(recorded / wall, 2) if wall else None,
           "cpu_s_per_min": round(cpu / (recorded / 60), 2) if recorded else None,
           "peak_mib": round(max(peak, result.extra.get("peak_rss_bytes") or 0) / 2**20)}
    print(f"{row['run']:<34} {row['exit']:<6} recorded {row['recorded_s']:>7} s  wall "
          f"{row['wall_s']:>7} s  {row['x_real_time']!s:>6}x real time  "
          f"{row['cpu_s_per_min']!s:>6} CPU s/min  peak {row['peak_mib']} MiB", flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--long-minutes", type=float, default=60.0)
    parser.add_argument("--capture-minutes", type=float, default=2.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        root = Path(tmp)
        published = root / "published"
        for minutes in (args.minutes, args.long_minutes):
            if minutes:
                began = time.monotonic()
                make_lecture(published, minutes=minutes)
                print(f"generated the {minutes:g}-minute lecture in "
                      f"{time.monotonic() - began:.0f} s", flush=True)
        print(f"load average at start: {os.getloadavg()} on {os.cpu_count()} cores", flush=True)
        rows = []
        with Simulator(SimulatorConfig(published_dir=published)) as sim:
            def url(minutes: float) -> str:
                return f"{sim.base_url}/playback/presentation/2.3/{lecture_id(minutes)}"

            rows.append(line(f"compose {args.minutes:g} min", *run(
                url(args.minutes), root / "compose.mp4", "--engine", "compose")))
            if args.capture_minutes:
                rows.append(line(f"capture {args.capture_minutes:g} min slice", *run(
                    url(args.minutes), root / "capture.mp4", "--engine", "capture",
                    "--duration", str(args.capture_minutes * 60))))
            if args.long_minutes:
                rows.append(line(f"compose {args.long_minutes:g} min", *run(
                    url(args.long_minutes), root / "compose-long.mp4", "--engine", "compose")))
        print(f"load average at end: {os.getloadavg()}")
        compose = rows[0]
        if compose["x_real_time"] and args.capture_minutes:
            capture = rows[1]
            print(f"compose vs capture: {compose['x_real_time'] / capture['x_real_time']:.1f}x "
                  f"faster, {capture['cpu_s_per_min'] / compose['cpu_s_per_min']:.1f}x less CPU "
                  "per recorded minute")
        if args.long_minutes and rows[-1]["cpu_s_per_min"] and compose["cpu_s_per_min"]:
            print(f"linearity: CPU s per recorded minute {compose['cpu_s_per_min']} "
                  f"({args.minutes:g} min) vs {rows[-1]['cpu_s_per_min']} "
                  f"({args.long_minutes:g} min)")


if __name__ == "__main__":
    main()
