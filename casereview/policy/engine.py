"""The screening engine: one case, one policy profile, a decision for every charge.

The profile's rules are data (`casereview.policy.profile`); this module turns each condition into a small
function once per profile and applies the rules in order, first match wins, as ``spec/screening.md`` says.
Every decision keeps its reasons as a small tree: the rule that decided, the facts that made it match (naming
the people), and the conclusion.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from casereview.policy.ages import AgeRange
from casereview.policy.case import OFFENSES, Case, Charge, Person
from casereview.policy.profile import PolicyProfile

# ---------------------------------------------------------------------------------------------------- results


@dataclass(slots=True)  # not frozen: a frozen init costs ~3x as much, and screening builds millions
class Reason:
    """A sentence a lawyer can read, with the sentences that support it."""

    text: str
    because: tuple[Reason, ...] = ()

    def sentences(self) -> list[str]:
        """Supporting facts first, then the conclusion they lead to."""
        out: list[str] = []
        for child in self.because:
            out.extend(child.sentences())
        out.append(self.text)
        return out

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "because": [c.to_json() for c in self.because]}


@dataclass(slots=True)  # not frozen: a frozen init costs ~3x as much, and screening builds millions
class Need:
    charge: str
    person: str
    need: str

    def to_json(self) -> dict[str, str]:
        return {"charge": self.charge, "person": self.person, "need": self.need}


@dataclass(slots=True)  # not frozen: a frozen init costs ~3x as much, and screening builds millions
class ChargeDecision:
    charge: str
    person: str
    decision: str
    sections: tuple[str, ...]
    reasoning: tuple[Reason, ...]
    quote: str
    exception_allowed: bool
    record_relief: str | None
    missing: tuple[Need, ...]
    rule: str
    base_decision: str

    @property
    def reasons(self) -> list[str]:
        out: list[str] = []
        for reason in self.reasoning:
            out.extend(reason.sentences())
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "charge": self.charge,
            "person": self.person,
            "decision": self.decision,
            "sections": list(self.sections),
            "reasons": self.reasons,
            "quote": self.quote,
            "exception_allowed": self.exception_allowed,
            "record_relief": self.record_relief,
        }


@dataclass(slots=True)  # not frozen: a frozen init costs ~3x as much, and screening builds millions
class Screening:
    case_number: str
    policy_id: str
    policy_version: str
    policy_hash: str
    presumptive: bool
    charges: tuple[ChargeDecision, ...]

    @property
    def missing(self) -> list[Need]:
        return [need for decision in self.charges for need in decision.missing]

    def to_json(self) -> dict[str, Any]:
        return {
            "case_number": self.case_number,
            "policy": {"id": self.policy_id, "version": self.policy_version, "presumptive": self.presumptive},
            "charges": [c.to_json() for c in self.charges],
            "missing": [n.to_json() for n in self.missing],
        }


# ---------------------------------------------------------------------------------------------------- context


class _CaseIndex:
    """What every charge of a case needs, computed once per case."""

    __slots__ = ("ages", "case", "facts_against", "facts_by", "people", "roles")

    def __init__(self, case: Case) -> None:
        self.case = case
        self.ages: dict[tuple[str, date], AgeRange | None] = {}
        self.people = {p.id: p for p in case.people}
        self.roles: dict[str, list[Person]] = {}
        for p in case.people:
            self.roles.setdefault(p.role, []).append(p)
        self.facts_by: dict[str, list[tuple[str, str | None]]] = {}
        self.facts_against: dict[str, list[tuple[str, str]]] = {}
        for f in case.facts:
            self.facts_by.setdefault(f.by, []).append((f.type, f.against))
            if f.against is not None:
                self.facts_against.setdefault(f.against, []).append((f.type, f.by))


_NO_AGE = object()


class _Ctx:
    """One charge being screened; values are computed when a condition first asks for them."""

    __slots__ = ("_cp", "_protections", "charge", "decision", "holder", "index", "on", "profile")

    def __init__(self, index: _CaseIndex, charge: Charge, profile: PolicyProfile) -> None:
        self.index = index
        self.charge = charge
        self.profile = profile
        self.holder = index.people[charge.person]
        self.on: date = charge.offense_date or index.case.incident_date
        self._cp: Any = _NO_AGE
        self._protections: list[str] | None = None
        self.decision: str | None = None

    def age(self, person: Person) -> AgeRange | None:
        key = (person.id, self.on)
        ages = self.index.ages
        if key not in ages:
            ages[key] = self.index.case.age_range(person, self.on)
        return ages[key]

    def age_is(self, person: Person, word: str) -> bool:
        rng = self.age(person)
        if word == "unknown":
            return rng is None or not (rng.minor or rng.adult)
        if rng is None:
            return False
        return rng.minor if word == "minor" else rng.adult

    def candidates(self) -> list[Person]:
        """People of the role on the other side of the exchange (a third party's: the sellers)."""
        target = "seller" if self.holder.role != "seller" else "buyer"
        return [p for p in self.index.roles.get(target, ()) if p.id != self.holder.id]

    @property
    def counterparty(self) -> Person | None:
        if self._cp is _NO_AGE:
            if self.charge.with_ is not None:
                self._cp = self.index.people[self.charge.with_]
            else:
                found = self.candidates()
                self._cp = found[0] if len(found) == 1 else None
        return self._cp  # type: ignore[no-any-return]

    def sellers(self) -> list[Person]:
        return [p for p in self.index.roles.get("seller", ()) if p.id != self.holder.id]

    def trafficked(self, person: Person) -> bool:
        against = self.index.facts_against.get(person.id, ())
        return person.trafficking_victim or any(t == "trafficking" for t, _ in against)

    def protections(self) -> list[str]:
        if self._protections is None:
            compiled = _compiled(self.profile)
            self._protections = [sid for sid, test in compiled["protections"] if test(self)]
        return self._protections

    def name(self, person_id: str | None) -> str:
        return "nobody" if person_id is None else self.index.people[person_id].label()


# ------------------------------------------------------------------------------------------------ compiling

Test = Callable[[_Ctx], bool]
Explain = Callable[[_Ctx], "str | None"]


@dataclass(slots=True)
class _Cond:
    test: Test
    explain: Explain


def _all_test(conds: list[_Cond]) -> Test:
    """One function testing every condition, without a generator per call (screening runs this in a loop)."""
    tests = [c.test for c in conds]
    if not tests:
        return lambda ctx: True
    if len(tests) == 1:
        return tests[0]
    first, rest = tests[0], _all_test(conds[1:])
    return lambda ctx: first(ctx) and rest(ctx)


@dataclass(slots=True)
class _CompiledBranch:
    conds: list[_Cond]
    then: dict[str, Any]
    test: Test
    age_unknown_of: tuple[str, ...] = ()  # whose unknown age the conditions ask about: holder, counterparty


@dataclass(slots=True)
class _CompiledRule:
    id: str
    title: str
    conds: list[_Cond]
    test: Test
    offenses: frozenset[str] | None  # the offenses the rule can apply to; None: any
    branches: list[_CompiledBranch] = field(default_factory=list)


def _expand(items: list[str], groups: dict[str, tuple[str, ...]]) -> frozenset[str]:
    out: set[str] = set()
    for item in items:
        out.update(groups[item[1:]] if item.startswith("@") else (item,))
    return frozenset(out)


def _age_phrase(ctx: _Ctx, person: Person) -> str:
    rng = ctx.age(person)
    on = ctx.on.isoformat()
    if rng is None:
        return f"the age of {person.label()} on {on} is not known"
    if not (rng.minor or rng.adult):
        return f"{person.label()} was {rng.describe()} on {on}: whether they were under 18 is not known"
    return f"{person.label()} was {rng.describe()} on {on}, {'under 18' if rng.minor else 'an adult'}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _compile(cond: Any, profile: PolicyProfile) -> _Cond:  # one dispatch over the condition names
    name: str
    arg: Any
    if isinstance(cond, str):
        name, arg = cond, None
    else:
        (name, arg), = cond.items()

    if name == "has_protections":
        def why_protected(c: _Ctx) -> str:
            found = [e(c) for sid, e in _compiled(c.profile)["protection_reasons"] if sid in c.protections()]
            return (f"The policy protects {c.holder.label()} under section {', '.join(c.protections())} "
                    "for this charge: " + " ".join(found))
        return _Cond(lambda c: bool(c.protections()), why_protected)
    if name == "protections_are":
        wanted = list(arg)
        return _Cond(lambda c: c.protections() == wanted, lambda c: None)
    if name == "holder_trafficked":
        return _Cond(lambda c: c.trafficked(c.holder),
                     lambda c: f"{c.holder.label()} is recorded as a victim of trafficking.")
    if name == "counterparty_trafficked":
        def cp_trafficked(c: _Ctx) -> bool:
            cp = c.counterparty
            return cp is not None and c.trafficked(cp)
        def why_cp_trafficked(c: _Ctx) -> str:
            cp = c.name(c.counterparty.id if c.counterparty else None)
            return (f"The other side of the exchange, {cp}, is recorded as a victim of trafficking; nothing "
                    f"shows that {c.holder.label()} knew it.")
        return _Cond(cp_trafficked, why_cp_trafficked)
    if name == "no_counterparty":
        return _Cond(lambda c: c.counterparty is None and not c.candidates(),
                     lambda c: "No other side of the exchange is recorded in the case.")
    if name == "counterparty_unresolved":
        return _Cond(lambda c: c.counterparty is None and bool(c.candidates()),
                     lambda c: "The charge does not say who was on the other side of the exchange and the "
                               "case has several people who could be "
                               f"({', '.join(p.label() for p in c.candidates())}).")
    if name == "several_sellers_without_with":
        return _Cond(lambda c: c.charge.with_ is None and len(c.sellers()) > 1,
                     lambda c: f"The case has {len(c.sellers())} sellers "
                               f"({', '.join(p.label() for p in c.sellers())}) and the charge does not say "
                               "which one it concerns.")
    if name == "arose_from_exchange":
        return _Cond(lambda c: c.charge.arose_from_exchange,
                     lambda c: "The record shows the charge arose from an exchange of sex for something of "
                               "value.")
    if name == "offense":
        offenses = _expand(arg, profile.offense_groups)
        return _Cond(lambda c: c.charge.offense in offenses,
                     lambda c: f"{c.holder.label()} is charged with {c.charge.offense}.")
    if name == "holder_role":
        roles = frozenset(arg)
        return _Cond(lambda c: c.holder.role in roles,
                     lambda c: f"{c.holder.label()} is the {c.holder.role.replace('_', ' ')} in this case.")
    if name == "fact_by_holder":
        types = _expand(arg, profile.fact_groups)

        def by_holder(c: _Ctx) -> list[tuple[str, str | None]]:
            return [(t, a) for t, a in c.index.facts_by.get(c.holder.id, ()) if t in types]

        return _Cond(lambda c: bool(by_holder(c)),
                     lambda c: " ".join(f"{c.holder.label()} committed {t}"
                                        + (f" against {c.name(a)}." if a else ".") for t, a in by_holder(c)))
    if name == "fact_against_holder":
        types = _expand(arg, profile.fact_groups)

        def against_holder(c: _Ctx) -> list[tuple[str, str]]:
            return [(t, b) for t, b in c.index.facts_against.get(c.holder.id, ()) if t in types]

        return _Cond(lambda c: bool(against_holder(c)),
                     lambda c: " ".join(f"{c.holder.label()} is the victim of {t} by {c.name(b)}."
                                        for t, b in against_holder(c)))
    if name == "holder_age":
        return _Cond(lambda c: c.age_is(c.holder, arg), lambda c: _cap(_age_phrase(c, c.holder)) + ".")
    if name == "counterparty_age":
        def cp_age(c: _Ctx) -> bool:
            cp = c.counterparty
            return cp is not None and c.age_is(cp, arg)
        return _Cond(cp_age, lambda c: "The other side of the exchange: "
                                       + _age_phrase(c, c.counterparty) + "." if c.counterparty else None)
    if name == "any_seller_age":
        return _Cond(lambda c: any(c.age_is(p, arg) for p in c.sellers()),
                     lambda c: " ".join(_cap(_age_phrase(c, p)) + "."
                                        for p in c.sellers() if c.age_is(p, arg)))
    if name == "counterparty_or_sellers_age":
        def relevant(c: _Ctx) -> list[Person]:
            cp = c.counterparty
            return [cp] if cp is not None else c.sellers()
        return _Cond(lambda c: any(c.age_is(p, arg) for p in relevant(c)),
                     lambda c: " ".join(_cap(_age_phrase(c, p)) + "."
                                        for p in relevant(c) if c.age_is(p, arg)))
    if name == "decision":
        decisions = frozenset(arg)
        return _Cond(lambda c: c.decision in decisions, lambda c: None)
    if name in ("any", "all"):
        parts = [_compile(sub, profile) for sub in arg]
        if name == "any":
            def any_test(c: _Ctx) -> bool:
                return any(p.test(c) for p in parts)

            def any_explain(c: _Ctx) -> str | None:
                for p in parts:
                    if p.test(c):
                        return p.explain(c)
                return None
            return _Cond(any_test, any_explain)

        def all_explain(c: _Ctx) -> str | None:
            return " ".join(e for e in (p.explain(c) for p in parts) if e) or None
        return _Cond(lambda c: all(p.test(c) for p in parts), all_explain)
    if name == "not":
        inner = _compile(arg, profile)
        return _Cond(lambda c: not inner.test(c), lambda c: None)
    raise ValueError(f"unknown condition {name!r}")  # the profile reader refuses these first


def _age_unknown_of(conds: tuple[Any, ...]) -> tuple[str, ...]:
    """Whose unknown age a branch's conditions ask about, so that a review for `age` names those people."""
    out: list[str] = []

    def walk(cond: Any) -> None:
        if isinstance(cond, dict):
            (name, arg), = cond.items()
            if name == "holder_age" and arg == "unknown":
                out.append("holder")
            elif name == "counterparty_age" and arg == "unknown":
                out.append("counterparty")
            elif name in ("any", "all"):
                for sub in arg:
                    walk(sub)

    for cond in conds:
        walk(cond)
    return tuple(dict.fromkeys(out))


def _offenses_of(when: tuple[Any, ...], profile: PolicyProfile) -> frozenset[str] | None:
    """The offenses a rule's conditions allow, when a top-level condition limits them (an `offense` condition,
    or an `any` of conditions that each do); None when the rule may apply to any offense."""

    def limit(cond: Any) -> frozenset[str] | None:
        if isinstance(cond, dict):
            (name, arg), = cond.items()
            if name == "offense":
                return _expand(arg, profile.offense_groups)
            if name == "all":
                found = [x for x in (limit(sub) for sub in arg) if x is not None]
                return frozenset.intersection(*found) if found else None
            if name == "any":
                parts = [limit(sub) for sub in arg]
                return None if any(p is None for p in parts) else frozenset().union(*parts)  # type: ignore[arg-type]
        return None

    found = [x for x in (limit(c) for c in when) if x is not None]
    return frozenset.intersection(*found) if found else None


def _compiled(profile: PolicyProfile) -> dict[str, Any]:
    if not profile.compiled:
        def conds(items: tuple[Any, ...]) -> list[_Cond]:
            return [_compile(c, profile) for c in items]

        def all_of(items: tuple[Any, ...]) -> Test:
            return _all_test(conds(items))

        rules = []
        for rule in profile.rules:
            rule_conds = conds(rule.when)
            compiled = _CompiledRule(rule.id, rule.title, rule_conds, _all_test(rule_conds),
                                     _offenses_of(rule.when, profile))
            for b in rule.branches:
                branch_conds = conds(b.when)
                compiled.branches.append(_CompiledBranch(branch_conds, b.then, _all_test(branch_conds),
                                                         _age_unknown_of(b.when)))
            rules.append(compiled)
        # For each offense, only the rules that can apply to it, in order: most rules name their offenses.
        by_offense = {offense: [r for r in rules if r.offenses is None or offense in r.offenses]
                      for offense in OFFENSES}
        def explainer(cs: list[_Cond]) -> Explain:
            return lambda ctx: " ".join(e for e in (c.explain(ctx) for c in cs) if e)

        profile.compiled.update(
            protections=[(sid, all_of(when)) for sid, when in profile.protections],
            protection_reasons=[(sid, explainer(conds(when))) for sid, when in profile.protections],
            rules=rules,
            rules_by_offense=by_offense,
            relief=[(conds(r.when), _all_test(conds(r.when)), r) for r in profile.relief_rules],
        )
    return profile.compiled


# ------------------------------------------------------------------------------------------------ screening


def _explain_all(conds: list[_Cond], ctx: _Ctx) -> tuple[Reason, ...]:
    return tuple(Reason(text) for text in (c.explain(ctx) for c in conds) if text)


def _sections(then: dict[str, Any], ctx: _Ctx, reasons: list[Reason]) -> tuple[str, ...]:
    if "sections_by_offense" in then:
        by_offense = then["sections_by_offense"]
        raw = by_offense.get(ctx.charge.offense, by_offense["*"])
    else:
        raw = then["sections"]
    out: list[str] = []
    for sid in raw:
        if sid == "@protections":
            out.extend(ctx.protections())
        elif sid == "@victim_letters_by_holder":
            found = {t for t, _ in ctx.index.facts_by.get(ctx.holder.id, ())}
            letters = ctx.profile.victim_fact_sections
            reasons.extend(Reason(f"{ctx.holder.label()} committed {t} against {ctx.name(a)} (section "
                                  f"{letters[t]}).")
                           for t, a in ctx.index.facts_by.get(ctx.holder.id, ()) if t in letters)
            out.extend(sec for fact, sec in ctx.profile.victim_fact_sections.items() if fact in found)
        else:
            out.append(sid)
    return tuple(dict.fromkeys(out))


def _needs(branch: _CompiledBranch, ctx: _Ctx) -> tuple[Need, ...]:
    out: list[Need] = []
    for need in branch.then.get("need", ()):
        if need == "age":
            cp = ctx.counterparty
            asked = {"holder": ctx.holder, "counterparty": cp}
            people = [asked[who] for who in branch.age_unknown_of] or [ctx.holder, cp]
            unknown = [p for p in people if p is not None and ctx.age_is(p, "unknown")]
            about = unknown or [ctx.holder]
        else:
            about = [ctx.holder]
        out.extend(Need(ctx.charge.id, p.id, need) for p in about)
    return tuple(out)


def screen_case(case: Case, profile: PolicyProfile, *, presumptive: bool | None = None) -> Screening:
    """Screen every charge of `case` against `profile`. `presumptive` None takes the profile's default."""
    if presumptive is None:
        presumptive = profile.presumptive_default
    compiled = _compiled(profile)
    index = _CaseIndex(case)
    current_exception = {e.charge: e for e in case.exceptions}  # the last entry for a charge wins
    results = []
    for charge in case.charges:
        ctx = _Ctx(index, charge, profile)
        results.append(_screen_charge(ctx, compiled, current_exception.get(charge.id), presumptive))
    return Screening(case.case_number, profile.id, profile.version, profile.content_hash, presumptive,
                     tuple(results))


def _screen_charge(ctx: _Ctx, compiled: dict[str, Any], exception: Any, presumptive: bool) -> ChargeDecision:
    profile = ctx.profile
    for rule in compiled["rules_by_offense"][ctx.charge.offense]:
        if rule.test(ctx):
            for branch in rule.branches:
                if branch.test(ctx):
                    break
            else:
                continue  # no branch matched: the rule does not apply (profiles end rules with a catch-all)
            break
    then = branch.then
    decision = then["decision"]
    section_reasons: list[Reason] = []
    sections = _sections(then, ctx, section_reasons)
    because = _explain_all(rule.conds, ctx) + _explain_all(branch.conds, ctx) + tuple(section_reasons)
    conclusion = then["because"]
    if decision == "decline":
        word = f" {profile.presumptive_word}" if presumptive else ""
        conclusion = (f"{conclusion} The office will{word} decline to bring this charge "
                      f"(section {sections[0]}).")
    reasoning: list[Reason] = [Reason(conclusion, (Reason(f"Rule: {rule.title}."), *because))]
    missing = _needs(branch, ctx) if decision == "review" else ()
    base_decision = decision

    if exception is not None:
        ground = profile.exception_grounds.get(exception.ground or "", "")
        if decision == "decline" and exception.status == "approved":
            decision, sections = "charge", (profile.exception_section,)
            reasoning.append(Reason(
                f"A supervisor approved an exception under section {profile.exception_section} on the ground "
                f"that {ground} ({exception.ground}); the charge may be brought."))
        elif decision == "decline":
            reasoning.append(Reason(
                f"An exception request for this charge is {exception.status}; the decline stands unless a "
                "supervisor approves it."))
        else:
            reasoning.append(Reason(
                f"An exception request ({exception.status}) does not change this decision: section "
                f"{profile.exception_section} exceptions apply only to charges the policy declines."))

    relief = None
    if ctx.charge.is_past_record:
        ctx.decision = base_decision
        for conds, test, relief_rule in compiled["relief"]:
            if test(ctx):
                relief = relief_rule.outcome
                reasoning.append(Reason(
                    f"Record relief (section {profile.relief_section}): {relief.replace('_', ' ')}. "
                    f"{relief_rule.because}", _explain_all(conds, ctx)))
                break

    return ChargeDecision(
        charge=ctx.charge.id,
        person=ctx.holder.id,
        decision=decision,
        sections=sections,
        reasoning=tuple(reasoning),
        quote=profile.quote(sections[0]),
        exception_allowed=decision == "decline",
        record_relief=relief,
        missing=missing,
        rule=rule.id,
        base_decision=base_decision,
    )
