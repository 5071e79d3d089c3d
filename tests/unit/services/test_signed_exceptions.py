"""Screening version 3 in a case file: a section 8 approval exists only as a request signed by its requester and
decided and signed by a supervisor. The request service refuses exactly what the engine refuses (past records,
possible victims, anything but a decline), citing the sections; the demo makes its one request that way, on a
buyer's charge, without using a charge to secure anyone's cooperation."""

from __future__ import annotations

import pytest

from casereview.policy.case import parse_case
from casereview.policy.engine import screen_case
from casereview.policy.profile import builtin_policy_ids, load_builtin
from casereview.services import cases as casework
from casereview.services import demo
from casereview.services import exception_requests as exceptions
from casereview.services.access import OfficeType, Role
from casereview.services.demo import DEMO_CASES, demo_cases
from casereview.services.session import UserSession, Workspace
from casereview.store import cases
from tests.helpers import staff

PROFILE = load_builtin()
STATEMENTS = {"ground": "other", "public_safety": "Public safety requires it.", "justification": "A justification.",
              "evidence": "A report."}
# An adult seller robbed by a third party (not a buyer): her charge is declined, but the record shows she may be
# a victim, so no exception may be asked for it (section 2).
ROBBED = {"case_number": "26-CR-0950", "incident_date": "2026-04-01",
          "people": [{"id": "A", "name": "Rae Lin", "role": "seller", "date_of_birth": "1990-01-01"},
                     {"id": "B", "name": "Tom Vey", "role": "buyer", "date_of_birth": "1980-01-01"},
                     {"id": "M", "name": "Al Doe", "role": "third_party", "date_of_birth": "1985-01-01"}],
          "facts": [{"type": "theft", "by": "M", "against": "A"}],
          "charges": [{"id": "1", "person": "A", "offense": "selling_sex", "with": "B"},
                      {"id": "2", "person": "B", "offense": "solicitation", "with": "A"}]}


@pytest.fixture
def office(workspace: Workspace) -> dict[Role, UserSession]:
    users = staff(workspace, OfficeType.PROSECUTOR)
    casework.import_cases(users[Role.PROSECUTOR], [*demo_cases(), parse_case(ROBBED)], PROFILE)
    return users


def test_the_service_refuses_exactly_what_the_engine_refuses(office: dict[Role, UserSession]) -> None:
    pat = office[Role.PROSECUTOR]
    seen = set()
    for case in [*demo_cases(), parse_case(ROBBED)]:
        for d in screen_case(case, PROFILE, signed_only=True).charges:
            refusal = exceptions.charge_refusal(case, d, PROFILE)
            assert (refusal is None) == d.exception_allowed, (case.case_number, d.charge)
            if refusal is None:
                request = exceptions.draft_request(pat, case.case_number, [d.charge], **STATEMENTS)
                exceptions.discard_draft(pat, request)
                seen.add("allowed")
                continue
            assert f"Charge {d.charge}" in refusal and "section" in refusal
            with pytest.raises(exceptions.RequestRefused) as refused:
                exceptions.draft_request(pat, case.case_number, [d.charge], **STATEMENTS)
            assert str(refused.value) == refusal  # the window shows the words the service refuses with
            seen.add("refused")
    assert seen == {"allowed", "refused"}


def test_past_records_possible_victims_and_other_decisions_are_refused_citing_why(
        office: dict[Role, UserSession]) -> None:
    pat = office[Role.PROSECUTOR]
    with pytest.raises(exceptions.RequestRefused, match=r"\(section 8\): a section 8 request is a request to file or "
                                                        r"pursue a charge, and this charge is a past record"):
        exceptions.draft_request(pat, "15-CR-2231", ["1"], **STATEMENTS)  # a 2015 conviction, declined
    with pytest.raises(exceptions.RequestRefused, match=r"Rae Lin \(A\) may be a victim.*section 2"):
        exceptions.draft_request(pat, "26-CR-0950", ["1"], **STATEMENTS)  # declined, but theft against her
    with pytest.raises(exceptions.RequestRefused, match=r"only to charges the policy declines.*discretion"):
        exceptions.draft_request(pat, "26-CR-0105", ["2"], **STATEMENTS)  # the manager's promoting
    with pytest.raises(exceptions.RequestRefused, match=r"as a victim \(section 4"):
        exceptions.draft_request(pat, "26-CR-0102", ["1"], **STATEMENTS)  # a minor seller, protected
    # the buyer in the same case as the robbed seller is no possible victim: his declined charge may take one
    exceptions.discard_draft(pat, exceptions.draft_request(pat, "26-CR-0950", ["2"], **STATEMENTS))


