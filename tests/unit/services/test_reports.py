"""Reports: the aggregates on a generated case file match counts made independently in Python from the truth the
generator kept; filters by date and policy; who may see them; the transparency report read back with pdftotext
(no names, no case numbers, the suppression marker there) and its CSV."""

from __future__ import annotations

import csv
import io
import re
import statistics
import subprocess
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from casereview.reports import disclosure as dc
from casereview.services import report_data, reports
from casereview.services.access import OfficeType, Role
from casereview.services.office import FieldProblem
from casereview.services.session import PermissionDenied, UserSession, Workspace
from casereview.store import audit
from casereview.store.report_queries import ReportFilter
from tests.helpers import staff
from tests.report_cases import TruthCharge, fill

pytestmark = pytest.mark.both_backends

COUNT = 400


@pytest.fixture
def office(workspace: Workspace) -> tuple[dict[Role, UserSession], list[TruthCharge], list[tuple[int, int]]]:
    users = staff(workspace, OfficeType.PROSECUTOR)
    with workspace.session() as db, db.begin():
        truth, timing = fill(db, COUNT)
    return users, truth, timing


def _cells(p: dc.ProtectedTable) -> dict[tuple[str, str], int]:
    t = p.table
    return {(r, c): p.cells[i][j].value for i, r in enumerate(t.rows) for j, c in enumerate(t.cols)}


GROUP = {"decline": "Declined", "protect": "Protected"}


def _expected_groups(truth: list[TruthCharge], attr: str, labels: dict[str, str]) -> dict[tuple[str, str], int]:
    out: Counter[tuple[str, str]] = Counter()
    for t in truth:
        out[(labels.get(getattr(t, attr), getattr(t, attr)), GROUP.get(t.decision, "Other decisions"))] += 1
    return dict(out)


def _nonzero(d: dict[tuple[str, str], int]) -> dict[tuple[str, str], int]:
    return {k: v for k, v in d.items() if v}


def test_aggregates_match_independent_counts(office: tuple[dict[Role, UserSession], list[TruthCharge],
                                                           list[tuple[int, int]]]) -> None:
    users, truth, timing = office
    report = reports.compute(users[Role.SUPERVISOR], internal=True)
    race = dict(report_data.categories(users[Role.SUPERVISOR], "race"))
    gender = dict(report_data.categories(users[Role.SUPERVISOR], "gender"))
    assert _nonzero(_cells(report.table("by_race"))) == _expected_groups(truth, "race", race)
    assert _nonzero(_cells(report.table("by_gender"))) == _expected_groups(truth, "gender", gender)
    assert _nonzero(_cells(report.table("by_age"))) == _expected_groups(truth, "age_group", {})
    assert _nonzero(_cells(report.table("by_agency"))) == _expected_groups(truth, "agency", {})
    labels = reports.DECISION_LABELS
    assert _nonzero(_cells(report.table("decisions_by_month"))) == dict(
        Counter((t.screened_month, labels[t.decision]) for t in truth))
    assert _nonzero(_cells(report.table("decisions_by_section"))) == dict(
        Counter((f"Section {t.section}", labels[t.decision]) for t in truth))
    assert _nonzero(_cells(report.table("arrests_declined"))) == dict(
        Counter((t.agency, t.incident_month) for t in truth if t.decision in ("decline", "protect")))
    assert report.table("by_race").total().value == len(truth)
    # Time to a decision: each month's median and quartiles, as statistics computes them from the cases.
    months: dict[str, list[int]] = {}
    with users[Role.SUPERVISOR].workspace.session() as db:
        from casereview.store import models as m
        incident = dict(db.query(m.Case.id, m.Case.incident_date).all())
    for case_id, days in timing:
        months.setdefault(incident[case_id].strftime("%Y-%m"), []).append(days)
    got = {t.month: t for t in report.timing}
    assert set(got) == set(months)
    for month, values in months.items():
        assert got[month].cases == len(values)
        assert got[month].median == statistics.median(values)
        if len(values) > 1:
            q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
            assert got[month].q1 == pytest.approx(q1) and got[month].q3 == pytest.approx(q3)


def test_filters_by_date_and_policy(office: tuple[dict[Role, UserSession], list[TruthCharge],
                                                  list[tuple[int, int]]]) -> None:
    users, truth, _ = office
    f = ReportFilter(date(2025, 3, 1), date(2025, 8, 31), "office-2026")
    report = reports.compute(users[Role.SUPERVISOR], f, internal=True)
    expected = [t for t in truth if "2025-03" <= t.incident_month <= "2025-08" and t.policy == "office-2026"]
    assert report.table("by_age").total().value == len(expected)
    assert _nonzero(_cells(report.table("by_agency"))) == _expected_groups(expected, "agency", {})


