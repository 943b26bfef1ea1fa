"""Write a text file so that readers see the old file or the complete new one, never a part.

Used for the files users keep and scripts read (the CSV export, the listing cache, the
recorder's result JSON that executors trust): an interrupted run, a full disk or a failing
Moodle lookup half-way through must leave the previous file untouched and no stray temporary
file behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


@contextmanager
def atomic_write(path: str | os.PathLike[str], *, newline: str | None = None) -> Iterator[TextIO]:
    """A UTF-8 text stream to a hidden temporary file beside ``path``, renamed over it at the end.

    The temporary file is created with mode 0600 (``mkstemp``), and keeps it after the rename:
    these files hold people's names. On any exception the temporary file is removed.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as out:
            yield out
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
