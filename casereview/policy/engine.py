"""The screening engine: one case, one policy profile, a decision for every charge.

The profile's rules are data (`casereview.policy.profile`); this module turns each condition into a small
function once per profile and applies the rules in order, first match wins, as ``spec/screening.md`` (version
3) says. For each kind of charge (its offense, the role of the person charged, and whether the record shows it
arose from an exchange) it works out once which rules can apply and which of their conditions are left to test
(`_CompiledProfile.kind`). Every decision keeps its reasons as a small tree: what the record shows about the
person charged, the rule that decided, the facts that made it match (naming the people), and the conclusion.

What the spec fixes whatever the profile says is done here, not in the profile: the reasons of every charge
state that the person is under 18, recorded as a victim of trafficking, or the victim of a fact the record
shows; a section 8 exception is allowed only on a pending or filed decline of someone who is not a possible
victim; each sentence appears once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from casereview.policy.ages import AgeRange
from casereview.policy.case import (
    EXCHANGE_OFFENSES,
    OFFENSES,
    PAST_STATUSES,
    Case,
    Charge,
    ExceptionEntry,
    Person,
    counterparty_role,
)
from casereview.policy.profile import DECISIONS, Branch, PolicyProfile

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
    base_decision: str  # the decision before any section 8 exception
    relief_sections: tuple[str, ...] = ()  # the ground of a do_not_contest record relief, else empty
    possible_victim: bool = False  # spec, "Definitions": the record shows the person may be a victim
    exception_refusal: str | None = None  # why no section 8 exception can apply (None when one may)

    @property
    def reasons(self) -> list[str]:
        out: list[str] = []
        append = out.append
        for reason in self.reasoning:  # the trees are two deep: walk them without a call per leaf
            for child in reason.because:
                if child.because:
                    child.add_sentences(out)
                else:
                    append(child.text)
            append(reason.text)
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
            "relief_sections": list(self.relief_sections),
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


RELIEF_WORDS = {"do_not_contest": "do not contest", "not_eligible": "not eligible", "review": "review"}


def relief_words(profile: PolicyProfile, decision: ChargeDecision) -> str | None:
    """A decision's record relief as a line of text shows it: "do not contest (ground: section 6)"."""
    if decision.record_relief is None:
        return None
    words = RELIEF_WORDS.get(decision.record_relief, decision.record_relief.replace("_", " "))
    if decision.relief_sections:
        return f"{words} (ground: {profile.cite(decision.relief_sections)})"
    return words


# ---------------------------------------------------------------------------------------------------- context

_VIOLENCE_FACTS = frozenset({"physical_assault", "sexual_assault", "condom_refusal", "non_consensual_act",
                             "refused_to_pay", "force", "theft", "coercion"})
# The facts against a person the reasons always state, and that make the person a possible victim.
_STATED_AGAINST = frozenset({*_VIOLENCE_FACTS, "trafficking"})


class _CaseIndex:
    """What every charge of a case needs, computed once per case."""

    __slots__ = ("ages", "case", "fact_types_against", "fact_types_by", "facts_against", "facts_by", "labels",
                 "people", "roles")

    def __init__(self, case: Case) -> None:
        self.case = case
        # by date, by person id: the possible ages, and "minor", "adult" or "unknown"
        self.ages: dict[date, dict[str, tuple[AgeRange | None, str]]] = {}
        self.people: dict[str, Person] = {}
        self.roles: dict[str, list[Person]] = {}
        self.labels: dict[str, str] = {}
        for p in case.people:
            self.people[p.id] = p
            self.roles.setdefault(p.role, []).append(p)
            self.labels[p.id] = f"{p.name} ({p.id})" if p.name else p.id  # Person.label()
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


_UNSET: Any = object()


