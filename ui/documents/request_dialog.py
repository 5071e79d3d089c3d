"""Requesting a section 8 exception for declined charges of a saved case: which charges, the ground in the policy's
own words, why public safety requires the deviation, the justification and the evidence relied on, and the
requester's affirmation that the request does not use charges or the threat of charges to obtain anyone's
cooperation (section 2). "Save draft" keeps it to submit later (Requests → My requests); "Sign and submit" — only
once the affirmation is ticked — signs it with the requester's own key and sends it to the supervisors' queue, then
shows the signed document.

The form fits the screen it opens on (a 1366x768 laptop too): its body scrolls, and the problem line and the buttons
(Cancel, Save draft, Sign and submit) stay below it, always in view.

The services decide what may be requested (never a `protect` charge, nor one against a person the case records as
a victim: the refusal cites the section) and name the field of any problem; the dialog shows their words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from casereview.documents.exception_request import MissingGlyphs
from casereview.policy.case import Case
from casereview.policy.engine import Screening
from casereview.policy.profile import PolicyProfile
from casereview.services import exception_requests as exceptions
from casereview.services.access import Op
from casereview.services.exception_requests import RequestInfo
from casereview.services.office import FieldProblem
from casereview.services.session import AccessProblem, UserSession
from ui.access.reauth import confirm_for
from ui.admin import FieldNote, fit_height
from ui.documents.document_view import DocumentView, show_stored_document
from ui.shared.problems import show_problem
from ui.shared.screen import FRAME_ALLOWANCE, fit_to_screen, free_area, keep_inside_screen
from ui.shared.worker import Task, run_task, still_working

# What each statement is for, said under its box (section 8 asks for all three in writing).
STATEMENTS = (
    ("public_safety", "Why &public safety requires this deviation",
     "Section 8 grants a deviation “only in exceptional circumstances, and where public safety requires that "
     "deviation”: say what risk to whom, and why declining the charge would leave it."),
    ("justification", "&Justification",
     "Why this charge, for this person, is the exception: what bringing it would achieve that nothing else can."),
    ("evidence", "E&vidence relied on",
     "The reports, statements or records the request rests on (name them so a supervisor can find them)."),
)


def charge_words(case: Case, charge_id: str) -> str:
    charge = next(c for c in case.charges if c.id == charge_id)
    statute = f", {charge.statute}" if charge.statute else ""
    return f"Charge {charge.id}: {charge.offense.replace('_', ' ')}{statute} — {case.person(charge.person).label()}"


class RequestDialog(QDialog):
    """Signals: `drafted(request_id)` when a draft was saved, `submitted(request_id)` when the request was signed
    and submitted (the dialog then closes and `viewer` shows the signed document)."""

    drafted = Signal(int)
    submitted = Signal(int)

    def __init__(self, session: UserSession, case: Case, screening: Screening, profile: PolicyProfile,
                 chosen: str, *, requests: Sequence[RequestInfo] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session, self.case = session, case
        self.request_id: int | None = None
        self.viewer: DocumentView | None = None
        self.task: Task[int] | None = None
        self.setWindowTitle(f"Request an exception — case {case.case_number}")
        fit_to_screen(self, 780, 860)  # the body scrolls: the buttons below it stay in view on a small screen
        outer = QVBoxLayout(self)
        self.body_scroll = scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget(scroll)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 8, 0)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)

        section = profile.exception_section
        intro = QLabel(f"<b>Section {section} of the policy</b> ({profile.title}):", body)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        quote = QLabel(f"“{profile.quote(section)}”", body)
        quote.setObjectName("sectionQuote")
        quote.setWordWrap(True)
        quote.setStyleSheet("font-style: italic; margin-left: 12px;")
        quote.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        quote.setAccessibleName(f"Policy text, section {section}")
        layout.addWidget(quote)

        # The charges: those the policy declines and that may be the subject of a request (and the one chosen,
        # whatever it is: if it may not, the services refuse it with the section that says why).
        waiting = exceptions.waiting_charges(requests)
        eligible = [d.charge for d in screening.charges
                    if d.charge == chosen or (d.exception_allowed and d.charge not in waiting)]
        charges_box = QGroupBox("Charges this request covers (declined by the policy)", body)
        charges_layout = QVBoxLayout(charges_box)
        self.charges: dict[str, QCheckBox] = {}
        for charge_id in eligible:
            box = QCheckBox(charge_words(case, charge_id), charges_box)
            box.setAccessibleName(f"Include charge {charge_id}")
            box.setChecked(charge_id == chosen)
            charges_layout.addWidget(box)
            self.charges[charge_id] = box
        self.notes: dict[str, FieldNote] = {"charges": FieldNote("the charges", charges_box)}
        charges_layout.addWidget(self.notes["charges"])
        layout.addWidget(charges_box)

        ground_box = QGroupBox(f"Ground (section {section})", body)
        ground_layout = QVBoxLayout(ground_box)
        self.ground = QButtonGroup(ground_box)
        self.grounds: dict[str, QRadioButton] = {}
        for key in exceptions.GROUNDS:
            words = profile.exception_grounds.get(key, key.replace("_", " "))
            button = QRadioButton(f"“{words}”", ground_box)
            button.setAccessibleName(f"Ground: {words}")
            self.ground.addButton(button)
            self.grounds[key] = button
            ground_layout.addWidget(button)
        self.notes["ground"] = FieldNote("the ground", ground_box)
        ground_layout.addWidget(self.notes["ground"])
        layout.addWidget(ground_box)

        self.texts: dict[str, QPlainTextEdit] = {}
        for field, label_text, hint in STATEMENTS:
            label = QLabel(label_text, body)  # (the & marks the key that moves to the box, with Alt)
            label.setStyleSheet("font-weight: bold;")
            edit = QPlainTextEdit(body)
            edit.setTabChangesFocus(True)
            edit.setAccessibleName(label_text.replace("&", ""))
            edit.setMinimumHeight(88)  # about five lines; longer texts scroll inside the box
            edit.setMaximumHeight(130)
            label.setBuddy(edit)
            help_text = QLabel(hint, body)
            help_text.setWordWrap(True)
            help_text.setStyleSheet("color: palette(placeholder-text);")
            self.texts[field] = edit
            self.notes[field] = FieldNote(label_text.replace("&", "").lower(), body)
            for widget in (label, help_text, edit, self.notes[field]):
                layout.addWidget(widget)
        affirm_box = QGroupBox("Your affirmation (required to sign)", body)
        affirm_layout = QVBoxLayout(affirm_box)
        self.affirmed = QCheckBox(exceptions.AFFIRMATION, affirm_box)
        self.affirmed.setAccessibleName("I affirm that this request does not use charges, or the threat of charges, "
                                        "to obtain anyone's cooperation")
        self.affirmed.setStyleSheet("QCheckBox { font-weight: bold; }")
        affirm_text = QLabel(self.affirmed.text(), affirm_box)  # a checkbox's own text does not wrap
        affirm_text.setWordWrap(True)
        affirm_text.setBuddy(self.affirmed)
        self.affirmed.setText("I &affirm:")
        row = QHBoxLayout()
        row.addWidget(self.affirmed, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(affirm_text, 1)
        affirm_layout.addLayout(row)
        section_2 = exceptions.affirmation_quote(profile)
        why = QLabel(f"“{section_2.text}” — {section_2.source}", affirm_box)
        why.setObjectName("sectionQuote")
        why.setWordWrap(True)
        why.setStyleSheet("font-style: italic; margin-left: 12px;")
        why.setAccessibleName("Policy text, section 2")
        affirm_layout.addWidget(why)
        self.notes["affirmed"] = FieldNote("the affirmation", affirm_box)
        affirm_layout.addWidget(self.notes["affirmed"])
        layout.addWidget(affirm_box)
        layout.addStretch(1)

        self.problem = QLabel(self)
        self.problem.setObjectName("requestProblem")
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("Problem")
        self.problem.setStyleSheet("font-weight: bold;")
        self.problem.hide()
        outer.addWidget(self.problem)
        buttons = QHBoxLayout()
        self.cancel_button = self._button("Cancel", "Cancel the request", self.reject, buttons)
        buttons.addStretch(1)
        self.draft_button = self._button("Save &draft", "Save the request as a draft", self.save_draft, buttons)
        self.submit_button = self._button("&Sign and submit…", "Sign the request and submit it to a supervisor",
                                          self.sign_and_submit, buttons)
        outer.addLayout(buttons)
        if not session.may(Op.SIGN):
            self.submit_button.setEnabled(False)
            self.submit_button.setToolTip(f"Your role ({session.role.value}) may not sign documents: save a draft "
                                          "and ask a colleague who may.")

    def heightForWidth(self, width: int) -> int:
        """The height the form asks for to show its wrapped texts (a problem said above the buttons, or under a
        field), at most the free height of its screen: the body scrolls instead, and the buttons stay in view."""
        needed = super().heightForWidth(width)
        free = free_area(self)
        return needed if free is None else min(needed, free.height() - FRAME_ALLOWANCE)

    def _button(self, text: str, accessible: str, slot: Callable[[], object], row: QHBoxLayout) -> QPushButton:
        button = QPushButton(text, self)
        button.setAccessibleName(accessible)
        button.setAutoDefault(False)
        button.clicked.connect(lambda _checked=False: slot())
        row.addWidget(button)
        return button

    # ------------------------------------------------------------------------------------------ values

    def chosen_charges(self) -> list[str]:
        return [charge for charge, box in self.charges.items() if box.isChecked()]

    def statements(self) -> dict[str, str]:
        """The ground and the three statements, as the services take them."""
        ground = next((key for key, button in self.grounds.items() if button.isChecked()), "")
        return {"ground": ground, **{field: edit.toPlainText() for field, edit in self.texts.items()}}

    def _clear_problems(self) -> None:
        for note in self.notes.values():
            note.clear_note()
        self.problem.hide()

    def _checked(self) -> bool:
        """The services' own check of the statements, before anything is stored or a password asked."""
        self._clear_problems()
        try:
            exceptions.check_texts(**self.statements(), charge_ids=self.chosen_charges())
        except FieldProblem as exc:
            self.show_error(exc)
            return False
        return True

    def show_error(self, exc: BaseException) -> None:
        """A field problem under its field; a refusal (which cites the policy) or a printing problem above the
        buttons; anything else is a bug for the crash handler."""
        self._busy(False)
        if isinstance(exc, FieldProblem) and exc.field in self.notes:
            self.notes[exc.field].say(str(exc))
            widget = self.texts.get(exc.field)
            if widget is not None:
                widget.setFocus()
            self._reveal(widget, self.notes[exc.field])
            return
        if isinstance(exc, AccessProblem | FieldProblem | MissingGlyphs):
            self.problem.setText(f"⚠ {exc}")
            self.problem.setAccessibleDescription(str(exc))
            self.problem.show()
            fit_height(self)  # (never taller than the screen: heightForWidth)
            keep_inside_screen(self)
            return
        show_problem(self, "The request was not made", exc)

    def _reveal(self, *widgets: QWidget | None) -> None:
        """Scroll the body so that `widgets` (a field, then the problem said under it) are in view: on a small
        screen the field may be far below what is shown. Done once the event loop has laid out the body again
        (a problem just shown has no place in it before)."""
        def reveal() -> None:
            for widget in widgets:
                if widget is not None:
                    self.body_scroll.ensureWidgetVisible(widget, 0, 8)

        QTimer.singleShot(0, self, reveal)

    def _busy(self, busy: bool) -> None:
        for button in (self.draft_button, self.submit_button, self.cancel_button):
            button.setEnabled(not busy and (button is not self.submit_button or self.session.may(Op.SIGN)))

    # ------------------------------------------------------------------------------------------ actions

    def save_draft(self) -> None:
        if not self._checked():
            return
        try:
            self.request_id = exceptions.draft_request(self.session, self.case.case_number, self.chosen_charges(),
                                                       **self.statements())
        except Exception as exc:
            self.show_error(exc)
            return
        self.drafted.emit(self.request_id)
        self.accept()

    def sign_and_submit(self) -> None:
        if not self._checked():
            return
        if not self.affirmed.isChecked():  # section 2: nothing is signed without it
            self.notes["affirmed"].say("Tick the affirmation: a request is signed only with it (section 2: the "
                                       "threat of prosecution is not used to obtain cooperation).")
            self.affirmed.setFocus()
            self._reveal(self.affirmed, self.notes["affirmed"])
            return
        if not confirm_for(self.session, Op.SIGN, self):
            return
        charge_ids, texts = self.chosen_charges(), self.statements()
        self._busy(True)
        number, session = self.case.case_number, self.session
        self.task = run_task(self, "Signing and submitting the request",
                             lambda _p: exceptions.submit_new(session, number, charge_ids, ground=texts["ground"],
                                                              public_safety=texts["public_safety"],
                                                              justification=texts["justification"],
                                                              evidence=texts["evidence"], affirmed=True),
                             on_done=self._submitted, on_error=self.show_error)

    def reject(self) -> None:
        if not still_working(self.task):  # the signing in progress is shown to its end
            super().reject()

    def _submitted(self, request_id: int) -> None:
        self.request_id = request_id
        self.submitted.emit(request_id)
        document = exceptions.request_detail(self.session, request_id).latest_document
        if document is not None:
            self.viewer = show_stored_document(self.session, document, self.parentWidget())
        self.accept()
