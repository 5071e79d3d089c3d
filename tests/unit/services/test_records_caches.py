"""The records import's shortcuts give what the general ways give: the fingerprint written field by field, the
search text folded part by part, the reasoning written as JSON directly, the converter's folded statutes and dates
read once, and a batch prepared before its transaction (written only while the case file's ids are still those it
was prepared with)."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from casereview.policy import case as spec
from casereview.policy.engine import Reason
from casereview.policy.profile import load_builtin
from casereview.records.convert import Converter
from casereview.records.mapping import parse_mapping, resolve_columns
from casereview.records.reading import read_table
from casereview.store import cases as store_cases
from casereview.store import models as m
from casereview.store import records as store
from casereview.store.database import open_case_file
from casereview.store.search import SearchTexts, case_search_text
from tests.strategies import case_dicts

ODD = ["", " ", "Zoë", "O'Brien", 'say "no"', "back\\slash", "tab\there", "two\nlines", "\u2028", "Nguyễn Văn",
       "  spaced   out  ", "ΣΑΣ", "İstanbul", "😀", "\x00\x1f", "ß", "Ł", "\u00a0nbsp\u00a0"]


def _generic(case: spec.Case, warrants: frozenset[str] = frozenset()) -> str:
    return hashlib.sha256(store.fingerprint_text(case, warrants).encode("utf-8")).hexdigest()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case_dicts(exceptions=False), st.booleans(), st.frozensets(st.sampled_from([*ODD[:6], "1", "2"])))
def test_the_fingerprint_written_field_by_field_is_the_canonical_json_of_the_case(
        data: dict[str, Any], facts: bool, warrants: frozenset[str]) -> None:
    if not facts:
        data = dict(data, facts=[])
    case = spec.parse_case(data)
    assert store.fingerprint(case, warrants) == _generic(case, warrants)
    assert store.fingerprint(case) == _generic(case)


def test_the_fingerprint_of_odd_values_and_of_values_of_another_type() -> None:
    people = tuple(spec.Person(f"P{i}", "seller", text, date(1990, 1, 2) if i % 2 else None, i if i % 3 else 0,
                               bool(i % 2), text or None, text, text, text) for i, text in enumerate(ODD))
    charges = tuple(spec.Charge(str(i), people[i].id, "selling_sex", people[i - 1].id if i else None, text,
                                "pending", date(2020, 1, i + 1), bool(i % 2), text, text, None, text or None)
                    for i, text in enumerate(ODD))
    case = spec.Case("N-1", date(2021, 2, 3), people, charges, (), (), "Zoë", None, "", "a\nb")
    assert store.fingerprint(case) == _generic(case)
    assert store.fingerprint(case, frozenset({"1", "0"})) == _generic(case, frozenset({"1", "0"}))
    # one field different: a different fingerprint, as the canonical JSON says
    other = spec.Case("N-1", date(2021, 2, 3), people, charges, (), (), "Zoe", None, "", "a\nb")
    assert store.fingerprint(other) == _generic(other) != store.fingerprint(case)
    # values of another type than their field's (not from a records file): as json.dumps writes them
    odd = spec.Case("N-2", date(2021, 2, 3), (spec.Person("A", "seller", age=True),),  # type: ignore[arg-type]
                    (spec.Charge("1", "A", "selling_sex", notes=7),), county=1.5)  # type: ignore[arg-type]
    assert store.fingerprint(odd) == _generic(odd)


@given(st.lists(st.one_of(st.sampled_from(ODD), st.text(max_size=12)), min_size=9, max_size=14))
def test_the_search_text_folded_part_by_part_is_the_text_folded_whole(texts: list[str]) -> None:
    texts_ = SearchTexts()
    for _ in range(2):  # (the second time from what it folded before)
        args: dict[str, Any] = {"case_number": texts[0], "places": [texts[1] or None, texts[2], None],
                                "names": [texts[3], None, texts[4]],
                                "charges": [(texts[5], texts[6] or None, texts[7]), (texts[8], None, None),
                                            (" ".join(texts[9:]) or "x_y", texts[1], texts[0] or None)]}
        assert texts_.of(**args) == case_search_text(**args)


def test_the_search_text_of_cases_of_many_people() -> None:
    texts = SearchTexts()
    for data in [dict(case_number="A-1", places=["Multnomah", "Lane County Circuit Court", None],
                      names=["WÓJCIK, YUSUF LEE", "Zoë  Grace García"],
                      charges=[("selling_sex", "ORS 167.007", "MUL2019-000001-1"), ("other", None, None)]),
                 dict(case_number="A-2", places=["Multnomah", "Lane County Circuit Court", "Łódź"],
                      names=["Zoë Grace García", None],
                      charges=[("selling_sex", "ORS  167.007", "MUL2019-000001-2")])]:
        assert texts.of(**data) == case_search_text(**data)  # type: ignore[arg-type]


def _reasons(texts: list[str], depth: int = 0) -> tuple[Reason, ...]:
    return tuple(Reason(t, _reasons(texts[i + 1:i + 3], depth + 1) if depth < 2 and i % 2 else ())
                 for i, t in enumerate(texts))


def test_the_reasoning_written_directly_is_the_columns_own_json() -> None:
    path_type = m.Base.metadata.tables["screening_decision"].c["reasoning"].type
    from sqlalchemy.dialects import sqlite

    dialect = sqlite.dialect()
    convert = path_type.bind_processor(dialect)
    written = store._ReasoningJSON(store._Converted(dialect, "screening_decision", "reasoning"))
    assert written.direct
    for texts in (ODD, ODD[::-1], ["Rule: a"] * 3, ["Rule: a", "Rule: b"], [], ["x"], ODD[3:9] * 2):
        reasoning = _reasons(texts)
        assert written(reasoning) == convert([r.to_json() for r in reasoning])
    # a leaf written once is not given for another text
    assert written((Reason("Rule: a"),)) != written((Reason("Rule: b"),))
    assert json.loads(written((Reason("Rule: b"),))) == [{"text": "Rule: b", "because": []}]


def test_a_json_serializer_of_another_kind_is_used_as_it_is() -> None:
    from sqlalchemy.dialects import sqlite

    dialect = sqlite.dialect(json_serializer=lambda v: json.dumps(v, ensure_ascii=False))
    written = store._ReasoningJSON(store._Converted(dialect, "screening_decision", "reasoning"))
    assert not written.direct
    reasoning = (Reason("Zoë", (Reason("Rule: a"),)),)
    assert written(reasoning) == json.dumps([r.to_json() for r in reasoning], ensure_ascii=False)


def test_the_converter_folds_each_statute_and_disposition_and_reads_each_date_once() -> None:
    mapping = parse_mapping(json.dumps({
        "columns": {"case_number": "NO", "name": "NAME", "statute": "CODE", "offense_date": "DAY",
                    "disposition": "DISP", "date_of_birth": "DOB"},
        "date_format": "%m/%d/%Y",
        "statutes": {"ORS 1": {"offense": "selling_sex", "role": "seller"},
                     "ORS 2": {"offense": "buying_sex", "role": "buyer"}},
        "dispositions": {"DISMISSED": "dismissed", "CONVICTED": "convicted"}}))
    text = ("NO,NAME,CODE,DAY,DISP,DOB\r\n"
            "1,Ana,ORS 1,01/02/2019,DISMISSED,05/06/1990\r\n"
            "2,Bo,ors  1,01/02/2019,convicted,05/06/1990\r\n"
            "3,Cy,ORS 2,02/01/2019,Dismissed,06/05/1990\r\n"
            "4,Di,ORS 3,02/30/2019,DISMISSED,06/05/1990\r\n"
            "5,Ed,ORS 2,02/30/2019,FILED?,06/05/1990\r\n"
            "6,Fa,\"ORS\n2\",01/02/2019,DISMISSED,06/05/1990\r\n")
    table = read_table(text.encode(), "f.csv")
    conversion = Converter(table, mapping, resolve_columns(mapping, table.header, "f.csv"), {}).convert()
    by = {d.number: d for d in conversion.drafts}
    assert by["1"].case is not None and by["2"].case is not None and by["3"].case is not None
    assert [(c.offense, c.status, c.offense_date) for c in by["1"].case.charges] == [
        ("selling_sex", "dismissed", date(2019, 1, 2))]
    assert [(c.offense, c.status, c.offense_date) for c in by["2"].case.charges] == [
        ("selling_sex", "convicted", date(2019, 1, 2))]
    assert [(c.offense, c.status, c.offense_date) for c in by["3"].case.charges] == [
        ("buying_sex", "dismissed", date(2019, 2, 1))]
    assert by["1"].case.people[0].date_of_birth == date(1990, 5, 6)
    assert by["3"].case.people[0].date_of_birth == date(1990, 6, 5)
    # an unknown statute waits; a date read before as not real is still not real, on every row that has it
    assert by["4"].unplaced == [("statute", "ors 3")]
    assert [p.column for p in by["4"].problems] == ["DAY"]
    assert [p.column for p in by["5"].problems] == ["DAY"] and by["5"].unplaced == [("disposition", "filed?")]
    # a value over two lines (a quoted line break) is named, not taken
    assert [p.column for p in by["6"].problems] == ["CODE"]


def test_a_prepared_batch_is_written_only_while_the_case_files_ids_are_those_it_was_made_with(
        new_case_file: tuple[Path, bytes]) -> None:
    path, key = new_case_file
    case_file = open_case_file(path, key)
    profile = load_builtin()
    one = spec.Person("A", "seller", "Ana Cruz", date(1996, 5, 2))

    def batch(*numbers: int) -> list[tuple[spec.Case, dict[str, store.PersonLink]]]:
        return [(spec.Case(f"P-{n}", date(2019, 1, n), (one,), (spec.Charge("1", "A", "selling_sex"),)),
                 {"A": store.PersonLink("ana")}) for n in numbers]

    try:
        with case_file.session() as db, db.begin():
            run = store.start_run(db, file_name="f", sha256="2" * 64, sheet=None, mapping_sha256=None, user_id=1,
                                  now=datetime(2026, 1, 1), rows=3, cases_found=3)
            ids = store.batch_ids(db)
            assert ids is not None
            dialect = db.get_bind().dialect
            first = store.prepare_cases(dialect, batch(1, 2), profile, presumptive=None, components={},
                                        run_id=run.id, fingerprints=["a", "b"], ids=ids)
            # the next batch prepared from the first one's ids and people, before the first is written
            second = store.prepare_cases(dialect, batch(3), profile, presumptive=None, components=first.made,
                                         run_id=run.id, fingerprints=["c"], ids=first.next_ids)
            written = store.write_prepared(db, first)
            assert written is not None and [s.case_id for s in written[0]] == [ids["case_record"],
                                                                               ids["case_record"] + 1]
            # another case stored meanwhile: the ids it was prepared with are gone; nothing of it is written
            store_cases.screen_row(db, store_cases.import_case(db, spec.Case(
                "OTHER", date(2019, 2, 1), (spec.Person("A", "buyer", "Bo Li"),),
                (spec.Charge("1", "A", "buying_sex"),))), profile)
            cases_before = db.scalar(select(func.count()).select_from(m.Case))
            assert store.write_prepared(db, second) is None
            assert db.scalar(select(func.count()).select_from(m.Case)) == cases_before
            # stored the usual way, it takes the ids that follow, with the person the first batch made
            stored, made = store.store_cases(db, batch(3), profile, presumptive=None, components=first.made,
                                             run_id=run.id, fingerprints=["c"])
            assert made == {}
            person_ids = set(db.scalars(select(m.CaseParty.person_id).join(m.Case).where(
                m.Case.case_number.in_(["P-1", "P-2", "P-3"]))))
            assert person_ids == {first.made["ana"]}
            assert stored[0].case_id == db.scalar(select(m.Case.id).where(m.Case.case_number == "P-3"))
    finally:
        case_file.close()


def test_each_distinct_date_or_flag_of_a_column_is_converted_once_and_only_for_itself() -> None:
    calls: list[Any] = []

    def convert(v: Any) -> str:
        calls.append(v)
        return f"{type(v).__name__}:{v}"

    days = (date(2020, 1, 2), None, date(2020, 1, 2), date(2021, 3, 4), datetime(2020, 1, 2).date())
    assert store._each_once(days, convert) == ("date:2020-01-02", None, "date:2020-01-02", "date:2021-03-04",
                                               "date:2020-01-02")
    assert sorted(calls) == [date(2020, 1, 2), date(2021, 3, 4)]
    assert store._each_once((True, False, None, True), convert) == ("bool:True", "bool:False", None, "bool:True")
    # values of several kinds (1 == True, a date and a date and time): each converted as itself
    assert store._each_once((1, True, 0, False), convert) == ("int:1", "bool:True", "int:0", "bool:False")
    assert store._each_once((date(2020, 1, 2), datetime(2020, 1, 2, 0, 0)), convert) == (
        "date:2020-01-02", "datetime:2020-01-02 00:00:00")


def test_the_dates_are_bound_as_the_driver_binds_them() -> None:
    import sqlcipher3
    from sqlalchemy.dialects import sqlite

    dialect = sqlite.dialect()
    dialect.dbapi = sqlcipher3  # type: ignore[misc]
    adapters = store._driver_adapters(dialect)
    now = datetime(2026, 1, 2, 3, 4, 5, 6)
    connection = sqlcipher3.connect(":memory:")
    try:
        for value in (date(2020, 1, 2), now, now.replace(microsecond=0)):
            bound = connection.execute("SELECT ?", (value,)).fetchone()[0]
            assert adapters[type(value)](value) == bound
    finally:
        connection.close()
