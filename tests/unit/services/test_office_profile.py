"""The office profile's fields for documents: the time zone documents are dated in, the e-mail address, the caption
style, the policy as adopted, the date of birth in letters and the certificate of service; their checks, named by
field; the office's local date and time; the case caption in the state's style."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from casereview.services.access import OfficeType, Role
from casereview.services.office import (
    CaptionMissing,
    FieldProblem,
    OfficeProfile,
    caption,
    check_profile,
    check_time_zone,
    local_now,
    office_today,
    read_office,
    suggested_caption_style,
    update_office,
)
from casereview.services.session import Workspace
from tests.helpers import FakeClock, staff

OREGON = OfficeProfile("prosecutor", state="Oregon", time_zone="America/Los_Angeles")
EVENING_IN_OREGON = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)  # 5:30 pm on 30 November in Oregon


def test_a_letter_signed_at_5_30_pm_in_oregon_on_30_november_is_dated_30_november() -> None:
    assert office_today(OREGON, EVENING_IN_OREGON) == date(2026, 11, 30)
    local = local_now(OREGON, EVENING_IN_OREGON)
    assert (local.hour, local.minute, local.tzname()) == (17, 30, "PST")
    assert office_today(OREGON, EVENING_IN_OREGON.replace(tzinfo=None)) == date(2026, 11, 30)  # stored: naive UTC
    assert office_today("America/New_York", EVENING_IN_OREGON) == date(2026, 11, 30)  # 8:30 pm there
    assert office_today("Europe/Berlin", EVENING_IN_OREGON) == date(2026, 12, 1)


def test_the_office_date_follows_the_workspace_clock_and_the_saved_zone(workspace: Workspace,
                                                                         clock: FakeClock) -> None:
    admin = staff(workspace, OfficeType.PROSECUTOR)[Role.ADMINISTRATOR]
    update_office(admin, replace(read_office(admin), time_zone="America/Los_Angeles"))
    clock.now = EVENING_IN_OREGON
    assert office_today(workspace) == date(2026, 11, 30)
    assert local_now(workspace).utcoffset() == timedelta(hours=-8)


@pytest.fixture
def computer_zone() -> Iterator[None]:
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


def test_without_a_zone_documents_use_the_computer_s_own(computer_zone: None) -> None:
    unset = OfficeProfile("prosecutor", state="Oregon")
    assert local_now(unset, EVENING_IN_OREGON).utcoffset() == timedelta(hours=-5)
    assert office_today(unset, datetime(2026, 12, 1, 4, 30, tzinfo=UTC)) == date(2026, 11, 30)
    assert office_today(unset, datetime(2026, 12, 1, 5, 30, tzinfo=UTC)) == date(2026, 12, 1)


def test_the_new_fields_are_checked_and_named() -> None:
    base = OfficeProfile("prosecutor", state="Oregon")
    for changes, field_name, words in (
            ({"time_zone": "America/Portland"}, "time_zone", "no time zone called"),
            ({"time_zone": "PST8PDT-ish"}, "time_zone", "no time zone called"),
            ({"email": "records at lane county"}, "email", "not an e-mail address"),
            ({"email": "records@lane"}, "email", "not an e-mail address"),
            ({"caption_style": "crown"}, "caption_style", "captioned"),
            ({"dob_in_letters": "month"}, "dob_in_letters", "date of birth"),
            ({"policy_adopted_on": date.today() + timedelta(days=2)}, "policy_adopted_on", "in the future"),
            ({"policy_adopted_on": datetime(2025, 3, 1, 9, 0)}, "policy_adopted_on", "as a date"),
            ({"policy_title": "x" * 301}, "policy_title", "longer than")):
        with pytest.raises(FieldProblem) as refused:
            check_profile(replace(base, **changes))  # type: ignore[arg-type]
        assert refused.value.field == field_name and words in str(refused.value), (changes, str(refused.value))
    clean = check_profile(replace(base, time_zone=" america/los_angeles ", email=" da@lanecountyor.gov ",
                                  policy_title="  Sex Work Non-Prosecution Policy ", caption_style="people"))
    assert (clean.time_zone, clean.email, clean.policy_title) == ("America/Los_Angeles", "da@lanecountyor.gov",
                                                                  "Sex Work Non-Prosecution Policy")
    assert check_time_zone("UTC") == "UTC"
    assert check_profile(replace(base, time_zone="")).time_zone is None  # the computer's own


def test_the_new_fields_are_saved_and_read_back(workspace: Workspace) -> None:
    admin = staff(workspace, OfficeType.PROSECUTOR)[Role.ADMINISTRATOR]
    before = read_office(admin)
    assert (before.caption_style, before.dob_in_letters, before.certificate_of_service, before.time_zone) == (
        "state", "none", False, None)
    saved = update_office(admin, replace(before, state="Pennsylvania", email="da@example.org",
                                         time_zone="America/New_York", caption_style="commonwealth",
                                         policy_title="Policy on Commercial Sex Offenses",
                                         policy_adopted_on=date(2025, 3, 1), dob_in_letters="year",
                                         certificate_of_service=True))
    assert (saved.email, saved.time_zone, saved.caption_style, saved.policy_title, saved.policy_adopted_on,
            saved.dob_in_letters, saved.certificate_of_service) == (
        "da@example.org", "America/New_York", "commonwealth", "Policy on Commercial Sex Offenses", date(2025, 3, 1),
        "year", True)
    assert caption(saved, "Dana Roe") == "Commonwealth of Pennsylvania v. Dana Roe"
    with pytest.raises(FieldProblem) as refused:
        update_office(admin, replace(saved, time_zone="Mars/Olympus_Mons"))
    assert refused.value.field == "time_zone"
    assert read_office(admin).time_zone == "America/New_York"  # nothing was saved


def test_captions_in_the_state_s_style() -> None:
    assert caption(OREGON, "Dana Roe") == "State of Oregon v. Dana Roe"
    assert caption(OfficeProfile("prosecutor", state="California", caption_style="people"),
                   "Dana  Roe") == "People of the State of California v. Dana Roe"
    assert caption(OfficeProfile("prosecutor", state="PA", caption_style="commonwealth"),
                   "Dana Roe") == "Commonwealth of Pennsylvania v. Dana Roe"
    assert caption(OfficeProfile("prosecutor", state="OR"), "Dana Roe") == "State of Oregon v. Dana Roe"
    for missing in (None, "", "  "):
        with pytest.raises(CaptionMissing, match=r"does not say the office's state.*Office profile"):
            caption(OfficeProfile("prosecutor", state=missing), "Dana Roe")
    assert [suggested_caption_style(s) for s in ("Oregon", "California", "NY", "Massachusetts", "VA")] == [
        "state", "people", "people", "commonwealth", "commonwealth"]
