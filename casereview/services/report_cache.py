"""The reports' last counts, kept for as long as the case file has not changed, and counted ahead when it opens.

Counting every aggregate over a large case file takes most of a second, and the very first count after the file
opens takes longer (its pages read and decrypted, the process's memory for them first touched). A supervisor
opening the Reports window on a file nobody has changed since should not wait for that, nor for a filter she
had a moment ago. So each count is kept with the **version** of the case file it was made on, and used again
only while that version is unchanged; when the file opens, `start` counts what the Reports window shows first in
the background, while the user finds the menu.

The version is SQLite's ``PRAGMA data_version`` read on a connection of the cache's own that never writes: it
changes whenever any connection (of this program or another) commits a change to the file, and only then. It is
read *before* a count starts, so a change committed during the count leaves the count under the older version:
the next request sees the new version and counts again. Nothing stale is ever served.

On a database server there is no such version to read (other offices' machines write to it all day): nothing is
kept there, every request counts (the server does so quickly).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Any, TypeVar

from casereview.store.database import CaseFile

_log = logging.getLogger(__name__)
T = TypeVar("T")
_making = threading.Lock()
KEEP = 16  # counts kept for one version of the file (filters and their results are small)
JOIN_SECONDS = 30.0  # the longest `close` waits for a count under way in the background


class ReportCache:
    """The counts kept for one open case file (`for_file`), by key and the file's version."""

    def __init__(self, case_file: CaseFile) -> None:
        self._guard = threading.Lock()
        self._probe_guard = threading.Lock()
        self._version: int | None = None
        self._kept: OrderedDict[Hashable, Any] = OrderedDict()
        self._running: dict[tuple[int, Hashable], Future[Any]] = {}
        self._threads: list[threading.Thread] = []
        self._closed = False
        self._probe: Any = None
        if not case_file.is_server:
            proxy = case_file.engine.raw_connection()
            proxy.detach()  # the cache's own: never handed to anything else, closed with the file
            raw: Any = proxy.dbapi_connection
            raw.execute("PRAGMA query_only = ON")
            self._probe = proxy

    @property
    def keeps(self) -> bool:
        """Whether counts are kept at all (on a case file; never on a database server)."""
        return self._probe is not None

    def version(self) -> int | None:
        """The case file's version now (None on a server, or once closed)."""
        with self._probe_guard:
            if self._probe is None:
                return None
            row = self._probe.dbapi_connection.execute("PRAGMA data_version").fetchone()
        return int(row[0])

    def holds(self, key: Hashable) -> bool:
        """Whether a count of `key` is kept for the file as it is now."""
        version = self.version()
        with self._guard:
            return version is not None and version == self._version and key in self._kept

    def get(self, key: Hashable, count: Callable[[], T]) -> T:
        """The count kept under `key` for the file as it is now; else `count()` (kept). When the same count is
        already under way (in the background, or for another window), this waits for it instead of counting
        twice."""
        version = self.version()
        if version is None:
            return count()
        with self._guard:
            if version != self._version:
                self._kept.clear()
                self._version = version
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]  # type: ignore[no-any-return]
            running = self._running.get((version, key))
            mine = running is None
            if running is None:
                running = self._running[(version, key)] = Future()
        if not mine:
            return running.result()  # type: ignore[no-any-return]
        try:
            value = count()
        except BaseException as exc:
            with self._guard:
                self._running.pop((version, key), None)
            running.set_exception(exc)
            raise
        with self._guard:
            self._running.pop((version, key), None)
            if self._version == version and not self._closed:
                self._kept[key] = value
                while len(self._kept) > KEEP:
                    self._kept.popitem(last=False)
        running.set_result(value)
        return value

    def forget(self) -> None:
        """Keep nothing counted so far (the benchmarks measure counting, not the keeping)."""
        with self._guard:
            self._kept.clear()

    def start(self, key: Hashable, count: Callable[[], Any]) -> threading.Thread | None:
        """Count `key` in the background (a daemon thread, waited for when the file closes). A failure is only
        logged: whoever asks for the count next counts again and is told what went wrong."""
        if not self.keeps:
            return None

        def run() -> None:
            try:
                self.get(key, count)
            except Exception:
                _log.warning("counting the reports ahead failed (they are counted again when asked for)",
                             exc_info=True)

        thread = threading.Thread(target=run, name="reports-ahead", daemon=True)
        with self._guard:
            if self._closed:
                return None
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()
        return thread

    def close(self) -> None:
        """Wait for the counts under way in the background, then close the cache's connection."""
        with self._guard:
            self._closed = True
            threads, self._threads = self._threads, []
            self._kept.clear()
        for thread in threads:
            thread.join(JOIN_SECONDS)
        with self._probe_guard:
            probe, self._probe = self._probe, None
        if probe is not None:
            probe.close()


def for_file(case_file: CaseFile) -> ReportCache:
    """The cache of an open case file (made the first time; closed when the file closes)."""
    with _making:
        cache = case_file.kept.get("reports")
        if cache is None:
            cache = case_file.kept["reports"] = ReportCache(case_file)
            case_file.on_close.append(cache.close)
    return cache
