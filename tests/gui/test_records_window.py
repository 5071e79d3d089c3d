"""Records → Import records… and Records → Matches to decide…, driven offscreen over the real encrypted demo case
file: a paralegal's CSV (columns named in the state's own way, a statute and dispositions to place, a bad row) is
previewed, mapped, placed, checked (a dry run) and imported, and the case list shows the new cases at once; the
mapping saved as a preset is the command line's --mapping and loads back; a cancelled import keeps the cases stored
and says so, and importing again carries on; a near match of people is decided side by side and the cases it held
are stored; a workbook's sheet is chosen; a file or columns that cannot be used say what to do. Only Qt's modal
boxes and the file choosers are replaced (they would wait for a person)."""

from __future__ import annotations

import csv
import io
import json
import stat
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from casereview.progress import Progress
from casereview.records.mapping import parse_mapping
from casereview.services import cases as casework
from casereview.services import records
from casereview.services.session import Workspace
from casereview.store import models as m
from tests.gui.support import Boxes, choose_file, window_for
from ui.main_window import MainWindow
from ui.records import open_matches
from ui.records.import_wizard import CHECK, COLUMNS, DATES, FILE, PLACE, PREVIEW, REPORT, ImportWizard
from ui.records.matches_dialog import MatchesDialog

pytestmark = pytest.mark.gui

# A state's layout: a few columns carry the case format's names (filled in by themselves), the rest are mapped.
HEADER = ["case_number", "SUBJECT_ID", "Name", "Date of Birth", "OFFENSE_CODE", "EVENT_DATE", "DISP_DESCR",
          "DISP_DATE", "COUNTY"]
WAIT = 30_000


def line(case: str, name: str = "Dana Roe", dob: str = "05/02/1996", *, key: str = "", statute: str = "ORS 167.007",
         event: str = "03/14/2019", disposition: str = "CONVICTED-JAIL", disp_date: str = "04/30/2019") -> list[str]:
    return [case, key, name, dob, statute, event, disposition, disp_date, "Lane"]


