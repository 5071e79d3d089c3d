"""The main window: the case list (search as you type, filters, sort) beside the case editor and its screening.

Slots are one line where they can be: each calls a service through the editor, the list, or the background task
runner. What a user may do is decided by the services (`casereview.services.access`); menus only mirror it, so an
action the role does not allow is shown disabled with the reason in its tooltip.

The panel screens the editor's contents under the current rules as the user types, while the case list shows each
case's last saved screening: when that one was made under older screening rules, the panel says so, and "Screen
again under the current rules" (the notice's button, or the Case menu, for one case or all of them) saves a new
screening and lists the decisions that changed.

Section 8 exception requests: the screening follows the case's requests (an approved one makes a declined charge
a charge under section 8), a declined charge's card offers "Request an exception…", and the Requests menu opens
the supervisors' queue and the user's own requests.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from casereview.policy.case import STATUSES, CaseInputError
from casereview.policy.engine import screen_case
from casereview.policy.profile import DECISIONS
from casereview.progress import Progress
from casereview.services import accounts, backups, reports
from casereview.services import cases as casework
from casereview.services import exception_requests as exceptions
from casereview.services.access import OfficeType, Op
from casereview.services.exception_requests import RequestInfo
from casereview.services.office import read_office
from casereview.services.session import AccessProblem, UserSession
from casereview.store.cases import CaseFilter, CaseRow, CaseServiceError
from casereview.store.lock import refuse_case_file_part
from casereview.store.screenings import StoredScreening
from casereview.store.server import connection_words, title_words
from ui.cases.case_editor import CaseEditor, describe
from ui.cases.case_list import PAGE, CaseListModel, CaseTable
from ui.cases.rescreen_dialog import ChangesDialog
from ui.cases.screening_panel import ScreeningPanel, badge_text
from ui.shared import file_dialogs
from ui.shared.problems import show_problem
from ui.shared.screen import fit_to_screen, remember, remember_state, restore, restore_state
from ui.shared.worker import run_task

SEARCH_DELAY_MS = 120
WINDOW_NAME = "main"  # its size and place are remembered under this name, per user (ui/shared/screen.py)
SPLITTER_NAME = "main/splitter"  # likewise the widths of the list, the editor and the screening panel
CASE_LIST_NAME = "main/case-list"  # and the case list's columns (which are shown, their order and widths)


class MainWindow(QMainWindow):
    """Signals: `logged_out()` when the user switches user or the account was locked meanwhile."""

    logged_out = Signal()

    def __init__(self, session: UserSession, *, title_path: Path | None = None) -> None:
        super().__init__()
        self.session = session
        self.title_path = title_path
        case_path = session.workspace.case_file.path
        # No file dialog of the window starts in the open case file's folder (see ui/shared/file_dialogs.py).
        file_dialogs.set_case_file_folder(case_path.parent if case_path is not None else None)
        office = read_office(session)
        self.office_name = office.name or "CaseReview"
        opened = session.workspace.case_file
        # A server as "cases on db.office.local", a case file by its name.
        name = title_words(opened.address) if opened.is_server else title_path.name if title_path else "case file"
        read_only = " (read only)" if session.workspace.read_only else ""
        # Qt adds the application's display name ("— CaseReview", set in ui/app.py) where the platform shows it.
        self.setWindowTitle(f"{name}{read_only} — {who_is(session)}[*]")
        fit_to_screen(self, 1400, 820)  # the first time; then where the user left it, inside the screen
        restore(self, WINDOW_NAME, user=session.username)
        self.filter = CaseFilter()

        self.stack = QStackedWidget(self)
        self.setCentralWidget(self.stack)
        self.work = QWidget(self.stack)
        self.stack.addWidget(self.work)
        layout = QVBoxLayout(self.work)
        layout.setContentsMargins(6, 6, 6, 6)
        if session.workspace.read_only:  # said above the cases, where it cannot be missed
            notice = QLabel("This case file is on read-only media: you can read it, but nothing can be saved. To "
                            "work on it, copy it with its .keys file to this computer's disk and open the copy.",
                            self.work)
            notice.setWordWrap(True)
            notice.setAccessibleName("Read-only case file")
            notice.setFrameShape(QFrame.Shape.StyledPanel)
            notice.setMargin(6)
            notice.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
            layout.addWidget(notice)
        splitter = QSplitter(Qt.Orientation.Horizontal, self.work)
        layout.addWidget(splitter, 1)

        splitter.addWidget(self._build_list())
        self.editor = CaseEditor(session, splitter)
        self.editor.edited.connect(self.rescreen)
        self.editor.saved.connect(self._after_save)
        splitter.addWidget(self.editor)
        self.panel = ScreeningPanel(splitter, office=session.workspace)  # (its dates: the office's time zone)
        self.panel.find_out.connect(self.editor.focus_need)
        self.panel.exception_wanted.connect(self.request_exception)
        self.panel.document_wanted.connect(self.open_document)
        self.panel.rescreen_wanted.connect(self.screen_case_again)
        self._stored: StoredScreening | None = None  # the open case's latest saved screening
        self._stored_of: tuple[str, int] | None = None  # (case number, version) it was read for
        self.changes_dialog: Any = None  # what screening again changed, shown last
        self.screen_all_task: Any = None
        self.requests: list[RequestInfo] = []  # the open case's section 8 requests
        self._requests_of: tuple[str, int] | None = None  # (case number, version) they were read for
        self.request_dialog: Any = None
        self.viewer: Any = None  # the document window opened last
        splitter.addWidget(self.panel)
        splitter.setSizes([430, 640, 330])
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter
        saved = restore_state(SPLITTER_NAME, user=session.username)
        if saved is not None:
            splitter.restoreState(saved)

        self._build_menus()
        self.statusBar().showMessage(f"{who_is(session)} — {self.office_name}")
        self.server_label: QLabel | None = None
        if opened.is_server:  # which server, and whether the connection is verified: always in sight
            self.server_label = QLabel(connection_words(opened.address), self)
            self.server_label.setAccessibleName("Database server")
            self.statusBar().addPermanentWidget(self.server_label)
        self.refresh()
        if self.model.rowCount():
            self.table.selectRow(0)  # open the newest case
        self.rescreen()
        self._install_idle_lock()
        # The first search is as quick as the rest once the case pages are in the cache.
        self.warm_up = run_task(self, "Preparing the search", lambda _p: casework.warm_up(session),
                                show_after_ms=60_000, on_error=lambda _exc: None)
        # And the Reports window's first counts, kept until the file changes (casereview/services/report_cache.py).
        reports.count_ahead(session)

    # -------------------------------------------------------------------------------------------- the list

    def _build_list(self) -> QWidget:
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.refresh)
        box = QWidget(self)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        self.search = QLineEdit(box)
        self.search.setPlaceholderText("Search: case number, name, statute, offense, docket…")
        self.search.setAccessibleName("Search cases")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._search_later)
        layout.addWidget(self.search)

        filters = QHBoxLayout()
        self.decision = QComboBox(box)
        self.decision.setAccessibleName("Filter by decision")
        self.decision.addItem("Any decision", None)
        for d in DECISIONS:
            self.decision.addItem(badge_text(d).capitalize(), d)
        self.decision.currentIndexChanged.connect(self.refresh)
        filters.addWidget(self.decision)
        self.status = QComboBox(box)
        self.status.setAccessibleName("Filter by charge status")
        self.status.addItem("Any status", None)
        for s in STATUSES:
            self.status.addItem(s.replace("_", " ").capitalize(), s)
        self.status.currentIndexChanged.connect(self.refresh)
        filters.addWidget(self.status)
        layout.addLayout(filters)

        dates = QHBoxLayout()
        self.use_from, self.date_from = self._date_filter(box, "From", dates)
        self.use_to, self.date_to = self._date_filter(box, "To", dates)
        layout.addLayout(dates)

        self.model = CaseListModel(self._load_rows, self)
        self.model.sort_requested.connect(self._sort)
        self.table = CaseTable(box)  # (the focus coming in by Tab opens no case)
        self.table.setObjectName("caseTable")
        self.table.setAccessibleName("Cases")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.set_up_columns(restore_state(CASE_LIST_NAME, user=self.session.username))
        self.table.columns_changed.connect(self._remember_columns)
        self.table.horizontalHeader().sectionMoved.connect(self._remember_columns)
        self.table.selectionModel().currentRowChanged.connect(self._open_selected)
        layout.addWidget(self.table, 1)
        self.summary = QLabel(box)
        self.summary.setObjectName("summary")
        self.summary.setAccessibleName("How many cases are shown")
        layout.addWidget(self.summary)
        self.table.horizontalHeader().setSortIndicator(1, Qt.SortOrder.DescendingOrder)
        self.table.setSortingEnabled(True)  # (sorts at once: the summary must exist)
        return box

    def _remember_columns(self) -> None:
        remember_state(CASE_LIST_NAME, self.table.horizontalHeader().saveState(), user=self.session.username)

    def _date_filter(self, parent: QWidget, label: str, row: QHBoxLayout) -> tuple[QCheckBox, QDateEdit]:
        use = QCheckBox(f"{label}:", parent)
        use.setAccessibleName(f"Filter incident dates {label.lower()}")
        edit = QDateEdit(parent)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setDate(QDate.currentDate() if label == "To" else QDate.currentDate().addYears(-1))
        edit.setAccessibleName(f"Incident date {label.lower()}")
        edit.setEnabled(False)
        use.toggled.connect(edit.setEnabled)
        use.toggled.connect(self.refresh)
        edit.dateChanged.connect(self.refresh)
        row.addWidget(use)
        row.addWidget(edit)
        return use, edit

    def _search_later(self) -> None:
        self._search_timer.start()

    def _current_filter(self) -> CaseFilter:
        def day(use: QCheckBox, edit: QDateEdit) -> date | None:
            return date.fromisoformat(edit.date().toString("yyyy-MM-dd")) if use.isChecked() else None

        return CaseFilter(query=self.search.text(), decision=self.decision.currentData(),
                          status=self.status.currentData(), date_from=day(self.use_from, self.date_from),
                          date_to=day(self.use_to, self.date_to), sort=self.filter.sort,
                          descending=self.filter.descending)

    def refresh(self) -> None:
        """Run the search and filters again (keeps the open case selected when it is still listed)."""
        self.filter = where = self._current_filter()
        try:
            ids = casework.find_cases(self.session, where=where, limit=PAGE)
            found = len(ids) if len(ids) < PAGE else casework.count_matching(self.session, where)
            total = found if where == CaseFilter(sort=where.sort, descending=where.descending) else \
                casework.count_all(self.session)
        except AccessProblem as exc:
            self._access_problem(exc)
            return
        self.model.set_ids(ids, total=found, more=lambda offset, limit: casework.find_cases(
            self.session, where=where, offset=offset, limit=limit))
        plural = "s" if total != 1 else ""
        self.summary.setText(f"{found:,} of {total:,} case{plural}" if found != total else f"{total:,} case{plural}")

    def _sort(self, key: str, descending: bool) -> None:
        self.filter = CaseFilter(**{**self.filter.__dict__, "sort": key, "descending": descending})
        self.refresh()

    def _load_rows(self, ids: Sequence[int]) -> list[CaseRow]:
        return casework.case_list_rows(self.session, ids)

    def _open_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        number = self.model.case_number(current.row())
        if number == self.editor.case_number.text().strip() and self.editor.version is not None:
            return
        if not self.editor.maybe_keep_changes():
            return
        self._run(lambda: self.editor.load(number), "The case could not be opened")

    # ------------------------------------------------------------------------------------------ screening

    def rescreen(self) -> None:
        """Screen the form as it is now (nothing is saved): the panel follows every edit."""
        self.panel.show_stored(self._stored_screening(), self.editor.profile, blocked=self._rescreen_blocked())
        if self.editor.version is None and not self.editor.dirty:
            self.panel.show_message("A new case: add its people and charges, and the screening appears here as you "
                                    "type.")
            return
        try:
            case = self.editor.current_case()
        except CaseInputError as exc:
            self.panel.show_incomplete(describe(exc), self.editor.case_number.text().strip())
            return
        if not case.charges:
            self.panel.show_message("Add a charge to see how the policy screens it.")
            return
        case = exceptions.with_requests(case, self._case_requests())
        result = screen_case(case, self.editor.profile, presumptive=self.editor.presumptive)
        self.panel.show_screening(case, result, self.editor.profile, requests=self.requests,
                                  offer_requests=self.editor.version is not None,
                                  request_blocked=self._request_blocked())

    def _case_requests(self) -> list[RequestInfo]:
        """The open case's requests, read again when another case (or version) is opened."""
        if self.editor.version is None:
            self.requests, self._requests_of = [], None
            return []
        key = (self.editor.case_number.text().strip(), self.editor.version)
        if key != self._requests_of:
            try:
                self.requests = exceptions.requests_for_case(self.session, key[0])
                self._requests_of = key
            except (AccessProblem, CaseServiceError):  # locked meanwhile, or deleted: read again next time
                self.requests = []
        return self.requests

    def _stored_screening(self) -> StoredScreening | None:
        """The open case's latest saved screening, read again when another case (or version) is opened."""
        if self.editor.version is None:
            self._stored, self._stored_of = None, None
            return None
        key = (self.editor.case_number.text().strip(), self.editor.version)
        if key != self._stored_of:
            try:
                self._stored = casework.stored_screening(self.session, key[0])
                self._stored_of = key
            except (AccessProblem, CaseServiceError):  # locked meanwhile, or deleted: read again next time
                self._stored = None
        return self._stored

    def _rescreen_blocked(self) -> str:
        """Why the open case cannot be screened again now ("" when it can)."""
        if not self.session.may(Op.SCREEN):
            return f"Your role ({self.session.role.value}) may not {Op.SCREEN.value}."
        if self.editor.dirty:
            return "Save the case first: saving screens it under the current rules."
        return ""

    def screen_case_again(self) -> None:
        """Screen the open (saved) case again under the current rules, and show what changed."""
        number = self.editor.case_number.text().strip()
        if self.editor.version is None or not number:
            QMessageBox.information(self, "No saved case open", "Open a saved case first: it is screened again as "
                                    "the case file holds it.")
            return
        blocked = self._rescreen_blocked()
        if blocked:
            QMessageBox.information(self, "Not screened again", blocked)
            return
        profile, presumptive = self.editor.profile, self.editor.presumptive
        done = self._run(lambda: casework.rescreen_case(self.session, number, profile, presumptive=presumptive),
                         "The case was not screened again")
        if done is not None:
            self._rescreened(done, number)

    def _rescreened(self, done: casework.Rescreened, case_number: str | None = None) -> None:
        """Cases were screened again: the list, the notice and the panel follow, and the changes are shown."""
        self._stored_of = None
        self.refresh()
        self.rescreen()
        dialog = ChangesDialog(done, self.editor.profile, case_number=case_number, parent=self)
        dialog.finished.connect(dialog.deleteLater)
        self.changes_dialog = dialog
        dialog.open()

    def _request_blocked(self) -> str:
        """Why "Request an exception…" is disabled ("" when it is not)."""
        if not self.session.may(Op.REQUEST_EXCEPTION):
            return f"Your role ({self.session.role.value}) may not {Op.REQUEST_EXCEPTION.value}."
        if self.editor.dirty:
            return "Save the case first: a request is made for the case as saved."
        return ""

    def requests_changed(self) -> None:
        """A request was drafted, submitted, decided or discarded: the list, the screening and the cards follow."""
        self._requests_of = None
        self.refresh()
        self.rescreen()

    def request_exception(self, charge_id: str) -> None:
        """Open the request form for a declined charge of the open (saved) case."""
        from ui.documents.request_dialog import RequestDialog

        if self._request_blocked():
            return
        try:
            case = exceptions.with_requests(self.editor.current_case(), self._case_requests())
        except CaseInputError as exc:
            self.panel.show_message(f"Not screened yet — {describe(exc)}")
            return
        screening = screen_case(case, self.editor.profile, presumptive=self.editor.presumptive)
        dialog = RequestDialog(self.session, case, screening, self.editor.profile, charge_id,
                               requests=self.requests, parent=self)
        dialog.drafted.connect(lambda request: self._request_made(request, "saved as a draft (submit it from "
                                                                           "Requests → My requests)"))
        dialog.submitted.connect(lambda request: self._request_made(request, "signed and submitted"))
        dialog.finished.connect(dialog.deleteLater)
        self.request_dialog = dialog
        dialog.open()

    def _request_made(self, request_id: int, what: str) -> None:
        self.requests_changed()
        self.statusBar().showMessage(f"Exception request {request_id} {what}.", 8000)

    def open_document(self, document_id: int) -> None:
        """Show a request's signed document (from a link on a charge's card)."""
        from ui.documents.document_view import show_stored_document

        found = next((d for r in self.requests for d in r.documents if d.id == document_id), None)
        if found is not None:
            self.viewer = self._run(lambda: show_stored_document(self.session, found, self),
                                    "The document could not be opened")

    # ------------------------------------------------------------------------------------------ actions

    def _build_menus(self) -> None:
        menu = self.menuBar().addMenu("&File")
        self.new_action = self._action(menu, "&New case", self.new_case, QKeySequence.StandardKey.New, Op.CREATE_CASE)
        self.save_action = self._action(menu, "&Save", self.save, QKeySequence.StandardKey.Save, Op.EDIT_CASE)
        self._action(menu, "&Delete this case…", self.delete_case, None, Op.DELETE_CASE)
        menu.addSeparator()
        self._action(menu, "&Back up now…", self.backup_now, None, Op.BACKUP)
        self._action(menu, "Check a signed &PDF…", self.check_signed_pdf, None, None)
        self.identity_action = self._action(menu, "My signing &certificate…", self.open_my_identity, None, Op.SIGN)
        menu.addSeparator()
        self._action(menu, "&Lock", self.lock, QKeySequence("Ctrl+L"), None)
        self._action(menu, "S&witch user…", self.switch_user, None, None)
        self._action(menu, "&Quit", self.close, QKeySequence.StandardKey.Quit, None)
        edit = self.menuBar().addMenu("&Edit")
        self._action(edit, "&Find", self.focus_search, QKeySequence.StandardKey.Find, None)
        case_menu = self.menuBar().addMenu("&Case")
        self.rescreen_case_action = self._action(case_menu, "Screen this case &again under the current rules",
                                                 self.screen_case_again, None, Op.SCREEN)
        self.screen_all_action = self._action(case_menu, "Screen &all cases again under the current rules…",
                                              self.screen_all, None, Op.SCREEN)
        from ui.records import open_import, open_matches, open_motions  # (the records import wizard: ui/records/)

        records_menu = self.menuBar().addMenu("Rec&ords")
        self.import_records_action = self._action(records_menu, "&Import records…", lambda: open_import(self), None,
                                                  Op.IMPORT_CASES)
        self._action(records_menu, "&Matches to decide…", lambda: open_matches(self), None, Op.IMPORT_CASES)
        if self.session.office_type == OfficeType.PROSECUTOR:  # (motions are the prosecutor's to file)
            self.motions_action = self._action(records_menu, "M&otions to dismiss and on warrants…",
                                               lambda: open_motions(self), None, Op.DRAFT_LETTERS)
        requests = self.menuBar().addMenu("&Requests")
        self._action(requests, "Waiting for my &decision…", self.open_queue, None, Op.DECIDE_EXCEPTION)
        self._action(requests, "&My requests…", self.open_my_requests, None, Op.REQUEST_EXCEPTION)
        letters_menu = self.menuBar().addMenu("Le&tters")
        self._action(letters_menu, "&Letters and memos…", self.open_letters, None, Op.DRAFT_LETTERS)
        self._action(letters_menu, "Letters for &this case…", self.open_case_letters, None, Op.DRAFT_LETTERS)
        reports_menu = self.menuBar().addMenu("Re&ports")
        self._action(reports_menu, "&Dashboard…", self.open_reports_dashboard, None, Op.VIEW_REPORTS)
        from ui.reports.outcomes import CourtOutcomes

        self._action(reports_menu, "Court &outcomes of letters…", self._opener(CourtOutcomes), None,
                     Op.RECORD_OUTCOMES)
        admin = self.menuBar().addMenu("&Administration")
        from ui.admin import ADMIN_SCREENS

        for label, dialog, op in ADMIN_SCREENS:
            self._action(admin, label, self._opener(dialog), None, op)
        from ui.admin.report_settings import ReportSettingsDialog

        self._action(admin, "&Reports: categories, mappings and threshold…", self._opener(ReportSettingsDialog), None,
                     Op.OFFICE_SETTINGS)
        help_menu = self.menuBar().addMenu("&Help")
        self.guide_action = self._action(help_menu, "&User guide", self.open_guide,
                                         QKeySequence.StandardKey.HelpContents, None)
        help_menu.addSeparator()
        self._action(help_menu, "&About CaseReview", self.about, None, None)

    def open_reports_dashboard(self) -> None:
        from ui.reports.dashboard import open_dashboard

        self.reports_dashboard = open_dashboard(self, self.session)

    def _action(self, menu: Any, text: str, slot: Callable[[], Any], shortcut: Any, op: Op | None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(lambda _=False: slot())
        if op is not None and not self.session.may(op):
            action.setEnabled(False)
            action.setToolTip(f"Your role ({self.session.role.value}) may not {op.value}.")
            action.setStatusTip(action.toolTip())
        menu.addAction(action)
        menu.setToolTipsVisible(True)
        return action

    def _run(self, work: Callable[[], Any], title: str) -> Any:
        try:
            return work()
        except Exception as exc:
            if isinstance(exc, AccessProblem) and self.session.ended:
                self._access_problem(exc)
                return None
            show_problem(self, title, exc)
            return None

    def _access_problem(self, exc: AccessProblem) -> None:
        show_problem(self, "Logged out", exc)
        if self.session.ended:
            self.logged_out.emit()
            self.close()

    def new_case(self) -> None:
        if self.editor.maybe_keep_changes():
            self.table.clearSelection()
            self.editor.new_case()

    def save(self) -> None:
        self.editor.save()

    def _after_save(self, case_number: str) -> None:
        self.refresh()
        for row in range(self.model.rowCount()):
            if self.model.case_number(row) == case_number:
                self.table.selectRow(row)
                break
        self.statusBar().showMessage(f"Case {case_number} saved and screened.", 5000)

    def delete_case(self) -> None:
        number = self.editor.case_number.text().strip()
        if self.editor.version is None or not number:
            QMessageBox.information(self, "No stored case open", "Open a stored case first.")
            return
        answer = QMessageBox.question(self, "Delete this case?", f"Delete case {number} and everything recorded in "
                                      "it? This cannot be undone (backups keep earlier copies).")
        if answer != QMessageBox.StandardButton.Yes:
            return
        if self._run(lambda: casework.delete_case(self.session, number), "The case was not deleted") is None:
            self.editor.new_case()
            self.refresh()

    def screen_all(self) -> None:
        """Screen every case again under the current rules in the background (Cancel stops between batches: the
        cases not reached keep their earlier screening), then show what changed."""
        profile, presumptive = self.editor.profile, self.editor.presumptive

        def work(progress: Progress) -> casework.Rescreened:
            return casework.screen_all(self.session, profile, progress=progress, presumptive=presumptive)

        self.screen_all_task = run_task(self, "Screening all cases again under the current rules", work,
                                        on_done=self._rescreened,
                                        on_error=lambda exc: show_problem(self, "Screening stopped", exc))

    def backup_now(self) -> None:
        folder = file_dialogs.get_existing_directory(self, "Back up into which folder?")
        if not folder:
            return
        def done(made: Path) -> None:
            QMessageBox.information(self, "Backed up", f"The backup is {made}.")

        run_task(self, "Backing up", lambda _p: backups.backup(self.session, Path(folder)), on_done=done,
                 on_error=lambda exc: show_problem(self, "The backup was not made", exc))

    def check_signed_pdf(self, path: Path | None = None) -> str:
        """Check every signature of a PDF against this office's certificate, offline; shows and returns the
        report."""
        if path is None:
            chosen = file_dialogs.get_open_file_name(self, "Check a signed PDF", "", "PDF documents (*.pdf)")
            if not chosen:
                return ""
            path = Path(chosen)
        from casereview.documents.signing import verify_pdf
        from casereview.services.identities import office_trust_roots

        try:
            refuse_case_file_part(path)
            reports = verify_pdf(path.read_bytes(), office_trust_roots(self.session.workspace))
        except OSError as exc:
            show_problem(self, "The PDF could not be read", exc)
            return ""
        lines = []
        for r in reports:
            when = r.signed_at.strftime("%Y-%m-%d %H:%M") if r.signed_at else "no time given"
            lines.append(f"{r.signer}, signed {when}: "
                         + ("intact, unchanged since, trusted by this office." if r.ok else
                            "; ".join(x for x in ("NOT intact" if not r.intact else "",
                                                  "CHANGED after signing" if r.modified_after else "",
                                                  "not issued by this office" if not r.trusted else "") if x)
                            + "."))
        text = "\n".join(lines) if lines else "This PDF has no signatures."
        ok = bool(reports) and all(r.ok for r in reports)
        box = QMessageBox(QMessageBox.Icon.Information if ok else QMessageBox.Icon.Warning,
                          "Signatures" + (" check out" if ok else " do not all check out"), text, parent=self)
        box.exec()
        return text

    def open_my_identity(self) -> None:
        """The certificate the user signs with, and importing their own PKCS#12 file in its place."""
        from ui.access.identity_dialog import IdentityDialog

        dialog = self._run(lambda: IdentityDialog(self.session, self), "Your signing certificate cannot be shown")
        if dialog is not None:
            dialog.exec()
            dialog.deleteLater()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def lock(self) -> None:
        self.session.lock()
        self._show_lock()

    def switch_user(self) -> None:
        if self.editor.maybe_keep_changes():
            self.session.log_out()
            self.logged_out.emit()
            self.close()

    def open_guide(self) -> None:
        from ui.help import show_guide  # the user guide, offline, inside the application (ui/help.py)

        self.guide = show_guide(self)

    def about(self) -> None:
        from ui.about import show_about  # the version and every licence shipped (ui/about.py)

        show_about(self)

    def open_letters(self, case_number: str | None = None) -> None:
        from ui.documents.letters_window import LettersWindow

        try:
            window = LettersWindow(self.session, case_number, self)
        except AccessProblem as exc:
            self._access_problem(exc)
            return
        window.exec()
        window.deleteLater()

    def open_case_letters(self) -> None:
        number = self.editor.case_number.text().strip()
        if not number or self.editor.version is None:
            QMessageBox.information(self, "Letters for this case", "Open a saved case first: its letters are "
                                    "drafted from what the case file holds.")
            return
        self.open_letters(number)

    def open_queue(self) -> None:
        from ui.documents.requests_queue import RequestsQueue

        self._open_requests(RequestsQueue)

    def open_my_requests(self) -> None:
        from ui.documents.requests_queue import MyRequests

        self._open_requests(MyRequests)

    def _open_requests(self, dialog: Any) -> None:
        try:
            opened = dialog(self.session, self)
        except AccessProblem as exc:
            self._access_problem(exc)
            return
        opened.exec()
        opened.deleteLater()
        self.requests_changed()

    def _opener(self, dialog: Any) -> Callable[[], None]:
        return lambda: self._open_dialog(dialog)

    def _open_dialog(self, dialog: Any) -> None:
        try:
            dialog(self.session, self).exec()
        except AccessProblem as exc:
            self._access_problem(exc)
        self.editor.profile, self.editor.presumptive = _office_policy(self.session)
        self.rescreen()

    # ---------------------------------------------------------------------------------------- idle lock

    def _install_idle_lock(self) -> None:
        from ui.access.lock_screen import IdleWatcher, LockScreen

        self.watcher = IdleWatcher(self.session, self)
        self.watcher.locked.connect(self._show_lock)
        self.lock_screen = LockScreen(self.session, self.stack)
        self.lock_screen.unlocked.connect(lambda: self.stack.setCurrentWidget(self.work))
        self.lock_screen.logged_out.connect(self._locked_out)
        self.stack.addWidget(self.lock_screen)

    def _show_lock(self) -> None:
        """Hide every case detail until the password is given again (unsaved edits stay in the hidden form)."""
        self.stack.setCurrentWidget(self.lock_screen)
        self.menuBar().setEnabled(False)
        self.lock_screen.setFocus()
        self.lock_screen.unlocked.connect(lambda: self.menuBar().setEnabled(True))

    def _locked_out(self) -> None:
        self.logged_out.emit()
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.session.ended or self.editor.maybe_keep_changes():
            self.watcher.stop()
            file_dialogs.set_case_file_folder(None)  # the case file is closed next
            remember(self, WINDOW_NAME, user=self.session.username)
            remember_state(SPLITTER_NAME, self.splitter.saveState(), user=self.session.username)
            self._remember_columns()
            event.accept()
        else:
            event.ignore()


def who_is(session: UserSession) -> str:
    """The user as the title and the status bar name them: "Riley Chen (prosecutor)"; their user name when no
    full name is filled in, and the role only when it says more than the name ("prosecutor", not "prosecutor
    (prosecutor)")."""
    name = accounts.my_names(session).full_name or session.username
    role = session.role.value
    return name if name.casefold() == role.casefold() else f"{name} ({role})"


def _office_policy(session: UserSession) -> tuple[Any, bool]:
    from casereview.services.office import office_policy

    return office_policy(session.workspace)
