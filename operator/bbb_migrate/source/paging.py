"""Walking a listing page by page, never cutting it short in silence.

``paging="auto"`` (the default) sends ``offset=0&limit=100`` first. Then:

* a reply with ``totalElements`` (bbb-web 2.6+) is read by record ID prefixes (``shards``:
  every format, each recording once) when its IDs allow it and the counts add up, else walked
  page by page, two requests in flight;
* a reply without it and with more recordings than asked came from a server that ignores
  paging (BBB before 2.6, Scalelite): it was the whole listing;
* a reply without it and fewer recordings than asked (a short page) was the whole listing too;
* a *full* page without ``totalElements`` (bbblb pages of 100 this way) leads to the next page.

Whatever the count says, a full page always leads to the next one and the listing ends at the
first short or empty page; a ``totalElements`` that the pages contradict is reported in a
warning ("the server's count was wrong"). A server whose replies cannot tell where the listing
ends (one that honours ``limit`` but ignores ``offset``) is an error, never a silent cut.
Memory stays bounded whatever the pages say: every reply of one listing shares one
:class:`~bbb_migrate.source.limits.Budget`.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from ..models import Recording
from .errors import BBBError
from .limits import Budget
from .shards import count_problem, prefix_groups, shard_problem, shardable
from .xmlparse import Reply

log = logging.getLogger(__name__)
T = TypeVar("T")

Progress = Callable[[int, int | None], None]
"""Called after each page with (recordings listed so far, total announced by the server).

