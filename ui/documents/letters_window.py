"""Letters and memos: the drafts and signed letters of the case file (or of one case), with what a paralegal, a
signer and a defense attorney do with them — draft every eligible person's letter, edit a draft's own words,
preview, sign one or a selection after one password, print, save the PDF, export a .docx.

Every action calls `casereview.services.letters`; long work (drafting for the whole file, signing a selection) runs
in the background with progress and Cancel.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from casereview.documents.letters import KIND_LABELS
from casereview.progress import Progress
from casereview.services import letters
from casereview.services.access import OfficeType, Op
from casereview.services.identities import office_trust_roots
from casereview.services.office import RELIEF_KINDS, RELIEF_LABELS, FieldProblem, office_of
from casereview.services.session import UserSession
from ui.access.reauth import confirm_for
from ui.documents.document_view import DocumentView, ask_to_sign, print_export
from ui.shared import file_dialogs
from ui.shared.problems import is_expected, show_problem
from ui.shared.worker import Task, run_task, still_working

STATUS_WORDS = {"draft": "Draft", "signed": "Signed"}
FIELD_LABELS = {"addressee": "&To (court or office, one line each):", "salutation": "&Greeting:",
                "remarks": "&Your own paragraphs (optional):", "closing": "&Closing:"}
FIELD_HELP = {
    "addressee": "Who receives the letter, as it is printed at the top.",
    "salutation": "For example “To the Court:” or “Dear Counsel:”.",
    "remarks": "Anything the office wants to add, in its own words. Leave a blank line between paragraphs. The "
               "records, the office's statement and the quoted policy are filled in from the case file.",
    "closing": "For example “Respectfully submitted,”.",
}


def _folded(text: str) -> str:
    """For finding: case- and accent-insensitive ("nguyen" finds "Nguyễn")."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(ch))


