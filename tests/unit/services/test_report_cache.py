"""The reports' counts kept while the case file is unchanged (casereview/services/report_cache.py): used again only
while nothing was committed since — by this program through any of its connections, or by another connection to
the file — counted once when two ask at once, never kept when the count fails or the file changed during it,
counted ahead when the file opens, and the cache's own connection can neither write nor outlive the file."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text, update

from casereview.services import report_cache, report_data, reports
from casereview.services.access import OfficeType, Role
from casereview.services.report_cache import ReportCache
from casereview.services.session import UserSession, Workspace
from casereview.store import models as m
from casereview.store.database import connect_cipher, open_case_file
from casereview.store.report_queries import ReportFilter
from tests.helpers import staff
from tests.report_cases import fill

pytestmark = pytest.mark.both_backends


@pytest.fixture
def users(workspace: Workspace) -> dict[Role, UserSession]:
    out = staff(workspace, OfficeType.PROSECUTOR)
    with workspace.session() as db, db.begin():
        fill(db, 60)
    return out


class Counter:
    """A count that says how often it ran."""

    def __init__(self, value: Any = "counted") -> None:
        self.runs = 0
        self.value = value

    def __call__(self) -> Any:
        self.runs += 1
        return (self.value, self.runs)


def _cache(ws: Workspace) -> ReportCache:
    return report_cache.for_file(ws.case_file)


def _fresh(user: UserSession, f: ReportFilter | None = None, *, internal: bool = True) -> list[Any]:
    """The report's cells counted now, nothing kept used."""
    _cache(user.workspace).forget()
    return _cells(reports.compute(user, f, internal=internal))


def _cells(report: Any) -> list[Any]:
    return [(p.table.key, p.table.rows, p.table.cols, [[c.value for c in r] for r in p.cells])
            for p in report.tables] + [report.timing]


def _commit_a_change(ws: Workspace, race: str = "changed") -> None:
    with ws.session() as db, db.begin():
        party = db.scalars(select(m.CaseParty).order_by(m.CaseParty.id)).first()
        assert party is not None
        party.race_ethnicity = race


@pytest.mark.sqlite_only
def test_kept_while_unchanged_and_counted_again_after_any_commit(users: dict[Role, UserSession]) -> None:
    ws = users[Role.SUPERVISOR].workspace
    cache, count = _cache(ws), Counter()
    assert cache.keeps
    assert cache.get("k", count) == ("counted", 1)
    assert cache.get("k", count) == ("counted", 1) and count.runs == 1  # kept
    assert cache.holds("k") and not cache.holds("other")
    ws.record(user_id=None, action="report_exported")  # a commit through the program's own connections
    assert not cache.holds("k")
    assert cache.get("k", count) == ("counted", 2)
    # a commit by a connection the program does not know of (the file's own key)
    path = ws.case_file.path
    assert path is not None
    other = connect_cipher(path, ws.db_key)()
    try:
        other.execute("UPDATE case_party SET age = 33 WHERE id = (SELECT min(id) FROM case_party)")
    finally:
        other.close()
    assert cache.get("k", count) == ("counted", 3)
    # nothing committed: a transaction rolled back changes nothing
    with ws.session() as db:
        db.execute(update(m.CaseParty).values(age=1))
        db.rollback()
    assert cache.get("k", count) == ("counted", 3)


@pytest.mark.sqlite_only
def test_a_change_committed_during_the_count_is_never_served_stale(users: dict[Role, UserSession]) -> None:
    ws = users[Role.SUPERVISOR].workspace
    cache, runs = _cache(ws), []

    def count() -> str:
        runs.append(1)
        if len(runs) == 1:
            _commit_a_change(ws)  # made while the first count runs (after the version was read)
        return f"count {len(runs)}"

    assert cache.get("k", count) == "count 1"  # the caller that asked gets what was counted
    assert cache.get("k", count) == "count 2"  # but it was not kept for the file as it is now
    assert cache.get("k", count) == "count 2"


@pytest.mark.sqlite_only
def test_two_asking_at_once_count_once_and_a_failure_is_not_kept(users: dict[Role, UserSession]) -> None:
    cache = _cache(users[Role.SUPERVISOR].workspace)
    started, release, runs = threading.Event(), threading.Event(), []

    def slow() -> str:
        runs.append(1)
        started.set()
        assert release.wait(10)
        return "once"

    got: list[str] = []
    first = threading.Thread(target=lambda: got.append(cache.get("k", slow)))
    first.start()
    assert started.wait(10)
    second = threading.Thread(target=lambda: got.append(cache.get("k", slow)))
    second.start()
    time.sleep(0.05)
    release.set()
    first.join(10)
    second.join(10)
    assert got == ["once", "once"] and len(runs) == 1

    def broken() -> str:
        raise RuntimeError("the count failed")

    with pytest.raises(RuntimeError, match="the count failed"):
        cache.get("bad", broken)
    assert not cache.holds("bad")
    assert cache.get("bad", lambda: "then counted") == "then counted"


