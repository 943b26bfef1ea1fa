"""A fast recorder stand-in, run through ``BBB_MIGRATE_RECORDER_CMD`` (the runner's documented
way to wrap or replace the recorder program).

It honours the recorder contract the runner relies on — and nothing more: it fetches the
playback URL (so the simulator must really serve it), writes the output under a temporary name
and renames it atomically, writes the result JSON (size, sha256) beside it, and exits with the
contract's codes. Its content is derived from the record ID, so two runs produce identical files.

Environment (test knobs):
  STANDIN_LOG       append "start <record_id> <pid>" / "done <record_id> <pid>" lines here
  STANDIN_SECONDS   sleep this long before writing (gives a test time to kill things)
  STANDIN_FAIL      comma-separated record IDs that fail permanently (exit 20, not-found)
  STANDIN_STARVE    comma-separated record IDs whose capture "falls behind" (exit 15,
                    cpu-starved, retryable), with the real recorder's message; * for all
  STANDIN_SCRIPT    a JSON file {record_id: [exit code of attempt 1, of attempt 2, ...]}: the
                    attempt is counted from the "start" lines of STANDIN_LOG (needs it); an
                    attempt past the list succeeds
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import requests

from bbb_migrate.contract import ExitCode, RecorderResult


def _log(line: str) -> None:
    path = os.environ.get("STANDIN_LOG")
    if path:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)


def _scripted_exit(record_id: str) -> int:
    """The exit code STANDIN_SCRIPT gives this attempt of ``record_id`` (0: go on)."""
    script = os.environ.get("STANDIN_SCRIPT")
    if not script:
        return 0
    import json

    codes = json.loads(Path(script).read_text()).get(record_id, [])
    log = Path(os.environ["STANDIN_LOG"]).read_text().splitlines()
    attempt = sum(1 for line in log if line.split()[:2] == ["start", record_id])
    return codes[attempt - 1] if attempt <= len(codes) else 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--output", required=True, type=Path)
    parser.add_argument("--record-id", required=True)
    args, _ = parser.parse_known_args()
    started = datetime.now(UTC).isoformat()
    _log(f"start {args.record_id} {os.getpid()}")
    output: Path = args.output
    kind = "download" if "/video/" in args.url else "render"

    def result(code: ExitCode, message: str = "", **extra) -> RecorderResult:
        return RecorderResult(record_id=args.record_id, source_url=args.url, output=str(output),
                              kind=kind, exit_code=int(code), exit_class=code.exit_class,
                              message=message, started_at=started,
                              finished_at=datetime.now(UTC).isoformat(), **extra)

    scripted = _scripted_exit(args.record_id)
    if scripted:
        code = ExitCode(scripted)
        result(code, f"scripted {code.exit_class} (stand-in)").write()
        return scripted
    if args.record_id in os.environ.get("STANDIN_FAIL", "").split(","):
        result(ExitCode.NOT_FOUND, "playback page answered 404 (stand-in)").write()
        return int(ExitCode.NOT_FOUND)
    starve = os.environ.get("STANDIN_STARVE", "").split(",")
    if args.record_id in starve or "*" in starve:
        from bbb_migrate.recorder.capture import check_capture_speed
        from bbb_migrate.recorder.errors import RecorderError

        try:
            check_capture_speed(0.54, 21.6)
        except RecorderError as error:
            result(error.code, error.message).write()
            return int(error.code)
    try:
        reply = requests.get(args.url, timeout=10)
    except requests.RequestException as exc:
        result(ExitCode.NETWORK, str(exc)).write()
        return int(ExitCode.NETWORK)
    if reply.status_code == 404:
        result(ExitCode.NOT_FOUND, "playback page 404").write()
        return int(ExitCode.NOT_FOUND)
    time.sleep(float(os.environ.get("STANDIN_SECONDS", "0")))
    content = hashlib.sha256(args.record_id.encode()).digest() * 2048  # 64 KiB, deterministic
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.standin.tmp")
    with tmp.open("wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, output)
    result(ExitCode.OK, duration_seconds=20.0, size_bytes=len(content),
           sha256=hashlib.sha256(content).hexdigest(), wall_seconds=0.1).write()
    _log(f"done {args.record_id} {os.getpid()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
