"""The section 8 requests screens (the Requests menu).

`RequestsQueue` — "Requests waiting for a decision", for supervisors: the submitted requests, the longest-waiting
first; the selected one's signed request shown beside the list with its signatures checked; a written reason and
Approve / Deny, each signed with the supervisor's own key. Nobody decides their own request: the buttons say so,
and the services refuse anyway.

`MyRequests` — a user's own requests: drafts to sign and submit (only with the requester's affirmation that the
request does not use charges or the threat of charges to obtain anyone's cooperation, section 2, in the request
form's own words) or to discard, and those submitted or decided, with their signed documents.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from casereview.services import exception_requests as exceptions
from casereview.services.access import Op
from casereview.services.exception_requests import RequestInfo
from casereview.services.identities import office_trust_roots
from casereview.services.office import FieldProblem, office_policy, office_zone
from casereview.services.session import AccessProblem, UserSession
from ui.access.reauth import confirm_for
from ui.admin import AdminDialog, FieldNote, local_time
from ui.cases.screening_panel import local_day
from ui.documents.document_view import (
    DocumentPane,
    ask_to_sign,
    document_title,
    no_copy_reason,
    stored_copy,
    stored_print,
)
from ui.shared.problems import show_problem
from ui.shared.rows_model import RowsModel
from ui.shared.screen import fit_to_screen
from ui.shared.worker import Task, run_task, still_working

GROUND_SHORT = {"prevent_trafficking": "Preventing trafficking", "protect_victim": "Protecting a victim",
                "other": "Other exceptional circumstance"}
OWN_REQUEST = "You cannot decide your own request: another supervisor must."


def charges_words(request: RequestInfo) -> str:
    return "; ".join(c.words() for c in request.charges)


def status_words(request: RequestInfo, zone: tzinfo | None = None) -> str:
    """Where a request stands; a decision's date is the office's local date (`zone`: the office's time zone)."""
    if request.status == "draft":
        return "Draft (not signed)"
    if request.status == "submitted":
        return "Waiting for a decision"
    return f"{request.status.capitalize()} by {request.supervisor} on {local_day(request.decided_at, zone)}"


class QueueModel(RowsModel[RequestInfo]):
    COLUMNS = ("Case", "Charges", "Requester", "Ground", "Submitted")

    def cell(self, row: RequestInfo, column: int) -> str:
        return (row.case_number, charges_words(row), row.requester, GROUND_SHORT.get(row.ground, row.ground),
                local_time(row.submitted_at)[:16])[column]


class MineModel(RowsModel[RequestInfo]):
    COLUMNS = ("No.", "Case", "Charges", "Status")
    zone: tzinfo | None = None  # the office's time zone, for the dates of decisions

    def alignment(self, column: int) -> Qt.AlignmentFlag | None:
        return Qt.AlignmentFlag.AlignRight if column == 0 else None

    def cell(self, row: RequestInfo, column: int) -> str:
        return (str(row.id), row.case_number, charges_words(row), status_words(row, self.zone))[column]


class _RequestsDialog(AdminDialog):
    """A table of requests beside the selected one's signed document (pages, signatures, Print, Save as)."""

    model: RowsModel[RequestInfo]

    def __init__(self, session: UserSession, title: str, model: RowsModel[RequestInfo],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model = model
        self.task: Task[Any] | None = None
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        fit_to_screen(self, 1360, 880)
        self.trust_roots = office_trust_roots(session.workspace)
        outer = QVBoxLayout(self)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        outer.addWidget(splitter, 1)

        self.side = QWidget(splitter)
        self.side_layout = QVBoxLayout(self.side)
        self.side_layout.setContentsMargins(0, 0, 0, 0)
        self.table = QTableView(self.side)
        self.table.setAccessibleName(title)
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.selectionModel().currentRowChanged.connect(lambda current, _previous: self._selected(current))
        self.side_layout.addWidget(self.table, 1)
        self.empty = QLabel(self.side)
        self.empty.setWordWrap(True)
        self.empty.setObjectName("emptyNote")
        self.side_layout.addWidget(self.empty)
        self.detail = QLabel(self.side)
        self.detail.setObjectName("requestDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setAccessibleName("The selected request")
        self.side_layout.addWidget(self.detail)
        splitter.addWidget(self.side)

        self.preview = DocumentPane(splitter)
        self.preview.setAccessibleName("The signed request")
        splitter.addWidget(self.preview)
        splitter.setSizes([620, 740])
        splitter.setChildrenCollapsible(False)

        self.status = QLabel(self)
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("What was done")
        outer.addWidget(self.status)
        closing = QHBoxLayout()
        closing.addStretch(1)
        closing.addWidget(self._button("Close", "Close this window", self.accept))
        outer.addLayout(closing)

    # ------------------------------------------------------------------------------------------ rows

    def load(self) -> list[RequestInfo]:
        raise NotImplementedError

    def reload(self, *, select: int | None = None) -> None:
        """Read the requests again (selecting request `select` when it is still listed)."""
        self.model.set_rows(self.load())
        self.table.resizeColumnsToContents()
        rows = self.model.rows()
        self.empty.setVisible(not rows)
        for number, row in enumerate(rows):
            if row.id == select:
                self.table.selectRow(number)
                return
        self._selected(QModelIndex())

    def selected(self) -> RequestInfo | None:
        index = self.table.currentIndex()
        return self.model.row(index.row()) if index.isValid() and self.table.selectionModel().hasSelection() \
            else None

    def _selected(self, current: QModelIndex) -> None:
        request = self.model.row(current.row()) if current.isValid() else None
        self.detail.setText(self.describe(request) if request is not None else "")
        self.detail.setVisible(request is not None)
        self.show_document(request)
        self.update_buttons(request)

    def show_document(self, request: RequestInfo | None) -> None:
        document = request.latest_document if request is not None else None
        if document is None:
            self.preview.show_pdf(b"")
            return
        try:
            pdf = exceptions.document_bytes(self.session, document.id)
        except AccessProblem as exc:
            show_problem(self, "The document could not be opened", exc)
            return
        self.preview.show_pdf(pdf, file_name=document.file_name, trust_roots=self.trust_roots)
        self.preview.set_save_copy(stored_copy(self.session, document.id, self), why_not=no_copy_reason(self.session))
        self.preview.set_print_guard(stored_print(self.session, document.id, self),
                                     why_not=no_copy_reason(self.session))
        self.preview.setToolTip(document_title(document))

    def describe(self, request: RequestInfo) -> str:
        from html import escape

        lines = [f"<b>Request {request.id}</b>, case {escape(request.case_number)}, by {escape(request.requester)}",
                 f"Ground: “{escape(request.ground_words)}”"]
        if request.reason:
            lines.append(f"{escape(status_words(request, office_zone(self.session.workspace)))}: "
                         f"“{escape(request.reason)}”")
        return "<br>".join(lines)

    def update_buttons(self, request: RequestInfo | None) -> None:
        raise NotImplementedError

    def _run(self, title: str, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """Run a signing step in the background (the buttons wait), then `done(result)` or the problem shown."""
        self.set_busy(True)

        def finished(result: Any) -> None:
            self.set_busy(False)
            done(result)

        def failed(exc: BaseException) -> None:
            self.set_busy(False)
            self.show_error(exc)

        self.task = run_task(self, title, lambda _p: work(), on_done=finished, on_error=failed)

    def set_busy(self, busy: bool) -> None:
        self.table.setEnabled(not busy)
        self.update_buttons(None if busy else self.selected())

    def show_error(self, exc: BaseException) -> None:
        show_problem(self, "Not done", exc)


    def reject(self) -> None:
        if not still_working(self.task):  # a decision being signed is shown to its end
            super().reject()


class RequestsQueue(_RequestsDialog):
    """Requests waiting for a decision (supervisors)."""

    def __init__(self, session: UserSession, parent: QWidget | None = None) -> None:
        super().__init__(session, "Requests waiting for a decision", QueueModel(), parent)
        self.empty.setText("No request is waiting for a decision.")

        box = QGroupBox("Your decision", self.side)
        layout = QVBoxLayout(box)
        explain = QLabel("Read the request beside, then write the reason for your decision: it is printed on the "
                         "request above your signature.", box)
        explain.setWordWrap(True)
        layout.addWidget(explain)
        self.reason = QPlainTextEdit(box)
        self.reason.setAccessibleName("Reason for the decision")
        self.reason.setTabChangesFocus(True)
        self.reason.setMaximumHeight(110)
        layout.addWidget(self.reason)
        self.reason_note = FieldNote("the reason", box)
        layout.addWidget(self.reason_note)
        self.own_note = QLabel(OWN_REQUEST, box)
        self.own_note.setObjectName("ownRequest")
        self.own_note.setWordWrap(True)
        self.own_note.setStyleSheet("font-weight: bold;")
        layout.addWidget(self.own_note)
        row = QHBoxLayout()
        row.addStretch(1)
        self.deny_button = self._button("&Deny…", "Deny the request (signed)", lambda: self.decide(approve=False))
        self.approve_button = self._button("&Approve…", "Approve the request (signed)",
                                           lambda: self.decide(approve=True))
        row.addWidget(self.deny_button)
        row.addWidget(self.approve_button)
        layout.addLayout(row)
        self.side_layout.addWidget(box)
        self.decision_box = box
        self.reload()
        if self.model.rowCount():
            self.table.selectRow(0)

    def load(self) -> list[RequestInfo]:
        return exceptions.queue(self.session)

    def update_buttons(self, request: RequestInfo | None) -> None:
        own = request is not None and request.requester_id == self.session.user_id
        self.own_note.setVisible(own)
        for button in (self.approve_button, self.deny_button):
            button.setEnabled(request is not None and not own)
            button.setToolTip(OWN_REQUEST if own else "" if request is not None else "Choose a request first.")
        self.reason.setEnabled(request is not None and not own)

    def decide(self, *, approve: bool) -> None:
        request = self.selected()
        if request is None:
            return
        self.reason_note.clear_note()
        try:
            reason = exceptions.check_reason(self.reason.toPlainText())
        except FieldProblem as exc:
            self.show_error(exc)
            return
        verb = "Approve" if approve else "Deny"
        if not ask_to_sign(self, f"{verb} request {request.id} and sign it", self.session, f"{verb} the request"):
            return
        if not confirm_for(self.session, Op.DECIDE_EXCEPTION, self):
            return
        session, request_id = self.session, request.id
        self._run("Signing the decision",
                  lambda: exceptions.decide_request(session, request_id, approve=approve, reason=reason),
                  lambda _pdf: self._decided(request_id, approve))

    def _decided(self, request_id: int, approve: bool) -> None:
        """The request leaves the queue; the signed result is shown in its place."""
        self.reason.clear()
        self.reload()
        decided = exceptions.request_detail(self.session, request_id)
        self.detail.setText(self.describe(decided))
        self.detail.show()
        self.show_document(decided)
        self.status.setText(f"Request {request_id} {'approved' if approve else 'denied'} and signed. The signed "
                            "document is shown; it is kept in the case file.")

    def show_error(self, exc: BaseException) -> None:
        if isinstance(exc, FieldProblem) and exc.field == "reason":
            self.reason_note.say(str(exc))
            self.reason.setFocus()
            return
        super().show_error(exc)


class MyRequests(_RequestsDialog):
    """The user's own requests: drafts to submit or discard, and those submitted or decided."""

    def __init__(self, session: UserSession, parent: QWidget | None = None) -> None:
        mine = MineModel()
        mine.zone = office_zone(session.workspace)
        super().__init__(session, "My exception requests", mine, parent)
        self.empty.setText("You have made no exception request. Request one from a declined charge's card, beside "
                           "the case.")
        self.affirm_box = self._affirmation()
        self.side_layout.addWidget(self.affirm_box)
        row = QHBoxLayout()
        self.discard_button = self._button("D&iscard draft…", "Discard the draft", self.discard)
        self.submit_button = self._button("&Sign and submit…", "Sign the draft and submit it", self.submit)
        row.addWidget(self.discard_button)
        row.addStretch(1)
        row.addWidget(self.submit_button)
        self.side_layout.addLayout(row)
        self.reload()
        if self.model.rowCount():
            self.table.selectRow(0)

    def _affirmation(self) -> QGroupBox:
        """The requester's affirmation, as the request form asks it (the same words): required to sign a draft,
        and asked again for each draft."""
        box = QGroupBox("Your affirmation (required to sign)", self.side)
        layout = QVBoxLayout(box)
        self.affirmed = QCheckBox("I &affirm:", box)
        self.affirmed.setAccessibleName("I affirm that this request does not use charges, or the threat of charges, "
                                        "to obtain anyone's cooperation")
        self.affirmed.setStyleSheet("QCheckBox { font-weight: bold; }")
        words = QLabel(exceptions.AFFIRMATION, box)  # a checkbox's own text does not wrap
        words.setObjectName("affirmation")
        words.setWordWrap(True)
        words.setBuddy(self.affirmed)
        row = QHBoxLayout()
        row.addWidget(self.affirmed, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(words, 1)
        layout.addLayout(row)
        section_2 = exceptions.affirmation_quote(office_policy(self.session.workspace)[0])
        why = QLabel(f"“{section_2.text}” — {section_2.source}", box)
        why.setObjectName("sectionQuote")
        why.setWordWrap(True)
        why.setStyleSheet("font-style: italic; margin-left: 12px;")
        why.setAccessibleName("Policy text, section 2")
        layout.addWidget(why)
        self.affirm_note = FieldNote("the affirmation", box)
        layout.addWidget(self.affirm_note)
        self.affirmed.toggled.connect(lambda checked: self.affirm_note.clear_note() if checked else None)
        box.hide()
        return box

    def load(self) -> list[RequestInfo]:
        return exceptions.my_requests(self.session)

    def describe(self, request: RequestInfo) -> str:
        from html import escape

        text = super().describe(request)
        if request.status == "draft":
            text += ("<br><br>" + "<br>".join(f"<b>{title}:</b> {escape(value)}" for title, value in (
                ("Why public safety requires it", request.public_safety), ("Justification", request.justification),
                ("Evidence", request.evidence))))
        return text

    def _selected(self, current: QModelIndex) -> None:
        self.affirmed.setChecked(False)  # each draft is affirmed on its own, when it is signed
        self.affirm_note.clear_note()
        super()._selected(current)

    def update_buttons(self, request: RequestInfo | None) -> None:
        draft = request is not None and request.status == "draft"
        self.affirm_box.setVisible(draft)
        self.affirm_box.setEnabled(draft and self.session.may(Op.SIGN))
        self.discard_button.setEnabled(draft)
        self.submit_button.setEnabled(draft and self.session.may(Op.SIGN))
        hint = "" if draft else "Only a draft can be submitted or discarded."
        self.discard_button.setToolTip(hint)
        self.submit_button.setToolTip(hint)

    def submit(self) -> None:
        request = self.selected()
        if request is None:
            return
        if not self.affirmed.isChecked():  # section 2: nothing is signed without it
            self.affirm_note.say("Tick the affirmation: a request is signed only with it (section 2: the threat of "
                                 "prosecution is not used to obtain cooperation).")
            self.affirmed.setFocus()
            return
        if not ask_to_sign(self, f"Sign request {request.id} and submit it", self.session,
                           "Sign and submit the request"):
            return
        if not confirm_for(self.session, Op.SIGN, self):
            return
        session, request_id = self.session, request.id
        self._run("Signing and submitting the request",
                  lambda: exceptions.submit_request(session, request_id, affirmed=True),
                  lambda _pdf: self._done(request_id, "signed and submitted"))

    def discard(self) -> None:
        request = self.selected()
        if request is None:
            return
        answer = QMessageBox.question(self, "Discard the draft?", f"Discard draft request {request.id} (case "
                                      f"{request.case_number})? It was never signed or submitted.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            exceptions.discard_draft(self.session, request.id)
        except AccessProblem as exc:
            self.show_error(exc)
            return
        self._done(None, f"Draft request {request.id} discarded")

    def _done(self, request_id: int | None, what: str) -> None:
        self.reload(select=request_id)
        self.status.setText(f"Request {request_id} {what}." if request_id is not None else f"{what}.")