class _Ctx:
    """One charge being screened; values are computed when a condition first asks for them."""

    __slots__ = ("_ages", "_candidates", "_cp", "_protections", "charge", "decision", "holder", "index", "kind",
                 "on", "profile", "rule_id", "side", "target")

    def __init__(self, index: _CaseIndex, charge: Charge, holder: Person, kind: _Kind,
                 profile: PolicyProfile) -> None:
        self.index = index
        self.charge = charge
        self.profile = profile
        self.holder = holder
        self.kind = kind
        self.on: date = charge.offense_date or index.case.incident_date
        ages = index.ages.get(self.on)
        if ages is None:
            ages = index.ages[self.on] = {}
        self._ages = ages
        self.target = kind.target
        self.side = kind.side
        self._cp: Any = _UNSET
        self._candidates: list[Person] | None = None
        self._protections: list[str] | None = None
        self.decision: str | None = None
        self.rule_id = ""

    def age(self, person: Person) -> AgeRange | None:
        ages = self._ages
        try:
            return ages[person.id][0]
        except KeyError:
            return self._new_age(person)[0]

    def age_is(self, person: Person, word: str) -> bool:
        """Whether the person's age on the charge's date is `word`: "minor", "adult" or "unknown"."""
        try:
            return self._ages[person.id][1] == word
        except KeyError:
            return self._new_age(person)[1] == word

    def _new_age(self, person: Person) -> tuple[AgeRange | None, str]:
        rng = self.index.case.age_range(person, self.on)
        word = "unknown" if rng is None else "minor" if rng.minor else "adult" if rng.adult else "unknown"
        found = self._ages[person.id] = (rng, word)
        return found

    def candidates(self) -> list[Person]:
        """The people the counterparty may be: those of the role `with` names, but the person charged."""
        if self._candidates is None:
            if self.target is None:
                self._candidates = []
            else:
                holder = self.holder.id
                self._candidates = [p for p in self.index.roles.get(self.target, ()) if p.id != holder]
        return self._candidates

    @property
    def counterparty(self) -> Person | None:
        """The resolved counterparty: the person `with` names, or the only candidate (None: nobody, or
        unresolved)."""
        if self._cp is _UNSET:
            if self.charge.with_ is not None:
                self._cp = self.index.people[self.charge.with_]
            else:
                found = self.candidates()
                self._cp = found[0] if len(found) == 1 else None
        return self._cp  # type: ignore[no-any-return]

    def unresolved(self) -> bool:
        return self.charge.with_ is None and len(self.candidates()) > 1

    def sellers(self) -> list[Person]:
        return [p for p in self.index.roles.get("seller", ()) if p.id != self.holder.id]

    def trafficked(self, person: Person) -> bool:
        if person.trafficking_victim:
            return True
        return "trafficking" in self.index.fact_types_against.get(person.id, ())

    def protections(self) -> list[str]:
        if self._protections is None:
            self._protections = [sid for sid, test in self.kind.protections if test is None or test(self)]
        return self._protections

    def name(self, person_id: str | None) -> str:
        return "nobody" if person_id is None else self.index.labels[person_id]

    # Sentences about facts: one wording per fact, so that a fact two conditions explain is stated once.

    def by_sentence(self, ftype: str, against: str | None) -> str:
        """What the person charged did: "John Poe (B) physically assaulted Dana Roe (A) (section 2(a))."."""
        label = self.profile.labels.facts[ftype]
        holder = self.holder
        if against is None:
            return f"{holder.label()} {label.by_alone}."
        text = f"{holder.label()} {label.by.replace('{against}', self.name(against))}"
        letter = self.profile.victim_fact_sections.get(ftype)
        if letter is not None and holder.role == "buyer" and self.index.people[against].role == "seller":
            return f"{text} (section {letter})."
        return text + "."

    def against_sentence(self, ftype: str, by: str) -> str:
        """What the record shows against the person charged: "Dana Roe (A) is the victim of a physical assault
        by John Poe (B)."."""
        return f"{self.holder.label()} is the victim of {self.profile.labels.facts[ftype].noun} by {self.name(by)}."


# ------------------------------------------------------------------------------------------------ compiling

Test = Callable[[_Ctx], bool]
Explain = Callable[[_Ctx], list[str]]


def _no_reason(ctx: _Ctx) -> list[str]:
    """The explanation of a condition that adds no sentence of its own."""
    return []


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
    if len(tests) == 2:
        a, b = tests
        return lambda ctx: a(ctx) and b(ctx)
    if len(tests) == 3:
        a, b, d = tests
        return lambda ctx: a(ctx) and b(ctx) and d(ctx)
    first, rest = tests[0], _all_test(conds[1:])
    return lambda ctx: first(ctx) and rest(ctx)


def _any_test(conds: list[_Cond]) -> Test:
    """One function testing whether any condition holds (see `_all_test`)."""
    tests = [c.test for c in conds]
    if not tests:
        return lambda ctx: False
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        a, b = tests
        return lambda ctx: a(ctx) or b(ctx)
    if len(tests) == 3:
        a, b, d = tests
        return lambda ctx: a(ctx) or b(ctx) or d(ctx)
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
    reason_given: Reason  # `reason` as a reason, shared by every decision of the rule (reasons are never changed)


