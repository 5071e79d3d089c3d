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
from casereview.services.office import office_of
from casereview.services.session import UserSession, Workspace
from tests.gui.support import choose_file
from tests.helpers import PASSWORD, staff
from tests.unit.services.letter_support import clients, fill_profile, pages
from ui.access.reauth import PasswordPrompt
from ui.admin.users_dialog import UsersDialog
from ui.documents.letters_window import LetterEditor, LettersWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def office(workspace: Workspace) -> dict[Role, UserSession]:
    users = staff(workspace, OfficeType.PROSECUTOR)
    fill_profile(users[Role.ADMINISTRATOR])  # a letter prints the office's letterhead, state and policy
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
    _wait_rows(qtbot, window, 6)
    assert window.held.isVisible() and "Phil Grant" in window.held.toPlainText()
    window.finder.setText("nguyen")  # from a person: accents and case do not matter
    assert [r.person for r in window.rows] == ["Thị Lan Nguyễn"]
    window.finder.clear()
    assert window.table.rowCount() == 6
    assert "age (date of birth) of Ana Cruz" in window.held.toPlainText()
    # Rosa Vega's letter is drafted but held: its docket number is not in the file. Shown with what to find out.
    [rosa] = [n for n, r in enumerate(window.rows) if r.person == "Rosa Vega"]
    assert window.rows[rosa].find_out and all(not r.find_out for r in window.rows if r.person != "Rosa Vega")
    status = window.table.item(rosa, 4)
    assert status is not None and status.text().startswith("Held")
    assert "docket number" in status.toolTip()
    assert "Rosa Vega" in window.held.toPlainText() and "docket number" in window.held.toPlainText()

    # Edit one draft: an empty-looking form would be a bug; a change is saved and shows in the preview.
    window.select_ids([window.rows[0].id])
    assert window.edit_button.isEnabled()
    editor = LetterEditor(para, window.rows[0].id, window)
    qtbot.addWidget(editor)
    assert editor.fields["salutation"].toPlainText() == "To the Court:"
    assert editor.relief is not None and editor.relief.currentData() == letters.DEFAULT_RELIEF  # every term set
    assert [editor.relief.itemData(n) for n in range(editor.relief.count())] == \
        [value for _label, value in letters.relief_choices(office_of(para.workspace))]
    assert set(editor.recorded) == set(letters.RECORDED)
    editor.recorded["copy_to"].setText("Dana Roe, petitioner, by first-class mail")
    editor.recorded["answered_caption"].setText("In the Matter of the Application of Dana Roe")
    editor.recorded["answered_docket"].setText("26CV00412")
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
    flat = " ".join(text.split())
    assert "set-aside and sealing" in flat  # the relief in the state's own words, the office's only term
    assert "Copy to: Dana Roe, petitioner, by first-class mail" in flat
    assert "In the Matter of the Application of Dana Roe" in flat and "26CV00412" in flat
    assert letters.recorded_fields(para, window.rows[0].id) == {
        "copy_to": "Dana Roe, petitioner, by first-class mail",
        "answered_caption": "In the Matter of the Application of Dana Roe", "answered_docket": "26CV00412"}

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
    _wait_rows(qtbot, signer, 6)
    signer.select_ids([r.id for r in signer.rows])  # a held letter in the selection: Sign says why not
    assert not signer.sign_button.isEnabled()
    assert "Rosa Vega" in signer.sign_button.toolTip() and "docket number" in signer.sign_button.toolTip()
    ready = [r.id for r in signer.rows if not r.find_out]
    assert len(ready) == 5
    signer.select_ids(ready)
    assert signer.sign_button.isEnabled()

    def answer_prompt(prompt: PasswordPrompt) -> int:
        prompt.password.setText(PASSWORD)
        prompt._check()
        return int(prompt.result())

    monkeypatch.setattr(PasswordPrompt, "exec", answer_prompt)
    signer.sign_button.click()
    qtbot.waitUntil(lambda: all(r.status == "signed" for r in signer.rows if r.id in ready), timeout=30000)
    assert not warnings
    [held] = [r for r in signer.rows if r.status == "draft"]
    assert held.person == "Rosa Vega" and held.find_out  # still held, still saying what to find out
    signed_row = next(r for r in signer.rows if r.status == "signed")
    signer.select_ids([signed_row.id])
    view = signer.preview()
    assert view is not None
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.pane.reports is not None, timeout=20000)
    signed = letters.preview(supervisor, signed_row.id)
    assert view.pane.verdict.text() == "The signature checks out."
    assert view.pane.document.pageCount() == len(pages(signed))  # every page of the letter shown
    text = subprocess.run(["pdftotext", "-", "-"], input=signed, capture_output=True, check=True).stdout.decode()
    assert "Jordan Avery" in text and "designee of the District Attorney" in text
    signer.select_ids([signed_row.id])
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
        fill_profile(users[Role.ADMINISTRATOR], defense=True)
        attorney = users[Role.ATTORNEY]
        casework.import_cases(attorney, demo_cases(), load_builtin())
        window = LettersWindow(attorney, "26-CR-0101")
        qtbot.addWidget(window)
        assert window.new_button.isVisible() or not window.isVisible()
        offered: list[list[str]] = []

        def choose(_parent: Any, _title: str, _label: str, items: list[str], *_a: Any, **_k: Any) -> tuple[str, bool]:
            offered.append(list(items))
            return letters.words.KIND_LABELS["screening_memo"], True

        told: list[str] = []
        monkeypatch.setattr(QInputDialog, "getItem", staticmethod(choose))
        monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda _p, _t, text, *_a: told.append(text)))
        window.draft_one()  # no client marked in the case: said, nothing drafted
        assert offered[0] == [letters.words.KIND_LABELS[k] for k in letters.CLIENT_KINDS]
        assert letters.words.KIND_LABELS["policy_exhibit"] in offered[0]
        assert len(told) == 1 and "recorded as a client" in told[0] and "26-CR-0101" in told[0]
        assert window.rows == [] and "client" in window.summary.text()

        clients(attorney, ("26-CR-0101", "A"))  # the case's one client: the memo is made for them
        window.draft_one()
        assert len(told) == 1
        assert [r.kind for r in window.rows] == ["screening_memo"]
        text = subprocess.run(["pdftotext", "-", "-"], input=letters.preview(attorney, window.rows[0].id),
                              capture_output=True, check=True).stdout.decode()
        assert "26-CR-0101" in text and "Charge 1" in text
        assert "Charge 2" not in text and "John Poe" not in text  # the client's charges only, not the buyer's
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

    def stamp_box(pdf: bytes) -> tuple[int, range, range]:
        """The signature widget's page and its box in a 612x792 rendering (where the letter's length put it)."""
        from pyhanko.pdf_utils.reader import PdfFileReader

        reader = PdfFileReader(io.BytesIO(pdf))
        for n in range(int(reader.root["/Pages"]["/Count"])):
            page = reader.find_page_for_modification(n)[0].get_object()
            for annotation in page.get("/Annots", []):
                annotation = annotation.get_object()
                if annotation.get("/FT") == "/Sig":
                    x0, y0, x1, y1 = (int(float(v)) for v in annotation["/Rect"])
                    return n, range(x0 + 2, x1 - 2, 2), range(792 - y1 + 2, 792 - y0 - 2, 2)
        raise AssertionError("the signed letter has no signature widget")

    page, xs, ys = stamp_box(signed)

    def dark_pixels(pdf: bytes) -> int:
        path = tmp_path / "page.pdf"
        path.write_bytes(pdf)
        document = QPdfDocument()
        document.load(str(path))
        image = document.render(page, QSize(612, 792), with_annotations())
        # The stamp's words sit in the signature box, above the signer's name: count inked pixels there.
        return sum(1 for x in xs for y in ys if image.pixelColor(x, y).alpha() > 0
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


def test_a_reload_keeps_the_letters_selected(qtbot: QtBot, office: dict[Role, UserSession]) -> None:
    """Refilling the list (after signing, after a search) clears Qt's selection first — Qt recounts a selection for
    every item replaced under it, minutes for a thousand letters — and selects the same letters again."""
    para = office[Role.PARALEGAL]
    letters.draft_letters(para)
    window = LettersWindow(para)
    qtbot.addWidget(window)
    chosen = [window.rows[0].id, window.rows[2].id]
    window.select_ids(chosen)
    window.reload("again")
    assert sorted(r.id for r in window.selected()) == sorted(chosen)
    window.finder.setText(window.rows[0].person)
    assert [r.id for r in window.selected()] == [chosen[0]]
