"""The records import (issue 16) on a real encrypted case file: CSV and XLSX files written here with the mess real
extracts have (Windows-1252, a byte order mark, semicolons, quoted commas, blank lines, trailing spaces, Excel date
cells and serial numbers, a day and month swapped, duplicate rows); every bad-row message; statutes and
dispositions to place; near matches of people, decided and followed; importing again adds nothing; a case number
stored with other contents is not overwritten; cancelling and carrying on; the dry run; the report files; the bulk
store writes exactly what `import_case` and `screen_row` write; and, on generated files, every row stored or
rejected with a reason, never a traceback. (The command line and a kill -9: tests/integration/test_cli_records.py.)
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from casereview.policy import case as spec
from casereview.policy.profile import load_builtin
from casereview.progress import Progress
from casereview.records.mapping import MappingError, parse_mapping
from casereview.records.people import fold_name, middle_name_variant, one_edit_apart
from casereview.records.reading import RecordsFileError, read_table
from casereview.records.report import OUTCOMES
from casereview.services import cases as casework
from casereview.services import records
from casereview.services import statutes as catalog
from casereview.services.access import Role
from casereview.services.session import UserSession, Workspace
from casereview.store import audit
from casereview.store import cases as store_cases
from casereview.store import models as m
from casereview.store import records as store
from casereview.store.database import create_case_file, open_case_file, unlock
from casereview.store.keys import TEST_KDF
from tests.conftest import PASSPHRASE
from tests.helpers import add_user, log_in

HEADER = ["SUBJECT_ID", "PRI_NAME", "PRI_DOB", "CASE_NO", "DOCKET", "COURT", "COUNTY", "AGENCY", "OFFENSE_CODE",
          "EVENT_DATE", "DISP_DESCR", "DISP_DATE", "RACE", "GENDER"]
# The issue's own preset, word for word.
MAPPING: dict[str, Any] = {
    "columns": {"person_key": "SUBJECT_ID", "name": "PRI_NAME", "date_of_birth": "PRI_DOB", "case_number": "CASE_NO",
                "docket_number": "DOCKET", "court": "COURT", "county": "COUNTY", "agency": "AGENCY",
                "statute": "OFFENSE_CODE", "offense_date": "EVENT_DATE", "disposition": "DISP_DESCR",
                "disposition_date": "DISP_DATE", "race_ethnicity": "RACE", "gender_identity": "GENDER"},
    "date_format": "%m/%d/%Y",
    "statutes": {"ORS 167.007": {"offense": "selling_sex", "role": "seller"},
                 "ORS 167.008": {"offense": "buying_sex", "role": "buyer"},
                 "ORS 164.245": {"offense": "trespass", "role": "seller", "arose_from_exchange": True}},
    "dispositions": {"CONVICTED-JAIL": "convicted", "DISMISSED": "dismissed"},
}


def row(case_no: str, name: str = "Dana Roe", dob: str = "05/02/1996", *, key: str = "", statute: str = "ORS 167.007",
        event: str = "03/14/2019", disposition: str = "CONVICTED-JAIL", disp_date: str = "04/30/2019",
        county: str = "Lane", docket: str = "", court: str = "Lane County Circuit Court",
        agency: str = "Eugene Police", race: str = "", gender: str = "") -> list[str]:
    return [key, name, dob, case_no, docket or f"D-{case_no}", court, county, agency, statute, event, disposition,
            disp_date, race, gender]


def write_csv(path: Path, rows: Sequence[Sequence[str]], *, header: Sequence[str] = HEADER, delimiter: str = ",",
              encoding: str = "utf-8", bom: bool = False) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(("\ufeff" if bom else "").encode("utf-8") + out.getvalue().encode(encoding))
    return path


@pytest.fixture
def clerk(workspace: Workspace) -> UserSession:
    admin = log_in(workspace, "admin")
    add_user(admin, "paralegal", Role.PARALEGAL)
    return log_in(workspace, "paralegal")


@pytest.fixture
def mapping() -> Any:
    return parse_mapping(json.dumps(MAPPING))


def numbers(ws: Workspace) -> list[str]:
    with ws.session() as db:
        return sorted(db.scalars(select(m.Case.case_number)))


def accounted(report: Any, rows: int) -> None:
    """Every data row has one outcome, and the counts add up."""
    assert len(report.outcomes) == rows == report.rows_read
    assert set(report.outcomes.values()) <= set(OUTCOMES)
    assert sorted(r.line for r in report.rejects) == sorted(
        line for line, outcome in report.outcomes.items() if outcome == "rejected")
    assert all(r.problem.startswith("line ") for r in report.rejects)


def trail_intact(ws: Workspace) -> None:
    with ws.session() as db:
        assert audit.verify(db, ws.audit_key).ok


# -------------------------------------------------------------------------------------------------- the mess


def test_windows_1252_semicolons_quoted_commas_blank_lines_trailing_spaces_and_duplicates(
        clerk: UserSession, mapping: Any, tmp_path: Path) -> None:
    text_ = ("SUBJECT_ID;PRI_NAME;PRI_DOB;CASE_NO;DOCKET;COURT;COUNTY;AGENCY;OFFENSE_CODE;EVENT_DATE;DISP_DESCR;"
             "DISP_DATE;RACE;GENDER\r\n"
             'SID-1;"Solís, María José";05/02/1996;19-CR-1;D1;"Lane County Court; Eugene";Lane;EPD;ORS 167.007  ;'
             "03/14/2019;DISMISSED ;04/30/2019;Hispanic;Transgender woman\r\n"
             "\r\n"
             "   \r\n"
             'SID-1;"Solís, María José";05/02/1996;19-CR-1;D1;"Lane County Court; Eugene";Lane;EPD;ORS 167.007;'
             "03/14/2019;DISMISSED;04/30/2019;Hispanic;Transgender woman\r\n"
             "SID-2;  Zoë Lefèvre  ;11/30/1971;19-CR-2;D2;Lane County Court;Lane;EPD;orS   167.008;"
             "03/14/2019;convicted-jail;05/01/2019;;\r\n")
    path = tmp_path / "extract.csv"
    path.write_bytes(text_.encode("cp1252"))
    report = records.import_records(clerk, path, mapping)
    assert (report.encoding, report.delimiter) == ("windows-1252", ";")
    assert report.blank_lines == 2 and report.rows_read == 3
    assert report.duplicate_rows == 1 and report.stored_cases == 2 and not report.rejects
    accounted(report, 3)
    assert report.outcomes == {2: "stored", 5: "duplicate", 6: "stored"}
    case = casework.read_case(clerk, "19-CR-1")[0]
    assert [p.name for p in case.people] == ["Solís, María José"]  # as recorded (accents from Windows-1252)
    assert case.people[0].gender_identity == "Transgender woman" and case.people[0].race_ethnicity == "Hispanic"
    assert [(c.offense, c.status, c.statute, c.court) for c in case.charges] == [
        ("selling_sex", "dismissed", "ORS 167.007", "Lane County Court; Eugene")]
    buyer = casework.read_case(clerk, "19-CR-2")[0]
    assert buyer.people[0].name == "Zoë Lefèvre" and buyer.people[0].role == "buyer"
    assert buyer.charges[0].status == "convicted" and buyer.charges[0].disposition_date == date(2019, 5, 1)
    assert report.decisions == {"decline": 2} and report.record_relief == {"do_not_contest": 2}
    assert [(e.case_number, e.person, e.charges, e.grounds) for e in report.eligible] == [
        ("19-CR-1", "Solís, María José (A)", ("1",), ("6",)), ("19-CR-2", "Zoë Lefèvre (A)", ("1",), ("6",))]
    trail_intact(clerk.workspace)


def test_a_byte_order_mark_tabs_and_a_date_with_its_time(clerk: UserSession, mapping: Any, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bom.csv", [row("20-CR-1", event="03/14/2020 00:00:00", disp_date="2020-05-01"),
                                            row("20-CR-2", name="Thị Lan Nguyễn", dob="28/02/1990")],
                     delimiter="\t", bom=True)
    report = records.import_records(clerk, path, mapping)
    assert (report.encoding, report.delimiter) == ("utf-8 with BOM", "\t")
    assert report.stored_cases == 1
    case = casework.read_case(clerk, "20-CR-1")[0]
    assert case.incident_date == date(2020, 3, 14) and case.charges[0].disposition_date == date(2020, 5, 1)
    assert [r.problem for r in report.rejects] == [
        "line 3, column PRI_DOB: 28/02/1990 is not a real date (format MM/DD/YYYY)"]


def xlsx(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for r in rows:
            sheet.append(r)
    book.save(path)
    return path


def test_an_excel_workbook_with_date_cells_serial_numbers_and_the_sheet_chosen(clerk: UserSession, mapping: Any,
                                                                              tmp_path: Path) -> None:
    data = [HEADER,
            ["SID-7", "Amara Okafor", datetime(1990, 7, 7), 21001, "D-1", "Court", "Lane", "EPD", "ORS 167.007",
             43831, "DISMISSED", "02/01/2020", None, None],  # 43831: 1 January 2020
            [None] * 14,
            ["SID-7", "Amara Okafor", datetime(1990, 7, 7), 21001.0, "D-2", "Court", "Lane", "EPD", "ORS 164.245",
             datetime(2020, 1, 1), "CONVICTED-JAIL", datetime(2020, 3, 1, 0, 0), None, None],
            ["SID-8", "Mei Chen", "07/07/1990", "21002", "D-3", "Court", "Lane", "EPD", "ORS 167.007",
             datetime(2020, 1, 1).time(), "DISMISSED", None, None, None]]
    path = xlsx(tmp_path / "records.xlsx", {"Notes": [["not this sheet"]], "Charges": data})
    with pytest.raises(RecordsFileError, match=r"no sheet named 'Nope'.*'Notes', 'Charges'"):
        records.import_records(clerk, path, mapping, sheet="Nope")
    report = records.import_records(clerk, path, mapping, sheet="charges")
    assert report.kind == "xlsx" and report.sheet == "Charges" and report.blank_lines == 1
    assert report.stored_cases == 1 and numbers(clerk.workspace) == ["21001"]
    case = casework.read_case(clerk, "21001")[0]
    assert case.incident_date == date(2020, 1, 1) and case.people[0].date_of_birth == date(1990, 7, 7)
    assert [(c.offense, c.arose_from_exchange, c.disposition_date) for c in case.charges] == [
        ("selling_sex", False, date(2020, 2, 1)), ("trespass", True, date(2020, 3, 1))]
    assert [r.problem for r in report.rejects] == ["line 5, column EVENT_DATE: 00:00:00 is not a date (format "
                                                   "MM/DD/YYYY)"]
    accounted(report, 3)


# ---------------------------------------------------------------------------------------------- bad rows


BAD_ROWS: list[tuple[list[str], str]] = [
    (row("B-1", disp_date="02/30/2019"), "line 3, column DISP_DATE: 02/30/2019 is not a real date (format MM/DD/YYYY)"),
    (row("B-1", event="13/01/2019"), "line 3, column EVENT_DATE: 13/01/2019 is not a real date (format MM/DD/YYYY)"),
    (row("B-1", event="yesterday"), "line 3, column EVENT_DATE: yesterday is not a date written MM/DD/YYYY"),
    (row("B-1", dob="05/02/2030"), "line 3, column PRI_DOB: 05/02/2030 is after the offense date 03/14/2019"),
    (row("", name="Ana Cruz"), "line 3, column CASE_NO: is empty (every row names its case)"),
    (row("B-1", name=""), "line 3: no person: PRI_NAME and SUBJECT_ID are empty (every row names the person "
                          "charged)"),
    (row("B-1", statute=""), "line 3, column OFFENSE_CODE: is empty (every row is one charge: give the statute "
                             "charged)"),
    ([*row("B-1"), "extra"], "line 3: it has 15 values but the first line names 14 columns (a value holding a "
                             "comma, not in quotes?)"),
    (row("B-1", county="Marion"), "line 3, column COUNTY: 'Marion' differs from 'Lane' on line 2 (a case is one "
                                  "incident, in one county)"),
    (row("B-1", agency="State Police"), "line 3, column AGENCY: 'State Police' differs from 'Eugene Police' on line "
                                        "2 (a case has one arresting agency)"),
    (row("B-1", dob="05/03/1996", key="SID-1"), "line 3, column PRI_DOB: 1996-05-03 differs from 1996-05-02 on line "
                                                "2 for the same person (SUBJECT_ID SID-1)"),
    (row("B-1", statute="ORS 167.008", key="SID-1"), "line 3: this charge makes Dana Roe a buyer, the charge on "
                                                     "line 2 a seller: a person has one role in a case (fix the role "
                                                     "column, or the mapping's statutes)"),
]


@pytest.mark.parametrize(("bad", "message"), BAD_ROWS, ids=[m.split(": ", 1)[1][:40] for _b, m in BAD_ROWS])
def test_every_bad_row_is_named_by_line_and_column_and_its_whole_case_is_rejected(
        clerk: UserSession, mapping: Any, tmp_path: Path, bad: list[str], message: str) -> None:
    good = row("B-1", key="SID-1" if "SID-1" in bad else "")
    path = write_csv(tmp_path / "bad.csv", [good, bad, row("B-2", name="Lee Park")])
    report = records.import_records(clerk, path, mapping)
    accounted(report, 3)
    own = [r.problem for r in report.rejects if r.line == 3]
    assert own == [message]
    if bad[3] == "B-1":  # the good row of the same case is rejected with it, naming the bad row
        assert report.outcomes[2] == "rejected" and report.rejected_cases == 1
        first = next(r for r in report.rejects if r.line == 2)
        assert first.problem == f"line 2: case B-1 is rejected whole for its bad row ({message}); nothing of a case " \
                                "is stored half"
        assert numbers(clerk.workspace) == ["B-2"]
    else:  # a row without a case number is rejected alone
        assert numbers(clerk.workspace) == ["B-1", "B-2"]
    rejects = tmp_path / "out"
    files = records.write_report(clerk, report, rejects)
    lines = list(csv.reader(io.StringIO(files.rejects.read_text(encoding="utf-8-sig"))))
    assert lines[0] == [*HEADER, "problem"]
    assert [line[-1] for line in lines[1:]] == [r.problem for r in report.rejects]
    shown = lines[1 + [r.line for r in report.rejects].index(3)]
    assert shown[:len(HEADER)] == bad[:len(HEADER)]  # the row as the file gave it


def test_more_bad_rows_a_case_without_a_date_a_quote_left_open_a_role_an_age_and_a_flag(
        clerk: UserSession, tmp_path: Path) -> None:
    preset = dict(MAPPING, columns=dict(MAPPING["columns"], role="ROLE", age="AGE", arose_from_exchange="FROM_SALE"))
    mapping = parse_mapping(json.dumps(preset))
    header = [*HEADER, "ROLE", "AGE", "FROM_SALE"]
    path = write_csv(tmp_path / "more.csv", [
        [*row("M-1", event=""), "", "", ""],
        [*row("M-2"), "pimp", "", ""],
        [*row("M-3"), "", "two", ""],
        [*row("M-4"), "", "", "maybe"],
        [*row("M-5"), "", "30", ""],
        [*row("M-6", statute="ORS 167.008"), "seller", "", "yes"],
    ], header=header)
    report = records.import_records(clerk, path, mapping)
    assert [r.problem for r in report.rejects] == [
        "line 2: case M-1 has no incident date: its rows give no EVENT_DATE, and ages are taken on it",
        "line 3, column ROLE: 'pimp' is not a role (one of: seller, buyer, third_party, other)",
        "line 4, column AGE: two is not an age in whole years (0 to 130)",
        "line 5, column FROM_SALE: 'maybe' is not yes or no",
        "line 6, column AGE: says 30 but the date of birth 1996-05-02 makes the person 22 on the incident date "
        "2019-03-14",
        "line 7, column FROM_SALE: cannot be yes on buying_sex: it is only for a quality-of-life offense, "
        "unlicensed_massage or other",
    ]
    assert report.stored_cases == 0
    # A quote left open swallows the lines after it into one value: named, never stored half.
    open_quote = tmp_path / "quote.csv"
    open_quote.write_text(",".join(HEADER) + "\r\n" + ",".join(row("Q-1")) + "\r\n"
                          + ',"Ana Cruz,05/02/1996,Q-2,D,C,Lane,A,ORS 167.007,03/14/2019,DISMISSED,04/30/2019,,\r\n'
                          + ",".join(row("Q-3")) + "\r\n", encoding="utf-8")
    report = records.import_records(clerk, open_quote, parse_mapping(json.dumps(MAPPING)))
    assert report.stored_cases == 1 and report.rows_read == 2
    assert [r.problem for r in report.rejects] == [
        "line 3, column PRI_NAME: holds a line break: a quote left open runs on to line 4, taking the lines after it "
        "into this value"]
    accounted(report, 2)


# -------------------------------------------------------------------------------------- to place, catalog


def test_statutes_and_dispositions_to_place_hold_their_cases_until_placed(clerk: UserSession, mapping: Any,
                                                                          tmp_path: Path) -> None:
    path = write_csv(tmp_path / "place.csv", [
        row("P-1", statute="PC 647(b)"), row("P-1", statute="PC 647(b)", event="03/15/2019"),
        row("P-2", statute="pc  647(B)", name="Ana Cruz"), row("P-3", statute="PC 653.22", name="Mei Chen"),
        row("P-4", disposition="NOLLE PROS", name="Lee Park"), row("P-5", name="Kim Ode")])
    report = records.import_records(clerk, path, mapping)
    assert [(p.kind, p.text, p.rows, p.cases) for p in report.to_place] == [
        ("statute", "PC 647(b)", 3, 2), ("disposition", "NOLLE PROS", 1, 1), ("statute", "PC 653.22", 1, 1)]
    assert report.to_place[0].need == "the offense it charges and the role it implies"
    assert sorted(h.case_number for h in report.held) == ["P-1", "P-2", "P-3", "P-4"]
    assert numbers(clerk.workspace) == ["P-5"] and not report.rejects
    accounted(report, 6)
    # The administrator places two statutes in the office's catalog; the third (solicitation) needs a role.
    admin = log_in(clerk.workspace, "admin")
    catalog.save_statute(admin, "PC 647(b)", "selling_sex")
    catalog.save_statute(admin, "PC 653.22", "solicitation")
    report = records.import_records(clerk, path, mapping)
    assert numbers(clerk.workspace) == ["P-1", "P-2", "P-5"]
    assert [(p.text, p.need.split(":")[0]) for p in report.to_place] == [
        ("NOLLE PROS", "the status it means (pending, filed, convicted, dismissed, arrest_only)"),
        ("PC 653.22", "the role it charges (seller or buyer)")]
    assert casework.read_case(clerk, "P-1")[0].people[0].role == "seller"  # the offense implies it
    placed = dict(MAPPING, statutes=dict(MAPPING["statutes"], **{"PC 653.22": {"offense": "solicitation",
                                                                              "role": "buyer"}}),
                  dispositions=dict(MAPPING["dispositions"], **{"NOLLE PROS": "dismissed"}))
    report = records.import_records(clerk, path, parse_mapping(json.dumps(placed)))
    assert report.stored_cases == 2 and report.skipped_cases == 3 and not report.held
    assert casework.read_case(clerk, "P-3")[0].people[0].role == "buyer"
    assert casework.read_case(clerk, "P-4")[0].charges[0].status == "dismissed"


# ------------------------------------------------------------------------------------------------- people


def test_the_same_person_by_key_else_by_folded_name_and_date_of_birth(clerk: UserSession, mapping: Any,
                                                                       tmp_path: Path) -> None:
    path = write_csv(tmp_path / "people.csv", [
        row("K-1", "Dana Roe", key="SID-1"), row("K-2", "ROE, DANA", key="SID-1", dob="05/02/1996"),
        row("K-3", "Someone Else", key="SID-1"),  # the key decides
        row("N-1", "Łukasz Wójcik", "01/10/1985"), row("N-2", "WOJCIK, LUKASZ", "01/10/1985"),
        row("N-3", "Lukasz Wojcik", "01/10/1986"),  # another date of birth: another person
        row("X-1", "Ana Cruz", ""), row("X-2", "Ana Cruz", "")])  # no key, no date of birth: nothing links them
    report = records.import_records(clerk, path, mapping)
    assert report.stored_cases == 8 and not report.matches
    with clerk.workspace.session() as db:
        people = {n: p for n, p in db.execute(select(m.Case.case_number, m.CaseParty.person_id).join(m.CaseParty))}
    assert people["K-1"] == people["K-2"] == people["K-3"]
    assert people["N-1"] == people["N-2"] != people["N-3"]
    assert people["X-1"] != people["X-2"]
    assert report.people_found == 5


def test_near_matches_are_never_merged_silently_and_the_decision_is_kept(clerk: UserSession, mapping: Any,
                                                                         tmp_path: Path) -> None:
    # Already in the case file, typed in by hand: Priya Raman.
    casework.create_case(clerk, spec.Case("H-1", date(2018, 1, 5), (spec.Person("A", "seller", "Priya Raman",
                                                                                date(1988, 4, 9)),),
                                          (spec.Charge("1", "A", "selling_sex", status="dismissed"),)), load_builtin())
    path = write_csv(tmp_path / "near.csv", [
        row("S-1", "Ana Cruz", "02/05/1996"), row("S-2", "Ana Cruz", "05/02/1996"),  # day and month swapped
        row("L-1", "Jon Smith", "07/07/1980"), row("L-2", "John Smith", "07/07/1980"),  # one letter
        row("M-1", "Mary Ann Lee", "08/08/1985"), row("M-2", "Mary Lee", "08/08/1985"),  # a middle name
        row("P-1", "Priya Ramen", "04/09/1988"),  # one letter from the person already in the case file
        row("Z-1", "Zed Zulu", "09/09/1999")])
    report = records.import_records(clerk, path, mapping)
    reasons = sorted(mt.reason for mt in report.matches)
    assert reasons == sorted([
        "the same name; the day and month of the date of birth swapped",
        "the same date of birth; the names one letter apart", "the same date of birth; the names one letter apart",
        "the same date of birth, first and last name; a middle name missing"])
    assert sorted(h.case_number for h in report.held) == ["L-1", "L-2", "M-1", "M-2", "P-1", "S-1", "S-2"]
    assert numbers(clerk.workspace) == ["H-1", "Z-1"]
    priya = next(mt for mt in report.matches if "P-1" in mt.cases)
    assert "already in the case file" in priya.first + priya.second
    # Decisions: Ana the same person, Smith different, Priya the same as the person of the case file; Mary waits.
    by_case = {mt.cases: mt.id for mt in report.matches}
    assert all(i is not None for i in by_case.values())
    pending = records.pending_matches(clerk)
    assert len(pending) == 4
    records.decide_match(clerk, by_case[("S-1", "S-2")], "same")
    records.decide_match(clerk, by_case[("L-1", "L-2")], "different")
    records.decide_match(clerk, by_case[("P-1",)], "same")
    with clerk.workspace.session() as db:
        kept = db.scalars(select(m.RecordMatch).where(m.RecordMatch.decision.is_not(None))).all()
        assert all(k.label_a is None and k.label_b is None for k in kept)  # no names once decided
    report = records.import_records(clerk, path, mapping)
    assert [h.case_number for h in report.held] == ["M-1", "M-2"]
    assert numbers(clerk.workspace) == ["H-1", "L-1", "L-2", "P-1", "S-1", "S-2", "Z-1"]
    with clerk.workspace.session() as db:
        people = {n: p for n, p in db.execute(select(m.Case.case_number, m.CaseParty.person_id).join(m.CaseParty))}
    assert people["S-1"] == people["S-2"] and people["L-1"] != people["L-2"] and people["P-1"] == people["H-1"]
    # Kept and followed on every later run (a new file with the same people: no new match).
    again = write_csv(tmp_path / "again.csv", [row("S-9", "Ana Cruz", "02/05/1996"), row("L-9", "Jon Smith",
                                                                                        "07/07/1980")])
    report = records.import_records(clerk, again, mapping)
    assert report.stored_cases == 2 and not report.matches
    trail_intact(clerk.workspace)


def test_the_matching_rules() -> None:
    assert fold_name("ROE, Dana-Marie") == fold_name("dana marie roe") == "dana marie roe"
    assert fold_name("Nguyễn Thị") == "nguyen thi" and fold_name("O'Brien") == "obrien"
    assert one_edit_apart("jon smith", "john smith") and one_edit_apart("ana cruz", "ana cruc")
    assert one_edit_apart("ana cruz", "ana crzu") and not one_edit_apart("ana cruz", "ana cruz")
    assert not one_edit_apart("ana cruz", "anna crus")
    assert middle_name_variant("mary ann lee", "mary lee") and middle_name_variant("mary a lee", "mary ann lee")
    assert not middle_name_variant("mary ann lee", "mary beth lee") and not middle_name_variant("mary lee", "mary lee")


# ---------------------------------------------------------------------------------------- again, conflicts


def test_a_file_imported_again_adds_nothing_and_other_contents_are_not_overwritten(
        clerk: UserSession, mapping: Any, tmp_path: Path) -> None:
    rows = [row(f"A-{n}", f"Person {n}", key=f"SID-{n}") for n in range(1, 6)]
    path = write_csv(tmp_path / "a.csv", rows)
    first = records.import_records(clerk, path, mapping)
    assert first.stored_cases == 5
    with clerk.workspace.session() as db:
        before = [db.scalar(select(func.count()).select_from(t)) for t in (m.Case, m.Charge, m.Person, m.Screening)]
    again = records.import_records(clerk, path, mapping)
    assert (again.stored_cases, again.skipped_cases) == (0, 5)
    assert set(again.outcomes.values()) == {"already stored"}
    assert again.record_relief == first.record_relief and len(again.eligible) == len(first.eligible) == 5
    with clerk.workspace.session() as db:
        after = [db.scalar(select(func.count()).select_from(t)) for t in (m.Case, m.Charge, m.Person, m.Screening)]
    assert after == before
    changed = write_csv(tmp_path / "a.csv", [*rows[:4], row("A-5", "Person 5", key="SID-5", disposition="DISMISSED")])
    report = records.import_records(clerk, changed, mapping)
    assert [(c.case_number, c.line) for c in report.conflicts] == [("A-5", 6)]
    assert casework.read_case(clerk, "A-5")[0].charges[0].status == "convicted"  # not overwritten
    # A case typed in by hand with the same contents is recognised as the same.
    typed = spec.Case("T-1", date(2019, 3, 14), (spec.Person("A", "seller", "Typed In", date(1996, 5, 2)),),
                      (spec.Charge("1", "A", "selling_sex", statute="ORS 167.007", status="convicted",
                                   offense_date=date(2019, 3, 14), court="Lane County Circuit Court",
                                   docket_number="D-T-1", disposition_date=date(2019, 4, 30)),),
                      county="Lane", agency="Eugene Police", court="Lane County Circuit Court")
    casework.create_case(clerk, typed, load_builtin())
    report = records.import_records(clerk, write_csv(tmp_path / "t.csv", [row("T-1", "Typed In")]), mapping)
    assert (report.skipped_cases, report.conflicts) == (1, [])
    runs = records.import_runs(clerk)
    assert [r.status for r in runs] == ["done"] * 4 and runs[0].stored == 5 and runs[1].skipped == 5


def test_cancelled_then_carried_on_stores_each_case_once(clerk: UserSession, mapping: Any, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", [row(f"C-{n:02d}", f"Person {n}", key=f"SID-{n}") for n in range(10)])

    class CancelAfterTwoBatches(Progress):
        def report(self, done: int, total: int = 0, text: str = "") -> None:
            super().report(done, total, text)
            if done >= 4:
                self.cancel()

    report = records.import_records(clerk, path, mapping, progress=CancelAfterTwoBatches(), batch=2)
    assert report.cancelled and report.stored_cases == 4
    assert report.count("not reached") == 6 and len(numbers(clerk.workspace)) == 4
    report = records.import_records(clerk, path, mapping, batch=3)
    assert (report.stored_cases, report.skipped_cases, report.resumes) == (6, 4, 1)
    assert numbers(clerk.workspace) == [f"C-{n:02d}" for n in range(10)]
    assert [(r.status, r.stored) for r in records.import_runs(clerk)] == [("interrupted", 4), ("done", 6)]
    with clerk.workspace.session() as db:
        created = db.scalars(select(m.AuditRecord.object_id).where(m.AuditRecord.action == "case_created")).all()
    assert created == ["case:1-2", "case:3-4", "case:5-7", "case:8-10"]
    trail_intact(clerk.workspace)


def test_a_dry_run_checks_screens_and_reports_and_stores_nothing(clerk: UserSession, mapping: Any,
                                                                 tmp_path: Path) -> None:
    path = write_csv(tmp_path / "d.csv", [row("D-1"), row("D-2", dob="bad"), row("D-3", "Ana Cruz", "02/05/1996"),
                                          row("D-4", "Ana Cruz", "05/02/1996")])
    with clerk.workspace.session() as db:
        records_before = db.scalar(select(func.count()).select_from(m.AuditRecord))
    report = records.import_records(clerk, path, mapping, dry_run=True)
    assert report.dry_run and report.stored_cases == 1 and report.run_id is None
    assert report.decisions == {"decline": 1} and len(report.matches) == 1 and report.matches[0].id is None
    assert numbers(clerk.workspace) == []
    with clerk.workspace.session() as db:
        assert db.scalar(select(func.count()).select_from(m.RecordImportRun)) == 0
        assert db.scalar(select(func.count()).select_from(m.RecordMatch)) == 0
        assert db.scalar(select(func.count()).select_from(m.AuditRecord)) == records_before


# ----------------------------------------------------------------------------------------------- reports


def test_the_report_is_a_csv_a_one_page_pdf_and_the_rejects_beside_them(clerk: UserSession, mapping: Any,
                                                                        tmp_path: Path) -> None:
    rows = [row(f"R-{n}", f"Person {n}", key=f"SID-{n}") for n in range(40)]
    rows += [row("R-B", disp_date="02/30/2019"), row("R-S", statute="PC 1"),
             row("R-Y", "Buyer Unknown", "", statute="ORS 167.008")]  # a buyer of unknown age: held for review
    path = write_csv(tmp_path / "r.csv", rows)
    report = records.import_records(clerk, path, mapping)
    files = records.write_report(clerk, report, tmp_path / "report")
    assert files.pdf.name == "r-report.pdf" and files.rejects.name == "r-rejects.csv"
    assert oct(files.csv.stat().st_mode & 0o777) == "0o600"
    pages = subprocess.run(["pdfinfo", str(files.pdf)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           1" in pages
    shown = subprocess.run(["pdftotext", "-layout", str(files.pdf), "-"], capture_output=True, text=True,
                           check=True).stdout
    for words in ("Records import: r.csv", "records read", "43", "eligible for record relief", "PC 1",
                  "02/30/2019 is not a real date", "the age (date of birth) of the person"):
        assert words in shown, words
    sections = [line[0] for line in csv.reader(io.StringIO(files.csv.read_text(encoding="utf-8-sig")))]
    for section in ("summary", "rejected row", "statute to place", "eligible for record relief", "held for review"):
        assert section in sections
    review = next(r for r in report.review if r.case_number == "R-Y")
    assert review.find_out == ("the age (date of birth) of Buyer Unknown (A)",)
    # The rejects, fixed, import as they are (the problem column is not mapped).
    fixed = files.rejects.read_text(encoding="utf-8-sig").replace("02/30/2019", "02/28/2019")
    (tmp_path / "fixed.csv").write_text(fixed, encoding="utf-8")
    again = records.import_records(clerk, tmp_path / "fixed.csv", mapping)
    assert again.stored_cases == 1 and "problem" in again.unused_columns
    with clerk.workspace.session() as db:
        assert db.scalar(select(m.AuditRecord.object_id).where(m.AuditRecord.action == "export")) == \
            f"records_run:{report.run_id}"


def test_problems_with_the_file_or_the_mapping_stop_everything(clerk: UserSession, mapping: Any,
                                                               tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"\r\n\r\n")
    with pytest.raises(RecordsFileError, match="is empty"):
        records.import_records(clerk, empty, mapping)
    old = tmp_path / "old.xls"
    old.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 100)
    with pytest.raises(RecordsFileError, match=r"old Excel workbook \(\.xls\)"):
        records.import_records(clerk, old, mapping)
    with pytest.raises(RecordsFileError, match="which has no sheets"):
        records.import_records(clerk, write_csv(tmp_path / "x.csv", [row("X-1")]), mapping, sheet="Charges")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(RecordsFileError, match="cannot be read as an Excel workbook"):
        records.import_records(clerk, broken, mapping)
    with pytest.raises(MappingError, match=r"The column 'DISP_DATE' \(disposition_date\) is not in the first line"):
        records.import_records(clerk, write_csv(tmp_path / "y.csv", [row("Y-1")[:11]], header=HEADER[:11]), mapping)
    with pytest.raises(MappingError, match=r"has no case_number column.*--mapping"):
        records.import_records(clerk, write_csv(tmp_path / "z.csv", [row("Z-1")]))
    for preset, message in (("{", "not valid JSON"), ("[]", "must be a JSON object"),
                            ('{"colums": {}}', "unknown key 'colums'"),
                            ('{"columns": {"nam": "X"}}', r'columns\["nam"\] is not a field'),
                            ('{"columns": {"name": "X"}, "date_format": "MM/DD"}', "date_format"),
                            ('{"columns": {"name": "X"}, "statutes": {"S": {"offense": "selling"}}}',
                             r'statutes\["S"\]\.offense must be one of'),
                            ('{"columns": {"name": "X"}, "statutes": {"S": {"offense": "solicitation"}}}',
                             "give the role"),
                            ('{"columns": {"name": "X"}, "dispositions": {"D": "guilty"}}',
                             r'dispositions\["D"\] must be one of')):
        with pytest.raises(MappingError, match=message):
            parse_mapping(preset)
    assert numbers(clerk.workspace) == []


def test_without_a_mapping_the_columns_carry_the_case_format_names(clerk: UserSession, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "plain.csv", [
        ["26-CR-1", "Dana Roe", "1996-05-02", "seller", "selling_sex", "pending", "2026-03-14", "SID-1"],
        ["26-CR-1", "John Poe", "1971-11-30", "buyer", "solicitation", "", "2026-03-14", ""]],
        header=["Case Number", "name", "Date_Of_Birth", "ROLE", "offense", "status", "offense_date", "person_key"])
    report = records.import_records(clerk, path)
    assert report.stored_cases == 1 and not report.rejects
    case = casework.read_case(clerk, "26-CR-1")[0]
    assert [(p.name, p.role) for p in case.people] == [("Dana Roe", "seller"), ("John Poe", "buyer")]
    assert report.decisions == {"decline": 2}


# -------------------------------------------------------------------------------------- the bulk store


def test_the_bulk_store_knows_every_column_of_the_tables_it_writes() -> None:
    for name, written in store.WRITTEN.items():
        assert set(written) == set(m.Base.metadata.tables[name].columns.keys()), name


PARITY_CASES = [
    spec.Case("PAR-1", date(2019, 3, 14), (
        spec.Person("A", "seller", "Zoë Lefèvre", date(1996, 5, 2), None, False, "SID-1", "White", "Non-binary"),
        spec.Person("B", "buyer", "John Poe", None, 44, False, "SID-2")),
        (spec.Charge("1", "A", "selling_sex", None, "ORS 167.007", "convicted", date(2019, 3, 14), False, "Court A",
                     "D-1", date(2019, 4, 1), "note one"),
         spec.Charge("2", "B", "solicitation", "A", "ORS 167.008", "dismissed", None, False, None, "D-2"),
         spec.Charge("3", "A", "trespass", None, None, "pending", None, True)),
        county="Lane", agency="EPD", court="Court A", notes="case notes"),
    spec.Case("PAR-2", date(2005, 1, 2), (spec.Person("A", "seller", "Thị Lan Nguyễn", date(1990, 2, 28),
                                                      person_key="SID-1"),),
              (spec.Charge("x", "A", "loitering_for_prostitution", status="arrest_only"),)),
    spec.Case("PAR-3", date(2010, 6, 6), (spec.Person("A", "other", None, None, 16),),
              (spec.Charge("1", "A", "drug_possession", status="convicted"),)),
]
TIMES = {"created_at", "updated_at", "screened_at", "stored_at"}


def _rows(path: Path, key: bytes) -> dict[str, list[tuple[Any, ...]]]:
    case_file = open_case_file(path, key)
    try:
        with case_file.engine.connect() as conn:
            out = {}
            for name in [*store.WRITTEN, "policy_text"]:
                columns = [c.name for c in m.Base.metadata.tables[name].columns if c.name not in TIMES]
                out[name] = list(conn.execute(text(f"SELECT {', '.join(columns)} FROM {name} ORDER BY 1")))
            out["case_search"] = list(conn.execute(text("SELECT rowid, search_text FROM case_search ORDER BY 1")))
            return out
    finally:
        case_file.close()


def test_the_bulk_store_writes_exactly_what_import_case_and_screen_row_write(tmp_path: Path) -> None:
    profile = load_builtin()
    files = {}
    for way in ("orm", "bulk"):
        path = tmp_path / f"{way}.db"
        case_file, _recovery = create_case_file(path, PASSPHRASE, kdf=TEST_KDF)
        case_file.close()
        key = unlock(path, PASSPHRASE)
        case_file = open_case_file(path, key)
        with case_file.session() as db, db.begin():
            if way == "orm":
                for case in PARITY_CASES:
                    store_cases.screen_row(db, store_cases.import_case(db, case), profile)
            else:
                run = store.start_run(db, file_name="f", sha256="0" * 64, sheet=None, mapping_sha256=None, user_id=1,
                                      now=datetime(2026, 1, 1), rows=0, cases_found=0)
                links = [{"A": store.PersonLink("sid-1"), "B": store.PersonLink("sid-2")},
                         {"A": store.PersonLink("sid-1")}, {"A": store.PersonLink("solo")}]
                store.store_cases(db, list(zip(PARITY_CASES[:2], links[:2], strict=True)), profile,
                                  presumptive=None, components={}, run_id=run.id, fingerprints=["a", "b"])
                # a second batch, with the people made by the first one
                store.store_cases(db, [(PARITY_CASES[2], links[2])], profile, presumptive=None, components={},
                                  run_id=run.id, fingerprints=["c"])
        case_file.close()
        files[way] = _rows(path, key)
    for table, rows in files["orm"].items():
        assert files["bulk"][table] == rows, table
    assert len(files["bulk"]["screening_decision"]) == 5


def test_on_a_database_server_the_cases_are_stored_the_orms_way_with_the_same_people(
        new_case_file: tuple[Path, bytes]) -> None:
    """(A server's ids come from its sequences: there the ORM stores each case; shown here on a case file.)"""
    path, key = new_case_file
    case_file = open_case_file(path, key)
    one = spec.Person("A", "seller", "Ana Cruz", date(1996, 5, 2))
    batch = [(spec.Case(f"O-{n}", date(2019, 1, n), (one,), (spec.Charge("1", "A", "selling_sex"),)),
              {"A": store.PersonLink("ana", key="SID-9")}) for n in (1, 2)]
    try:
        with case_file.session() as db, db.begin():
            run = store.start_run(db, file_name="f", sha256="1" * 64, sheet=None, mapping_sha256=None, user_id=1,
                                  now=datetime(2026, 1, 1), rows=2, cases_found=2)
            stored, made = store._store_cases_orm(db, batch, load_builtin(), presumptive=None, components={},
                                                  run_id=run.id, fingerprints=["a", "b"])
        with case_file.session() as db:
            assert db.scalar(select(func.count()).select_from(m.Person)) == 1
            assert db.scalars(select(m.Person.person_key)).all() == ["SID-9"]
            assert db.scalar(select(func.count()).select_from(m.RecordImportCase)) == 2
        assert len(stored) == 2 and list(made) == ["ana"]
    finally:
        case_file.close()


# ---------------------------------------------------------------------------------------- generated files


CELLS = st.sampled_from(["", " ", "Dana Roe", "ROE, DANA", "Zoë", "05/02/1996", "02/30/2019", "13/13/2013",
                         "2019-03-14", "43831", "ORS 167.007", "ORS 167.008", "PC 1", "DISMISSED", "CONVICTED-JAIL",
                         "guilty?", 'a "quoted" value', "semi;colon", "comma, inside", "tab\tinside", "line\nbreak",
                         "SID-1", "SID-2", "Lane", "Marion", "\u200b", "😀", "0", "-1", "9" * 30])


@st.composite
def generated_rows(draw: st.DrawFn) -> list[list[str]]:
    count = draw(st.integers(1, 12))
    out = []
    for _ in range(count):
        base = row(draw(st.sampled_from(["G-1", "G-2", "G-3", ""])))
        cells = [draw(st.one_of(st.just(v), CELLS)) for v in base]
        extra = draw(st.lists(CELLS, max_size=2))
        out.append(cells[:draw(st.integers(len(cells) - 3, len(cells)))] + extra)
    return out


@pytest.fixture
def shared_clerk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UserSession]:
    """One case file for every generated example (each a new file; case numbers repeat, so later examples also
    meet cases already stored, with the same or other contents)."""
    from casereview.services.access import OfficeType
    from casereview.services.accounts import set_up_office, workspace_for
    from tests.helpers import PASSWORD

    folder = tmp_path_factory.mktemp("generated")
    path = folder / "cases.db"
    case_file, _recovery = create_case_file(path, PASSPHRASE, kdf=TEST_KDF)
    case_file.close()
    key = unlock(path, PASSPHRASE)
    case_file = open_case_file(path, key)
    ws = workspace_for(case_file, key)
    set_up_office(ws, OfficeType.PROSECUTOR, "admin", PASSWORD, kdf=TEST_KDF)
    add_user(log_in(ws, "admin"), "paralegal", Role.PARALEGAL)
    yield log_in(ws, "paralegal")
    case_file.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=generated_rows(), delimiter=st.sampled_from([",", ";", "\t"]),
       encoding=st.sampled_from(["utf-8", "cp1252"]), bom=st.booleans())
