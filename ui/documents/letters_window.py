"""Letters and memos: the drafts and signed letters of the case file (or of one case), with what a paralegal, a
signer and a defense attorney do with them — draft every eligible person's letter, edit a draft's own words,
preview, sign one or a selection after one password, print, save the PDF, export a .docx.

Every action calls `casereview.services.letters`; long work (drafting for the whole file, signing a selection) runs
in the background with progress and Cancel.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from html import escape
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
from casereview.services.office import RELIEF_KINDS, FieldProblem, office_of
from casereview.services.session import UserSession
from ui.access.reauth import confirm_for
from ui.documents.document_view import DocumentView, ask_to_sign, print_export
from ui.shared import file_dialogs
from ui.shared.problems import is_expected, show_problem
from ui.shared.table_fill import filling, select_rows
from ui.shared.worker import Task, run_task, still_working

STATUS_WORDS = {"draft": "Draft", "signed": "Signed"}
HELD_WORDS = "Held: find out first"
FIELD_LABELS = {"addressee": "&To (court or office, one line each):", "salutation": "&Greeting:",
                "remarks": "&Your own paragraphs (optional):", "closing": "&Closing:"}
FIELD_HELP = {
    "addressee": "Who receives the letter, as it is printed at the top.",
    "salutation": "For example “To the Court:” or “Dear Counsel:”.",
    "remarks": "Anything the office wants to add, in its own words. Leave a blank line between paragraphs. The "
               "records, the office's statement and the quoted policy are filled in from the case file.",
    "closing": "For example “Respectfully submitted,”.",
}
RECORDED_HELP = {
    "answered_caption": "Only when the letter answers an application with its own caption, for example “In the "
                        "Matter of the Application of Dana Roe”. Left empty, the criminal case's caption is used.",
    "answered_docket": "The docket number of that application. An arrest with no court case of its own needs it.",
    "copy_to": "Who is sent a copy, and how: for example “Dana Roe, petitioner, by first-class mail to the address "
               "of record”. The office's certificate of service names them.",
}


def _held_reason(drafts: list[letters.LetterRow]) -> str:
    """Why the selected drafts cannot be signed because one is held (empty when none is)."""
    held = [r for r in drafts if r.find_out]
    if not held:
        return ""
    if len(held) == 1:
        r = held[0]
        return (f"Held: the letter for {r.person or 'the case'} (case {r.case_number}) cannot be signed until these "
                f"are found out: {'; '.join(r.find_out)}.")
    return (f"{len(held)} of the selected letters are held (nothing is signed with a gap): select only the letters "
            "ready to sign, or find out what each held one lists below.")


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
            self.relief = self._relief_chooser(session, relief)
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
            note = self._note()
            form.addRow(label, box)
            form.addRow("", note)
            self.fields[name], self.notes[name] = box, note
        # What the user records for a letter to the court (not prose): the application it answers, the copy line.
        self.recorded: dict[str, QLineEdit] = {}
        if row.kind == "non_opposition":
            values = letters.recorded_fields(session, letter_id)
            for name in letters.RECORDED:
                line = QLineEdit(values.get(name, ""), self)
                line.setAccessibleName(letters.RECORDED_LABELS[name])
                line.setToolTip(RECORDED_HELP[name])
                line.setMaxLength(500)
                label = QLabel(f"{letters.RECORDED_LABELS[name]}:", self)
                label.setBuddy(line)
                note = self._note()
                form.addRow(label, line)
                form.addRow("", note)
                self.recorded[name], self.notes[name] = line, note
        if row.find_out:
            held = QLabel("<b>Held: it cannot be signed until these are found out:</b><ul>" +
                          "".join(f"<li>{escape(x)}</li>" for x in row.find_out) + "</ul>", self)
            held.setObjectName("findOut")
            held.setWordWrap(True)
            held.setTextFormat(Qt.TextFormat.RichText)
            held.setAccessibleName("What to find out before the letter can be signed")
            layout.addWidget(held)
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

    def _note(self) -> QLabel:
        note = QLabel(self)
        note.setWordWrap(True)
        note.setObjectName("fieldProblem")
        note.setStyleSheet("color: palette(highlight);")
        note.hide()
        return note

    def _relief_chooser(self, session: UserSession, relief: str | None) -> QComboBox:
        """The relief the letter names, in the state's own words: by default every term the office set (joined
        with "or"), or one of them; a choice stored earlier that is no longer offered stays listed as it is."""
        office = office_of(session.workspace)
        chooser = QComboBox(self)
        chooser.setAccessibleName("Relief the letter names")
        for label, value in letters.relief_choices(office):
            chooser.addItem(label, value)
        if not any(office.relief_term(k) for k in RELIEF_KINDS):
            chooser.setItemText(0, f"Section 6's own list: {letters.GENERIC_RELIEF} (the office set none of the "
                                   "state's own terms)")
            chooser.setToolTip("The state's own terms are set in Administration → Office profile.")
        index = chooser.findData(letters.DEFAULT_RELIEF if relief is None else relief)
        if index < 0:  # several kinds, or a kind whose term the office has since removed: kept as chosen
            kinds = [k for k in (relief or "").split(",") if k in RELIEF_KINDS]
            chooser.addItem(f"As chosen before: {letters.relief_words(office, relief)}", kinds)
            index = chooser.count() - 1
        chooser.setCurrentIndex(index)
        return chooser

    def save(self) -> None:
        for note in self.notes.values():
            note.hide()
        self.problem.clear()
        texts = {name: box.toPlainText() for name, box in self.fields.items()}
        recorded = {name: line.text() for name, line in self.recorded.items()}
        relief = self.relief.currentData() if self.relief is not None else None
        try:
            self.version = letters.edit_letter(self.session, self.letter_id, version=self.version, relief=relief,
                                               **recorded, **texts)
        except FieldProblem as exc:
            field_note = self.notes.get(exc.field)
            if field_note is None:
                self.problem.setText(str(exc))
            else:
                field_note.setText(str(exc))
                field_note.show()
                widget = self.fields.get(exc.field) or self.recorded.get(exc.field)
                if widget is not None:
                    widget.setFocus()
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
        self.held.setAccessibleName("Letters held, and records waiting for a review: what to find out")
        self.held.setMaximumHeight(150)
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
        self.no_letter: list[letters.Held] = []  # the last drafting's people with no letter yet (a record in review)
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
        kept = [r.id for r in self.selected()]  # (selected again once the rows are in)
        with filling(self.table):
            self.table.setRowCount(len(self.rows))
            for n, r in enumerate(self.rows):
                cells = (KIND_LABELS[r.kind], r.case_number, r.person or "—",
                         ", ".join(f"charge {c}" for c in r.records) or "—",
                         HELD_WORDS if r.find_out else STATUS_WORDS.get(r.status, r.status),
                         r.updated_at.replace("T", " "))
                for column, text in enumerate(cells):
                    item = QTableWidgetItem(text)
                    item.setData(Qt.ItemDataRole.UserRole, r.id)
                    if r.find_out:
                        item.setToolTip("Held: it cannot be signed until these are found out:\n• " +
                                        "\n• ".join(r.find_out))
                    self.table.setItem(n, column, item)
        if kept:
            self.select_ids(kept)
        drafts = sum(r.status == "draft" for r in self.rows)
        held = sum(bool(r.find_out) for r in self.rows)
        self.summary.setText(f"{len(self.rows)} letter(s): {drafts} draft(s){f' ({held} held)' if held else ''}, "
                             f"{len(self.rows) - drafts} signed. {note}".strip())
        self._show_held()
        self._update_buttons()

    def _show_held(self) -> None:
        """What to find out: for each held draft (nothing is signed with a gap), and for each person the last
        drafting gave no letter yet (a record of theirs in review)."""
        parts = []
        held = [r for r in self.rows if r.find_out]
        if held:
            items = "".join(f"<li>{escape(KIND_LABELS[r.kind])} for <b>{escape(r.person or 'the case')}</b>, case "
                            f"{escape(r.case_number)}: find out {escape('; '.join(r.find_out))}.</li>" for r in held)
            parts.append(f"<p><b>Held until these are found out</b> (a letter is never signed with a gap):</p>"
                         f"<ul>{items}</ul>")
        if self.no_letter:
            items = "".join(f"<li><b>{escape(h.person)}</b>, case {escape(h.case_number)}: find out "
                            f"{escape('; '.join(h.find_out))}.</li>" for h in self.no_letter)
            parts.append(f"<p><b>No letter yet</b> for these people: a record of theirs is in review, and a letter "
                         f"must cover all of a case.</p><ul>{items}</ul>")
        self.held.setHtml("".join(parts))
        self.held.setVisible(bool(parts))

    def selected(self) -> list[letters.LetterRow]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.rows[n] for n in rows if n < len(self.rows)]

    def select_ids(self, ids: list[int]) -> None:
        wanted = set(ids)
        select_rows(self.table, (r.id in wanted for r in self.rows))

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
            self.sign_button: cannot_sign or ("" if drafts else "Select the drafts to sign.") or _held_reason(drafts),
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
        self.no_letter = list(report.held)
        held = f" {len(report.incomplete)} held until something is found out (below)." if report.incomplete else ""
        clients = (f" {report.not_clients} person(s) with eligible records are not recorded as clients: no request "
                   "for them." if report.not_clients else "")
        self.reload(f"Drafted {len(report.drafted)}, brought {len(report.updated)} up to date, "
                    f"{len(report.unchanged)} unchanged, {report.already_signed} already signed.{held}{clients}")
        self.select_ids(report.drafted + report.updated)

    def draft_one(self) -> None:
        if self.case_number is None:
            return
        kinds = list(("non_opposition",) if self.prosecutor else letters.CLIENT_KINDS)
        labels = [KIND_LABELS[k] for k in kinds]
        label, ok = QInputDialog.getItem(self, "New letter", "Which letter?", labels, 0, False)
        if not ok:
            return
        kind = kinds[labels.index(label)]
        from casereview.services.cases import read_case, read_defense

        try:
            case, _version = read_case(self.session, self.case_number)
            clients = read_defense(self.session, self.case_number).clients if not self.prosecutor else frozenset()
        except Exception as exc:
            if not is_expected(exc):
                raise
            show_problem(self, "The letter was not drafted", exc)
            return
        people = list(case.people) if self.prosecutor else [p for p in case.people if p.id in clients]
        if not people:  # a defense document is made for a client of the office, and for no one else
            QMessageBox.information(
                self, "No client in this case",
                f"No one in case {self.case_number} is recorded as a client of this office. A "
                f"{KIND_LABELS[kind].lower()} is made for a client: tick Client for them in the case (beside the "
                "case's people), save the case, then draft again.")
            self.reload(f"No {KIND_LABELS[kind].lower()} drafted: no one in case {self.case_number} is recorded as a "
                        "client.")
            return
        if len(people) == 1 and not self.prosecutor:
            person = people[0].id  # the case's one client
        else:
            names = [p.label() for p in people]
            chosen, ok = QInputDialog.getItem(self, "New letter", "For which client?" if not self.prosecutor else
                                              "For whom?", names, 0, False)
            if not ok:
                return
            person = people[names.index(chosen)].id
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
