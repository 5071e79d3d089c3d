"""The audit trail: who did what, when, with what outcome, filtered by user, action and dates; exported as CSV;
checked link by link (in the background: a trail of years takes a while); and its anchor exported, to keep away
from this computer so a cut-off end can be noticed later.

The trail holds ids only. An administrator (who may list the users) sees names; other roles see "user 7" for
everyone but themselves. Looking at the trail is itself recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from PySide6.QtCore import QDate, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from casereview.services import audit as user_audit
from casereview.services.access import Op
from casereview.services.accounts import list_users, user_id_of
from casereview.services.session import UserSession
from casereview.store.audit import ACTIONS, VerifyReport, stamp
from ui.admin import AdminDialog, FieldNote, buddy_label, fit_height, local_time
from ui.shared import file_dialogs
from ui.shared.problems import is_expected, show_problem
from ui.shared.rows_model import RowsModel
from ui.shared.worker import run_task

Index = QModelIndex | QPersistentModelIndex
EVERYONE = "Everyone"
ANY_ACTION = "Any action"
_OUTCOMES = {"success": "Done", "denied": "Refused", "failed": "Failed"}


class AuditRow(NamedTuple):
    seq: int
    at: str
    user_id: int | None
    action: str
    object_id: str | None
    outcome: str


def action_words(action: str) -> str:
    """"login_failed" -> "Login failed"."""
    return action.replace("_", " ").capitalize()


class AuditModel(RowsModel[AuditRow]):
    """The records shown, oldest first; user ids shown as names where the names are known."""

    COLUMNS = ("No.", "Time", "User", "Action", "Object", "Outcome")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._names: dict[int, str] = {}

    def set_records(self, rows: Sequence[AuditRow], names: dict[int, str]) -> None:
        self._names = dict(names)
        self.set_rows(rows)

    def record(self, row: int) -> AuditRow:
        return self.row(row)

    def user_words(self, user_id: int | None) -> str:
        if user_id is None:
            return "nobody logged in"
        return self._names.get(user_id, f"user {user_id}")

    def object_words(self, object_id: str | None) -> str:
        if not object_id:
            return ""
        kind, _, rest = object_id.partition(":")
        if kind == "user" and rest.isdigit():
            return f"user {self._names.get(int(rest), rest)}"
        if kind == "office":
            return "office profile"
        return f"{kind.replace('_', ' ')} {rest}".strip()

    def alignment(self, column: int) -> Qt.AlignmentFlag | None:
        return Qt.AlignmentFlag.AlignRight if column == 0 else None

    def cell(self, row: AuditRow, column: int) -> str:
        if column == 0:
            return str(row.seq)
        if column == 1:
            return local_time(row.at)
        if column == 2:
            return self.user_words(row.user_id)
        if column == 3:
            return action_words(row.action)
        if column == 4:
            return self.object_words(row.object_id)
        return _OUTCOMES.get(row.outcome, row.outcome)


class _DateLimit(QWidget):
    """A date with a tick box in front: unticked, there is no limit on that side."""

    def __init__(self, text: str, accessible: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.use = QCheckBox(text, self)
        self.use.setAccessibleName(f"Limit: {accessible}")
        self.date = QDateEdit(self)
        self.date.setAccessibleName(accessible)
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setMinimumDate(QDate(2000, 1, 1))
        self.date.setSpecialValueText("no limit")  # shown at the minimum date, used while unticked
        self.date.setDate(self.date.minimumDate())
        self.date.setEnabled(False)
        self.use.toggled.connect(self._toggled)
        line = QHBoxLayout(self)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.use)
        line.addWidget(self.date, 1)

    def _toggled(self, on: bool) -> None:
        self.date.setEnabled(on)
        self.date.setDate(QDate.currentDate() if on else self.date.minimumDate())
        if on:
            self.date.setFocus()

    def set_limit(self, day: date | None) -> None:
        self.use.setChecked(day is not None)
        if day is not None:
            self.date.setDate(QDate(day.year, day.month, day.day))

    def limit(self) -> date | None:
        if not self.use.isChecked():
            return None
        chosen = self.date.date()
        return date(chosen.year(), chosen.month(), chosen.day())


def _local_midnight(day: date) -> str:
    """The audit stamp (UTC) of the start of `day` in the computer's time zone."""
    return stamp(datetime.combine(day, time.min).astimezone())