def test_every_row_of_a_generated_file_is_stored_or_rejected_with_a_reason(
        shared_clerk: UserSession, tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]], delimiter: str,
        encoding: str, bom: bool) -> None:
    path = tmp_path_factory.mktemp("file") / "generated.csv"
    try:
        write_csv(path, rows, delimiter=delimiter, encoding=encoding, bom=bom and encoding == "utf-8")
    except UnicodeEncodeError:
        write_csv(path, rows, delimiter=delimiter, encoding="utf-8")
    before = set(numbers(shared_clerk.workspace))
    try:
        report = records.import_records(shared_clerk, path, parse_mapping(json.dumps(MAPPING)))
    except (RecordsFileError, MappingError) as exc:  # the whole file refused, saying why
        assert str(exc)
        return
    table = read_table(path.read_bytes(), path.name)
    accounted(report, len(table.rows))
    after = set(numbers(shared_clerk.workspace))
    lines = {r.line: r for r in table.rows}
    number_at = HEADER.index("CASE_NO")
    for line, outcome in report.outcomes.items():
        cells = lines[line].cells
        number = cells[number_at] if number_at < len(cells) else ""
        if outcome == "stored":
            assert number in after - before  # stored by this run
        elif outcome in ("rejected", "held") and number:
            assert number not in after - before  # nothing of it stored
    with shared_clerk.workspace.session() as db:
        for stored_case in db.scalars(select(m.Case)).all():
            spec.parse_case(spec.case_to_json(store_cases.to_spec(stored_case)))  # every stored case is valid input