def test_who_may_see_reports(office: tuple[dict[Role, UserSession], list[TruthCharge],
                                           list[tuple[int, int]]]) -> None:
    users, _, _ = office
    with pytest.raises(PermissionDenied):
        reports.compute(users[Role.PARALEGAL])
    with pytest.raises(PermissionDenied):
        reports.compute(users[Role.PROSECUTOR], internal=True)
    public = reports.compute(users[Role.PROSECUTOR])
    assert not public.internal and all(dc.audit(p) == [] for p in public.tables)
    assert any(p.suppressed_count for p in public.tables)


def _pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout.decode()
    return re.sub(r"[ \t]+", " ", out)


def test_transparency_report_has_no_names_or_case_numbers(
        office: tuple[dict[Role, UserSession], list[TruthCharge], list[tuple[int, int]]], tmp_path: Path) -> None:
    users, truth, _ = office
    user = users[Role.PROSECUTOR]
    files = reports.export(user, tmp_path / "out")
    text = _pdf_text(files.pdf)
    assert "Transparency report" in text and "Small numbers are hidden" in text
    assert dc.MARKER in text
    assert "GEN-" not in text and "Person " not in text and "PK1" not in text
    rows = list(csv.DictReader(io.StringIO(files.csv.read_text(encoding="utf-8"))))
    hidden = [r for r in rows if r["suppressed"] == "yes"]
    assert hidden and all(r["count"] == "" and r["shown_as"] == dc.MARKER for r in hidden)
    shown = [int(r["count"]) for r in rows if r["suppressed"] == "no" and r["table"] != "days_to_decision"]
    assert all(v == 0 or v >= 11 for v in shown)
    total = next(r for r in rows if r["table"] == "by_race" and r["row"] == "Total" and r["column"] == "Total")
    assert int(total["count"]) == len(truth)
    with user.workspace.session() as db:
        assert audit.records(db, action="report_exported")[-1].object_id == "public:9"


def test_internal_report_is_marked_internal(office: tuple[dict[Role, UserSession], list[TruthCharge],
                                                          list[tuple[int, int]]], tmp_path: Path) -> None:
    users, _, _ = office
    files = reports.export(users[Role.SUPERVISOR], tmp_path, internal=True)
    text = _pdf_text(files.pdf)
    assert "INTERNAL" in text and "not for publication" in text
    assert "GEN-" not in text
    assert files.csv.read_text(encoding="utf-8").splitlines()[1].startswith("internal,")


def test_categories_mappings_agencies_outcomes(office: tuple[dict[Role, UserSession], list[TruthCharge],
                                                              list[tuple[int, int]]]) -> None:
    users, truth, _ = office
    admin = users[Role.ADMINISTRATOR]
    values = {v.folded: v for v in report_data.free_text_values(admin, "race")}
    assert values["asian american"].mapped_to is None
    report_data.map_free_text(admin, "race", "asian american", "asian")
    after = reports.compute(users[Role.SUPERVISOR], internal=True)
    unmapped_before = sum(1 for t in truth if t.race == "unmapped")
    labels = dict(report_data.categories(admin, "race"))
    unmapped_row = labels["unmapped"]
    assert unmapped_row not in after.table("by_race").table.rows or unmapped_before == 0
    with pytest.raises(FieldProblem):
        report_data.map_free_text(admin, "race", "x", "no such code")
    agencies = {a.folded: a for a in report_data.agency_values(admin)}
    assert agencies["ppb"].agency == "Portland Police Bureau"
    report_data.map_agency(admin, "transit police", "TriMet Transit Police")
    rows = reports.compute(users[Role.SUPERVISOR], internal=True).table("by_agency").table.rows
    assert "TriMet Transit Police" in rows and "Transit Police" not in rows
    report_data.set_categories(admin, "gender", [("woman", "Woman"), ("man", "Man"),
                                                 ("transgender_woman", "Trans woman")])
    assert [c for c, _ in report_data.categories(admin, "gender")] == ["woman", "man", "transgender_woman",
                                                                         "unknown", "unmapped"]
    with pytest.raises(PermissionDenied):
        report_data.set_threshold(users[Role.SUPERVISOR], 15)
    report_data.set_threshold(admin, 15)
    assert reports.compute(users[Role.PROSECUTOR]).threshold == 15
    with pytest.raises(FieldProblem):
        report_data.set_threshold(admin, 30)
    oid = report_data.record_outcome(users[Role.PARALEGAL], case_id=1, kind="motion", outcome="granted",
                                     filed_on=date(2025, 2, 1), decided_on=date(2025, 3, 1))
    assert oid > 0
    docs = _cells(reports.compute(users[Role.SUPERVISOR], internal=True).table("documents"))
    assert docs[("motion", "Granted")] == 1