class LetterEditor(QDialog):
    """A draft's own words (and the relief it names): saved through the service, which refuses a change someone
    else made first and names the field of any problem."""

    def __init__(self, session: UserSession, letter_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session, self.letter_id = session, letter_id
        row, texts, relief = letters.letter_fields(session, letter_id)
        self.version = row.version
        self.setWindowTitle(f"Edit the draft — {KIND_LABELS[row.kind]}, case {row.case_number}")
        layout = QVBoxLayout(self)
        intro = QLabel(f"{KIND_LABELS[row.kind]} for {row.person or 'the case'}, case {row.case_number}. Only the "
                       "parts below are yours to write; the rest comes from the case file.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.fields: dict[str, QPlainTextEdit] = {}
        self.notes: dict[str, QLabel] = {}
        self.relief: QComboBox | None = None
        if row.kind in letters.RECORD_KINDS:
            office = office_of(session.workspace)
            self.relief = QComboBox(self)
            self.relief.setAccessibleName("Relief the letter names")
            self.relief.addItem("Section 6's own list (expungement, record sealing, non-disclosure, or vacatur)",
                                None)
            for kind in RELIEF_KINDS:
                word = office.relief_term(kind)
                self.relief.addItem(f"{RELIEF_LABELS[kind]}{f' — called “{word}” in this state' if word else ''}",
                                    kind)
            self.relief.setCurrentIndex(max(0, self.relief.findData(relief)))
            label = QLabel("&Relief:", self)
            label.setBuddy(self.relief)
            form.addRow(label, self.relief)
        for name in letters.EDITABLE:
            box = QPlainTextEdit(texts[name], self)
            box.setAccessibleName(FIELD_LABELS[name].replace("&", "").rstrip(":"))
            box.setToolTip(FIELD_HELP[name])
            box.setTabChangesFocus(True)
            box.setMinimumWidth(box.fontMetrics().averageCharWidth() * 64)
            box.setFixedHeight(box.fontMetrics().lineSpacing() * (6 if name == "remarks" else 3) + 12)
            label = QLabel(FIELD_LABELS[name], self)
            label.setBuddy(box)
            note = QLabel(self)
            note.setWordWrap(True)
            note.setObjectName("fieldProblem")
            note.setStyleSheet("color: palette(highlight);")
            note.hide()
            form.addRow(label, box)
            form.addRow("", note)
            self.fields[name], self.notes[name] = box, note
        layout.addLayout(form)
        self.problem = QLabel(self)
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("Problem")
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel,
                                   self)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def save(self) -> None:
        for note in self.notes.values():
            note.hide()
        self.problem.clear()
        texts = {name: box.toPlainText() for name, box in self.fields.items()}
        relief = self.relief.currentData() if self.relief is not None else None
        try:
            self.version = letters.edit_letter(self.session, self.letter_id, version=self.version, relief=relief,
                                               **texts)
        except FieldProblem as exc:
            field_note = self.notes.get(exc.field)
            if field_note is None:
                self.problem.setText(str(exc))
            else:
                field_note.setText(str(exc))
                field_note.show()
                self.fields[exc.field].setFocus()
            return
        except Exception as exc:
            if not is_expected(exc):
                raise
            self.problem.setText(str(exc))
            return
        self.accept()


class LettersWindow(QDialog):
    """The letters of the case file (or of `case_number`), with the actions the user's role allows; the others are
    shown disabled with the reason."""

    def __init__(self, session: UserSession, case_number: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session, self.case_number = session, case_number
        self.prosecutor = session.office_type == OfficeType.PROSECUTOR
        self.setWindowTitle(f"Letters and memos{f' — case {case_number}' if case_number else ''}")
        self.resize(980, 620)
        layout = QVBoxLayout(self)
        intro = QLabel(
            ("Section 6 letters tell a court that the office will not contest record relief. A paralegal drafts "
             "them; the head of office or a designee signs them." if self.prosecutor else
             "Requests for non-opposition to the prosecutor, screening memos for a motion, and plain-language "
             "summaries for clients. The attorney signs them."), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        filters = QHBoxLayout()
        self.show_status = QComboBox(self)
        self.show_status.setAccessibleName("Show")
        for text, value in (("All letters", None), ("Drafts", "draft"), ("Signed", "signed")):
            self.show_status.addItem(text, value)
        self.show_status.currentIndexChanged.connect(lambda _i: self.reload())
        show_label = QLabel("&Show:", self)
        show_label.setBuddy(self.show_status)
        filters.addWidget(show_label)
        filters.addWidget(self.show_status)
        self.finder = QLineEdit(self)
        self.finder.setPlaceholderText("a person's name or a case number")
        self.finder.setAccessibleName("Find a person or case")
        self.finder.setClearButtonEnabled(True)
        self.finder.textChanged.connect(lambda _text: self.reload())
        find_label = QLabel("&Find:", self)
        find_label.setBuddy(self.finder)
        filters.addSpacing(16)
        filters.addWidget(find_label)
        filters.addWidget(self.finder, 1)
        filters.addStretch(1)
        layout.addLayout(filters)

        self.table = QTableWidget(0, 6, self)
        self.table.setHorizontalHeaderLabels(["Letter", "Case", "Person", "Records", "Status", "Changed"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAccessibleName("Letters")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _i: self.preview())
        layout.addWidget(self.table, 1)

        self.held = QTextBrowser(self)
        self.held.setAccessibleName("Records waiting for a review")
        self.held.setMaximumHeight(110)
        self.held.hide()
        layout.addWidget(self.held)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Letters summary")
        layout.addWidget(self.summary)

        row = QHBoxLayout()
        self.draft_button = self._button("&Draft letters for everyone eligible", self.draft_all, row)
        self.new_button = self._button("&New for this case…", self.draft_one, row)
        self.edit_button = self._button("&Edit…", self.edit, row)
        self.preview_button = self._button("&Preview", self.preview, row)
        self.sign_button = self._button("S&ign selected…", self.sign, row)
        self.docx_button = self._button("Export .do&cx…", self.export_docx, row)
        self.delete_button = self._button("De&lete draft", self.delete, row)
        row.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        row.addWidget(close)
        layout.addLayout(row)
        self.new_button.setVisible(case_number is not None)
        self.rows: list[letters.LetterRow] = []
        self.task: Task[Any] | None = None
        self.cannot_sign: str | None = None
        self.reload()

    def _button(self, text: str, slot: Callable[[], object], row: QHBoxLayout) -> QPushButton:
        button = QPushButton(text, self)
        button.setAutoDefault(False)
        button.setAccessibleName(text.replace("&", "").rstrip("…"))
        button.clicked.connect(lambda _checked=False: slot())
        row.addWidget(button)
        return button

    # ------------------------------------------------------------------------------------------------ showing

    def reload(self, note: str = "") -> None:
        try:
            self.rows = letters.list_letters(self.session, status=self.show_status.currentData(),
                                             case_number=self.case_number)
        except Exception as exc:
            if not is_expected(exc):
                raise
            self.rows, note = [], str(exc)
        self.cannot_sign = letters.may_sign(self.session)  # (a query: once per reload, not per selection)
        wanted = _folded(self.finder.text())
        if wanted:
            self.rows = [r for r in self.rows if wanted in _folded(f"{r.person} {r.case_number}")]
        self.table.setRowCount(len(self.rows))
        for n, r in enumerate(self.rows):
            cells = (KIND_LABELS[r.kind], r.case_number, r.person or "—",
                     ", ".join(f"charge {c}" for c in r.records) or "—", STATUS_WORDS.get(r.status, r.status),
                     r.updated_at.replace("T", " "))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, r.id)
                self.table.setItem(n, column, item)
        drafts = sum(r.status == "draft" for r in self.rows)
        self.summary.setText(f"{len(self.rows)} letter(s): {drafts} draft(s), {len(self.rows) - drafts} signed. "
                             f"{note}".strip())
        self._update_buttons()

    def selected(self) -> list[letters.LetterRow]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.rows[n] for n in rows if n < len(self.rows)]

    def select_ids(self, ids: list[int]) -> None:
        self.table.clearSelection()
        mode = self.table.selectionMode()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for n, r in enumerate(self.rows):
            if r.id in ids:
                self.table.selectRow(n)
        self.table.setSelectionMode(mode)

    def _update_buttons(self) -> None:
        chosen = self.selected()
        drafts = [r for r in chosen if r.status == "draft"]
        may_draft = self.session.may(Op.DRAFT_LETTERS)
        cannot_sign = self.cannot_sign
        why_not = {
            self.draft_button: "" if may_draft else f"A {self.session.role.value} does not draft letters.",
            self.new_button: "" if may_draft else f"A {self.session.role.value} does not draft letters.",
            self.edit_button: "" if len(drafts) == 1 and len(chosen) == 1 and may_draft else
            "Select one draft to edit." if may_draft else f"A {self.session.role.value} does not edit letters.",
            self.preview_button: "" if len(chosen) == 1 else "Select one letter to preview.",
            self.sign_button: cannot_sign or ("" if drafts else "Select the drafts to sign."),
            self.docx_button: "Select one draft to export." if len(drafts) != 1 or len(chosen) != 1 else
            "" if may_draft else f"A {self.session.role.value} does not draft letters.",
            self.delete_button: "" if drafts and len(drafts) == len(chosen) and may_draft else
            "Select drafts to delete (signed letters are kept).",
        }
        for button, reason in why_not.items():
            button.setEnabled(not reason)
            button.setToolTip(reason)

    # ------------------------------------------------------------------------------------------------ actions

    def draft_all(self) -> None:
        numbers = [self.case_number] if self.case_number else None

        def work(progress: Progress) -> letters.DraftReport:
            return letters.draft_letters(self.session, case_numbers=numbers, progress=progress)

        self.task = run_task(self, "Drafting letters", work, on_done=self._drafted,
                             on_error=lambda exc: self._failed("The letters were not drafted", exc))

    def _drafted(self, report: letters.DraftReport) -> None:
        self.reload(f"Drafted {len(report.drafted)}, brought {len(report.updated)} up to date, "
                    f"{len(report.unchanged)} unchanged, {report.already_signed} already signed.")
        if report.held:
            lines = "".join(f"<li><b>{h.person}</b>, case {h.case_number}: find out {'; '.join(h.find_out)}.</li>"
                            for h in report.held)
            self.held.setHtml(f"<p>No letter yet for these people: a record of theirs is in review, and a letter "
                              f"must cover all of a case.</p><ul>{lines}</ul>")
            self.held.show()
        else:
            self.held.hide()
        self.select_ids(report.drafted + report.updated)

    def draft_one(self) -> None:
        if self.case_number is None:
            return
        kinds = ["non_opposition"] if self.prosecutor else ["defense_request", "screening_memo", "client_summary"]
        labels = [KIND_LABELS[k] for k in kinds]
        label, ok = QInputDialog.getItem(self, "New letter", "Which letter?", labels, 0, False)
        if not ok:
            return
        kind = kinds[labels.index(label)]
        person = None
        if kind != "screening_memo":
            from casereview.services.cases import read_case

            try:
                case, _version = read_case(self.session, self.case_number)
            except Exception as exc:
                show_problem(self, "The letter was not drafted", exc)
                return
            people = [p.label() for p in case.people]
            chosen, ok = QInputDialog.getItem(self, "New letter", "For whom?", people, 0, False)
            if not ok:
                return
            person = case.people[people.index(chosen)].id
        try:
            letter_id = letters.draft_letter(self.session, self.case_number, kind, person)
        except Exception as exc:
            if not is_expected(exc):
                raise
            show_problem(self, "The letter was not drafted", exc)
            return
        self.reload(f"{KIND_LABELS[kind]} drafted.")
        self.select_ids([letter_id])

    def edit(self) -> None:
        chosen = self.selected()
        if len(chosen) != 1:
            return
        try:
            editor = LetterEditor(self.session, chosen[0].id, self)
        except Exception as exc:
            show_problem(self, "The draft cannot be edited", exc)  # (deleted meanwhile, or the session locked)
            self.reload()
            return
        if editor.exec() == QDialog.DialogCode.Accepted:
            self.reload("The draft was saved.")
            self.select_ids([chosen[0].id])

    def preview(self) -> DocumentView | None:
        chosen = self.selected()
        if len(chosen) != 1:
            return None
        row = chosen[0]
        try:
            pdf = letters.preview(self.session, row.id)
        except Exception as exc:
            if not is_expected(exc):
                raise
            show_problem(self, "The letter cannot be shown", exc)
            return None
        name = f"{row.case_number}-{row.kind}-{row.id}.pdf".replace("/", "_")
        op = letters.export_op(row.status)  # a signed letter leaves the office as an export

        def save_copy(path: Path) -> object:
            if not confirm_for(self.session, op, self):
                return False
            return letters.save_pdf(self.session, row.id, path)

        view = DocumentView(f"{KIND_LABELS[row.kind]} — case {row.case_number}"
                            f"{' (draft, not signed)' if row.status == 'draft' else ''}", pdf,
                            save_copy=save_copy if self.session.may(op) else None, file_name=name,
                            trust_roots=office_trust_roots(self.session.workspace), parent=self)
        # Printing is an export too: the same permission, the password, and a record like the save's.
        view.pane.set_print_guard(print_export(self.session, op, "letter_exported", f"letter:{row.id}:printed", view),
                                  why_not=f"Your role ({self.session.role.value}) may not {op.value}: printing is "
                                          "an export.")
        view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        view.show()
        return view

    def sign(self) -> None:
        drafts = [r.id for r in self.selected() if r.status == "draft"]
        if not drafts or not ask_to_sign(self, f"Sign {len(drafts)} letter{'s' if len(drafts) != 1 else ''}",
                                         self.session, "Sign letters"):
            return
        if not confirm_for(self.session, Op.SIGN_LETTERS, self):
            return

        def work(progress: Progress) -> letters.SignReport:
            return letters.sign_letters(self.session, drafts, progress=progress)

        self.task = run_task(self, f"Signing {len(drafts)} letter(s)", work, on_done=self._signed,
                             on_error=lambda exc: self._failed("Not every letter was signed", exc))

    def reject(self) -> None:
        if not still_working(self.task):  # what was signed, and what was not and why, is shown to its end
            super().reject()

    def _signed(self, report: letters.SignReport) -> None:
        self.reload(f"Signed {len(report.signed)} letter(s).")
        self.select_ids(report.signed)
        if report.refused:
            QMessageBox.warning(self, "Some letters were not signed",
                                "\n\n".join(f"Letter {letter_id}: {why}" for letter_id, why in report.refused))

    def export_docx(self) -> None:
        chosen = self.selected()
        if len(chosen) != 1:
            return
        row = chosen[0]
        suggested = str(Path.home() / f"{row.case_number}-{row.kind}-{row.id}.docx".replace("/", "_"))
        name = file_dialogs.get_save_file_name(self, "Export for a word processor", suggested,
                                               "Word document (*.docx)")
        if not name:
            return
        path = Path(name if name.lower().endswith(".docx") else f"{name}.docx")
        try:
            letters.export_docx(self.session, row.id, path)
        except Exception as exc:
            if not is_expected(exc):
                raise
            show_problem(self, "The .docx was not written", exc)
            return
        self.reload(f"Written to {path} (only you can read it). The signed PDF stays the final form.")

    def delete(self) -> None:
        drafts = [r for r in self.selected() if r.status == "draft"]
        if not drafts:
            return
        answer = QMessageBox.question(self, "Delete drafts", f"Delete {len(drafts)} draft(s)? Drafting again makes "
                                      "new ones from the case file.",
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        deleted = 0
        for row in drafts:
            try:
                letters.delete_draft(self.session, row.id)
            except Exception as exc:
                show_problem(self, "A draft was not deleted", exc)
                break
            deleted += 1
        self.reload(f"Deleted {deleted} draft(s).")

    def _failed(self, title: str, exc: BaseException) -> None:
        show_problem(self, title, exc)  # an unexpected error goes to the crash handler
        self.reload()
