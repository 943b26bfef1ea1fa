"""Can the old BBB server be switched off now? The checklist of ``bbb-migrate shutdown-check``.

The answer is yes only when nothing would be lost or broken:

1. the mode keeps the videos away from the server (claim, or import-video from rendered files;
   Pod's import-video links and export-csv leave everything on the server);
2. every selected recording is finished: published (rendered or downloaded, and verified by the
   recorder before it was published), or skipped by the plan (listed, with the reason: its
   content stays on the server);
3. every published output is where Pod will look for it: the file in the recorder folder
   (claim), or the MP4 in ``mediaPath`` *and* answering at its URL under ``baseUrl`` with the
   same size (a HEAD, as Pod's import does);
4. no external recording in Pod still points at the old server, unless the administrator keeps
   them on purpose (``--keep-old-links``: they become dead links; ``bbb-migrate cleanup``
   removes them).

It reads the local run's state file (or, with ``-n NS``, the cluster migration's children) the
files, the web server and Pod's database; it changes nothing. From the administrator's machine
a cluster's shared volume is out of reach: the MP4s are checked at their URLs, and claim mode's
files are a named blocker until the administrator accepts them (``--accept-unchecked-files``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..publish import rendered as media
from ..spec import MigrationSpec, Mode
from ..state import Phase

SHOWN = 10  # recordings named per blocker; the count says how many more


@dataclass
class Verdict:
    """What blocks the shutdown (empty: it may go) and what the administrator should know."""

    blockers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.blockers


def _some(ids: list[str]) -> str:
    more = f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else ""
    return ", ".join(ids[:SHOWN]) + more


def head_size(url: str, timeout: float = 15.0) -> tuple[int | None, str]:
    """(Content-Length or None, problem or ""): what Pod's import sees at ``url``."""
    import requests

    try:
        reply = requests.head(url, timeout=timeout, allow_redirects=True)
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {str(exc)[:120]}"
    if reply.status_code != 200:
        return None, f"HTTP {reply.status_code}"
    length = reply.headers.get("Content-Length")
    return (int(length) if length and length.isdigit() else None), ""


def _mode(spec: MigrationSpec, verdict: Verdict) -> None:
    if spec.mode is Mode.EXPORT_CSV:
        verdict.blockers.append("mode export-csv migrates no video: every recording is still "
                                "only on the old server")
    elif spec.mode is Mode.IMPORT_VIDEO and not spec.from_rendered:
        verdict.blockers.append("pod.importVideo.source is server: Pod's external recordings "
                                "download from the old server until every owner has imported "
                                "them (use source: rendered to switch it off early)")


def _phases(rows: list[Any], verdict: Verdict) -> list[Any]:
    """Blockers for unfinished and failed recordings; returns the published rows."""
    phases = Counter(row.state.phase for row in rows)
    verdict.checked["recordings"] = len(rows)
    unfinished = [r.record_id for r in rows if not r.state.terminal]
    if unfinished:
        counts = ", ".join(f"{n} {p}" for p, n in sorted(phases.items()) if p not in
                           (Phase.PUBLISHED, Phase.SKIPPED, Phase.FAILED))
        verdict.blockers.append(f"{len(unfinished)} recording(s) not finished ({counts}): "
                                f"{_some(unfinished)}")
    failed = [r for r in rows if r.state.phase is Phase.FAILED]
    if failed:
        named = [f"{r.record_id} ({r.state.reason or r.state.last_error or 'failed'})"
                 for r in failed]
        verdict.blockers.append(f"{len(failed)} recording(s) failed (bbb-migrate retry-failed, "
                                f"then run): {_some(named)}")
    skipped = [f"{r.record_id} ({r.state.reason})" for r in rows
               if r.state.phase is Phase.SKIPPED]
    if skipped:
        verdict.notes.append(f"{len(skipped)} recording(s) skipped by the plan stay only on "
                             f"the old server: {_some(skipped)}")
    return [r for r in rows if r.state.phase is Phase.PUBLISHED]


