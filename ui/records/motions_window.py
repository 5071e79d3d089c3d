"""Records → Motions to dismiss and on warrants…: the motions of the case file, with what a paralegal and a
prosecutor do with them — draft them (one per court listing every case, or one per case), see which charges are
left out and what to find out, preview, sign a selection after one password, save them to a folder.

Every action calls `casereview.services.motions`; drafting and signing run in the background with progress and
Cancel.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from casereview.documents.motions import SCOPE_LABELS, title_of
from casereview.progress import Progress
from casereview.services import motions
from casereview.services.access import Op
from casereview.services.identities import office_trust_roots
from casereview.services.office import office_of
from casereview.services.session import UserSession
from ui.access.reauth import confirm_for
from ui.documents.document_view import DocumentView, ask_to_sign, print_export
from ui.shared import file_dialogs
from ui.shared.problems import is_expected, show_problem
from ui.shared.screen import fit_to_screen
from ui.shared.table_fill import filling, select_rows
from ui.shared.worker import Task, run_task, still_working

HELD_WORDS = "Held: find out first"
STATUS_WORDS = {"draft": "Draft", "signed": "Signed"}


class MotionsWindow(QDialog):
    """The motions of the case file, with the actions the user's role allows; the others are shown disabled with
    the reason."""

    def __init__(self, session: UserSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Motions to dismiss and on warrants")
        layout = QVBoxLayout(self)
        intro = QLabel("The open charges the policy declines or protects, in motions to the court: to dismiss them, "
                       "and to vacate or quash the warrants outstanding on them. A paralegal drafts them; a prosecutor "
                       "or supervisor signs them. A charge whose court, docket number or defendant's name is not in "
                       "the case file is left out until it is found out.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        choose = QHBoxLayout()
        self.dismiss_box = QCheckBox("Motions to &dismiss charges", self)
        self.dismiss_box.setChecked(True)
        self.warrants_box = QCheckBox("Motions on outstanding &warrants", self)
        self.warrants_box.setChecked(True)
        self.scope = QComboBox(self)
        self.scope.setAccessibleName("How many motions")
        for scope, label in SCOPE_LABELS.items():
            self.scope.addItem(label[0].upper() + label[1:], scope)
        self.scope.currentIndexChanged.connect(lambda _i: self.reload())
        for widget in (self.dismiss_box, self.warrants_box):
            widget.toggled.connect(lambda _on: self._update_buttons())
            choose.addWidget(widget)
        scope_label = QLabel("&Make:", self)
        scope_label.setBuddy(self.scope)
        choose.addSpacing(16)
        choose.addWidget(scope_label)
        choose.addWidget(self.scope)
        choose.addStretch(1)
        layout.addLayout(choose)

        self.table = QTableWidget(0, 6, self)
        self.table.setHorizontalHeaderLabels(["Motion", "Court", "Case", "Charges", "Status", "Changed"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        self.table.setAccessibleName("Motions")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _i: self.preview())
        layout.addWidget(self.table, 1)

        self.held = QTextBrowser(self)
        self.held.setAccessibleName("Charges left out and motions held: what to find out")
        self.held.setMaximumHeight(160)
        self.held.hide()
        layout.addWidget(self.held)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Motions summary")
        layout.addWidget(self.summary)

        row = QHBoxLayout()
        self.draft_button = self._button("&Draft motions", self.draft, row)
        self.preview_button = self._button("&Preview", self.preview, row)
        self.sign_button = self._button("S&ign selected…", self.sign, row)
        self.save_button = self._button("&Save to a folder…", self.save, row)
        row.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        row.addWidget(close)
        layout.addLayout(row)
        self.rows: list[motions.MotionRow] = []
        self.left: list[motions.Left] = []  # the last drafting's charges left out, with what to find out
        self.task: Task[Any] | None = None
        office = office_of(session.workspace)
        self.titles = {kind: title_of(kind, office.dismissal_style, office.warrant_term)
                       for kind in ("dismiss", "warrants")}
        fit_to_screen(self, 1000, 640)
        self.reload()

    def _button(self, text: str, slot: Callable[[], object], row: QHBoxLayout) -> QPushButton:
        button = QPushButton(text, self)
        button.setAutoDefault(False)
        button.setAccessibleName(text.replace("&", "").rstrip("…"))
        button.clicked.connect(lambda _checked=False: slot())
        row.addWidget(button)
        return button

    def kinds(self) -> tuple[str, ...]:
        return tuple(k for k, box in (("dismiss", self.dismiss_box), ("warrants", self.warrants_box))
                     if box.isChecked())

    # ------------------------------------------------------------------------------------------------ showing

    def reload(self, note: str = "") -> None:
        scope = self.scope.currentData()
        try:
            self.rows = [r for r in motions.list_motions(self.session) if r.scope == scope]
        except Exception as exc:
            if not is_expected(exc):
                raise
            self.rows, note = [], str(exc)
        kept = [r.id for r in self.selected()]  # (selected again once the rows are in)
        with filling(self.table):
            self.table.setRowCount(len(self.rows))
            for n, r in enumerate(self.rows):
                cells = (self.titles[r.kind], r.court, r.case_number or f"{r.cases} case(s)", str(r.charges),
                         HELD_WORDS if r.find_out else STATUS_WORDS.get(r.status, r.status), r.updated_at)
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
        charges = sum(r.charges for r in self.rows)
        self.summary.setText(f"{len(self.rows)} motion(s) listing {charges} charge(s): {drafts} draft(s)"
                             f"{f' ({held} held)' if held else ''}, {len(self.rows) - drafts} signed. {note}".strip())
        self._show_held()
        self._update_buttons()

    def _show_held(self) -> None:
        parts = []
        held = [r for r in self.rows if r.find_out]
        if held:
            items = "".join(f"<li>{escape(self.titles[r.kind])}, {escape(r.court)}: find out "
                            f"{escape('; '.join(r.find_out))}.</li>" for r in held)
            parts.append(f"<p><b>Held until these are found out</b> (a motion is never signed with a gap):</p>"
                         f"<ul>{items}</ul>")
        if self.left:
            items = "".join(f"<li>Charge {escape(x.charge)} of case {escape(x.case_number)} "
                            f"(<b>{escape(x.person)}</b>): find out {escape('; '.join(x.find_out))}.</li>"
                            for x in self.left)
            parts.append(f"<p><b>Left out of the motions</b> until these are found out:</p><ul>{items}</ul>")
        self.held.setHtml("".join(parts))
        self.held.setVisible(bool(parts))

    def selected(self) -> list[motions.MotionRow]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.rows[n] for n in rows if n < len(self.rows)]

    def select_ids(self, ids: list[int]) -> None:
        wanted = set(ids)
        select_rows(self.table, (r.id in wanted for r in self.rows))

    def _update_buttons(self) -> None:
        chosen = self.selected()
        drafts = [r for r in chosen if r.status == "draft"]
        role = self.session.role.value
        may_draft = self.session.may(Op.DRAFT_LETTERS)
        cannot_sign = motions.may_sign(self.session)
        held = [r for r in drafts if r.find_out]
        why_not = {
            self.draft_button: (f"A {role} does not draft motions." if not may_draft else
                                "" if self.kinds() else "Tick the motions to draft."),
            self.preview_button: "" if len(chosen) == 1 else "Select one motion to preview.",
            self.sign_button: cannot_sign or ("" if drafts else "Select the drafts to sign.") or (
                f"{len(held)} of the drafts selected are held: find out what they need first (below)."
                if held else ""),
            self.save_button: "" if chosen else "Select the motions to save.",
        }
        for button, reason in why_not.items():
            button.setEnabled(not reason)
            button.setToolTip(reason)

    # ------------------------------------------------------------------------------------------------ actions

    def draft(self) -> None:
        kinds, scope = self.kinds(), self.scope.currentData()

        def work(progress: Progress) -> motions.MotionReport:
            return motions.draft_motions(self.session, kinds=kinds, scope=scope, progress=progress)

        self.task = run_task(self, "Drafting motions", work, on_done=self._drafted,
                             on_error=lambda exc: self._failed("The motions were not drafted", exc))

    def _drafted(self, report: motions.MotionReport) -> None:
        self.left = list(report.left)
        held = f" {len(report.held)} held until something is found out (below)." if report.held else ""
        left = f" {len(report.left)} charge(s) left out (below)." if report.left else ""
        self.reload(f"Drafted {len(report.drafted)}, brought {len(report.updated)} up to date, "
                    f"{len(report.unchanged)} unchanged; {report.already_signed} charge(s) already in signed "
                    f"motions.{held}{left}")
        self.select_ids(report.drafted + report.updated)

    def preview(self) -> DocumentView | None:
        chosen = self.selected()
        if len(chosen) != 1:
            return None
        row = chosen[0]
        try:
            pdf = motions.preview(self.session, row.id)
        except Exception as exc:
            if not is_expected(exc):
                raise
            show_problem(self, "The motion cannot be shown", exc)
            return None
        op = Op.EXPORT if row.status == "signed" else Op.DRAFT_LETTERS

        def save_copy(path: Path) -> object:
            if not confirm_for(self.session, op, self):
                return False
            return motions.write_motions(self.session, path.parent, [row.id])

        view = DocumentView(f"{self.titles[row.kind]} — {row.court}"
                            f"{' (draft, not signed)' if row.status == 'draft' else ''}", pdf,
                            save_copy=save_copy if self.session.may(op) else None,
                            file_name=f"{motions.file_stem(row)}.pdf",
                            trust_roots=office_trust_roots(self.session.workspace), parent=self)
        view.pane.set_print_guard(print_export(self.session, op, "motion_exported", f"motion:{row.id}:printed", view),
                                  why_not=f"Your role ({self.session.role.value}) may not {op.value}: printing is "
                                          "an export.")
        view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        view.show()
        return view

    def sign(self) -> None:
        drafts = [r.id for r in self.selected() if r.status == "draft" and not r.find_out]
        if not drafts or not ask_to_sign(self, f"Sign {len(drafts)} motion{'s' if len(drafts) != 1 else ''}",
                                         self.session, "Sign motions"):
            return
        if not confirm_for(self.session, Op.SIGN, self):
            return

        def work(progress: Progress) -> motions.SignReport:
            return motions.sign_motions(self.session, drafts, progress=progress)

        self.task = run_task(self, f"Signing {len(drafts)} motion(s)", work, on_done=self._signed,
                             on_error=lambda exc: self._failed("Not every motion was signed", exc))

    def _signed(self, report: motions.SignReport) -> None:
        self.reload(f"Signed {len(report.signed)} motion(s).")
        self.select_ids(report.signed)
        if report.refused:
            QMessageBox.warning(self, "Some motions were not signed",
                                "\n\n".join(f"Motion {motion_id}: {why}" for motion_id, why in report.refused))

    def save(self) -> None:
        chosen = self.selected()
        if not chosen:
            return
        if any(r.status == "signed" for r in chosen) and not confirm_for(self.session, Op.EXPORT, self):
            return
        folder = file_dialogs.get_existing_directory(self, "Save the motions in")
        if not folder:
            return
        try:
            written, left_out = motions.write_motions(self.session, Path(folder), [r.id for r in chosen])
        except Exception as exc:
            if not is_expected(exc):
                raise
            show_problem(self, "The motions were not saved", exc)
            return
        note = f"Saved {len(written)} file(s) in {folder} (only you can read them)."
        if left_out:
            note += (f" {len(left_out)} signed motion(s) not saved: a {self.session.role.value} may not export "
                     "signed documents.")
        self.reload(note)

    def reject(self) -> None:
        if not still_working(self.task):
            super().reject()

    def _failed(self, title: str, exc: BaseException) -> None:
        show_problem(self, title, exc)
        self.reload()