@dataclass(slots=True)
class _CompiledRelief:
    when: tuple[Any, ...]
    conds: list[_Cond]
    explainers: tuple[Explain, ...]
    outcome: str
    sections: tuple[str, ...]  # the ground of a do_not_contest, "@first_protection" unresolved
    text: str  # the sentence stating the outcome (when `sections` holds no token)
    because: str


# What the rules can do for one kind of charge: one offense held by a person of one role, marked or not
# `arose_from_exchange`. Most conditions of the built-in profiles ask only about these (`offense`,
# `holder_role`, `exchange_related`, and `not`/`any`/`all` of them), so for each kind the rules, branches and
# protections that can never apply are left out, and the conditions the kind already makes true are not
# tested again. A test of None always passes. Explanations still cover every condition: only the testing is
# shortened.


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
    plan: tuple[tuple[_CompiledRule, _KindBranch, Test | None], ...]  # every branch in order, with its rule's test
    relief: dict[str, tuple[tuple[_CompiledRelief, Test | None], ...]]  # by the decision on the record
    target: str | None  # the role of the counterparty (`charges[].with`), None when the rules do not use it
    side: str  # how reasons name the counterparty: "the other side of the exchange", "the seller promoted"
    opening: dict[str, str]  # by status, the first sentence of the reasons after the name: charged with what


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


def _names(people: list[Person]) -> str:
    return ", ".join(p.label() for p in people)


def _article(words: str) -> str:
    """Words with their article: "a seller", "an other person" written "another person"."""
    if words.startswith("other "):
        return f"an{words}"
    return f"{'an' if words[:1] in 'aeiou' else 'a'} {words}"


def _plural(words: str) -> str:
    """The plural of a role's words: "sellers", "third parties", "other people"."""
    if words.endswith("person"):
        return words[:-6] + "people"
    if words.endswith("y") and words[-2:-1] not in "aeiou":
        return words[:-1] + "ies"
    return words + "s"


