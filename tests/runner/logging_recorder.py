"""A recorder wrapper, as administrators write them for ``BBB_MIGRATE_RECORDER_CMD``: it runs
the real ``bbb-migrate record`` with the arguments it is given and logs each invocation and its
exit status to ``$RECORDER_LOG`` ("start <record_id> <pid>", "exit <record_id> <status>").

SIGTERM (sent by the runner on Ctrl-C, or by Linux when the runner dies) is passed on to the
recorder, which then stops cleanly. ``$RECORDER_WRAPPER_DELAY`` seconds of sleep before the
recorder starts stand for a slower link (the simulator serves video files at full speed).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time


def _log(line: str) -> None:
    fd = os.open(os.environ["RECORDER_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def main() -> int:
    args = sys.argv[1:]
    record_id = args[args.index("--record-id") + 1]
    _log(f"start {record_id} {os.getpid()}")
    time.sleep(float(os.environ.get("RECORDER_WRAPPER_DELAY", "0")))
    child = subprocess.Popen([sys.executable, "-m", "bbb_migrate.cli", "record", *args])
    signal.signal(signal.SIGTERM, lambda *_: child.send_signal(signal.SIGTERM))
    status = child.wait()
    _log(f"exit {record_id} {status}")
    return status


if __name__ == "__main__":
    sys.exit(main())
