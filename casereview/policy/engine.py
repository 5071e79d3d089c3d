"""The screening engine: one case, one policy profile, a decision for every charge.

The profile's rules are data (`casereview.policy.profile`); this module turns each condition into a small
function once per profile and applies the rules in order, first match wins, as ``spec/screening.md`` says.
For each kind of charge (its offense and the role of the person charged) it works out once which rules can
apply and which of their conditions are left to test (`_CompiledProfile.kind`). Every decision keeps its
reasons as a small tree: the rule that decided, the facts that made it match (naming the people), and the
conclusion.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from casereview.policy.ages import AgeRange
from casereview.policy.case import OFFENSES, Case, Charge, ExceptionEntry, Person
from casereview.policy.profile import Branch, PolicyProfile

# ---------------------------------------------------------------------------------------------------- results


@dataclass(slots=True)  # not frozen: a frozen init costs ~3x as much, and screening builds millions
class Reason:
    """A sentence a lawyer can read, with the sentences that support it."""

    text: str
    because: tuple[Reason, ...] = ()

    def sentences(self) -> list[str]:
        """Supporting facts first, then the conclusion they lead to."""
        out: list[str] = []
        self.add_sentences(out)
        return out

    def add_sentences(self, out: list[str]) -> None:
        """Append `sentences()` to `out` (one list for a whole tree, not one per sentence)."""
        for child in self.because:
            child.add_sentences(out)
        out.append(self.text)

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
            reason.add_sentences(out)
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

    __slots__ = ("ages", "case", "fact_types_against", "fact_types_by", "facts_against", "facts_by", "people",
                 "roles")

    def __init__(self, case: Case) -> None:
        self.case = case
        self.ages: dict[tuple[str, date], AgeRange | None] = {}
        self.people: dict[str, Person] = {}
        self.roles: dict[str, list[Person]] = {}
        for p in case.people:
            self.people[p.id] = p
            self.roles.setdefault(p.role, []).append(p)
        self.facts_by: dict[str, list[tuple[str, str | None]]] = {}
        self.facts_against: dict[str, list[tuple[str, str]]] = {}
        self.fact_types_by: dict[str, set[str]] = {}
        self.fact_types_against: dict[str, set[str]] = {}
        for f in case.facts:
            self.facts_by.setdefault(f.by, []).append((f.type, f.against))
            self.fact_types_by.setdefault(f.by, set()).add(f.type)
            if f.against is not None:
                self.facts_against.setdefault(f.against, []).append((f.type, f.by))
                self.fact_types_against.setdefault(f.against, set()).add(f.type)


_UNSET = object()


class _Ctx:
    """One charge being screened; values are computed when a condition first asks for them."""

    __slots__ = ("_cp", "_protections", "charge", "decision", "holder", "index", "kind", "on", "profile")

    def __init__(self, index: _CaseIndex, charge: Charge, holder: Person, kind: _Kind,
                 profile: PolicyProfile) -> None:
        self.index = index
        self.charge = charge
        self.profile = profile
        self.holder = holder
        self.kind = kind
        self.on: date = charge.offense_date or index.case.incident_date
        self._cp: Any = _UNSET
        self._protections: list[str] | None = None
        self.decision: str | None = None

    def age(self, person: Person) -> AgeRange | None:
        key = (person.id, self.on)
        ages = self.index.ages
        try:
            return ages[key]
        except KeyError:
            found = ages[key] = self.index.case.age_range(person, self.on)
            return found

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
        if self._cp is _UNSET:
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
            self._protections = [sid for sid, test in self.kind.protections if test is None or test(self)]
        return self._protections

    def name(self, person_id: str | None) -> str:
        return "nobody" if person_id is None else self.index.people[person_id].label()


# ------------------------------------------------------------------------------------------------ compiling

Test = Callable[[_Ctx], bool]
Explain = Callable[[_Ctx], "str | None"]


def _no_reason(ctx: _Ctx) -> None:
    """The explanation of a condition that adds no sentence of its own."""
    return None


@dataclass(slots=True)
class _Cond:
    test: Test
    explain: Explain  # `_no_reason` when the condition never adds a sentence


def _all_test(conds: list[_Cond]) -> Test:
    """One function testing every condition, without a generator per call (screening runs this in a loop)."""
    tests = [c.test for c in conds]
    if not tests:
        return lambda ctx: True
    if len(tests) == 1:
        return tests[0]
    first, rest = tests[0], _all_test(conds[1:])
    return lambda ctx: first(ctx) and rest(ctx)


def _any_test(conds: list[_Cond]) -> Test:
    """One function testing whether any condition holds (see `_all_test`)."""
    tests = [c.test for c in conds]
    if not tests:
        return lambda ctx: False
    if len(tests) == 1:
        return tests[0]
    first, rest = tests[0], _any_test(conds[1:])
    return lambda ctx: first(ctx) or rest(ctx)


def _explainers(conds: list[_Cond]) -> tuple[Explain, ...]:
    """The explanations of the conditions that can add a sentence, in order."""
    return tuple(c.explain for c in conds if c.explain is not _no_reason)


@dataclass(slots=True)
class _CompiledBranch:
    when: tuple[Any, ...]
    conds: list[_Cond]
    explainers: tuple[Explain, ...]
    then: dict[str, Any]
    decision: str
    because: str
    needs: tuple[str, ...]
    age_unknown_of: tuple[str, ...]  # whose unknown age the conditions ask about: holder, counterparty


@dataclass(slots=True)
class _CompiledRule:
    id: str
    title: str
    reason: str  # the first supporting sentence of every decision the rule makes
    when: tuple[Any, ...]
    conds: list[_Cond]
    explainers: tuple[Explain, ...]
    branches: list[_CompiledBranch]


@dataclass(slots=True)
class _CompiledRelief:
    when: tuple[Any, ...]
    conds: list[_Cond]
    explainers: tuple[Explain, ...]
    outcome: str
    text: str  # the sentence stating the outcome


# What the rules can do for one kind of charge: one offense held by a person of one role. Most conditions of
# the built-in profiles ask only about these two (`offense`, `holder_role`, and `not`/`any`/`all` of them), so
# for each kind the rules, branches and protections that can never apply are left out, and the conditions the
# kind already makes true are not tested again. A test of None always passes. Explanations still cover every
# condition: only the testing is shortened.


@dataclass(slots=True)
class _KindBranch:
    branch: _CompiledBranch
    test: Test | None
    sections: tuple[str, ...] | None  # the sections cited, when the offense alone decides them
    section_ids: tuple[str, ...]  # as the profile gives them for the offense, "@" tokens included


@dataclass(slots=True)
class _KindRule:
    rule: _CompiledRule
    test: Test | None
    branches: tuple[_KindBranch, ...]


@dataclass(slots=True)
class _Kind:
    """The protections, rules and record relief rules that can apply to one kind of charge, in profile order."""

    protections: tuple[tuple[str, Test | None], ...]
    rules: tuple[_KindRule, ...]
    relief: tuple[tuple[_CompiledRelief, Test | None], ...]


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
            found = [e(c) for sid, e in _compiled(c.profile).protection_reasons if sid in c.protections()]
            return (f"The policy protects {c.holder.label()} under section {', '.join(c.protections())} "
                    "for this charge: " + " ".join(found))
        return _Cond(lambda c: bool(c.protections()), why_protected)
    if name == "protections_are":
        wanted = list(arg)
        return _Cond(lambda c: c.protections() == wanted, _no_reason)
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

        return _Cond(lambda c: not types.isdisjoint(c.index.fact_types_by.get(c.holder.id, ())),
                     lambda c: " ".join(f"{c.holder.label()} committed {t}"
                                        + (f" against {c.name(a)}." if a else ".") for t, a in by_holder(c)))
    if name == "fact_against_holder":
        types = _expand(arg, profile.fact_groups)

        def against_holder(c: _Ctx) -> list[tuple[str, str]]:
            return [(t, b) for t, b in c.index.facts_against.get(c.holder.id, ()) if t in types]

        return _Cond(lambda c: not types.isdisjoint(c.index.fact_types_against.get(c.holder.id, ())),
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
        return _Cond(lambda c: c.decision in decisions, _no_reason)
    if name in ("any", "all"):
        parts = [_compile(sub, profile) for sub in arg]
        if name == "any":

            def any_explain(c: _Ctx) -> str | None:
                for p in parts:
                    if p.test(c):
                        return p.explain(c)
                return None
            return _Cond(_any_test(parts), any_explain)

        def all_explain(c: _Ctx) -> str | None:
            return " ".join(e for e in (p.explain(c) for p in parts) if e) or None
        return _Cond(_all_test(parts), all_explain)
    if name == "not":
        inner = _compile(arg, profile)
        return _Cond(lambda c: not inner.test(c), _no_reason)
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


def _fixed(cond: Any, offense: str, role: str, profile: PolicyProfile,
           protections: tuple[tuple[str, Test | None], ...] | None) -> bool | None:
    """The value of a condition for every charge of `offense` held by a person of `role`, or None when it
    depends on more of the case. `protections` are the ones that can apply to such a charge (None while they
    are being worked out)."""
    name: str
    arg: Any
    if isinstance(cond, str):
        name, arg = cond, None
    else:
        (name, arg), = cond.items()
    if name == "offense":
        return offense in _expand(arg, profile.offense_groups)
    if name == "holder_role":
        return role in arg
    if name == "not":
        inner = _fixed(arg, offense, role, profile, protections)
        return None if inner is None else not inner
    if name in ("any", "all"):
        values = [_fixed(sub, offense, role, profile, protections) for sub in arg]
        decisive = name == "any"  # one part with this value decides the whole: true for any, false for all
        if any(v is decisive for v in values):
            return decisive
        if all(v is (not decisive) for v in values):
            return not decisive
        return None
    if protections is not None and name == "has_protections":
        if not protections:
            return False
        if any(test is None for _, test in protections):
            return True
    if protections is not None and name == "protections_are" and all(test is None for _, test in protections):
        return [sid for sid, _ in protections] == list(arg)
    return None


_SECTION_TOKENS = ("@protections", "@victim_letters_by_holder")


class _CompiledProfile:
    """A profile's conditions turned into functions, once per profile (kept in `PolicyProfile.compiled`), and
    for each kind of charge met so far, what can apply to it (`kind`)."""

    __slots__ = ("_kinds", "profile", "protection_reasons", "protections", "quotes", "relief", "rules")

    def __init__(self, profile: PolicyProfile) -> None:
        def conds(items: tuple[Any, ...]) -> list[_Cond]:
            return [_compile(c, profile) for c in items]

        def branch(b: Branch) -> _CompiledBranch:
            branch_conds = conds(b.when)
            return _CompiledBranch(b.when, branch_conds, _explainers(branch_conds), b.then, b.then["decision"],
                                   b.then["because"], tuple(b.then.get("need", ())), _age_unknown_of(b.when))

        def joined(explainers: tuple[Explain, ...]) -> Callable[[_Ctx], str]:
            return lambda ctx: " ".join(e for e in (explain(ctx) for explain in explainers) if e)

        self.profile = profile
        self.quotes = {sid: section.text for sid, section in profile.sections.items()}
        self.protections = [(sid, when, conds(when)) for sid, when in profile.protections]
        self.protection_reasons = [(sid, joined(_explainers(cs))) for sid, _, cs in self.protections]
        self.rules: list[_CompiledRule] = []
        for rule in profile.rules:
            rule_conds = conds(rule.when)
            self.rules.append(_CompiledRule(rule.id, rule.title, f"Rule: {rule.title}.", rule.when, rule_conds,
                                            _explainers(rule_conds), [branch(b) for b in rule.branches]))
        self.relief: list[_CompiledRelief] = []
        for r in profile.relief_rules:
            relief_conds = conds(r.when)
            text = f"Record relief (section {profile.relief_section}): {r.outcome.replace('_', ' ')}. {r.because}"
            self.relief.append(_CompiledRelief(r.when, relief_conds, _explainers(relief_conds), r.outcome, text))
        self._kinds: dict[str, dict[str, _Kind]] = {offense: {} for offense in OFFENSES}

    def kind(self, offense: str, role: str) -> _Kind:
        """What can apply to a charge of `offense` held by a person of `role` (worked out on first use)."""
        by_role = self._kinds[offense]  # a KeyError for an offense the spec does not list
        found = by_role.get(role)
        if found is None:
            found = by_role[role] = self._new_kind(offense, role)
        return found

    def _new_kind(self, offense: str, role: str) -> _Kind:
        def open_test(when: tuple[Any, ...], conds: list[_Cond],
                      protections: tuple[tuple[str, Test | None], ...] | None) -> tuple[bool, Test | None]:
            """Whether the conditions can hold for this kind, and the test of those the kind leaves open."""
            values = [_fixed(c, offense, role, self.profile, protections) for c in when]
            if any(v is False for v in values):
                return False, None
            left = [cond for cond, value in zip(conds, values, strict=True) if value is None]
            return True, _all_test(left) if left else None

        protection_list: list[tuple[str, Test | None]] = []
        for sid, when, conds in self.protections:
            possible, test = open_test(when, conds, None)
            if possible:
                protection_list.append((sid, test))
        protections = tuple(protection_list)

        rules: list[_KindRule] = []
        for rule in self.rules:
            possible, test = open_test(rule.when, rule.conds, protections)
            if not possible:
                continue
            branches: list[_KindBranch] = []
            for b in rule.branches:
                branch_possible, branch_test = open_test(b.when, b.conds, protections)
                if branch_possible:
                    section_ids = _section_ids(b.then, offense)
                    fixed = None if any(sid in _SECTION_TOKENS for sid in section_ids) else \
                        tuple(dict.fromkeys(section_ids))
                    branches.append(_KindBranch(b, branch_test, fixed, section_ids))
            if branches:
                rules.append(_KindRule(rule, test, tuple(branches)))

        relief: list[tuple[_CompiledRelief, Test | None]] = []
        for r in self.relief:
            possible, test = open_test(r.when, r.conds, protections)
            if possible:
                relief.append((r, test))
        return _Kind(protections, tuple(rules), tuple(relief))


def _section_ids(then: dict[str, Any], offense: str) -> tuple[str, ...]:
    """The sections a branch's outcome gives for an offense, "@" tokens included."""
    if "sections_by_offense" in then:
        by_offense = then["sections_by_offense"]
        return tuple(by_offense.get(offense, by_offense["*"]))
    return tuple(then["sections"])


