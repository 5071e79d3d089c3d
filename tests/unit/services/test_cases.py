"""Case import/export round trip, screenings saved with their policy text, search, optimistic locking."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import event, func, select
from sqlalchemy.orm.exc import StaleDataError

from casereview.policy.case import case_to_json, parse_case
from casereview.policy.profile import load_builtin, load_profile_text
from casereview.services.demo import DEMO_CASES
from casereview.store import cases
from casereview.store import models as m
from casereview.store.database import CaseFile, create_case_file, open_case_file
from casereview.store.keys import TEST_KDF
from tests.conftest import PASSPHRASE
from tests.strategies import case_dicts

pytestmark = pytest.mark.both_backends  # on a case file and on a PostgreSQL server (tests/conftest.py)


@pytest.fixture
def case_file(new_case_file: tuple[Path, bytes]) -> Any:
    cf = open_case_file(*new_case_file)
    yield cf
    cf.close()


def test_round_trip_is_lossless(tmp_path_factory: pytest.TempPathFactory) -> None:
    cf, _recovery = create_case_file(tmp_path_factory.mktemp("rt") / "rt.db", PASSPHRASE, kdf=TEST_KDF)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(case_dicts(exceptions=False))
    def check(raw: dict[str, Any]) -> None:
        case = parse_case(raw)
        with cf.session() as session, session.begin():
            session.execute(m.Case.__table__.delete())
            cases.import_case(session, case)
        with cf.session() as session:
            back = cases.export_case(session, case.case_number)
        assert back == case
        assert parse_case(case_to_json(back)) == case

    try:
        check()
    finally:
        cf.close()


def test_a_case_listing_exceptions_is_refused_by_import_and_by_update(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """Section 8: in a case file an approval exists only through the signed workflow, so a case that brings
    `exceptions` is refused, by name and saying how exceptions are made, and nothing of it is stored."""
    cf, _recovery = create_case_file(tmp_path_factory.mktemp("ex") / "ex.db", PASSPHRASE, kdf=TEST_KDF)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(case_dicts(exceptions=True).filter(lambda raw: bool(raw.get("exceptions"))))
    def check(raw: dict[str, Any]) -> None:
        case = parse_case(raw)
        with cf.session() as session, session.begin():
            session.execute(m.Case.__table__.delete())
        with pytest.raises(cases.ExceptionsRefused) as refused, cf.session() as session, session.begin():
            cases.import_case(session, case)
        message = str(refused.value)
        assert message.startswith(f"Case {case.case_number} lists section 8 exceptions.")
        assert "Request an exception…" in message and "signed by a supervisor" in message
        assert message.endswith("Nothing was imported.")
        with cf.session() as session:
            assert cases.count_cases(session) == 0
        bare = replace(case, exceptions=())
        with cf.session() as session, session.begin():
            version = cases.import_case(session, bare).version
        with pytest.raises(cases.ExceptionsRefused, match=r"save it again\. Nothing was saved\.$"), \
                cf.session() as session, session.begin():
            cases.update_case(session, case, expected_version=version)
        with cf.session() as session:
            assert cases.export_case(session, case.case_number) == bare
            assert cases.load_case(session, case.case_number).version == version

    try:
        check()
    finally:
        cf.close()


def test_duplicate_case_number_is_refused_and_nothing_written(case_file: CaseFile) -> None:
    case = parse_case(DEMO_CASES[0])
    with case_file.session() as session, session.begin():
        cases.import_case(session, case)
    with pytest.raises(cases.CaseServiceError, match="already in this case file"), \
            case_file.session() as session, session.begin():
        cases.import_case(session, case)
    with case_file.session() as session:
        assert cases.count_cases(session) == 1


def test_same_person_key_is_one_person_across_cases(case_file: CaseFile) -> None:
    with case_file.session() as session, session.begin():
        for raw in DEMO_CASES:
            cases.import_case(session, parse_case(raw))
    with case_file.session() as session:
        person = session.scalars(select(m.Person).where(m.Person.person_key == "SID-100231")).one()
        numbers = sorted(p.case.case_number for p in person.parties)
    assert numbers == ["15-CR-2231", "26-CR-0101"]


def test_screening_is_saved_with_the_policy_text_it_used(case_file: CaseFile) -> None:
    profile = load_builtin()
    with case_file.session() as session, session.begin():
        cases.import_case(session, parse_case(DEMO_CASES[0]))
        cases.screen_and_save(session, "26-CR-0101", profile)
        cases.screen_and_save(session, "26-CR-0101", profile, presumptive=False)
    with case_file.session() as session:
        texts = session.scalars(select(m.PolicyText)).all()
        assert len(texts) == 1 and texts[0].text == profile.raw_text
        screenings = session.scalars(select(m.Screening)).all()
        assert [s.presumptive for s in screenings] == [True, False]
        decisions = session.scalars(select(m.ScreeningDecision)).all()
        assert {d.decision for d in decisions} == {"decline"}
        assert decisions[0].sections == ["1(a)"]
        assert any("presumptively" in r["text"] for r in decisions[0].reasoning)
        assert cases.search_case_ids(session, decision="decline") == [screenings[0].case_id]
        assert cases.search_case_ids(session, decision="protect") == []


def test_a_policy_text_is_stored_once_and_again_after_a_rolled_back_first(case_file: CaseFile) -> None:
    """Whether the text is stored is asked by its hash; a text added by a transaction that was rolled back is not
    taken as stored, and one found stored is not asked about again."""
    profile = load_builtin()
    with case_file.session() as session:
        with pytest.raises(RuntimeError), session.begin():
            cases.store_policy(session, profile)
            cases.store_policy(session, profile)  # (not added twice)
            session.flush()
            raise RuntimeError("the work failed")
        with session.begin():
            assert session.scalar(select(func.count()).select_from(m.PolicyText)) == 0
            cases.store_policy(session, profile)
            cases.store_policy(session, profile)
    statements: list[str] = []
    event.listen(case_file.engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_a: statements.append(statement))
    with case_file.session() as session, session.begin():
        cases.store_policy(session, profile)  # found stored: known from now on
        cases.store_policy(session, profile)
    with case_file.session() as session, session.begin():
        cases.store_policy(session, profile)
    assert sum("policy_text" in s for s in statements) == 1
    with case_file.session() as session:
        texts = session.scalars(select(m.PolicyText)).all()
        assert [t.text for t in texts] == [profile.raw_text]


def test_a_case_is_loaded_in_three_queries_whatever_it_holds(case_file: CaseFile) -> None:
    """The case with its people (their persons joined in), its charges, its facts: on a server each query is a
    round trip, and every open and save loads the case."""
    with case_file.session() as session, session.begin():
        for raw in DEMO_CASES:
            cases.import_case(session, parse_case(raw))
    statements: list[str] = []
    event.listen(case_file.engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_a: statements.append(statement))
    for raw in DEMO_CASES:
        statements.clear()
        with case_file.session() as session:
            row = cases.load_case(session, raw["case_number"])
            assert cases.to_spec(row) == parse_case(raw)
        queries = [s for s in statements if s.lstrip().upper().startswith("SELECT")]  # (a case file's BEGIN too)
        assert len(queries) == 3, (raw["case_number"], queries)


@pytest.mark.parametrize(("query", "expected"), [
    ("nguyen", {"26-CR-0103", "17-CR-0934"}),
    ("NGUYỄN", {"26-CR-0103", "17-CR-0934"}),
    ("lukasz", {"26-CR-0104"}),
    ("zoe mart", {"26-CR-0102"}),
    ("solis", {"26-CR-0105"}),
    ("475.752", {"26-CR-0103", "17-CR-0934"}),
    ("roe", {"26-CR-0101", "15-CR-2231"}),
    ("15-cr", {"15-CR-2231"}),
    ("nobody-here", set()),
])
def test_search_folds_accents_and_case(case_file: CaseFile, query: str, expected: set[str]) -> None:
    with case_file.session() as session, session.begin():
        for raw in DEMO_CASES:
            cases.import_case(session, parse_case(raw))
    with case_file.session() as session:
        found = {r.case_number for r in cases.case_rows(session, cases.search_case_ids(session, query))}
    assert found == expected


def test_conflicting_edits_are_refused_not_overwritten(case_file: CaseFile) -> None:
    with case_file.session() as session, session.begin():
        cases.import_case(session, parse_case(DEMO_CASES[0]))
    first, second = case_file.session(), case_file.session()
    try:
        a = first.scalars(select(m.Case)).one()
        b = second.scalars(select(m.Case)).one()
        second.commit()  # the second user has loaded the case; their read is over, the edit form stays open
        a.notes = "first edit"
        first.commit()
        b.notes = "second edit"
        with pytest.raises(StaleDataError):
            second.commit()
        second.rollback()
    finally:
        first.close()
        second.close()
    with case_file.session() as session:
        row = session.scalars(select(m.Case)).one()
        assert row.notes == "first edit" and row.version == 2


def test_an_edited_policy_keeps_old_screenings_pointing_at_their_text(case_file: CaseFile) -> None:
    builtin = load_builtin()
    edited_text = builtin.raw_text.replace('"version": "2025-03"', '"version": "2026-office-edit"', 1)
    edited = load_profile_text(edited_text, "office copy")
    assert edited.content_hash != builtin.content_hash
    with case_file.session() as session, session.begin():
        cases.import_case(session, parse_case(DEMO_CASES[0]))
        first = cases.screen_and_save(session, "26-CR-0101", builtin)
        second = cases.screen_and_save(session, "26-CR-0101", edited)
    with case_file.session() as session:
        hashes = [s.policy_hash for s in session.scalars(select(m.Screening).order_by(m.Screening.id))]
        assert hashes == [builtin.content_hash, edited.content_hash]
        old = cases.stored_policy(session, hashes[0])
        assert old.raw_text == builtin.raw_text and old.version == "2025-03"
        again = cases.screen_and_save(session, "26-CR-0101", old)
        assert again.to_json()["charges"] == first.to_json()["charges"]
        assert second.policy_version == "2026-office-edit"
        with pytest.raises(cases.CaseServiceError, match="no policy"):
            cases.stored_policy(session, "0" * 64)


def test_a_defense_case_keeps_its_clients_and_prosecuting_office_beside_the_case_format(case_file: CaseFile) -> None:
    """Clients and the prosecuting office are not part of the screening input format: `to_spec` is unchanged, and
    an edit of the case keeps them for the people who stay."""
    raw = DEMO_CASES[2]  # 26-CR-0103
    with case_file.session() as session, session.begin():
        row = cases.import_case(session, parse_case(raw))
        cases.set_defense_details(session, row, cases.DefenseDetails(frozenset({"A"}), " Lane County  DA ", True))
        with pytest.raises(cases.CaseServiceError, match="has no person Z"):
            cases.set_defense_details(session, row, cases.DefenseDetails(frozenset({"Z"})))
    with case_file.session() as session, session.begin():
        row = cases.load_case(session, "26-CR-0103")
        assert cases.defense_details(row) == cases.DefenseDetails(frozenset({"A"}), "Lane County DA", True)
        assert cases.to_spec(row) == parse_case(raw)  # the case format is as it was
        cases.update_case(session, replace(parse_case(raw), notes="edited"), expected_version=row.version)
    with case_file.session() as session, session.begin():
        row = cases.load_case(session, "26-CR-0103")
        assert cases.defense_details(row).clients == frozenset({"A"})
        cases.set_client(session, "26-CR-0103", "B", True)
        cases.set_prosecuting_office(session, "26-CR-0103", None, adopted=False)
    with case_file.session() as session:
        assert cases.defense_details(cases.load_case(session, "26-CR-0103")) == cases.DefenseDetails(
            frozenset({"A", "B"}), None, False)