class AuditViewer(AdminDialog):
    """The trail with its filters, the CSV export, the check of the chain and the anchor export."""

    def __init__(self, session: UserSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Audit trail")
        self.resize(980, 600)
        self._filters: dict[str, Any] = {}
        self.names = self._known_names()

        self.filter_box = QGroupBox("Which records", self)
        grid = QGridLayout(self.filter_box)
        self.user = QComboBox(self.filter_box)
        self.user.setAccessibleName("User")
        self.user.addItem(EVERYONE, None)
        for user_id, name in sorted(self.names.items(), key=lambda item: item[1].casefold()):
            self.user.addItem(name, user_id)
        if not session.may(Op.MANAGE_USERS):
            self.user.setEditable(True)  # other users' names are typed (the list shows only the user's own)
            self.user.setToolTip("Choose Everyone, or type the user name to see one user's records.")
        self.action = QComboBox(self.filter_box)
        self.action.setAccessibleName("Action")
        self.action.addItem(ANY_ACTION, None)
        for action in sorted(ACTIONS, key=action_words):
            self.action.addItem(action_words(action), action)
        self.since = _DateLimit("&From", "From date", self.filter_box)
        self.until = _DateLimit("&To", "To date (included)", self.filter_box)
        self.show_button = QPushButton("&Show records", self.filter_box)
        self.show_button.setAccessibleName("Show the records")
        self.show_button.setDefault(True)
        self.show_button.clicked.connect(lambda _checked=False: self.show_records())
        self.filter_note = FieldNote("the filters", self.filter_box)
        grid.addWidget(buddy_label("&User:", self.user, self.filter_box), 0, 0)
        grid.addWidget(self.user, 0, 1)
        grid.addWidget(buddy_label("Act&ion:", self.action, self.filter_box), 0, 2)
        grid.addWidget(self.action, 0, 3)
        grid.addWidget(self.since, 1, 1)
        grid.addWidget(self.until, 1, 3)
        grid.addWidget(self.show_button, 0, 4, 2, 1)
        grid.addWidget(self.filter_note, 2, 0, 1, 5)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

        self.model = AuditModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName("Audit records")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column in range(len(AuditModel.COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((70, 160, 140, 200, 180)):
            self.table.setColumnWidth(column, width)
        self.summary = QLabel(self)
        self.summary.setAccessibleName("Records shown")
        self.summary.setWordWrap(True)
        self.report = QLabel(self)
        self.report.setAccessibleName("Result of the check")
        self.report.setWordWrap(True)
        self.report.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                            | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.report.setFrameShape(QLabel.Shape.StyledPanel)
        self.report.setMargin(6)
        self.report.hide()
        self.last_report: VerifyReport | None = None

        self.export_button = self._button("&Export CSV…", "Export the records shown as CSV", self.export_csv)
        self.verify_button = self._button("&Verify the trail", "Verify the audit trail", self.verify)
        self.verify_button.setToolTip("Check every record's chain value and the anchors kept so far: a changed, "
                                      "removed or cut-off record is found and named.")
        self.anchor_button = self._button("Export &anchor…", "Export the trail's anchor", self.export_anchor)
        self.anchor_button.setToolTip("Save a small file marking how far the trail reaches now. Keep it away from "
                                      "this computer; a later check against it shows whether records were cut off.")
        row = QHBoxLayout()
        for button in (self.export_button, self.verify_button, self.anchor_button):
            row.addWidget(button)
        row.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        row.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(self.filter_box)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.report)
        layout.addLayout(row)
        self.show_records()

    def _known_names(self) -> dict[int, str]:
        names = {self.session.user_id: self.session.username}
        if self.session.may(Op.MANAGE_USERS):
            try:
                names.update((u.id, u.username) for u in list_users(self.session))
            except Exception as exc:
                if not is_expected(exc):
                    raise
        return names

    # ------------------------------------------------------------------------------------------------ filters

    def chosen_filters(self) -> dict[str, Any] | None:
        """The filters as the services take them (None, with a note, when they cannot be used)."""
        self.filter_note.clear_note()
        typed = self.user.currentText().strip()
        listed = self.user.findText(typed)
        user_id: int | None = None
        if listed >= 0:
            user_id = self.user.itemData(listed)
        elif typed:  # a name typed by a user who may not list the accounts
            try:
                user_id = user_id_of(self.session, typed)
            except Exception as exc:
                if not is_expected(exc):
                    raise
                self.filter_note.say(str(exc))
                self.user.setFocus()
                return None
        since, until = self.since.limit(), self.until.limit()
        if since is not None and until is not None and until < since:
            self.filter_note.say("The To date is before the From date: no record can be in between.")
            self.until.date.setFocus()
            return None
        return {"user_id": user_id, "action": self.action.currentData(),
                "since": _local_midnight(since) if since is not None else None,
                "until": _local_midnight(until + timedelta(days=1)) if until is not None else None}

    def show_records(self) -> None:
        filters = self.chosen_filters()
        if filters is None:
            return
        try:
            records = user_audit.audit_records(self.session, **filters)
        except Exception as exc:
            if not is_expected(exc):
                raise
            self.filter_note.say(str(exc))
            return
        self._filters = filters
        rows = [AuditRow(r.seq, r.at, r.user_id, r.action, r.object_id, r.outcome) for r in records]
        self.model.set_records(rows, self.names)
        self.summary.setText(f"{len(rows)} record{'' if len(rows) == 1 else 's'} shown, oldest first. Times are "
                             "this computer's local time.")
        if rows:
            self.table.scrollToBottom()

    # ------------------------------------------------------------------------------------------------- slots

    def export_csv(self) -> None:
        path = file_dialogs.get_save_file_name(self, "Export the audit records", "audit-trail.csv",
                                               "CSV files (*.csv)")
        if path:
            self.export_csv_to(Path(path))

    def export_csv_to(self, path: Path) -> None:
        """Write the records the table shows (the filters last applied) to `path`."""
        try:
            count = user_audit.export_audit(self.session, path, **self._filters)
        except Exception as exc:
            if not is_expected(exc):
                raise
            show_problem(self, "The records were not exported", exc)
            return
        self.summary.setText(f"{count} record{'' if count == 1 else 's'} written to {path}.")

    def verify(self) -> None:
        self.verify_button.setEnabled(False)
        self.report.setText("Checking the audit trail…")
        self.report.show()
        session = self.session
        run_task(self, "Checking the audit trail", lambda _progress: user_audit.verify_trail(session),
                 on_done=self._verified, on_error=self._verify_failed)

    def _verified(self, report: VerifyReport) -> None:
        self.verify_button.setEnabled(True)
        self.last_report = report
        # The service's advice names the command line; in the window the button does the same.
        lines = [line.replace("(python -m casereview audit anchor)", "(Export anchor… below)") for line in report.lines]
        self.report.setText("\n".join(lines))
        self.report.show()
        fit_height(self)
        self.report.setAccessibleDescription("intact" if report.ok else "not intact")

    def _verify_failed(self, exc: BaseException) -> None:
        self.verify_button.setEnabled(True)
        self.report.hide()
        show_problem(self, "The audit trail could not be checked", exc)

    def export_anchor(self) -> None:
        suggested = f"casereview-anchor-{date.today():%Y-%m-%d}.json"
        path = file_dialogs.get_save_file_name(self, "Save the audit trail's anchor", suggested,
                                               "Anchor files (*.json)")
        if path:
            self.export_anchor_to(Path(path))

    def export_anchor_to(self, path: Path) -> None:
        try:
            anchor = user_audit.export_anchor(self.session, path)
        except Exception as exc:
            if not is_expected(exc):
                raise
            show_problem(self, "The anchor was not saved", exc)
            return
        self.summary.setText(f"The anchor (up to record {anchor.seq}) was saved in {path}. Keep a copy away from "
                             "this computer, for example on a USB stick in the office safe.")