After a paged listing whose formats must be re-read, a second pass reports again from 0
(recordings re-read so far, recordings to re-read), so a progress bar never sits full while
work goes on. So does the page walk after a prefix listing that did not add up (rare).
"""

# recordIDs per "complete the formats" request: the URL stays under 6 KB, below the 8 KB
# request-line limits of nginx and Tomcat defaults.
FORMAT_BATCH = 100


class Pager:
    """The paging half of :class:`~bbb_migrate.source.client.BBBClient`."""

    server: str
    paging: str
    page_size: int
    concurrency: int
    paged: bool
    sharded: bool
    _call: Callable[..., Reply]
    _warn: Callable[[str], None]

    def _filters(self, states: Iterable[str], meta: Mapping[str, str] | None,
                 meeting_ids: Iterable[str], record_ids: Iterable[str]) -> dict[str, str]:
        params: dict[str, str] = {}
        meeting_ids, record_ids = list(meeting_ids), list(record_ids)
        if meeting_ids:
            params["meetingID"] = ",".join(meeting_ids)
        if record_ids:
            params["recordID"] = ",".join(record_ids)
        states = list(states)
        if states:
            params["state"] = ",".join(states)
        for key, value in (meta or {}).items():
            params[f"meta_{key}"] = value
        return params

    def iter_recordings(self, *, states: Iterable[str] = ("published", "unpublished"),
                        meta: Mapping[str, str] | None = None, meeting_ids: Iterable[str] = (),
                        record_ids: Iterable[str] = (),
                        progress: Progress | None = None) -> Iterator[Recording]:
        """Yield every matching recording, page by page, in the server's order.

        A server that does not merge formats may list one recordID several times (one entry per
        format); :meth:`list_recordings` merges them.
        """
        params = self._filters(states, meta, meeting_ids, record_ids)
        budget = Budget(self.server)
        self.paged = self.sharded = False
        if self.paging == "off":
            reply = self._call(params, budget)
            if not reply.has_recordings_element and reply.message_key == "noRecordings":
                self._warn("the server refused to list all recordings at once "
                           "(bbb-web allowFetchAllRecordings=false?); use paging auto or on")
            if progress:
                progress(len(reply.recordings), len(reply.recordings))
            yield from reply.recordings
            return
        size = self.page_size

        def page(offset: int, limit: int = size) -> Reply:
            return self._call({**params, "offset": str(offset), "limit": str(limit)}, budget)

        first = page(0)
        if first.total_elements is not None:
            self.paged = True
            if shardable(first, size, params):
                listed = self._by_prefixes(first.total_elements, params, progress)
                if listed is not None:
                    self.sharded = True
                    yield from listed
                    return
            yield from self._counted(first, page, progress)
            return
        if first.count > size and self.paging == "on":
            raise BBBError(self.server, "pagingUnsupported",
                           "the server ignored offset/limit (BBB before 2.6 or Scalelite); "
                           "use paging auto or off")
        if progress:
            progress(len(first.recordings), None if first.count == size else first.count)
        yield from first.recordings
        if first.count == size:  # a full page and no count: there may be more
            yield from self._uncounted(first, page, progress)

    def _counted(self, first: Reply, page: Callable[..., Reply],
                 progress: Progress | None) -> Iterator[Recording]:
        """Pages of a server that announces ``totalElements``."""
        size, total = self.page_size, first.total_elements or 0
        listed, last = first.count, first
        if progress:
            progress(len(first.recordings), total)
        yield from first.recordings
        if last.count >= size:
            # The announced pages two at a time, then one by one while pages stay full.
            announced = range(size, max(total, size), size)
            replies = self._in_order(page, announced)
            try:
                for reply in replies:
                    listed, last = listed + reply.count, reply
                    if progress:
                        progress(listed, max(total, listed))
                    yield from reply.recordings
                    if reply.count < size:
                        break
            finally:
                replies.close()  # the listing ended early: cancel the pages not started
            if last.count >= size:
                offset = announced[-1] + size if announced else size
                while last.count >= size:
                    last = page(offset)
                    listed += last.count
                    if progress:
                        progress(listed, max(total, listed))
                    yield from last.recordings
                    offset += size
        if listed < total:
            where = "an empty page" if last.count == 0 else "a short page"
            self._warn(f"the server's count was wrong: it announced {total} recordings "
                       f"(totalElements) but its pages ended with {where} after {listed}")
        elif listed > total:
            log.info("%s: %d recordings listed, %d announced (recordings added while listing?)",
                     self.server, listed, total)

    def _by_prefixes(self, total: int, params: dict[str, str],
                     progress: Progress | None) -> list[Recording] | None:
        """The whole listing by record ID prefixes (``shards``), or None to walk the pages.

        Its own memory budget: when it gives up, what it read is dropped before the pages come.
        """
        groups, budget = prefix_groups(total), Budget(self.server)
        listed: list[Recording] = []
        skipped = 0
        replies = self._in_order(lambda group: self._call(
            {**params, "recordID": ",".join(group)}, budget, failed_ok=True), groups)
        try:
            for group, reply in zip(groups, replies, strict=True):
                problem = shard_problem(group, reply)
                if problem is not None:
                    break
                listed += reply.recordings
                skipped += len(reply.skipped)
                if progress:
                    progress(len(listed), max(total, len(listed)))
            else:
                problem = count_problem(listed, skipped, total)
        finally:
            replies.close()  # cancel the requests not started
        if problem is not None:
            log.info("%s: %s; listing page by page instead", self.server, problem)
            return None
        log.info("%s: %d recordings listed by %d recordID prefix requests (formats complete)",
                 self.server, len(listed), len(groups))
        return listed

    def _uncounted(self, first: Reply, page: Callable[..., Reply],
                   progress: Progress | None) -> Iterator[Recording]:
        """Pages of a server that honours ``limit`` without a count (bbblb), or ignores both."""
        size = self.page_size
        second = page(size)
        first_ids = [r.record_id for r in first.recordings]
        if second.count and [r.record_id for r in second.recordings] == first_ids:
            # The same page again: offset is ignored. Either limit is too (an unpaged server
            # with exactly one page of recordings: complete), or the rest cannot be reached.
            probe = page(0, size - 1 if size > 1 else 2)
            if probe.count == first.count:
                log.info("%s: the server ignores offset/limit; its one reply was complete",
                         self.server)
                return
            raise BBBError(self.server, "pagingUnclear",
                           f"the server honours limit but ignores offset, so only its first "
                           f"{size} recordings can be listed with paging; use paging off")
        if second.count > size:
            raise BBBError(self.server, "pagingUnclear",
                           f"the server answered a page of {size} with {second.count} "
                           "recordings: cannot tell where the listing ends; use paging off")
        log.info("%s: full pages without totalElements: reading pages until a short one",
                 self.server)
        listed, last, offset = first.count, second, 2 * size
        while True:
            listed += last.count
            if progress:
                progress(listed, None if last.count >= size else listed)
            yield from last.recordings
            if last.count < size:
                return
            last = page(offset)
            offset += size

    def _in_order(self, call: Callable[[T], Reply], items: Iterable[T]) -> Iterator[Reply]:
        """``call`` on each item, at most ``concurrency`` at once, results in order.

        With two requests in flight, the server prepares the next reply while this process
        parses the current one; a larger window only loads the server more. Closing the
        iterator early (the listing ended) cancels what was not started.
        """
        if self.concurrency == 1:
            for item in items:
                yield call(item)
            return
        with ThreadPoolExecutor(max_workers=self.concurrency,
                                thread_name_prefix="bbb-list") as pool:
            pending: deque[Future[Reply]] = deque()
            try:
                for item in items:
                    pending.append(pool.submit(call, item))
                    if len(pending) >= self.concurrency:
                        yield pending.popleft().result()
                while pending:
                    yield pending.popleft().result()
            finally:
                for future in pending:
                    future.cancel()
