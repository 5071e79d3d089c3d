"""The letters window, driven offscreen over a real encrypted case file: a paralegal drafts every eligible
person's section 6 letter and edits one; the designee signs a selection after one password; the PDF and the .docx
are written; the users screen gives signing authority. Only Qt's modal boxes and file choosers are replaced (they
would wait for a person)."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from typing import Any

import docx
import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from casereview.policy.profile import load_builtin
from casereview.services import cases as casework
from casereview.services import letters
from casereview.services.access import OfficeType, Role
from casereview.services.demo import demo_cases
from casereview.services.session import UserSession, Workspace
from tests.gui.support import choose_file
from tests.helpers import PASSWORD, staff
from ui.access.reauth import PasswordPrompt
from ui.admin.users_dialog import UsersDialog
from ui.documents.letters_window import LetterEditor, LettersWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def office(workspace: Workspace) -> dict[Role, UserSession]:
    users = staff(workspace, OfficeType.PROSECUTOR)
    casework.import_cases(users[Role.PROSECUTOR], demo_cases(), load_builtin())
    return users


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []

    def tell(_parent: Any, _title: str, text: str, *_args: Any) -> QMessageBox.StandardButton:
        shown.append(text)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(tell))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *_a: QMessageBox.StandardButton.Yes))
    return shown


def _wait_rows(qtbot: QtBot, window: LettersWindow, count: int) -> None:
    qtbot.waitUntil(lambda: window.table.rowCount() == count, timeout=20000)


def test_a_paralegal_drafts_and_edits_and_a_designee_signs(qtbot: QtBot, office: dict[Role, UserSession],
                                                          workspace: Workspace, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          warnings: list[str]) -> None:
    para = office[Role.PARALEGAL]
    window = LettersWindow(para)
    qtbot.addWidget(window)
    window.show()
    assert window.table.rowCount() == 0
    assert not window.sign_button.isEnabled() and "does not sign" in window.sign_button.toolTip()
    window.draft_button.click()
    _wait_rows(qtbot, window, 3)
    assert window.held.isVisible() and "Phil Grant" in window.held.toPlainText()
    window.finder.setText("nguyen")  # from a person: accents and case do not matter
    assert [r.person for r in window.rows] == ["Thị Lan Nguyễn"]
    window.finder.clear()
    assert window.table.rowCount() == 3
    assert "age (date of birth) of Ana Cruz" in window.held.toPlainText()

    # Edit one draft: an empty-looking form would be a bug; a change is saved and shows in the preview.
    window.select_ids([window.rows[0].id])
    assert window.edit_button.isEnabled()
    editor = LetterEditor(para, window.rows[0].id, window)
    qtbot.addWidget(editor)
    assert editor.fields["salutation"].toPlainText() == "To the Court:"
    editor.fields["remarks"].setPlainText("The petitioner has completed every condition of the sentence.")
    editor.fields["closing"].setPlainText("x" * 6000)
    editor.save()
    assert editor.notes["closing"].isVisibleTo(editor) and "5,000" in editor.notes["closing"].text()
    editor.fields["closing"].setPlainText("Respectfully,")
    editor.save()
    assert editor.result() == editor.DialogCode.Accepted
    pdf = letters.preview(para, window.rows[0].id)
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "completed every condition" in text and "Respectfully," in text

    # The .docx, through the file chooser.
    target = tmp_path / "draft.docx"
    choose_file(monkeypatch, "get_save_file_name", target)
    window.export_docx()
    word = docx.Document(io.BytesIO(target.read_bytes()))
    assert any("completed every condition" in p.text for p in word.paragraphs)
    assert target.stat().st_mode & 0o777 == 0o600

    # The designee: the administrator gives the authority in the users screen.
    admin = office[Role.ADMINISTRATOR]
    users = UsersDialog(admin)
    qtbot.addWidget(users)
    users.select_user("supervisor")
    assert users.signer_button.isEnabled()
    form = users.signer_form(users.selected())  # type: ignore[arg-type]
    qtbot.addWidget(form)
    form.allowed.setChecked(True)
    assert form.name.text() == "Jordan Avery"  # the user's own full name, as Names… set it
    form.name.clear()
    form.save()
    assert "name" in form.name_note.text().lower()  # the name printed under the signature is required
    form.name.setText("Jordan Avery")
    form.title.setText("Chief Deputy, designee of the District Attorney")
    form.save()
    assert "signs letters" in users.model.cell(users.selected(), 1)  # type: ignore[arg-type]
    users.select_user("paralegal")
    assert not users.signer_button.isEnabled()

    supervisor = office[Role.SUPERVISOR]
    supervisor.authenticated_at = supervisor.authenticated_at.replace(year=2000)  # the password is asked again
    signer = LettersWindow(supervisor)
    qtbot.addWidget(signer)
    signer.show()
    _wait_rows(qtbot, signer, 3)
    signer.select_ids([r.id for r in signer.rows])

    def answer_prompt(prompt: PasswordPrompt) -> int:
        prompt.password.setText(PASSWORD)
        prompt._check()
        return int(prompt.result())

    monkeypatch.setattr(PasswordPrompt, "exec", answer_prompt)
    signer.sign_button.click()
    qtbot.waitUntil(lambda: all(r.status == "signed" for r in signer.rows), timeout=30000)
    assert not warnings
    signer.select_ids([signer.rows[0].id])
    view = signer.preview()
    assert view is not None
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.pane.reports is not None, timeout=20000)
    assert view.pane.verdict.text() == "The signature checks out." and view.pane.document.pageCount() == 1
    signed = letters.preview(supervisor, signer.rows[0].id)
    text = subprocess.run(["pdftotext", "-", "-"], input=signed, capture_output=True, check=True).stdout.decode()
    assert "Jordan Avery" in text and "designee of the District Attorney" in text
    signer.select_ids([signer.rows[0].id])
    assert not signer.edit_button.isEnabled() and not signer.delete_button.isEnabled()


def test_a_defense_attorney_drafts_a_memo_for_a_case(qtbot: QtBot, new_case_file: tuple[Path, bytes],
                                                     clock: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QInputDialog

    from casereview.services import accounts
    from casereview.store.database import open_case_file
    from casereview.store.keys import TEST_KDF

    path, key = new_case_file
    case_file = open_case_file(path, key)
    try:
        ws = accounts.workspace_for(case_file, key, clock=clock)
        accounts.set_up_office(ws, OfficeType.DEFENSE, "admin", PASSWORD, kdf=TEST_KDF, office_name="Public Defender")
        users = staff(ws, OfficeType.DEFENSE)
        attorney = users[Role.ATTORNEY]
        casework.import_cases(attorney, demo_cases(), load_builtin())
        window = LettersWindow(attorney, "26-CR-0101")
        qtbot.addWidget(window)
        assert window.new_button.isVisible() or not window.isVisible()
        monkeypatch.setattr(QInputDialog, "getItem",
                            staticmethod(lambda *_a, **_k: (letters.words.KIND_LABELS["screening_memo"], True)))
        window.draft_one()
        assert [r.kind for r in window.rows] == ["screening_memo"]
        text = subprocess.run(["pdftotext", "-", "-"], input=letters.preview(attorney, window.rows[0].id),
                              capture_output=True, check=True).stdout.decode()
        assert "26-CR-0101" in text and "Charge 1" in text and "Charge 2" in text
        assert letters.may_sign(attorney) is None
    finally:
        case_file.close()


def test_the_preview_and_print_show_the_signature_stamp(qtbot: QtBot, office: dict[Role, UserSession],
                                                       tmp_path: Path) -> None:
    """QtPdf leaves form widgets out; the display copy makes the stamp (a widget) an annotation it draws. The
    signed bytes are left as they are."""
    from PySide6.QtCore import QSize
    from PySide6.QtPdf import QPdfDocument
    from PySide6.QtPrintSupport import QPrinter

    from casereview.documents.display import display_copy
    from ui.documents.document_view import DocumentView, with_annotations

    letters.draft_letters(office[Role.PARALEGAL])
    from casereview.services import accounts
    accounts.set_letter_signer(office[Role.ADMINISTRATOR], "supervisor", True, name="Jordan Avery")
    row = letters.list_letters(office[Role.SUPERVISOR])[0]
    letters.sign_letters(office[Role.SUPERVISOR], [row.id])
    signed = letters.preview(office[Role.SUPERVISOR], row.id)
    shown = display_copy(signed)
    assert shown.startswith(signed) and shown != signed  # an update on top; the original bytes unchanged

    def dark_pixels(pdf: bytes) -> int:
        path = tmp_path / "page.pdf"
        path.write_bytes(pdf)
        document = QPdfDocument()
        document.load(str(path))
        image = document.render(0, QSize(612, 792), with_annotations())
        # The stamp's words sit in the signature box, above the signer's name: count inked pixels there.
        return sum(1 for x in range(80, 320, 2) for y in range(380, 560, 2) if image.pixelColor(x, y).alpha() > 0
                   and image.pixelColor(x, y).lightness() < 128)

    assert dark_pixels(shown) > dark_pixels(signed) + 50
    view = DocumentView("letter", signed)
    qtbot.addWidget(view)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(out))
    assert view.pane.print_to(printer) == 1
    assert out.stat().st_size > 10_000  # one page, rendered (with the stamp, as above) at the printer's resolution


def test_the_window_stays_open_until_its_work_reports_back(qtbot: QtBot, office: dict[Role, UserSession]) -> None:
    """Escape or the close button while letters are being signed would lose the report of what was signed."""
    import threading

    from ui.shared.worker import run_task

    window = LettersWindow(office[Role.PARALEGAL])
    qtbot.addWidget(window)
    window.show()
    release = threading.Event()
    window.task = run_task(window, "Signing", lambda _progress: release.wait(10))
    window.reject()
    assert window.isVisible()
    release.set()
    qtbot.waitUntil(lambda: not window.task.running(), timeout=10000)  # type: ignore[union-attr]
    window.reject()
    assert not window.isVisible()