def _compile(cond: Any, profile: PolicyProfile) -> _Cond:  # one dispatch over the condition names
    name: str
    arg: Any
    if isinstance(cond, str):
        name, arg = cond, None
    else:
        (name, arg), = cond.items()

    if name == "has_protections":
        def why_protected(c: _Ctx) -> list[str]:
            return [f"The policy protects {c.holder.label()} for this charge under "
                    f"{c.profile.cite(c.protections())}."]
        return _Cond(lambda c: bool(c.protections()), why_protected)
    if name == "protections_are":
        wanted = list(arg)
        return _Cond(lambda c: c.protections() == wanted, _no_reason)
    if name == "holder_trafficked":
        def why_trafficked(c: _Ctx) -> list[str]:
            out = [f"{c.holder.label()} is recorded as a victim of trafficking."] if c.holder.trafficking_victim \
                else []
            out += [c.against_sentence(t, b) for t, b in c.index.facts_against.get(c.holder.id, ())
                    if t == "trafficking"]
            return out
        return _Cond(lambda c: c.trafficked(c.holder), why_trafficked)
    if name == "counterparty_trafficked":
        def cp_trafficked(c: _Ctx) -> bool:
            cp = c.counterparty
            return cp is not None and c.trafficked(cp)

        def why_cp_trafficked(c: _Ctx) -> list[str]:
            return [f"{_cap(c.side)}, {c.name(c.counterparty.id if c.counterparty else None)}, is recorded as a "
                    f"victim of trafficking; nothing shows that {c.holder.label()} knew it."]
        return _Cond(cp_trafficked, why_cp_trafficked)
    if name == "no_counterparty":
        return _Cond(lambda c: c.counterparty is None and not c.candidates(),
                     lambda c: [f"The case records no one as {c.side}."])
    if name == "counterparty_unresolved":
        return _Cond(lambda c: c.unresolved(), lambda c: [_unresolved_sentence(c)])
    if name == "unresolved_counterparty_age":
        def unresolved_age(c: _Ctx) -> bool:
            return c.unresolved() and any(c.age_is(p, arg) for p in c.candidates())

        def why_unresolved_age(c: _Ctx) -> list[str]:
            return [_unresolved_sentence(c), *(_cap(_age_phrase(c, p)) + "." for p in c.candidates()
                                               if c.age_is(p, arg))]
        return _Cond(unresolved_age, why_unresolved_age)
    if name == "several_sellers_without_with":  # screening version 2
        return _Cond(lambda c: c.charge.with_ is None and len(c.sellers()) > 1,
                     lambda c: [f"The case has {len(c.sellers())} sellers ({_names(c.sellers())}) and the charge "
                                "does not say which one it concerns."])
    # The opening sentence states that the charge arose from an exchange (each fact once: spec, `reasons`).
    if name == "arose_from_exchange":
        return _Cond(lambda c: c.charge.arose_from_exchange, _no_reason)
    if name == "exchange_related":
        return _Cond(lambda c: c.charge.arose_from_exchange or c.charge.offense in EXCHANGE_OFFENSES, _no_reason)
    if name == "offense":
        offenses = _expand(arg, profile.offense_groups)
        return _Cond(lambda c: c.charge.offense in offenses, _no_reason)  # the opening sentence names it
    if name == "holder_role":
        roles = frozenset(arg)
        return _Cond(lambda c: c.holder.role in roles, _no_reason)  # the opening sentence names it
    if name == "case_has_role":
        roles = frozenset(arg)

        def in_case(c: _Ctx) -> list[str]:
            found = [p for p in c.index.case.people if p.role in roles]
            if not found:
                return []
            words = [c.profile.role_label(r) for r in sorted(roles)]
            if len(found) == 1:
                return [f"The case records {_article(' or '.join(words))}: {_names(found)}."]
            return [f"The case records {' or '.join(_plural(w) for w in words)}: {_names(found)}."]
        return _Cond(lambda c: any(p.role in roles for p in c.index.case.people), in_case)
    if name in ("fact_by_holder", "fact_by_holder_against_seller"):
        types = _expand(arg, profile.fact_groups)
        to_seller = name == "fact_by_holder_against_seller"

        def by_holder(c: _Ctx) -> list[tuple[str, str | None]]:
            return [(t, a) for t, a in c.index.facts_by.get(c.holder.id, ()) if t in types
                    and (not to_seller or (a is not None and c.index.people[a].role == "seller"))]

        if to_seller:
            def test_by(c: _Ctx) -> bool:
                return not types.isdisjoint(c.index.fact_types_by.get(c.holder.id, ())) and bool(by_holder(c))
        else:
            def test_by(c: _Ctx) -> bool:
                return not types.isdisjoint(c.index.fact_types_by.get(c.holder.id, ()))
        return _Cond(test_by, lambda c: [c.by_sentence(t, a) for t, a in by_holder(c)])
    if name in ("fact_against_holder", "fact_against_holder_by_buyer", "fact_against_holder_by_non_buyer"):
        types = _expand(arg, profile.fact_groups)
        by_role = name != "fact_against_holder"
        buyer = name == "fact_against_holder_by_buyer"  # or, when by_role, by anyone but a buyer

        def against_holder(c: _Ctx) -> list[tuple[str, str]]:
            return [(t, b) for t, b in c.index.facts_against.get(c.holder.id, ()) if t in types
                    and (not by_role or (c.index.people[b].role == "buyer") is buyer)]

        if by_role:
            def test_against(c: _Ctx) -> bool:
                return not types.isdisjoint(c.index.fact_types_against.get(c.holder.id, ())) \
                    and bool(against_holder(c))
        else:
            def test_against(c: _Ctx) -> bool:
                return not types.isdisjoint(c.index.fact_types_against.get(c.holder.id, ()))
        return _Cond(test_against, lambda c: [c.against_sentence(t, b) for t, b in against_holder(c)])
    if name == "holder_age":
        return _Cond(lambda c: c.age_is(c.holder, arg), lambda c: [_cap(_age_phrase(c, c.holder)) + "."])
    if name == "counterparty_age":
        def cp_age(c: _Ctx) -> bool:
            cp = c.counterparty
            return cp is not None and c.age_is(cp, arg)

        def why_cp_age(c: _Ctx) -> list[str]:
            cp = c.counterparty
            return [f"{_cap(c.side)}: {_age_phrase(c, cp)}."] if cp is not None else []
        return _Cond(cp_age, why_cp_age)
    if name == "any_seller_age":  # screening version 2
        return _Cond(lambda c: any(c.age_is(p, arg) for p in c.sellers()),
                     lambda c: [_cap(_age_phrase(c, p)) + "." for p in c.sellers() if c.age_is(p, arg)])
    if name == "counterparty_or_sellers_age":  # screening version 2
        def relevant(c: _Ctx) -> list[Person]:
            cp = c.counterparty
            return [cp] if cp is not None else c.sellers()
        return _Cond(lambda c: any(c.age_is(p, arg) for p in relevant(c)),
                     lambda c: [_cap(_age_phrase(c, p)) + "." for p in relevant(c) if c.age_is(p, arg)])
    if name == "decision":
        decisions = frozenset(arg)
        return _Cond(lambda c: c.decision in decisions, _no_reason)
    if name == "decided_by":
        rules = frozenset(arg)
        return _Cond(lambda c: c.rule_id in rules, _no_reason)
    if name in ("any", "all"):
        parts = [_compile(sub, profile) for sub in arg]
        if name == "any":

            def any_explain(c: _Ctx) -> list[str]:
                for p in parts:
                    if p.test(c):
                        return p.explain(c)
                return []
            return _Cond(_any_test(parts), any_explain)

        def all_explain(c: _Ctx) -> list[str]:
            return [text for p in parts for text in p.explain(c)]
        return _Cond(_all_test(parts), all_explain)
    if name == "not":
        inner = _compile(arg, profile)
        return _Cond(lambda c: not inner.test(c), _no_reason)
    if name == "mention":  # always holds; states what its condition finds, when it holds
        said = _compile(arg, profile)
        return _Cond(lambda c: True, lambda c: said.explain(c) if said.test(c) else [])
    raise ValueError(f"unknown condition {name!r}")  # the profile reader refuses these first