def write_csv(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


PRESET: dict[str, Any] = {
    "columns": {"case_number": "case_number", "person_key": "SUBJECT_ID", "name": "Name",
                "date_of_birth": "Date of Birth", "statute": "OFFENSE_CODE", "offense_date": "EVENT_DATE",
                "disposition": "DISP_DESCR", "disposition_date": "DISP_DATE", "county": "COUNTY"},
    "date_format": "%m/%d/%Y",
    "statutes": {"ORS 167.007": {"offense": "selling_sex", "role": "seller"}},
    "dispositions": {"CONVICTED-JAIL": "convicted", "NOLLE PROS": "dismissed"},
}


def listed(window: MainWindow) -> set[str]:
    return {window.model.case_number(r) for r in range(window.model.rowCount())}


def open_wizard(qtbot: QtBot, window: MainWindow) -> ImportWizard:
    assert window.import_records_action.isEnabled()
    window.import_records_action.trigger()
    wizard = window.findChild(ImportWizard)
    assert isinstance(wizard, ImportWizard) and wizard.isVisible()
    return wizard


def choose_records(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, wizard: ImportWizard, path: Path) -> None:
    calls = choose_file(monkeypatch, "get_open_file_name", path)
    wizard.file_page.choose.click()
    assert calls[-1][1] == "Choose the records file"
    qtbot.waitUntil(wizard.file_page.isComplete, timeout=WAIT)


def next_page(qtbot: QtBot, wizard: ImportWizard, page_id: int) -> None:
    """Press Next (Import on the check page) once it is enabled, and wait for the page."""
    which = QWizard.WizardButton.CommitButton if wizard.currentPage().isCommitPage() else \
        QWizard.WizardButton.NextButton
    pressed = wizard.button(which)
    qtbot.waitUntil(lambda: pressed.isVisible() and pressed.isEnabled(), timeout=WAIT)
    pressed.click()
    qtbot.waitUntil(lambda: wizard.currentId() == page_id, timeout=WAIT)


def checked(qtbot: QtBot, wizard: ImportWizard) -> None:
    qtbot.waitUntil(lambda: wizard.checked() and not wizard.busy(), timeout=WAIT)


def imported(qtbot: QtBot, wizard: ImportWizard) -> None:
    next_page(qtbot, wizard, REPORT)
    qtbot.waitUntil(lambda: not wizard.busy(), timeout=WAIT)


def test_a_paralegal_previews_maps_places_checks_and_imports_and_the_list_shows_the_cases(
        qtbot: QtBot, qtmodeltester: Any, demo: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        boxes: Boxes) -> None:
    window = window_for(qtbot, demo, "paralegal")
    before = listed(window)
    count_before = window.summary.text()
    path = write_csv(tmp_path / "extract.csv", [
        line("R-1", key="SID-1"), line("R-1", key="SID-1", statute="ORS 167.007", event="03/15/2019"),
        line("R-2", "Ana Cruz", "11/30/1971", key="SID-2", disposition="NOLLE PROS"),
        line("R-3", "Lee Park", "02/30/1990", key="SID-3")])  # no 30 February: the bad row
    wizard = open_wizard(qtbot, window)
    assert wizard.currentId() == FILE and not wizard.file_page.isComplete()
    choose_records(qtbot, monkeypatch, wizard, path)
    assert wizard.file_page.what.text().startswith("Read extract.csv: 4 records in 9 columns (line 1 names the "
                                                   "columns")
    assert "values separated by commas" in wizard.file_page.what.text()
    assert not wizard.file_page.sheet.isVisible()  # (a CSV file has no sheets)

    # Preview: the first rows, with the file's lines.
    next_page(qtbot, wizard, PREVIEW)
    model = wizard.preview_page.model
    assert (model.rowCount(), model.columnCount()) == (4, 10)
    assert [model.data(model.index(3, c)) for c in (0, 1, 3)] == ["5", "R-3", "Lee Park"]
    assert model.headerData(5, Qt.Orientation.Horizontal) == "OFFENSE_CODE"
    qtmodeltester.check(model)

    # Columns: those named in the case format's words are filled in; the test picks the others, as a user would.
    next_page(qtbot, wizard, COLUMNS)
    page = wizard.columns_page
    assert {f: page.combos[f].currentData() for f in ("case_number", "name", "date_of_birth", "county")} == {
        "case_number": "case_number", "name": "Name", "date_of_birth": "Date of Birth", "county": "COUNTY"}
    assert page.combos["statute"].currentData() is None
    assert page.combos["case_number"].currentText() == "case_number  —  R-1"  # the column and its first value
    wizard.next()  # no statute column yet: said, and the page stays
    assert wizard.currentId() == COLUMNS
    assert "no statute or offense column" in page.note.text() and "Choose the columns above" in page.note.text()
    page.choose("statute", "OFFENSE_CODE")
    page.choose("offense", "OFFENSE_CODE")  # the same column twice: said
    wizard.next()
    assert wizard.currentId() == COLUMNS and "chosen for both Statute and Offense" in page.note.text()
    page.choose("offense", None)
    for f, column in (("person_key", "SUBJECT_ID"), ("offense_date", "EVENT_DATE"), ("disposition", "DISP_DESCR"),
                      ("disposition_date", "DISP_DATE")):
        page.choose(f, column)
    assert "Every column of the file is used" in page.unused.text()

    # Dates: the format is guessed from the preview, and each row's dates are read at once.
    next_page(qtbot, wizard, DATES)
    dates = wizard.dates_page
    assert dates.fmt() == "%m/%d/%Y"
    assert "1 preview row of 4 has a date that does not read as MM/DD/YYYY (line 5)" in dates.result.text()
    assert dates.table.item(3, 1).text().startswith("✗ 02/30/1990 is not a real date")
    assert dates.table.item(0, 1).text() == "✓ 05/02/1996 → 1996-05-02"
    dates.formats.setCurrentIndex(dates.formats.findData("%d/%m/%Y"))  # the other way round: most do not read
    assert "4 preview rows of 4 have a date" in dates.result.text()
    dates.formats.setCurrentIndex(dates.formats.count() - 1)  # another way: written by hand
    assert dates.custom.isVisible()
    dates.custom.setText("%m/%d/%Q")
    assert "cannot be used" in dates.note.text()
    dates.custom.setText("%m/%d/%Y")
    assert not dates.note.isVisible() and "1 preview row of 4" in dates.result.text()

    # Statutes and dispositions: found by a check of the whole file; each placed.
    next_page(qtbot, wizard, PLACE)
    place = wizard.place_page
    checked(qtbot, wizard)
    assert place.statutes.rowCount() == 1 and place.dispositions.rowCount() == 2
    assert [place.statutes.item(0, c).text() for c in range(3)] == ["ORS 167.007", "4", "3"]
    assert sorted(place.dispositions.item(r, 0).text() for r in range(2)) == ["CONVICTED-JAIL", "NOLLE PROS"]
    place.choose_statute("ORS 167.007", "solicitation")  # a seller or a buyer? The role must be given
    wizard.next()
    assert wizard.currentId() == PLACE and "Give the role for ORS 167.007" in place.note.text()
    place.choose_statute("ORS 167.007", "selling_sex", "seller")
    place.choose_status("CONVICTED-JAIL", "convicted")
    place.choose_status("NOLLE PROS", "dismissed")

    # Check: the dry run's report; nothing stored yet.
    next_page(qtbot, wizard, CHECK)
    checked(qtbot, wizard)
    view = wizard.check_page.view
    assert view.headline.text().startswith("Checked extract.csv: nothing was stored. Import would store 2 cases "
                                           "(3 rows); 1 row would be rejected")
    assert "Rejected rows (1)" in view.tab_titles() and not any(t.startswith("To place") for t in view.tab_titles())
    qtmodeltester.check(view.rejects)
    assert [view.rejects.data(view.rejects.index(0, c)) for c in range(3)] == [
        "5", "R-3", "line 5, column Date of Birth: 02/30/1990 is not a real date (format MM/DD/YYYY)"]
    assert listed(window) == before

    # The mapping as a preset: the command line's --mapping, which loads back.
    preset = tmp_path / "oregon.json"
    choose_file(monkeypatch, "get_save_file_name", preset)
    next(b for b in wizard.check_page.findChildren(type(wizard.check_page.again))
         if b.text() == "Sa&ve the mapping as a preset…").click()
    saved = json.loads(preset.read_text(encoding="utf-8"))
    assert saved == PRESET  # the test's own mapping, word for word
    assert parse_mapping(preset.read_text(encoding="utf-8")).columns == PRESET["columns"]
    assert stat.S_IMODE(preset.stat().st_mode) == 0o600
    assert "Saved as" in wizard.check_page.said.text() and "--mapping oregon.json" in wizard.check_page.said.text()

    # Import: stored and screened; the list and its counts follow at once.
    imported(qtbot, wizard)
    report = wizard.report
    assert report is not None and not report.dry_run and report.stored_cases == 2
    assert wizard.report_page.view.headline.text() == ("Imported extract.csv: 2 cases stored and screened; 1 row "
                                                       "rejected.")
    assert listed(window) == before | {"R-1", "R-2"}
    assert window.summary.text() != count_before
    assert casework.read_case(window.session, "R-1")[0].charges[0].offense == "selling_sex"
    counts = dict(report.summary())
    assert counts["records read"] == "4" and counts["people found"] == "2"

    # The report and the rejected rows, saved owner-only through the service.
    out = tmp_path / "out"
    out.mkdir()
    choose_file(monkeypatch, "get_existing_directory", out)
    wizard.report_page.save.click()
    qtbot.waitUntil(lambda: "Saved extract-report.pdf" in wizard.report_page.said.text(), timeout=WAIT)
    for name in ("extract-report.pdf", "extract-report.csv", "extract-rejects.csv"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o600
    assert "02/30/1990 is not a real date" in (out / "extract-rejects.csv").read_text(encoding="utf-8-sig")
    assert not boxes.shown
    wizard.accept()


def test_a_cancelled_import_keeps_what_was_stored_and_importing_again_carries_on(
        qtbot: QtBot, demo: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, boxes: Boxes) -> None:
    window = window_for(qtbot, demo, "paralegal")
    before = listed(window)
    path = write_csv(tmp_path / "ten.csv", [line(f"C-{n:02d}", f"Person {n}", key=f"SID-{n}") for n in range(10)])
    preset = tmp_path / "preset.json"
    preset.write_text(json.dumps(PRESET), encoding="utf-8")
    wizard = open_wizard(qtbot, window)
    choose_file(monkeypatch, "get_open_file_name", preset)
    next(b for b in wizard.file_page.findChildren(type(wizard.file_page.choose))
         if b.text() == "&Load a preset…").click()
    assert wizard.file_page.preset.text() == "Preset preset.json loaded."
    choose_records(qtbot, monkeypatch, wizard, path)
    for page_id in (PREVIEW, COLUMNS, DATES, PLACE):
        next_page(qtbot, wizard, page_id)
    checked(qtbot, wizard)
    assert "Every statute and disposition of the file is placed" in wizard.place_page.said.text()
    next_page(qtbot, wizard, CHECK)
    checked(qtbot, wizard)

    # The user presses Cancel in the progress window once two batches of two are stored.
    wizard.batch = 2
    real = records.import_records

    def cancelled_midway(*args: Any, progress: Progress, **kwargs: Any) -> Any:
        report = progress.report

        def pressed_cancel(done: int, total: int = 0, text: str = "") -> None:
            report(done, total, text)
            if done >= 4:
                progress.cancel()

        progress.report = pressed_cancel  # type: ignore[method-assign]
        return real(*args, progress=progress, **kwargs)

    monkeypatch.setattr(records, "import_records", cancelled_midway)
    imported(qtbot, wizard)
    said = wizard.report_page.view.headline.text()
    assert said.startswith("Cancelled. The 4 cases stored before you cancelled are kept and screened; 6 rows were "
                           "not reached. Import the same file again to carry on")
    assert listed(window) == before | {f"C-{n:02d}" for n in range(4)}
    monkeypatch.setattr(records, "import_records", real)
    wizard.report_page.again.click()
    qtbot.waitUntil(lambda: wizard.report is not None and not wizard.report.cancelled and not wizard.busy(),
                    timeout=WAIT)
    assert wizard.report_page.view.headline.text() == ("Imported ten.csv (carrying on run 1): 6 cases stored and "
                                                       "screened; 4 cases already stored.")
    assert listed(window) == before | {f"C-{n:02d}" for n in range(10)}
    wizard.accept()


def test_a_near_match_is_decided_side_by_side_and_its_cases_go_in(
        qtbot: QtBot, qtmodeltester: Any, demo: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        boxes: Boxes) -> None:
    window = window_for(qtbot, demo, "paralegal")
    before = listed(window)
    path = write_csv(tmp_path / "near.csv", [line("S-1", "Ana Cruz", "02/05/1996"),  # day and month swapped
                                             line("S-2", "Ana Cruz", "05/02/1996"), line("Z-1", "Zed Zulu")])
    preset = tmp_path / "preset.json"
    preset.write_text(json.dumps(PRESET), encoding="utf-8")
    wizard = open_wizard(qtbot, window)
    choose_records(qtbot, monkeypatch, wizard, path)
    next_page(qtbot, wizard, PREVIEW)
    next_page(qtbot, wizard, COLUMNS)
    choose_file(monkeypatch, "get_open_file_name", preset)
    next(b for b in wizard.columns_page.findChildren(type(wizard.file_page.choose))
         if b.text() == "&Load a preset…").click()
    assert wizard.columns_page.combos["statute"].currentData() == "OFFENSE_CODE"
    for page_id in (DATES, PLACE, CHECK):
        next_page(qtbot, wizard, page_id)
    checked(qtbot, wizard)
    assert "1 possible match of people" in wizard.check_page.said.text()
    imported(qtbot, wizard)
    assert listed(window) == before | {"Z-1"}
    page = wizard.report_page
    assert "Matches to decide (1)" in page.view.tab_titles() and page.decide.isEnabled()
    page.decide.click()
    dialog = wizard.matches_dialog
    assert isinstance(dialog, MatchesDialog) and dialog.isVisible() and dialog.model.rowCount() == 1
    qtmodeltester.check(dialog.model)
    sides = {(c, a): dialog.sides[(c, a)].text() for c in (1, 2) for a in ("name", "born", "key")}
    assert sides[(1, "name")] == sides[(2, "name")] == "Ana Cruz"
    assert {sides[(1, "born")], sides[(2, "born")]} == {"1996-02-05", "1996-05-02"}
    assert {dialog.sides[(c, "where")].text() for c in (1, 2)} == {"case S-1, line 2", "case S-2, line 3"}
    assert "swapped" in dialog.reason.text()
    with qtbot.waitSignal(dialog.decided) as decided:
        dialog.same.click()
    assert decided.args[1] == "same" and not records.pending_matches(window.session)
    assert dialog.note.text().startswith("Kept: Ana Cruz and Ana Cruz are one person. No match is left.")
    assert not dialog.same.isEnabled()
    dialog.accept()
    assert "Decisions kept" in page.said.text()
    page.again.click()
    qtbot.waitUntil(lambda: not wizard.busy() and wizard.report is not None and wizard.report.stored_cases == 2,
                    timeout=WAIT)
    assert listed(window) == before | {"Z-1", "S-1", "S-2"}
    with window.session.workspace.session() as db:
        people = {n: p for n, p in db.execute(select(m.Case.case_number, m.CaseParty.person_id).join(m.CaseParty)
                                              .where(m.Case.case_number.in_(["S-1", "S-2"])))}
    assert people["S-1"] == people["S-2"]  # one person
    wizard.accept()
    # From the menu: nothing left to decide.
    open_matches(window)
    menu_dialog = next(d for d in window.findChildren(MatchesDialog) if d.isVisible())
    assert menu_dialog.model.rowCount() == 0 and menu_dialog.note.text() == "No match waits for a decision."
    menu_dialog.reject()


def test_a_workbook_sheet_is_chosen_and_problems_say_what_to_do(
        qtbot: QtBot, demo: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, boxes: Boxes) -> None:
    window = window_for(qtbot, demo, "paralegal")
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["not the records"])
    sheet = book.create_sheet("Charges")
    sheet.append(HEADER)
    sheet.append(line("X-1"))
    book.save(tmp_path / "records.xlsx")
    wizard = open_wizard(qtbot, window)
    choose_records(qtbot, monkeypatch, wizard, tmp_path / "records.xlsx")
    page = wizard.file_page
    assert page.sheet.isVisible() and [page.sheet.itemText(i) for i in range(page.sheet.count())] == ["Notes",
                                                                                                    "Charges"]
    assert "no records under its first line" in page.note.text()
    wizard.next()
    assert wizard.currentId() == FILE
    page.sheet.setCurrentText("Charges")
    page.sheet.activated.emit(1)
    qtbot.waitUntil(lambda: wizard.read is not None and wizard.read.sheet == "Charges" and not wizard.busy(),
                    timeout=WAIT)
    assert page.what.text() == ("Read the sheet 'Charges' of records.xlsx: 1 record in 9 columns (row 1 names the "
                                "columns).")
    assert not page.note.isVisible()
    assert wizard.choices.preset()["columns"]["case_number"] == "case_number"

    # An old .xls workbook, and a file that is not there any more: said with what to do, nothing goes on.
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64)
    choose_file(monkeypatch, "get_open_file_name", old)
    page.choose.click()
    qtbot.waitUntil(lambda: not wizard.busy() and page.note.isVisible(), timeout=WAIT)
    assert "old Excel workbook (.xls)" in page.note.text() and "save it as an Excel workbook (.xlsx)" in \
        page.note.text()
    assert not page.isComplete()
    assert not boxes.shown
    wizard.reject()