def test_a_warrant_column_marks_the_charges_a_motion_on_warrants_lists(clerk: UserSession, workspace: Workspace,
                                                                         tmp_path: Path) -> None:
    """The warrant column (yes/no) is kept on each charge; a value that is not yes or no rejects its case, named by
    line and column; importing the same file again adds nothing."""
    path = write_csv(tmp_path / "open.csv", [
        ["26-CR-1", "Dana Roe", "1996-05-02", "seller", "selling_sex", "pending", "2026-03-14", "D-1", "Y"],
        ["26-CR-2", "Ana Cruz", "1990-01-02", "seller", "selling_sex", "pending", "2026-03-15", "D-2", "n"],
        ["26-CR-3", "Rosa Vega", "1991-01-02", "seller", "selling_sex", "pending", "2026-03-16", "D-3", "maybe"]],
        header=["case_number", "name", "date_of_birth", "role", "offense", "status", "offense_date", "docket_number",
                "warrant"])
    report = records.import_records(clerk, path)
    assert report.stored_cases == 2
    [reject] = report.rejects
    assert reject.line == 4 and "line 4, column warrant: 'maybe' is not yes or no" in reject.problem
    with workspace.session() as db:
        flags = dict(db.execute(select(m.Case.case_number, m.Charge.warrant_outstanding).join(m.Case)).all())
    assert flags == {"26-CR-1": True, "26-CR-2": False}
    # The report counts what motions can cover: both open charges are declined, one with a warrant.
    figures = dict(report.summary())
    assert figures["open charges declined or protected, for motions to dismiss (stored by this run)"] == "2"
    assert figures["of them with a warrant outstanding, for motions on warrants"] == "1"
    again = records.import_records(clerk, path)
    assert again.stored_cases == 0 and numbers(workspace) == ["26-CR-1", "26-CR-2"]