def _unresolved_sentence(c: _Ctx) -> str:
    return (f"The charge does not say who {c.side} was, and the case has several people who could be "
            f"({_names(c.candidates())}).")


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


def _fixed(cond: Any, offense: str, role: str, arose: bool, profile: PolicyProfile,
           protections: tuple[tuple[str, Test | None], ...] | None, decision: str | None = None) -> bool | None:
    """The value of a condition for every charge of `offense` held by a person of `role` (marked `arose`), or
    None when it depends on more of the case. `protections` are the ones that can apply to such a charge (None
    while they are being worked out)."""
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
    if name == "decision" and decision is not None:
        return decision in arg
    if name == "arose_from_exchange":
        return arose
    if name == "exchange_related":
        return arose or offense in EXCHANGE_OFFENSES
    if name == "not":
        inner = _fixed(arg, offense, role, arose, profile, protections, decision)
        return None if inner is None else not inner
    if name == "mention":
        return True
    if name in ("any", "all"):
        values = [_fixed(sub, offense, role, arose, profile, protections, decision) for sub in arg]
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
_CHARGED = {"pending": ("is charged with", ""), "filed": ("is charged with", ""),
            "convicted": ("was convicted of", ""), "dismissed": ("was charged with", " (the charge was dismissed)"),
            "arrest_only": ("was arrested for", "")}
_SIDES = {"promoting": "the seller promoted", "buying_sex_from_minor": "the seller in this charge"}


