"""Ages as the spec counts them: adult from the first moment of the 18th birthday, 29 February birthdays on
1 March in a common year, ages taken on the charge's offense_date or else the incident date, and an `age` on the
incident date that leaves the age on another date uncertain treated as unknown."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from policy_helpers import OLDER_DOB, brief, charge, decide, make_case, person

from casereview.policy.ages import AgeRange, age_on, birthday_in


class TestAgeOn:
    @pytest.mark.parametrize(("born", "on", "years"), [
        ("2008-03-14", "2026-03-13", 17),
        ("2008-03-14", "2026-03-14", 18),
        ("2008-03-14", "2026-03-15", 18),
        ("2008-12-31", "2026-12-30", 17),
        ("2008-12-31", "2026-12-31", 18),
        ("2008-01-01", "2025-12-31", 17),
        ("2008-01-01", "2026-01-01", 18),
        ("2008-02-29", "2026-02-28", 17),  # common year: the birthday is 1 March
        ("2008-02-29", "2026-03-01", 18),
        ("2012-02-29", "2030-02-28", 17),
        ("2012-02-29", "2030-03-01", 18),
        ("2010-02-28", "2028-02-28", 18),
        ("2008-02-29", "2026-02-27", 17),
        ("2012-02-29", "2032-02-29", 20),  # leap year: the birthday is 29 February itself
        ("2012-02-29", "2032-02-28", 19),
        ("2000-02-29", "2018-02-28", 17),
        ("2000-02-29", "2018-03-01", 18),
        ("2026-03-14", "2026-03-14", 0),
    ])
    def test_whole_years(self, born: str, on: str, years: int) -> None:
        assert age_on(date.fromisoformat(born), date.fromisoformat(on)) == years

    def test_birthday_in_a_common_year(self) -> None:
        assert birthday_in(2026, date(2008, 2, 29)) == date(2026, 3, 1)
        assert birthday_in(2028, date(2008, 2, 29)) == date(2028, 2, 29)
        assert birthday_in(2026, date(2008, 2, 28)) == date(2026, 2, 28)


def _brute_range(age: int, known_on: date, on: date) -> tuple[int, int]:
    ages = []
    day = date(known_on.year - age - 2, 1, 1)
    while day <= date(known_on.year - age, 12, 31):
        if age_on(day, known_on) == age:
            ages.append(age_on(day, on))
        day += timedelta(days=1)
    return min(ages), max(ages)


class TestAgeRange:
    @pytest.mark.parametrize(("age", "known", "on", "expected"), [
        (17, "2026-03-14", "2026-03-14", (17, 17)),
        (17, "2026-03-14", "2026-03-13", (16, 17)),
        (17, "2026-03-14", "2026-03-15", (17, 18)),
        (17, "2026-03-14", "2027-03-14", (18, 18)),
        (17, "2026-03-14", "2025-03-14", (16, 16)),
        (17, "2026-03-14", "2027-03-13", (17, 18)),
        (18, "2026-03-14", "2026-03-13", (17, 18)),
        (18, "2026-03-14", "2026-03-15", (18, 19)),
        (0, "2026-03-14", "2026-01-01", (-1, 0)),
    ])
    def test_examples(self, age: int, known: str, on: str, expected: tuple[int, int]) -> None:
        found = AgeRange.from_age_on(age, date.fromisoformat(known), date.fromisoformat(on))
        assert (found.youngest, found.oldest) == expected

    def test_minor_adult_and_unknown(self) -> None:
        assert AgeRange(16, 17).minor and not AgeRange(16, 17).adult
        assert AgeRange(18, 19).adult and not AgeRange(18, 19).minor
        assert not AgeRange(17, 18).minor and not AgeRange(17, 18).adult
        assert AgeRange(17, 18).describe() == "17 or 18"
        assert AgeRange(18, 18).describe() == "18"

    @pytest.mark.parametrize(("known", "on"), [
        ("2024-02-29", "2025-02-28"), ("2024-02-29", "2025-03-01"), ("2023-02-28", "2024-02-29"),
        ("2023-03-01", "2024-02-29"), ("2024-02-28", "2023-03-01"), ("2024-03-01", "2025-02-28"),
        ("2000-12-31", "2001-01-01"), ("2001-01-01", "2000-12-31"),
    ])
    @pytest.mark.parametrize("age", [0, 3, 4, 17, 18, 100])
    def test_leap_day_edges_match_counting_every_birth_date(self, known: str, on: str, age: int) -> None:
        k, o = date.fromisoformat(known), date.fromisoformat(on)
        found = AgeRange.from_age_on(age, k, o)
        assert (found.youngest, found.oldest) == _brute_range(age, k, o)

    @settings(max_examples=200, deadline=None)
    @given(age=st.integers(0, 120), known=st.dates(date(1900, 1, 1), date(2100, 12, 31)),
           shift=st.integers(-1500, 1500))
    def test_matches_counting_every_birth_date(self, age: int, known: date, shift: int) -> None:
        on = known + timedelta(days=shift)
        found = AgeRange.from_age_on(age, known, on)
        assert (found.youngest, found.oldest) == _brute_range(age, known, on)

    @pytest.mark.parametrize(("age", "known", "on"), [
        (130, "0001-01-01", "9999-12-31"), (130, "0050-01-01", "0049-06-30"), (0, "9999-12-31", "9999-12-01"),
        (0, "0001-01-01", "0001-01-02"), (0, "9999-12-31", "0001-01-01"), (130, "0001-01-01", "0001-01-01"),
    ])
    def test_the_ends_of_the_calendar(self, age: int, known: str, on: str) -> None:
        found = AgeRange.from_age_on(age, date.fromisoformat(known), date.fromisoformat(on))
        assert found.youngest <= found.oldest <= found.youngest + 1


# ------------------------------------------------------------------------------------------------ in screening


def _seller(dob: str | None = None, age: int | None = None, offense_date: str | None = None,
            incident: str = "2026-03-14") -> tuple[str, list[str]]:
    extra = {} if age is None else {"age": age}
    dates = {} if offense_date is None else {"offense_date": offense_date}
    raw = make_case([person("S", "seller", dob, **extra), person("B", "buyer", OLDER_DOB)],
                    [charge("1", "S", "selling_sex", **dates)], incident=incident)
    return brief(decide(raw, "1"))


PROTECT = ("protect", ["4"])
DECLINE = ("decline", ["1(a)"])
REVIEW = ("review", ["1"])


class TestEighteenthBirthday:
    def test_the_day_before(self) -> None:
        assert _seller("2008-03-15") == PROTECT

    def test_the_day_of(self) -> None:
        assert _seller("2008-03-14") == DECLINE

    def test_born_29_february_the_day_before_1_march_in_a_common_year(self) -> None:
        assert _seller("2008-02-29", incident="2026-02-28") == PROTECT

    def test_born_29_february_on_1_march_in_a_common_year(self) -> None:
        assert _seller("2008-02-29", incident="2026-03-01") == DECLINE

    def test_born_29_february_on_29_february_in_a_leap_year(self) -> None:
        assert _seller("2012-02-29", incident="2030-03-01") == DECLINE
        assert _seller("2012-02-29", incident="2030-02-28") == PROTECT
        assert _seller("2004-02-29", incident="2022-02-28") == PROTECT
        assert _seller("2010-03-01", incident="2028-02-29") == PROTECT
        assert _seller("2010-02-28", incident="2028-02-28") == DECLINE

    def test_the_buyer_side(self) -> None:
        def buyer_decision(seller_dob: str) -> tuple[str, list[str]]:
            raw = make_case([person("S", "seller", seller_dob), person("B", "buyer", OLDER_DOB)],
                            [charge("1", "B", "buying_sex")])
            return brief(decide(raw, "1"))

        assert buyer_decision("2008-03-15") == ("charge", ["4"])
        assert buyer_decision("2008-03-14") == DECLINE


class TestOffenseDate:
    def test_the_offense_date_decides_not_the_incident_date(self) -> None:
        # Adult on the incident date, 17 on the offense date.
        assert _seller("2008-03-10", offense_date="2026-03-09") == PROTECT
        assert _seller("2008-03-10") == DECLINE
        # 17 on the incident date, adult on the offense date.
        assert _seller("2008-03-20", offense_date="2026-03-20") == DECLINE

    def test_the_offense_date_applies_to_everyone_in_the_charge(self) -> None:
        raw = make_case([person("S", "seller", "2008-03-20"), person("B", "buyer", OLDER_DOB)],
                        [charge("1", "B", "buying_sex", offense_date="2026-03-19"),
                         charge("2", "B", "buying_sex", offense_date="2026-03-20")])
        assert brief(decide(raw, "1")) == ("charge", ["4"])
        assert brief(decide(raw, "2")) == DECLINE

    def test_each_charge_has_its_own_date(self) -> None:
        raw = make_case([person("S", "seller", "2008-03-10"), person("B", "buyer", OLDER_DOB)],
                        [charge("1", "S", "selling_sex", offense_date="2026-03-01"),
                         charge("2", "S", "selling_sex")])
        assert brief(decide(raw, "1")) == PROTECT
        assert brief(decide(raw, "2")) == DECLINE


class TestAgeInsteadOfDateOfBirth:
    def test_on_the_incident_date_the_age_is_exact(self) -> None:
        assert _seller(age=17) == PROTECT
        assert _seller(age=18) == DECLINE
        assert _seller(age=17, offense_date="2026-03-14") == PROTECT

    def test_17_on_the_incident_date_may_be_18_a_day_later(self) -> None:
        raw = make_case([person("S", "seller", None, age=17), person("B", "buyer", OLDER_DOB)],
                        [charge("1", "S", "selling_sex", offense_date="2026-03-15")])
        result = decide(raw, "1")
        assert result["decision"] == "review"
        assert result["missing"] == [{"charge": "1", "person": "S", "need": "age"}]
        assert any("17 or 18" in r for r in result["reasons"])

    def test_17_on_the_incident_date_is_a_minor_the_day_before(self) -> None:
        assert _seller(age=17, offense_date="2026-03-13") == PROTECT
        assert _seller(age=17, offense_date="2025-06-01") == PROTECT

    def test_18_on_the_incident_date_may_be_17_the_day_before(self) -> None:
        assert _seller(age=18, offense_date="2026-03-13") == REVIEW

    def test_18_on_the_incident_date_is_an_adult_later(self) -> None:
        assert _seller(age=18, offense_date="2026-03-15") == DECLINE
        assert _seller(age=18, offense_date="2027-03-13") == DECLINE

    def test_17_a_full_year_later_is_an_adult(self) -> None:
        assert _seller(age=17, offense_date="2027-03-14") == DECLINE

    def test_an_uncertain_counterparty_makes_the_buyer_review(self) -> None:
        raw = make_case([person("S", "seller", None, age=17), person("B", "buyer", OLDER_DOB)],
                        [charge("1", "B", "buying_sex", offense_date="2026-04-01"),
                         charge("2", "B", "buying_sex", offense_date="2026-03-01")])
        first = decide(raw, "1")
        assert first["decision"] == "review"
        assert first["missing"] == [{"charge": "1", "person": "S", "need": "age"}]
        assert brief(decide(raw, "2")) == ("charge", ["4"])

    def test_an_uncertain_counterparty_does_not_stop_a_sellers_decline(self) -> None:
        raw = make_case([person("S", "seller"), person("B", "buyer", None, age=18)],
                        [charge("1", "S", "selling_sex", offense_date="2026-03-01")])
        assert brief(decide(raw, "1")) == DECLINE

    def test_an_uncertain_seller_of_a_third_partys_exchange_offense_is_asked_for(self) -> None:
        """Version 3, rule 10: the counterparty's age unknown (17 or 18 on the day) → review (age). Version 2
        declined it, as the seller was not certainly a minor."""
        raw = make_case([person("S", "seller", None, age=18), person("D", "third_party", OLDER_DOB)],
                        [charge("1", "D", "promoting", offense_date="2026-03-01"),
                         charge("2", "D", "solicitation", offense_date="2026-03-01")])
        result = decide(raw, "2")
        assert result["decision"] == "review"
        assert result["missing"] == [{"charge": "2", "person": "S", "need": "age"}]
        assert any("17 or 18" in r for r in result["reasons"])
        # Promoting under the model policy asks only whether the seller promoted is under 18 (rule 11).
        assert brief(decide(raw, "1")) == ("discretion", ["5"])

    def test_a_date_of_birth_and_an_agreeing_age(self) -> None:
        assert _seller("2008-03-15", age=17) == PROTECT


class TestUnknownAge:
    def test_a_seller_of_unknown_age(self) -> None:
        assert _seller() == REVIEW

    def test_an_unknown_age_is_never_a_minor_protection(self) -> None:
        raw = make_case([person("S", "seller", None), person("B", "buyer", OLDER_DOB)],
                        [charge("1", "S", "solicitation")])
        result = decide(raw, "1")
        assert result["decision"] == "review"
        assert "4" not in result["sections"]
