"""Showing what went wrong: an expected problem (a refusal, a conflict, bad input, a full disk) gets its plain
message in a box and changes nothing; anything else is a bug for the crash handler."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QMessageBox, QWidget

from casereview.documents.exception_request import MissingGlyphs
from casereview.policy.case import CaseInputError
from casereview.progress import Cancelled
from casereview.services.accounts import LoginFailed
from casereview.services.office import FieldProblem
from casereview.services.passwords import WeakPassword
from casereview.services.session import AccessProblem
from casereview.services.statutes import CatalogProblem
from casereview.store.backups import explain
from casereview.store.cases import CaseServiceError
from casereview.store.database import CaseFileError, ServerUnavailable
from casereview.store.keys import KeyProblem

EXPECTED: tuple[type[BaseException], ...] = (AccessProblem, LoginFailed, CaseServiceError, FieldProblem, WeakPassword,
                                             CatalogProblem, CaseFileError, KeyProblem, CaseInputError, Cancelled,
                                             MissingGlyphs, OSError)


def is_expected(exc: BaseException) -> bool:
    return isinstance(exc, EXPECTED)


def show_problem(parent: QWidget | None, title: str, exc: BaseException) -> None:
    """A plain message for an expected problem; the crash handler for a bug."""
    if not is_expected(exc):
        sys.excepthook(type(exc), exc, exc.__traceback__)
        return
    if isinstance(exc, ServerUnavailable):  # the server went away: what happened, nothing lost, what to do
        from ui.app import tell_server_unavailable

        tell_server_unavailable(exc, parent)
        return
    text = explain(exc)  # a damaged case file: with the newest good backup and what to do
    if isinstance(exc, OSError) and not isinstance(exc, CaseFileError):
        text = (f"{exc.strerror or exc}. Check that the disk has room and the folder can be written, then try "
                "again.")
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setAccessibleName(title)
    box.exec()