def _outputs(spec: MigrationSpec, published: list[Any], verdict: Verdict,
             head: Callable[[str], tuple[int | None, str]], *, files_here: bool = True,
             accept_unchecked: bool = False) -> None:
    """Blockers for outputs Pod would not find. ``files_here`` is False when the files are on
    a cluster's shared volume, out of this machine's reach: the MP4s are then checked at their
    URLs only (no size to compare), and claim mode's files are unchecked, which blocks unless
    the administrator accepts the operator's own check at publication (``accept_unchecked``)."""
    if not spec.renders:
        return
    missing: list[str] = []
    files: list[tuple[str, Path, int | None]] = []
    for row in published:
        path = Path((row.publish or {}).get("final_path") or "")
        if not files_here and path.name:
            files.append((row.record_id, path, None))
        elif not path.name or not path.is_file() or path.stat().st_size == 0:
            missing.append(f"{row.record_id} ({path if path.name else 'no file recorded'})")
        else:
            files.append((row.record_id, path, path.stat().st_size))
    verdict.checked["files" if files_here else "files_recorded"] = len(files)
    if missing:
        where = "recorder folder" if spec.mode is Mode.CLAIM else "pod.importVideo.mediaPath"
        verdict.blockers.append(f"{len(missing)} published file(s) missing from the {where}: "
                                f"{_some(missing)}")
    if not files_here and not spec.from_rendered and files:
        text = (f"{len(files)} file(s) in the recorder folder not checked: the shared volume "
                "is not reachable from this machine (the operator checked each one when it "
                "published it)")
        if accept_unchecked:
            verdict.notes.append(text + "; accepted with --accept-unchecked-files")
        else:
            verdict.blockers.append(text + "; look at the folder (kubectl exec ... ls), then "
                                    "pass --accept-unchecked-files")
    if not spec.from_rendered:
        return
    settings = spec.pod.import_video
    urls = [(rid, media.media_url(settings, path.name), size) for rid, path, size in files]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda entry: head(entry[1]), urls))
    bad = []
    for (rid, url, size), (length, problem) in zip(urls, answers, strict=True):
        if problem:
            bad.append(f"{rid} ({url}: {problem})")
        elif length == 0:
            bad.append(f"{rid} ({url}: an empty file)")
        elif length is not None and size is not None and length != size:
            bad.append(f"{rid} ({url}: {length} bytes served, {size} on disk)")
    verdict.checked["urls"] = len(urls)
    if bad:
        verdict.blockers.append(f"{len(bad)} MP4(s) not served at pod.importVideo.baseUrl "
                                f"(Pod could not import them): {_some(bad)}")


def _pod_links(old_links: Iterable[Any] | None, verdict: Verdict, *, keep: bool) -> None:
    if old_links is None:
        verdict.notes.append("Pod's database not checked (no pod.database)")
        return
    links = list(old_links)
    verdict.checked["old_server_links"] = len(links)
    if not links:
        return
    owners = len({row.owner for row in links})
    text = (f"{len(links)} external recording(s) of {owners} owner(s) in Pod still point at the "
            "old server")
    if keep:
        verdict.notes.append(text + " (kept: --keep-old-links; they become dead links, "
                             "bbb-migrate cleanup --only old-server removes them)")
    else:
        verdict.blockers.append(text + ": " + _some([f"{r.id} ({r.owner})" for r in links])
                                + " (--keep-old-links accepts them as dead links)")


def check(spec: MigrationSpec, rows: list[Any], old_links: Iterable[Any] | None, *,
          keep_old_links: bool = False,
          head: Callable[[str], tuple[int | None, str]] = head_size,
          files_here: bool = True, accept_unchecked: bool = False,
          blockers: Iterable[str] = ()) -> Verdict:
    """The whole checklist. ``rows`` are the state file's recordings (or a cluster's children,
    :mod:`bbb_migrate.kube.shutdown_rows`, with ``files_here`` False and the migration's own
    ``blockers``); ``old_links`` the Pod rows pointing at the old server (None when Pod's
    database is not configured)."""
    verdict = Verdict(blockers=list(blockers))
    _mode(spec, verdict)
    published = _phases(rows, verdict)
    _outputs(spec, published, verdict, head, files_here=files_here,
             accept_unchecked=accept_unchecked)
    _pod_links(old_links, verdict, keep=keep_old_links)
    return verdict