def test_closing_the_wizard_while_it_checks_stops_the_check_first(
        qtbot: QtBot, demo: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, boxes: Boxes) -> None:
    window = window_for(qtbot, demo, "paralegal")
    path = write_csv(tmp_path / "slow.csv", [line("Q-1")])
    started: list[Progress] = []

    def slow_check(*_args: Any, progress: Progress, **_kwargs: Any) -> Any:
        started.append(progress)
        while not progress.cancel_requested:  # (a big file's check: seconds)
            time.sleep(0.01)
        progress.check()

    monkeypatch.setattr(records, "import_records", slow_check)
    wizard = open_wizard(qtbot, window)
    choose_records(qtbot, monkeypatch, wizard, path)
    wizard.choices.take_preset(parse_mapping(json.dumps(PRESET)))
    for page_id in (PREVIEW, COLUMNS, DATES, PLACE):
        next_page(qtbot, wizard, page_id)
    qtbot.waitUntil(lambda: bool(started), timeout=WAIT)
    assert wizard.busy() and not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    with qtbot.waitSignal(wizard.finished, timeout=WAIT):
        wizard.reject()  # Cancel while the check runs: it is stopped, then the wizard closes
        assert started[0].cancel_requested
    assert not boxes.shown


def test_only_roles_that_may_import_have_the_menu_items(qtbot: QtBot, demo: Workspace) -> None:
    admin = window_for(qtbot, demo, "admin")
    assert not admin.import_records_action.isEnabled()
    assert admin.import_records_action.toolTip() == "Your role (administrator) may not import cases."
    titles = [a.text() for a in admin.menuBar().actions()]
    assert "Rec&ords" in titles
    prosecutor = window_for(qtbot, demo, "prosecutor")
    assert prosecutor.import_records_action.isEnabled()

