"""The one way the window runs long work: off the GUI thread, one task at a time (SQLite has one writer), with a
progress dialog that appears only when the work takes longer than about half a second, and a Cancel button that
reaches the work through its `Progress`.

The work function gets a `Progress` and must not touch widgets or share a database session with the GUI thread:
it opens its own (services do). Its result or its exception comes back on the GUI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QThread, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from casereview.progress import Cancelled, Progress

T = TypeVar("T")
SHOW_AFTER_MS = 500
_run_lock = threading.Lock()  # one task at a time, whichever window started it
_KEEP_FINISHED = 32
_running: set[Any] = set()
_finished: list[Any] = []


class _Thread(QThread):
    def __init__(self, work: Callable[[Progress], Any], progress: Progress) -> None:
        super().__init__()
        self.work, self.progress = work, progress
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        with _run_lock:
            try:
                self.result = self.work(self.progress)
            except BaseException as exc:
                self.error = exc


class Task(QObject, Generic[T]):
    """One piece of background work. `finished_ok(result)` or `failed(exception)` arrive on the GUI thread;
    `cancelled()` when the user stopped it."""

    finished_ok = Signal(object)
    failed = Signal(object)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None, title: str, work: Callable[[Progress], T], *,
                 show_after_ms: int = SHOW_AFTER_MS) -> None:
        super().__init__(parent)
        self.progress = Progress()
        self._parent, self._title = parent, title
        self._thread = _Thread(work, self.progress)
        self._thread.finished.connect(self._done)
        self._dialog: QProgressDialog | None = None
        self._show_timer = QTimer(self, singleShot=True, interval=show_after_ms)
        self._show_timer.timeout.connect(self._show)
        self._poll = QTimer(self, interval=100)
        self._poll.timeout.connect(self._update)

    def start(self) -> Task[T]:
        _running.add(self)  # the task lives until it is done even when its caller keeps no reference
        self._thread.start()
        self._show_timer.start()
        return self

    def running(self) -> bool:
        """Started and not yet reported back (its result or error is still to come)."""
        return self in _running

    def wait(self, msecs: int = 60_000) -> bool:
        """Block until the work ends (for tests and for closing the window)."""
        return self._thread.wait(msecs)

    def _show(self) -> None:
        if self._thread.isFinished():
            return
        dialog = QProgressDialog(self._title, "Cancel", 0, 0, self._parent)
        dialog.setWindowTitle(self._title)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(self.progress.cancel)
        dialog.setAccessibleName(f"{self._title}: progress")
        dialog.show()
        self._dialog = dialog
        self._poll.start()
        self._update()

    def _update(self) -> None:
        if self._dialog is None:
            return
        p = self.progress
        if p.total:
            self._dialog.setMaximum(p.total)
            self._dialog.setValue(min(p.done, p.total))
        if p.text:
            self._dialog.setLabelText(p.text)
        if p.cancel_requested:
            self._dialog.setLabelText("Cancelling…")

    def _done(self) -> None:
        # QThread.finished is emitted just before the thread really ends: wait for it, so nothing of the thread
        # is still running when the task (and its thread object) are deleted.
        self._thread.wait()
        self._show_timer.stop()
        self._poll.stop()
        if self._dialog is not None:
            self._dialog.close()
            self._dialog.deleteLater()
            self._dialog = None
        _running.discard(self)
        error = self._thread.error
        if isinstance(error, Cancelled):
            self.cancelled.emit()
        elif error is not None:
            self.failed.emit(error)
        else:
            self.finished_ok.emit(self._thread.result)
        _finished.append(self)  # referenced until long after Qt deleted it: no Python object dies mid-delete
        del _finished[:-_KEEP_FINISHED]
        self.deleteLater()


def still_working(task: Task[Any] | None) -> bool:
    """For a dialog's `reject`: True while its task runs, so Escape or the close button cannot take the dialog away
    before the result (a signature made, or why not) is shown in it."""
    return task is not None and task.running()


def run_task(parent: QWidget | None, title: str, work: Callable[[Progress], T], *,
             on_done: Callable[[T], None] | None = None, on_error: Callable[[BaseException], None] | None = None,
             show_after_ms: int = SHOW_AFTER_MS) -> Task[T]:
    """Start `work` in the background; `on_done(result)` / `on_error(exc)` run on the GUI thread. An error with
    no handler goes to the application's crash handler (it is a bug)."""
    task: Task[T] = Task(parent, title, work, show_after_ms=show_after_ms)
    if on_done is not None:
        task.finished_ok.connect(on_done)
    task.failed.connect(on_error if on_error is not None else _unhandled)
    return task.start()


def _unhandled(exc: BaseException) -> None:
    import sys

    sys.excepthook(type(exc), exc, exc.__traceback__)
