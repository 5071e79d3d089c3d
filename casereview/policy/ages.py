"""Ages as the policy counts them.

A person is an adult from the first moment of their 18th birthday; someone born on 29 February has their
birthday on 1 March in a common year. When only an age in whole years on the incident date is known, the age
on another date can be uncertain: `AgeRange` keeps the youngest and oldest possible age, and a question such
as "under 18?" is answered only when every possible age gives the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

ADULT_AGE = 18


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _birthday_md(year: int, month: int, day: int) -> tuple[int, int]:
    """Month and day of the birthday, in `year`, of someone born on `month`/`day`."""
    if (month, day) == (2, 29) and not _is_leap(year):
        return (3, 1)
    return (month, day)


def birthday_in(year: int, born: date) -> date:
    """The person's birthday in a given year (29 February falls on 1 March in a common year)."""
    return date(year, *_birthday_md(year, born.month, born.day))


def age_on(born: date, on: date) -> int:
    """Whole years of age on a date."""
    return _age(born.year, born.month, born.day, on)


def _age(year: int, month: int, day: int, on: date) -> int:
    """Whole years of age on `on` of someone born year-month-day (the year may be out of `date`'s range)."""
    return on.year - year - ((on.month, on.day) < _birthday_md(on.year, month, day))


@dataclass(slots=True)  # not frozen: a frozen init costs ~3x as much, and screening builds millions
class AgeRange:
    """The youngest and oldest age a person can have on a date."""

    youngest: int
    oldest: int

    @classmethod
    def from_age_on(cls, age: int, known_on: date, on: date) -> AgeRange:
        """Given `age` whole years on `known_on`, the possible ages on `on`."""
        if on == known_on:
            return cls(age, age)
        return cls(_age(*_latest_birth(age, known_on), on), _age(*_earliest_birth(age, known_on), on))

    @property
    def minor(self) -> bool:
        """Certainly under 18."""
        return self.oldest < ADULT_AGE

    @property
    def adult(self) -> bool:
        """Certainly 18 or older."""
        return self.youngest >= ADULT_AGE

    def describe(self) -> str:
        return str(self.youngest) if self.youngest == self.oldest else f"{self.youngest} or {self.oldest}"


# Birth dates are (year, month, day) triples here: an age of 130 on 1 January 0050 puts the birth before
# year 1, which `date` cannot hold. Day arithmetic is done in a stand-in year of the same kind (leap or
# common).
_LEAP_STAND_IN, _COMMON_STAND_IN = 2000, 2001


def _latest_birth(age: int, known_on: date) -> tuple[int, int, int]:
    """The latest date of birth that gives `age` years on `known_on`: the birthday falls on or before it."""
    year = known_on.year - age
    month, day = known_on.month, known_on.day
    if (month, day) == (2, 29) and not _is_leap(year):
        return (year, 2, 28)  # someone born 29 February has their birthday on 1 March: too late
    return (year, month, day)


def _earliest_birth(age: int, known_on: date) -> tuple[int, int, int]:
    """The earliest date of birth that gives `age` years on `known_on`: born the year before, with a birthday
    still to come on `known_on` (or, when no such day exists, 1 January of the following year)."""
    year = known_on.year - age - 1
    stand_in = _LEAP_STAND_IN if _is_leap(year) else _COMMON_STAND_IN
    month, day = known_on.month, known_on.day
    if (month, day) == (2, 29) and stand_in == _COMMON_STAND_IN:
        day = 28
    candidate = date(stand_in, month, day)
    while True:
        candidate += timedelta(days=1)
        if candidate.year != stand_in:
            return (year + 1, 1, 1)
        if _birthday_md(known_on.year, candidate.month, candidate.day) > (known_on.month, known_on.day):
            return (year, candidate.month, candidate.day)