class _CompiledProfile:
    """A profile's conditions turned into functions, once per profile (kept in `PolicyProfile.compiled`), and
    for each kind of charge met so far, what can apply to it (`kind`)."""

    __slots__ = ("declines", "kinds", "no_exception", "profile", "protections", "quotes", "refusals", "relief",
                 "relief_texts", "rules")

    def __init__(self, profile: PolicyProfile) -> None:
        def conds(items: tuple[Any, ...]) -> list[_Cond]:
            return [_compile(c, profile) for c in items]

        def branch(b: Branch) -> _CompiledBranch:
            branch_conds = conds(b.when)
            return _CompiledBranch(b.when, branch_conds, _explainers(branch_conds), b.then, b.then["decision"],
                                   b.then["because"], tuple(b.then.get("need", ())), _age_unknown_of(b.when))

        self.profile = profile
        self.quotes = {sid: section.quote for sid, section in profile.sections.items()}
        self.protections = [(sid, when, conds(when)) for sid, when in profile.protections]
        self.rules: list[_CompiledRule] = []
        for rule in profile.rules:
            rule_conds = conds(rule.when)
            self.rules.append(_CompiledRule(rule.id, rule.title, f"Rule: {rule.title}.", rule.when, rule_conds,
                                            _explainers(rule_conds), [branch(b) for b in rule.branches],
                                            Reason(f"Rule: {rule.title}.")))
        self.relief: list[_CompiledRelief] = []
        for r in profile.relief_rules:
            relief_conds = conds(r.when)
            self.relief.append(_CompiledRelief(r.when, relief_conds, _explainers(relief_conds), r.outcome,
                                               r.sections, _relief_text(profile, r.outcome, r.sections, r.because),
                                               r.because))
        self.kinds: dict[tuple[str, str, bool], _Kind] = {}
        self.declines: dict[tuple[str, bool, tuple[str, ...]], str] = {}  # a decline's conclusion, worded once
        self.refusals: dict[str, str] = {}
        self.no_exception: dict[str, str] = {}  # by refusal: the sentence saying no exception may be requested
        self.relief_texts: dict[tuple[str, tuple[str, ...]], str] = {}  # a relief outcome, by ground

    def refusal(self, why: str) -> str:
        """Why no section 8 exception can apply to a charge whose decision is `why` (not a decline), or to a
        declined past record whose status is `why`; worded once per profile."""
        found = self.refusals.get(why)
        if found is None:
            sec = self.profile.exception_section
            if why in PAST_STATUSES:
                found = (f"a section {sec} request is a request to file or pursue a charge, and this charge is a "
                         f"past record ({_STATUS_WORDS.get(why, why)})")
            else:
                found = f"section {sec} exceptions apply only to charges the policy declines, and the decision " \
                        f"on this charge is {why}{_DECISION_WORDS.get(why, '')}"
            self.refusals[why] = found
        return found

    def kind(self, offense: str, role: str, arose: bool) -> _Kind:
        """What can apply to a charge of `offense` held by a person of `role` (worked out on first use)."""
        key = (offense, role, arose)
        found = self.kinds.get(key)
        if found is None:
            if offense not in OFFENSES:
                raise KeyError(offense)  # an offense the spec does not list
            found = self.kinds[key] = self._new_kind(offense, role, arose)
        return found

    def _new_kind(self, offense: str, role: str, arose: bool) -> _Kind:
        def open_test(when: tuple[Any, ...], conds: list[_Cond],
                      protections: tuple[tuple[str, Test | None], ...] | None,
                      decision: str | None = None) -> tuple[bool, Test | None]:
            """Whether the conditions can hold for this kind, and the test of those the kind leaves open."""
            values = [_fixed(c, offense, role, arose, self.profile, protections, decision) for c in when]
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

        relief: dict[str, tuple[tuple[_CompiledRelief, Test | None], ...]] = {}
        for decision in DECISIONS:  # the relief rules that can apply to a record of each decision
            found: list[tuple[_CompiledRelief, Test | None]] = []
            for r in self.relief:
                possible, test = open_test(r.when, r.conds, protections, decision)
                if possible:
                    found.append((r, test))
            relief[decision] = tuple(found)
        target = counterparty_role(offense, role, arose)
        side = _SIDES.get(offense, "the other side of the exchange")
        profile = self.profile
        arose_words = "; the record shows it arose from an exchange of sex for something of value" if arose else ""
        opening = {status: f", the {profile.role_label(role)} in this case, {verb} {profile.offense_label(offense)}"
                           f"{after}{arose_words}."
                   for status, (verb, after) in _CHARGED.items()}
        plan = tuple((r.rule, kb, _both(r.test, kb.test)) for r in rules for kb in r.branches)
        return _Kind(protections, tuple(rules), plan, relief, target, side, opening)


def _both(first: Test | None, second: Test | None) -> Test | None:
    """A rule's test and a branch's, as one (None: always holds)."""
    if first is None:
        return second
    if second is None:
        return first
    return lambda ctx: first(ctx) and second(ctx)


def _relief_text(profile: PolicyProfile, outcome: str, sections: tuple[str, ...], because: str) -> str:
    words = RELIEF_WORDS.get(outcome, outcome.replace("_", " "))
    ground = f" (ground: {profile.cite(sections)})" if sections and not sections[0].startswith("@") else ""
    return f"Record relief: {words}{ground}. {because}"


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


def _add(seen: set[str], out: list[Reason], text: str) -> None:
    """Add a sentence to the reasons of a charge unless it is there already (two conditions may state one fact)."""
    if text not in seen:
        seen.add(text)
        out.append(Reason(text))


def _explain(explainers: tuple[Explain, ...], ctx: _Ctx, seen: set[str], out: list[Reason]) -> None:
    """Add the sentences the conditions give, each once."""
    for explain in explainers:
        for text in explain(ctx):
            if text not in seen:
                seen.add(text)
                out.append(Reason(text))


def _status(ctx: _Ctx, seen: set[str], out: list[Reason]) -> bool:
    """State what the record shows that may make the person charged a victim, whatever the rule (spec,
    `reasons`); return whether the person is a possible victim (spec, "Definitions")."""
    holder = ctx.holder
    against = ctx.index.fact_types_against.get(holder.id)
    minor = ctx.age_is(holder, "minor")
    if not (minor or holder.trafficking_victim or against):
        return False
    if minor:
        _add(seen, out, _cap(_age_phrase(ctx, holder)) + ".")
    if holder.trafficking_victim:
        _add(seen, out, f"{holder.label()} is recorded as a victim of trafficking.")
    stated = False
    if against:
        for ftype, by in ctx.index.facts_against[holder.id]:
            if ftype in _STATED_AGAINST:
                _add(seen, out, ctx.against_sentence(ftype, by))
                stated = True
    possible = holder.trafficking_victim or stated or (minor and holder.role != "buyer")
    if possible:
        _add(seen, out, f"The record shows that {holder.label()} may be a victim.")
    return possible


