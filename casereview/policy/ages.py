"""Ages as the policy counts them.

A person is an adult from the first moment of their 18th birthday; someone born on 29 February has their
birthday on 1 March in a common year. When only an age in whole years on the incident date is known, the age on
another date can be uncertain: `AgeRange` keeps the youngest and oldest possible age, and a question such as
"under 18?" is answered only when every possible age gives the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

ADULT_AGE = 18


def birthday_in(year: int, born: date) -> date:
    """The person's birthday in a given year (29 February falls on 1 March in a common year)."""
    try:
        return born.replace(year=year)
    except ValueError:  # 29 February in a common year
        return date(year, 3, 1)


def age_on(born: date, on: date) -> int:
    """Whole years of age on a date."""
    return on.year - born.year - (on < birthday_in(on.year, born))


def _shift_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


@dataclass(frozen=True, slots=True)
class AgeRange:
    """The youngest and oldest age a person can have on a date."""

    youngest: int
    oldest: int

    @classmethod
    def from_age_on(cls, age: int, known_on: date, on: date) -> AgeRange:
        """Given `age` whole years on `known_on`, the possible ages on `on`."""
        if on == known_on:
            return cls(age, age)
        latest_birth = _boundary_birth(age, known_on, latest=True)
        earliest_birth = _boundary_birth(age, known_on, latest=False)
        return cls(age_on(latest_birth, on), age_on(earliest_birth, on))

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


def _boundary_birth(age: int, known_on: date, *, latest: bool) -> date:
    """The latest (or earliest) date of birth that gives `age` years on `known_on`."""
    guess = _shift_years(known_on, -age) if latest else _shift_years(known_on, -(age + 1))
    step = timedelta(days=1)
    day = guess - 4 * step
    found: date | None = None
    for _ in range(9):
        if day <= known_on and age_on(day, known_on) == age:
            if latest:
                found = day
            elif found is None:
                found = day
        day += step
    if found is None:  # pragma: no cover - the window around the guess always holds the boundary
        raise ValueError(f"no date of birth gives age {age} on {known_on}")
    return found