def test_a_purge_deletes_the_matches_that_concern_the_person_decided_or_not(
        clerk: UserSession, workspace: Workspace, mapping: Any, tmp_path: Path) -> None:
    """A court order to purge a person leaves nothing of them among the matches a records import kept: not a match
    waiting for a decision between their stored record and a record in a file (it names them), nor a decision made
    between two records of a file that became them (kept by the keyed hashes of what identifies them). Other
    people's matches stay."""
    from casereview.services import purges

    casework.create_case(clerk, spec.Case("H-1", date(2018, 1, 5), (spec.Person("A", "seller", "Priya Raman",
                                                                                date(1988, 4, 9)),),
                                          (spec.Charge("1", "A", "selling_sex", status="dismissed"),)), load_builtin())
    path = write_csv(tmp_path / "near.csv", [row("P-1", "Priya Ramen", "04/09/1988"),
                                              row("S-1", "Ana Cruz", "02/05/1996"),
                                              row("S-2", "Ana Cruz", "05/02/1996"),
                                              row("M-1", "Mary Ann Lee", "08/08/1985"),
                                              row("M-2", "Mary Lee", "08/08/1985")])
    report = records.import_records(clerk, path, mapping)
    assert len(records.pending_matches(clerk)) == 3
    by_case = {mt.cases: mt.id for mt in report.matches}
    records.decide_match(clerk, by_case[("S-1", "S-2")], "same")
    records.import_records(clerk, path, mapping)
    with workspace.session() as db:
        people = dict(db.execute(select(m.Case.case_number, m.CaseParty.person_id).join(m.CaseParty)).all())
        ana_match = db.get(m.RecordMatch, by_case[("S-1", "S-2")])
        assert ana_match is not None and ana_match.person_id is None  # (two records of the file)
    admin = log_in(workspace, "admin")
    purges.purge_person(admin, people["H-1"], "Order 26CV0001")
    purges.purge_person(admin, people["S-1"], "Order 26CV0002")
    left = records.pending_matches(clerk)
    assert len(left) == 1 and "Mary" in left[0].first + left[0].second
    with workspace.session() as db:
        assert db.scalar(select(func.count(m.RecordMatch.id))) == 1
    trail_intact(workspace)
