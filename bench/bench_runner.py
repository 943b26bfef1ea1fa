"""Local runner throughput: a claim-mode migration of N short sample recordings, real recorders.

For each parallelism (default 1 and 2) it serves N copies of the shipped sample recording from
the simulator, runs the local runner (real Chromium / Xvfb / PulseAudio / ffmpeg recorders,
the publisher moving each MP4 into a recorder folder) and prints:

- the total wall time against the sum of the recorded durations — the real-time floor of a
  screen recorder at parallelism 1 (a render cannot be faster than the recording it plays);
- wall / (sum of durations / parallelism): how close the run comes to the floor at that
  parallelism (1.0 = perfect; the per-recording overhead is browser start, capture warm-up,
  verification and publication);
- the speed-up of parallelism 2 over 1, measured in the same run.

Usage: python bench/bench_runner.py [--count 20] [--parallelism 1 2] [--keep DIR] [--pod-db]
It takes real time: about count x 20 s / parallelism per setting, plus overheads.

``--pod-db`` publishes into a real Pod (a MariaDB database with Pod's schema, created with the
test suite's helpers in tests/publish/pubdb.py and dropped at the end) with claimable rows,
instead of claim mode without a database.
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bbb_migrate.runner.demo import SECRET_ENV, copy_sample, demo_spec
from bbb_migrate.runner.executor import Executor
from bbb_migrate.runner.progress import PlainReporter
from bbb_migrate.simulator import Simulator, SimulatorConfig
from bbb_migrate.spec import parse_spec


def pod_database() -> tuple[object, object, int]:
    """A seeded Pod 4.x database on MariaDB: (Databases, Db, recorder id)."""
    sys.path.append(str(Path(__file__).resolve().parents[1] / "tests" / "publish"))
    import pubdb

    databases = pubdb.Databases({})
    db = databases.pod("mysql", 4)
    return databases, db, pubdb.seed_pod(db, 4)["recorder"]


def run_once(count: int, parallelism: int, work: Path, pod: tuple | None) -> dict[str, float]:
    """One migration from scratch; returns wall time and the summary's totals."""
    secret = secrets.token_hex(8)
    os.environ[SECRET_ENV] = secret
    published = work / "published"
    published.mkdir(parents=True)
    copy_sample(published, count)
    out = work / "out"
    (out / "recorder").mkdir(parents=True)
    log = io.StringIO()
    with Simulator(SimulatorConfig(secret=secret, published_dir=published)) as sim:
        data = demo_spec(sim.api_url, out, parallelism)
        if pod is not None:
            _, db, recorder_id = pod
            os.environ["BENCH_POD_URL"] = db.url
            (out / "recorder" / "bbb").mkdir()
            data["pod"] = {"database": {"urlRef": {"env": "BENCH_POD_URL"}},
                           "claim": {"recorderId": recorder_id,
                                     "recorderPath": str(out / "recorder"),
                                     "registerClaimable": True}}
        spec = parse_spec(data, origin="bench")
        executor = Executor(spec, PlainReporter(log, every=3600))
        started = time.monotonic()
        status = executor.run()
        wall = time.monotonic() - started
        summary = executor.summary()
    if status != 0 or summary.done != count:
        sys.stderr.write(log.getvalue())
        raise SystemExit(f"bench: the migration failed (status {status}, {summary.done} done)")
    return {"wall": wall, "recorded": summary.recorded_seconds,
            "render": summary.render_seconds, "bytes": float(summary.output_bytes)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--parallelism", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--keep", type=Path, help="keep the outputs in this folder")
    parser.add_argument("--pod-db", action="store_true", help="publish into a real Pod DB")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="bbb-migrate-bench-"))
    results: dict[int, dict[str, float]] = {}
    pods: list = []
    try:
        for parallelism in args.parallelism:
            work = base / f"p{parallelism}"
            shutil.rmtree(work, ignore_errors=True)
            pod = pod_database() if args.pod_db else None
            if pod is not None:
                pods.append(pod)
            results[parallelism] = r = run_once(args.count, parallelism, work, pod)
            floor = r["recorded"] / parallelism
            print(f"parallelism {parallelism}: {args.count} recordings, "
                  f"recorded {r['recorded']:.0f} s, wall {r['wall']:.0f} s, "
                  f"wall/recorded {r['wall'] / r['recorded']:.2f}, "
                  f"wall/(recorded/parallelism) {r['wall'] / floor:.2f}, "
                  f"overhead per recording {(r['wall'] - floor) * parallelism / args.count:.1f} s, "
                  f"output {r['bytes'] / 1e6:.1f} MB", flush=True)
        if 1 in results and len(results) > 1:
            for parallelism, r in results.items():
                if parallelism != 1:
                    print(f"speed-up of parallelism {parallelism} over 1: "
                          f"{results[1]['wall'] / r['wall']:.2f}x")
    finally:
        for databases, _, _ in pods:
            databases.drop_all()
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