def _compiled(profile: PolicyProfile) -> _CompiledProfile:
    found: _CompiledProfile | None = profile.compiled.get("engine")
    if found is None:
        found = profile.compiled["engine"] = _CompiledProfile(profile)
    return found


# ------------------------------------------------------------------------------------------------ screening


def _explain(explainers: tuple[Explain, ...], ctx: _Ctx, out: list[Reason]) -> None:
    """Add a reason for each condition that explains itself."""
    for explain in explainers:
        text = explain(ctx)
        if text:
            out.append(Reason(text))


def _sections(section_ids: tuple[str, ...], ctx: _Ctx, reasons: list[Reason]) -> tuple[str, ...]:
    """The sections cited, with the "@" tokens resolved for this charge."""
    out: list[str] = []
    for sid in section_ids:
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
    for need in branch.needs:
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
    current_exception: dict[str, ExceptionEntry] = {}
    for entry in case.exceptions:
        current_exception[entry.charge] = entry  # the last entry for a charge wins
    results = []
    for charge in case.charges:
        holder = index.people[charge.person]
        ctx = _Ctx(index, charge, holder, compiled.kind(charge.offense, holder.role), profile)
        results.append(_screen_charge(ctx, compiled, current_exception.get(charge.id), presumptive))
    return Screening(case.case_number, profile.id, profile.version, profile.content_hash, presumptive,
                     tuple(results))