def test_reports_as_counted_now_after_every_kind_of_change(users: dict[Role, UserSession]) -> None:
    """What the window shows is what counting now gives, after a mapping, a category, a party's category, an
    outcome, a policy filter — on a server every request counts, on a file the kept count is used again only
    while nothing changed."""
    chief = users[Role.SUPERVISOR]
    admin = users[Role.ADMINISTRATOR]
    ws = chief.workspace
    narrow = ReportFilter(policy_id="office-2026")
    first = reports.compute(chief, internal=True)
    assert _cells(reports.compute(chief, internal=True)) == _cells(first)
    changes = [
        lambda: report_data.map_free_text(admin, "race", "black", "white"),
        lambda: report_data.set_categories(admin, "gender", [("woman", "Woman"), ("man", "Man"),
                                                             ("nonbinary", "Non-binary")]),
        lambda: _commit_a_change(ws, "Asian"),
        lambda: report_data.map_agency(admin, "gresham police", "Gresham Police Department"),
    ]
    before = _cells(first)
    for change in changes:
        change()
        for f in (None, narrow):
            shown = _cells(reports.compute(chief, f, internal=True))
            assert shown == _fresh(chief, f)
        assert _cells(reports.compute(chief, internal=True)) != before
        before = _cells(reports.compute(chief, internal=True))
    assert _cache(ws).keeps == (not ws.case_file.is_server)


@pytest.mark.sqlite_only
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.one_of(st.just("count"), st.just("count narrow"), st.integers(0, 120)), max_size=8))
def test_generated_sequences_of_changes_and_counts(users: dict[Role, UserSession], steps: list[Any]) -> None:
    """Any mix of counts and committed changes (a party's age set): every count shown is the count made now."""
    chief = users[Role.SUPERVISOR]
    ws = chief.workspace
    for step in steps:
        if isinstance(step, int):
            with ws.session() as db, db.begin():
                db.execute(text("UPDATE case_party SET age = :age WHERE id = (SELECT min(id) FROM case_party)"),
                           {"age": step})
            continue
        f = ReportFilter(policy_id="office-2026") if step == "count narrow" else None
        shown = _cells(reports.compute(chief, f, internal=True))
        assert shown == _fresh(chief, f)


@pytest.mark.sqlite_only
def test_counted_ahead_when_asked_and_only_for_who_may_see_reports(users: dict[Role, UserSession]) -> None:
    chief, paralegal = users[Role.SUPERVISOR], users[Role.PARALEGAL]
    cache = _cache(chief.workspace)
    reports.count_ahead(paralegal)  # may not view reports: nothing counted for them
    assert not cache.holds(ReportFilter())
    reports.count_ahead(chief)
    deadline = time.monotonic() + 30
    while not cache.holds(ReportFilter()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cache.holds(ReportFilter())
    shown = _cells(reports.compute(chief, internal=True))
    assert shown == _fresh(chief)


@pytest.mark.sqlite_only
def test_the_cache_connection_cannot_write(users: dict[Role, UserSession]) -> None:
    cache = _cache(users[Role.SUPERVISOR].workspace)
    probe: Any = cache._probe.dbapi_connection  # (the one connection the cache opens)
    with pytest.raises(Exception, match=r"readonly|read-only|query_only|attempt to write"):
        probe.execute("UPDATE case_party SET age = 1")


@pytest.mark.sqlite_only
def test_closing_during_a_count_ahead_waits_for_it_and_leaves_the_file_whole(
        users: dict[Role, UserSession], new_case_file: tuple[Path, bytes]) -> None:
    chief = users[Role.SUPERVISOR]
    path, key = new_case_file
    ws = chief.workspace
    cache = _cache(ws)
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(10)
        return "late"

    thread = cache.start("slow", slow)
    assert thread is not None and started.wait(10)
    closer = threading.Thread(target=ws.case_file.close)
    closer.start()
    time.sleep(0.1)
    assert closer.is_alive()  # waiting for the count under way
    release.set()
    closer.join(30)
    assert not closer.is_alive() and not thread.is_alive()
    assert cache.version() is None and not cache.keeps
    assert cache.start("again", slow) is None  # nothing starts on a closed file
    again = open_case_file(path, key)  # the lock was released, the file opens and is whole
    try:
        with again.session() as db:
            assert db.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert db.scalar(select(m.Case.id).limit(1)) is not None
    finally:
        again.close()


def test_on_a_server_nothing_is_kept(users: dict[Role, UserSession], backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("the server's behaviour (the file's is tested above)")
    cache, count = _cache(users[Role.SUPERVISOR].workspace), Counter()
    assert not cache.keeps and cache.version() is None
    assert cache.get("k", count) == ("counted", 1)
    assert cache.get("k", count) == ("counted", 2)
    assert cache.start("k", count) is None