def _sections(section_ids: tuple[str, ...], ctx: _Ctx, seen: set[str],
              reasons: list[Reason]) -> tuple[str, ...]:
    """The sections cited, with the "@" tokens resolved for this charge."""
    out: list[str] = []
    for sid in section_ids:
        if sid == "@protections":
            out.extend(ctx.protections())
        elif sid == "@victim_letters_by_holder":
            # Version 3: the victim facts by P against a seller (version 2: against anyone).
            letters = ctx.profile.victim_fact_sections
            people = ctx.index.people
            any_victim = ctx.profile.screening_version < 3
            found: set[str] = set()
            for t, a in ctx.index.facts_by.get(ctx.holder.id, ()):
                if t in letters and a is not None and (any_victim or people[a].role == "seller"):
                    found.add(t)
                    _add(seen, reasons, ctx.by_sentence(t, a))
            out.extend(sec for fact, sec in letters.items() if fact in found)
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


def screen_case(case: Case, profile: PolicyProfile, *, presumptive: bool | None = None,
                signed_only: bool = False) -> Screening:
    """Screen every charge of `case` against `profile`. `presumptive` None takes the profile's default.

    `signed_only` is for a case file: there an approval exists only as a signed request decided by a supervisor
    (spec, `exceptions[]`), so an approved entry that is not `signed` counts as no approval (the reasons say so).
    `python -m casereview screen` takes the entries as given."""
    if presumptive is None:
        presumptive = profile.presumptive_default
    compiled = _compiled(profile)
    index = _CaseIndex(case)
    current_exception: dict[str, ExceptionEntry] = {}
    for entry in case.exceptions:
        current_exception[entry.charge] = entry  # the last entry for a charge wins
    results = []
    kinds = compiled.kinds
    for charge in case.charges:
        holder = index.people[charge.person]
        kind = kinds.get((charge.offense, holder.role, charge.arose_from_exchange)) or \
            compiled.kind(charge.offense, holder.role, charge.arose_from_exchange)
        ctx = _Ctx(index, charge, holder, kind, profile)
        results.append(_screen_charge(ctx, compiled, current_exception.get(charge.id), presumptive, signed_only))
    return Screening(case.case_number, profile.id, profile.version, profile.content_hash, presumptive,
                     tuple(results))


# What a decision other than a decline means, after its name, in a sentence saying why no exception applies.
_DECISION_WORDS = {
    "protect": " (the policy treats the person charged as a victim; the charge must not be brought)",
    "charge": " (the policy itself directs or permits this charge)",
    "discretion": " (the policy leaves this charge to the line prosecutor, section 5)",
    "review": " (a fact the rules need must first be found out)",
}
_STATUS_WORDS = {"convicted": "a conviction", "dismissed": "a dismissed charge", "arrest_only": "an arrest"}


