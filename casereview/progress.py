"""Progress of long work, and the user's wish to cancel it: passed into a service, read by the window.

A service calls `report` now and then and `check` between steps; `check` raises `Cancelled` once the user asked
to stop (the service's own transaction rolls back, so nothing is half done). Thread-safe enough for one worker and
one reader: the fields are single values written by one side each.
"""

from __future__ import annotations

from dataclasses import dataclass


class Cancelled(Exception):
    """The user cancelled the work; nothing of it was kept."""


@dataclass
class Progress:
    done: int = 0
    total: int = 0  # 0: unknown
    text: str = ""
    cancel_requested: bool = False

    def report(self, done: int, total: int = 0, text: str = "") -> None:
        self.done, self.total = done, total
        if text:
            self.text = text

    def cancel(self) -> None:
        self.cancel_requested = True

    def check(self) -> None:
        if self.cancel_requested:
            raise Cancelled("Cancelled. Nothing was changed.")


NO_PROGRESS = Progress()
