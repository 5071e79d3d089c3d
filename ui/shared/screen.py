"""Windows that fit the screen and remember where the user put them (issue 17).

`fit_to_screen` opens a window at a wanted size, or smaller on a smaller screen (a 1366x768 laptop): never wider or
taller than the screen's free area, the window manager's title bar counted (`FRAME_ALLOWANCE`). `remember` and
`restore` keep a window's size and place between runs, per user of the case file; a place restored from a larger
screen (or one no longer connected) is brought back inside the screen the window opens on.

The settings live in an INI file in CaseReview's data folder (`casereview.paths.data_dir`, chosen with
platformdirs; tests point it at their own folder), named for the application as ui/app.py names it.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, QSettings
from PySide6.QtWidgets import QWidget

from casereview import paths

FRAME_ALLOWANCE = 40  # pixels of a window manager's title bar and borders, at most (typical ones: 24-32)


def settings() -> QSettings:
    """CaseReview's own settings of this computer's user (window places, the folder a file dialog starts in)."""
    return QSettings(str(paths.data_dir() / f"{paths.APP_NAME}.ini"), QSettings.Format.IniFormat)


def free_area(widget: QWidget) -> QRect | None:
    """The free area (without task bars and docks) of the screen `widget` is on, or None without a screen."""
    screen = widget.screen()
    return screen.availableGeometry() if screen is not None else None


def fit_to_screen(widget: QWidget, width: int, height: int) -> None:
    """Resize `widget` to `width` x `height`, or smaller so that it fits the free area of its screen."""
    free = free_area(widget)
    if free is not None:
        width, height = min(width, free.width()), min(height, free.height() - FRAME_ALLOWANCE)
    widget.resize(width, height)


def keep_inside_screen(widget: QWidget) -> None:
    """Shrink `widget` to its screen's free area and move it back onto it, when it is larger or outside."""
    free = free_area(widget)
    if free is None:
        return
    frame = widget.frameGeometry()
    borders = frame.width() - widget.width()  # 0 until the platform has drawn a frame
    title_bar = max(FRAME_ALLOWANCE, frame.height() - widget.height())
    width = min(widget.width(), free.width() - borders)
    height = min(widget.height(), free.height() - title_bar)
    if (width, height) != (widget.width(), widget.height()):
        widget.resize(width, height)
    frame = widget.frameGeometry()  # the title bar counted, where the platform has drawn one already
    x = min(max(frame.left(), free.left()), max(free.left(), free.right() + 1 - frame.width()))
    y = min(max(frame.top(), free.top()), max(free.top(), free.bottom() + 1 - frame.height()))
    if (x, y) != (frame.left(), frame.top()):
        widget.move(x, y)  # a window's place is its frame's


def _key(name: str, user: str) -> str:
    return f"windows/{name}/{user.casefold() or '-'}/geometry"


def remember(widget: QWidget, name: str, *, user: str = "") -> None:
    """Keep the size and place of `widget` (the window called `name`, for `user`) for the next time."""
    store = settings()
    store.setValue(_key(name, user), widget.saveGeometry())
    store.sync()


def restore(widget: QWidget, name: str, *, user: str = "") -> bool:
    """Give `widget` the size and place it had last time, kept inside its screen; False when none is known."""
    saved = settings().value(_key(name, user))
    if not isinstance(saved, QByteArray | bytes) or not widget.restoreGeometry(QByteArray(saved)):
        return False
    keep_inside_screen(widget)
    return True


def _state_key(name: str, user: str) -> str:
    return f"windows/{name}/{user.casefold() or '-'}/state"


def remember_state(name: str, state: QByteArray, *, user: str = "") -> None:
    """Keep a part's state (a splitter's sizes, a table header's columns: `saveState()`), called `name`, for
    `user`, for the next time."""
    store = settings()
    store.setValue(_state_key(name, user), state)
    store.sync()


def restore_state(name: str, *, user: str = "") -> QByteArray | None:
    """The state kept by `remember_state`, or None when none is (to give to the part's `restoreState`)."""
    saved = settings().value(_state_key(name, user))
    return QByteArray(saved) if isinstance(saved, QByteArray | bytes) else None