def _screen_charge(ctx: _Ctx, compiled: _CompiledProfile, exception: ExceptionEntry | None,
                   presumptive: bool) -> ChargeDecision:
    profile = ctx.profile
    for candidate in ctx.kind.rules:
        if candidate.test is None or candidate.test(ctx):
            for choice in candidate.branches:
                if choice.test is None or choice.test(ctx):
                    break
            else:
                continue  # no branch matched: the rule does not apply (profiles end rules with a catch-all)
            break
    rule, branch = candidate.rule, choice.branch
    decision = branch.decision
    section_reasons: list[Reason] = []
    sections = choice.sections
    if sections is None:
        sections = _sections(choice.section_ids, ctx, section_reasons)
    because = [Reason(rule.reason)]
    _explain(rule.explainers, ctx, because)
    _explain(branch.explainers, ctx, because)
    because.extend(section_reasons)
    conclusion = branch.because
    if decision == "decline":
        word = f" {profile.presumptive_word}" if presumptive else ""
        conclusion = (f"{conclusion} The office will{word} decline to bring this charge "
                      f"(section {sections[0]}).")
    reasoning: list[Reason] = [Reason(conclusion, tuple(because))]
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
        for relief_rule, test in ctx.kind.relief:
            if test is None or test(ctx):
                relief = relief_rule.outcome
                found: list[Reason] = []
                _explain(relief_rule.explainers, ctx, found)
                reasoning.append(Reason(relief_rule.text, tuple(found)))
                break

    quote = compiled.quotes[sections[0]]
    exception_allowed = decision == "decline"
    # Positional arguments, in field order: a class called with keywords builds a dict for every object.
    return ChargeDecision(ctx.charge.id, ctx.holder.id, decision, sections, tuple(reasoning), quote,
                          exception_allowed, relief, missing, rule.id, base_decision)
