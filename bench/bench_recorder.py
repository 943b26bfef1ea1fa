"""Recorder benchmark: real-time factor, CPU per recorded minute, memory over a long render.

Measured in one run, on this machine, against the simulator serving
1. the shipped 20 s sample (both player URLs): wall time / recorded time and CPU seconds per
   recorded minute at 1280x720@25;
2. a long synthetic recording generated here (default 10 minutes, same timeline with the last
   slide running on): the resident memory of the recorder's whole process tree (Python, Xvfb,
   PulseAudio, Chromium and its helpers, ffmpeg) sampled every few seconds, and whether it is
   flat (last quarter vs first quarter of the render).

Targets (issue 4): wall < 1.05 x duration + 20 s, CPU < 1 core, memory flat.
Usage: python bench/bench_recorder.py [--long-minutes 10] [--skip-long]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bbb_migrate.contract import RecorderResult, result_path
from bbb_migrate.recorder.procs import TreeMeter
from bbb_migrate.simulator import Simulator, SimulatorConfig
from bbb_migrate.simulator.make_sample import RECORD_ID, SAMPLE_DIR, make_sample

LONG_ID = "b" * 40 + "-1700000000000"


def run(url: str, output: Path, interval: float = 5.0) -> tuple[RecorderResult, list]:
    """Run the recorder command; sample its process tree's RSS every ``interval`` s."""
    proc = subprocess.Popen([sys.executable, "-m", "bbb_migrate.cli", "record", "--engine",
                             "capture", "--url", url, "--output", str(output)],
                            stdout=subprocess.DEVNULL)
    meter = TreeMeter(proc.pid)
    began = time.monotonic()
    samples = []
    while proc.poll() is None:
        samples.append((time.monotonic() - began, meter.sample()))
        time.sleep(interval)
    return RecorderResult.read(result_path(output)), samples


def report_speed(result: RecorderResult, label: str) -> dict:
    recorded = result.duration_seconds or 0.0
    wall = result.wall_seconds or 0.0
    cpu = result.cpu_seconds or 0.0
    target = 1.05 * recorded + 20
    row = {
        "label": label, "exit": result.exit_class, "recorded_s": recorded, "wall_s": wall,
        "wall_per_recorded": wall / recorded if recorded else float("nan"),
        "cpu_s_per_recorded_min": cpu / recorded * 60 if recorded else float("nan"),
        "cores": cpu / wall if wall else float("nan"),
        "wall_target_s": target,
    }
    print(f"{label:28s} exit={row['exit']:8s} recorded={recorded:7.1f}s wall={wall:7.1f}s "
          f"wall/recorded={row['wall_per_recorded']:5.2f} (target wall < {target:.1f}s: "
          f"{'ok' if wall < target else 'MISSED'}) "
          f"cpu/recorded-min={row['cpu_s_per_recorded_min']:6.1f}s "
          f"cores={row['cores']:4.2f} ({'ok' if row['cores'] < 1 else 'MISSED'} < 1)")
    return row


def report_memory(samples: list, label: str) -> None:
    """Peak, and the median RSS of the first vs the last quarter of the render.

    RSS is summed over the tree, so pages Chromium's processes share are counted several
    times: the level overstates the memory used, the trend over time is what matters.
    """
    rss = [r for _, r in samples if r > 0]
    if len(rss) < 8:
        print(f"{label}: too few memory samples ({len(rss)})")
        return
    quarter = len(rss) // 4
    # skip the start-up (browser launch, page load) before the first quarter's median
    first = statistics.median(rss[quarter // 2: quarter + quarter // 2])
    last = statistics.median(rss[-quarter:])
    minutes = (samples[-1][0] - samples[0][0]) / 60
    slope = (last - first) / 2**20 / max(minutes * 0.5, 1e-9)
    flat = last <= first * 1.10 + 50 * 2**20
    print(f"{label:28s} peak={max(rss) / 2**20:7.0f} MiB first-quarter median="
          f"{first / 2**20:7.0f} MiB last-quarter median={last / 2**20:7.0f} MiB "
          f"drift={slope:+.1f} MiB/min over {minutes:.1f} min -> "
          f"{'FLAT' if flat else 'GROWING'}")
    step = max(1, len(samples) // 12)
    print("  rss timeline (min: MiB): " + ", ".join(
        f"{t / 60:.1f}: {r / 2**20:.0f}" for t, r in samples[::step]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--long-minutes", type=float, default=10.0)
    parser.add_argument("--skip-long", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-recorder-") as tmp:
        root = Path(tmp)
        with Simulator(SimulatorConfig(published_dir=SAMPLE_DIR)) as sim:
            for form, url in (
                ("2.3", f"{sim.base_url}/playback/presentation/2.3/{RECORD_ID}"),
                ("2.0", f"{sim.base_url}/playback/presentation/2.0/playback.html"
                        f"?meetingId={RECORD_ID}"),
            ):
                result, samples = run(url, root / f"sample-{form}.mp4", interval=1.0)
                report_speed(result, f"sample 20 s, player {form}")
                print(f"{'':28s} peak tree RSS {max(r for _, r in samples) / 2**20:.0f} MiB")
        if args.skip_long:
            return
        published = root / "published"
        began = time.monotonic()
        make_sample(published, duration=args.long_minutes * 60, record_id=LONG_ID)
        print(f"generated a {args.long_minutes:.0f} min recording in "
              f"{time.monotonic() - began:.0f} s")
        with Simulator(SimulatorConfig(published_dir=published)) as sim:
            result, samples = run(f"{sim.base_url}/playback/presentation/2.3/{LONG_ID}",
                                  root / "long.mp4", interval=5.0)
        report_speed(result, f"long {args.long_minutes:.0f} min, player 2.3")
        report_memory(samples, f"long {args.long_minutes:.0f} min, player 2.3")
        print("ffmpeg:", result.extra.get("ffmpeg_progress"))


if __name__ == "__main__":
    main()