def test_only_a_signed_approval_charges_under_section_8(office: dict[Role, UserSession],
                                                        workspace: Workspace) -> None:
    pat, sue = office[Role.PROSECUTOR], office[Role.SUPERVISOR]
    request = exceptions.submit_new(pat, "26-CR-0950", ["2"], **STATEMENTS, affirmed=True)
    with workspace.session() as db:
        row = cases.load_case(db, "26-CR-0950")
        [entry] = cases.with_requests(db, row, cases.to_spec(row)).exceptions
        assert (entry.status, entry.signed) == ("submitted", False)
        assert [c.decision for c in row.charges] == ["decline", "decline"]
    exceptions.decide_request(sue, request, approve=True, reason="Approved.")
    with workspace.session() as db:
        row = cases.load_case(db, "26-CR-0950")
        [entry] = cases.with_requests(db, row, cases.to_spec(row)).exceptions
        assert (entry.status, entry.ground, entry.signed) == ("approved", "other", True)
        assert [c.decision for c in row.charges] == ["decline", "charge"]
        decision = row.screenings[-1].decisions[1]
        assert (decision.decision, decision.sections) == ("charge", ["8"])
        assert any("A supervisor approved a signed section 8 request" in r["text"] for r in decision.reasoning)
    case = parse_case(ROBBED)
    merged = exceptions.with_requests(case, exceptions.requests_for_case(pat, "26-CR-0950"))
    assert [(e.charge, e.status, e.signed) for e in merged.exceptions] == [("2", "approved", True)]
    d = next(d for d in screen_case(merged, PROFILE, signed_only=True).charges if d.charge == "2")
    assert d.decision == "charge" and "already charged under section 8" in (
        exceptions.charge_refusal(merged, d, PROFILE) or "")


def test_every_demo_case_is_valid_input_without_exceptions() -> None:
    for raw in DEMO_CASES:
        assert "exceptions" not in raw, raw["case_number"]
        case = parse_case(raw)
        for policy_id in builtin_policy_ids():
            profile = load_builtin(policy_id)
            plain = screen_case(case, profile).to_json()
            assert screen_case(case, profile, signed_only=True).to_json() == plain
            assert not any("recorded in the input" in r for c in plain["charges"] for r in c["reasons"])
    buyer = next(raw for raw in DEMO_CASES if raw["case_number"] == demo.DEMO_REQUEST_CASE)["charges"][1]
    assert {k: buyer[k] for k in ("id", "person", "offense", "with")} == {"id": "2", "person": "B",
                                                                          "offense": "solicitation", "with": "A"}


def test_the_demo_request_is_made_through_the_workflow_on_the_buyers_charge(office: dict[Role, UserSession],
                                                                           workspace: Workspace) -> None:
    pat, sue = office[Role.PROSECUTOR], office[Role.SUPERVISOR]
    demo._demo_request(pat, sue)
    [request] = exceptions.requests_for_case(pat, "26-CR-0108")
    assert (request.status, request.ground, request.charge_ids) == ("approved", "prevent_trafficking", ("2",))
    assert [d.stage for d in request.documents] == ["submitted", "decided"]
    words = " ".join((request.public_safety, request.justification, request.evidence)).lower()
    for forbidden in ("cooperat", "witness", "testif", "seller", "victim services"):
        assert forbidden not in words, forbidden  # section 2: no charge used to secure anyone's cooperation
    assert "buyer" in request.public_safety and request.evidence.startswith("Invented for the demo")
    with workspace.session() as db:
        row = cases.load_case(db, "26-CR-0108")
        assert [(c.local_id, c.decision) for c in row.charges] == [("1", "decline"), ("2", "charge")]
        assert "approved by a supervisor" in (row.notes or "")


def test_an_import_naming_exceptions_stores_none_of_its_cases(workspace: Workspace) -> None:
    pat = staff(workspace, OfficeType.PROSECUTOR)[Role.PROSECUTOR]
    listed = parse_case({**ROBBED, "exceptions": [{"charge": "2", "status": "approved", "ground": "other"}]})
    with pytest.raises(cases.ExceptionsRefused, match=r"^Case 26-CR-0950 lists section 8 exceptions\..*Nothing "
                                                      r"was imported\.$"):
        casework.import_cases(pat, [*demo_cases(), listed], PROFILE)
    assert casework.count_all(pat) == 0
    with pytest.raises(cases.ExceptionsRefused, match="Nothing was imported"):
        casework.create_case(pat, listed, PROFILE)
    casework.create_case(pat, parse_case(ROBBED), PROFILE)
    _case, version = casework.read_case(pat, "26-CR-0950")
    with pytest.raises(cases.ExceptionsRefused, match="Nothing was saved"):
        casework.update_case(pat, listed, version, PROFILE)
    assert casework.read_case(pat, "26-CR-0950") == (parse_case(ROBBED), version)