def _screen_charge(ctx: _Ctx, compiled: _CompiledProfile, exception: ExceptionEntry | None,
                   presumptive: bool, signed_only: bool) -> ChargeDecision:
    profile = ctx.profile
    for entry in ctx.kind.plan:  # first match wins (profiles end with a catch-all)
        test = entry[2]
        if test is None or test(ctx):
            break
    rule, choice, _ = entry
    branch = choice.branch
    decision = branch.decision
    charge = ctx.charge
    holder = ctx.holder
    opening = ctx.kind.opening.get(charge.status) or ctx.kind.opening["pending"]
    # The first sentence: no condition gives it, so it is not in `seen`.
    reasoning: list[Reason] = [Reason(ctx.index.labels[holder.id] + opening)]
    seen: set[str] = set()
    if holder.trafficking_victim or holder.id in ctx.index.fact_types_against or \
            holder.date_of_birth is not None or holder.age is not None:
        possible_victim = _status(ctx, seen, reasoning)
    else:  # no age, no trafficking flag, nothing against the person: nothing to state
        possible_victim = False

    because = [rule.reason_given]
    if rule.explainers:
        _explain(rule.explainers, ctx, seen, because)
    if branch.explainers:
        _explain(branch.explainers, ctx, seen, because)
    sections = choice.sections
    if sections is None:
        sections = _sections(choice.section_ids, ctx, seen, because)
    conclusion = branch.because
    if decision == "decline":
        key = (conclusion, presumptive, sections)
        found = compiled.declines.get(key)
        if found is None:
            word = f" {profile.presumptive_word}" if presumptive else ""
            found = compiled.declines[key] = (f"{conclusion} The office will{word} decline to bring this charge "
                                              f"({profile.cite(sections)}).")
        conclusion = found
    reasoning.append(Reason(conclusion, tuple(because)))
    missing = _needs(branch, ctx) if decision == "review" else ()
    base_decision = decision

    past = charge.status in PAST_STATUSES
    refusal: str | None
    if decision != "decline":
        refusal = compiled.refusals.get(decision) or compiled.refusal(decision)
    elif past:
        refusal = compiled.refusals.get(charge.status) or compiled.refusal(charge.status)
    elif possible_victim:
        refusal = (f"the record shows that {holder.label()} may be a victim, and “the threat of prosecution "
                   "should not be used to incentivize or encourage cooperation” (section 2; sections 3 and 4)")
    else:
        refusal = None
    exception_allowed = refusal is None

    if exception is not None and signed_only and exception.status == "approved" and not exception.signed:
        reasoning.append(Reason(
            f"An approval recorded for this charge without a signed request is not an approval: section "
            f"{profile.exception_section} requires that requests “shall be made in writing, and require supervisory "
            "approval”."))
    elif exception is not None:
        reasoning.append(Reason(_exception_sentence(profile, exception, refusal)))
        if exception.status == "approved" and exception_allowed:
            decision, sections = "charge", (profile.exception_section,)
            exception_allowed = False
    elif decision == "decline" and refusal is not None:
        said = compiled.no_exception.get(refusal)
        if said is None:
            said = f"No section {profile.exception_section} exception may be requested for this charge: {refusal}."
            if past:  # worded the same for every past record of a status: keep it
                compiled.no_exception[refusal] = said
        reasoning.append(Reason(said))

    relief = None
    relief_sections: tuple[str, ...] = ()
    if past:
        ctx.decision = base_decision
        ctx.rule_id = rule.id
        for relief_rule, test in ctx.kind.relief[base_decision]:
            if test is None or test(ctx):
                relief = relief_rule.outcome
                relief_sections = relief_rule.sections
                text = relief_rule.text
                if relief_sections and relief_sections[0] == "@first_protection":
                    relief_sections = tuple(ctx.protections()[:1]) or (profile.relief_section,)
                    ground = (relief_rule.because, relief_sections)
                    text = compiled.relief_texts.get(ground) or compiled.relief_texts.setdefault(
                        ground, _relief_text(profile, relief, relief_sections, relief_rule.because))
                found_reasons: list[Reason] = []
                _explain(relief_rule.explainers, ctx, seen, found_reasons)
                reasoning.append(Reason(text, tuple(found_reasons)))
                break

    # Positional arguments, in field order: a class called with keywords builds a dict for every object.
    return ChargeDecision(charge.id, holder.id, decision, sections, tuple(reasoning),
                          compiled.quotes[sections[0]], exception_allowed, relief, missing, rule.id, base_decision,
                          relief_sections, possible_victim, refusal)


_REQUEST_STATES = {"draft": "is a draft", "submitted": "is submitted and waits for a supervisor's decision",
                   "denied": "was denied"}


def _ground_words(profile: PolicyProfile, ground: str | None) -> str:
    """An exception's ground in the policy's words, quoted when section 8 says them."""
    words = profile.exception_grounds.get(ground or "", "")
    if not words:
        return "with no ground recorded"
    section = profile.sections.get(profile.exception_section)
    if section is not None and words in section.text:
        return f"on the ground “{words}”"
    return f"on the ground of {words}"


def _exception_sentence(profile: PolicyProfile, exception: ExceptionEntry, refusal: str | None) -> str:
    """What the charge's current section 8 exception entry does, or why it cannot apply."""
    sec = profile.exception_section
    ground = _ground_words(profile, exception.ground)
    if exception.status == "approved":
        where = (f"A supervisor approved a signed section {sec} request for this charge" if exception.signed
                 else f"An approved section {sec} exception for this charge is recorded in the input")
        if refusal is None:
            return f"{where}, {ground}: the charge may be brought."
        return f"{where}, {ground}, but it cannot apply: {refusal}."
    state = _REQUEST_STATES.get(exception.status, exception.status)
    if refusal is None:
        return (f"A section {sec} exception request for this charge, {ground}, {state}; the decline stands "
                "unless a supervisor approves it.")
    return (f"A section {sec} exception request for this charge, {ground}, {state}, but no exception can apply: "
            f"{refusal}.")
