"""``bbb-migrate demo``: a real claim-mode migration of the shipped sample, on this machine.

It starts the project's BBB simulator on 127.0.0.1 serving copies of the sample published
recording (each copy under its own record ID and day, as distinct recordings would be), and runs
the local runner on it in claim mode: the real recorder renders each presentation with
Chromium, Xvfb, PulseAudio and ffmpeg, and the publisher moves each MP4 into
``OUTPUT/recorder/`` under Pod's file name, where Pod's recorder cron would pick it up. No
database is needed (claim mode without ``registerClaimable``).

Interrupted, the same command resumes: it serves the copies on the port the stored plan uses.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from ..models import iso_utc
from ..simulator.catalogue import record_id_for
from ..spec import parse_spec
from .executor import Executor, RunnerError
from .progress import make_reporter
from .statestore import STATE_FILE, StateStore

SECRET_ENV = "BBB_MIGRATE_DEMO_SECRET"  # noqa: S105 - a variable name
DAY_MS = 86_400_000


def sample_dir() -> Path:
    """The sample published recording shipped in the package."""
    base = Path(__file__).resolve().parent.parent / "simulator" / "sample"
    folders = sorted(p for p in base.iterdir() if (p / "metadata.xml").is_file()) \
        if base.is_dir() else []
    if not folders:
        raise FileNotFoundError(f"no sample recording in {base} (package installed incompletely)")
    return folders[0]


def copy_sample(target: Path, copies: int, source: Path | None = None) -> list[str]:
    """Copy the sample ``copies`` times into ``target`` with distinct record IDs and days.

    The record ID appears in ``metadata.xml`` (id, links, previews) and names the folder; it
    is rewritten in both, BBB's way (sha1 of a meeting ID, ``-``, the start in epoch ms).
    """
    source = source or sample_dir()
    old_id = source.name
    metadata = (source / "metadata.xml").read_text(encoding="utf-8")
    start_ms = int(metadata.split("<start_time>")[1].split("<")[0])
    end_ms = int(metadata.split("<end_time>")[1].split("<")[0])
    ids = []
    for n in range(1, copies + 1):
        new_start = start_ms - (n - 1) * DAY_MS  # copy 1 is the newest, then one per day before
        new_id = record_id_for(f"bbb-migrate-demo-{n}",
                               datetime.fromtimestamp(new_start / 1000, tz=UTC))
        folder = target / new_id
        if not folder.exists():
            shutil.copytree(source, folder)
        text = (metadata.replace(old_id, new_id)
                .replace(f"<start_time>{start_ms}<", f"<start_time>{new_start}<")
                .replace(f"<end_time>{end_ms}<", f"<end_time>{new_start + end_ms - start_ms}<"))
        (folder / "metadata.xml").write_text(text, encoding="utf-8")
        ids.append(new_id)
    return ids


def _stored_port(output: Path) -> int:
    """The simulator port a previous (interrupted) demo planned with, so that it can resume."""
    if not (output / STATE_FILE).exists():
        return 0
    with StateStore(output / STATE_FILE, readonly=True) as store:
        url = store.get_meta("source_url")
    return urlsplit(url).port or 0 if url else 0


def demo_spec(api_url: str, output: Path, parallelism: int) -> dict:
    """The migration spec the demo runs (printed by ``--json`` consumers as ``spec``)."""
    return {
        "source": {"url": api_url, "secretRef": {"env": SECRET_ENV}},
        "mode": "claim",
        "pod": {"claim": {"recorderPath": str(output), "recorderDirectory": "recorder"}},
        "recorder": {"parallelism": parallelism, "attempts": 2, "retryDelaySeconds": 5},
        "output": {"directory": str(output)},
    }


def requeue_failed(output: Path) -> int:
    """``demo --retry-failed``: queue the demo's failed recordings again; how many."""
    if not (output / STATE_FILE).exists():
        return 0
    with StateStore.for_directory(output) as store:
        store.lock()
        queued, _ = store.requeue_failed()
    return queued


def run_demo(output: Path, *, copies: int = 3, parallelism: int = 2,
             json_output: bool = False, retry_failed: bool = False) -> int:
    """Serve the sample, migrate it into ``output``; returns the runner's exit status.

    ``retry_failed``: first queue the recordings a previous demo run failed (a loaded machine
    may have starved their real-time capture), so that this run renders them again.
    """
    from ..simulator import Simulator, SimulatorConfig

    output = output.expanduser().resolve()
    queued = requeue_failed(output) if retry_failed else 0
    (output / "recorder").mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(16)
    os.environ[SECRET_ENV] = secret  # the spec names the variable, never the value
    reporter = make_reporter(json_output=json_output)
    with tempfile.TemporaryDirectory(prefix="bbb-migrate-demo-") as tmp:
        published = Path(tmp)
        copy_sample(published, copies)
        config = SimulatorConfig(secret=secret, published_dir=published,
                                 port=_stored_port(output))
        try:
            simulator = Simulator(config).start()
        except OSError as exc:
            raise RunnerError(f"cannot start the simulator on port {config.port}: {exc}; "
                               f"remove {output / STATE_FILE} to start the demo afresh") from None
        try:
            spec = parse_spec(demo_spec(simulator.api_url, output, parallelism), origin="demo")
            reporter.event("info", message=f"demo: simulator at {simulator.api_url}, "
                                              f"{copies} recording(s), output {output}"
                                              + (f", {queued} failed one(s) queued again"
                                                 if retry_failed else ""))
            status = Executor(spec, reporter).run()
        finally:
            simulator.stop()
    videos = sorted((output / "recorder").rglob("*.mp4"))
    again = (f"bbb-migrate demo --retry-failed --output {output}" if status == 1 else None)
    if json_output:
        print(json.dumps({"event": "demo-files", "time": iso_utc(datetime.now(UTC)),
                          "files": [str(v) for v in videos], "retry_command": again}))
    else:
        print(f"\nPlayable MP4 files in {output / 'recorder'}:")
        for video in videos:
            size = video.stat().st_size / 1e6
            print(f"  {video.relative_to(output / 'recorder')}  ({size:.1f} MB)")
        if again:
            print(f"\nSome recordings failed (reasons above). Render them again: {again}")
    return status
