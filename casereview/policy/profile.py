"""Policy profiles: the policy's quoted text, its office options and its rules, read from a data file.

A profile is a JSON file (see ``resources/policies/``). Reading one checks every part of it; a malformed file
is refused with `PolicyFileError` naming the file, the line and the problem. A profile's identity for the
record is its content hash: a saved screening points at the exact text it used, even after the office edits
its policy.
"""

from __future__ import annotations

import hashlib
import json
import json.decoder
import json.scanner
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from casereview.policy.case import FACT_TYPES, OFFENSES, ROLES

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

FORMAT_VERSION: Final = 1
# The version of spec/screening.md a profile's rules implement; a file that does not say is version 2.
SCREENING_VERSION: Final = 3
DECISIONS: Final = ("decline", "protect", "charge", "discretion", "review")
NEEDS: Final = ("age", "with", "aggressor", "trafficking_status", "trafficking_conduct", "compelled_conduct",
                "minor_evidence")
RELIEF_OUTCOMES: Final = ("do_not_contest", "not_eligible", "review")
DEFAULT_POLICY_ID: Final = "fjp-model-2025"

# Conditions the rules may use, and what each takes: None (a bare name), "offenses", "facts", "roles",
# "age" (minor/adult/unknown), "sections", "decisions", or "conditions" (nested).
CONDITIONS: Final[dict[str, str | None]] = {
    "has_protections": None,
    "holder_trafficked": None,
    "counterparty_trafficked": None,
    "no_counterparty": None,
    "counterparty_unresolved": None,
    "several_sellers_without_with": None,
    "arose_from_exchange": None,
    "exchange_related": None,
    "offense": "offenses",
    "holder_role": "roles",
    "case_has_role": "roles",
    "fact_by_holder": "facts",
    "fact_by_holder_against_seller": "facts",
    "fact_against_holder": "facts",
    "fact_against_holder_by_buyer": "facts",
    "fact_against_holder_by_non_buyer": "facts",
    "holder_age": "age",
    "counterparty_age": "age",
    "unresolved_counterparty_age": "age",
    "any_seller_age": "age",
    "counterparty_or_sellers_age": "age",
    "protections_are": "sections",
    "decision": "decisions",
    "decided_by": "rules",
    "any": "conditions",
    "all": "conditions",
    "not": "condition",
    "mention": "condition",  # always holds; the reasons state what its condition finds
}
AGE_WORDS: Final = ("minor", "adult", "unknown")
SECTION_TOKENS: Final = ("@protections", "@victim_letters_by_holder")
RELIEF_SECTION_TOKENS: Final = ("@first_protection",)
# Conditions only record relief rules may use: they ask about the decision already made.
RELIEF_CONDITIONS: Final = frozenset({"decision", "decided_by"})


@dataclass(frozen=True, slots=True)
class FactLabel:
    """How reasons word a fact: `noun` ("a physical assault"), and what its author did, `by` with {against}
    for the person it was against ("physically assaulted {against}") and `by_alone` when it names nobody."""

    noun: str
    by: str
    by_alone: str


@dataclass(frozen=True, slots=True)
class Labels:
    """The plain words reasons use for the format's identifiers: reasons never show `selling_sex`."""

    offenses: dict[str, str]
    roles: dict[str, str]
    facts: dict[str, FactLabel]
    needs: dict[str, str]


# The words for a profile file that has no "labels" (one written for screening version 2).
DEFAULT_LABELS: Final = Labels(
    offenses={
        "selling_sex": "selling sex", "buying_sex": "buying sex", "solicitation": "solicitation",
        "promoting": "promoting prostitution", "loitering_for_prostitution": "loitering for prostitution",
        "vagrancy": "vagrancy", "trespass": "trespass", "obscenity": "obscenity",
        "drug_possession": "drug possession", "public_nuisance": "public nuisance",
        "unlicensed_massage": "unlicensed massage", "assault": "assault", "sexual_assault": "sexual assault",
        "robbery": "robbery", "homicide": "homicide", "trafficking": "human trafficking",
        "buying_sex_from_minor": "buying sex from a minor", "other": "another offense",
    },
    roles={"seller": "seller", "buyer": "buyer", "third_party": "third party", "other": "other person"},
    facts={
        "physical_assault": FactLabel("a physical assault", "physically assaulted {against}",
                                      "physically assaulted someone"),
        "sexual_assault": FactLabel("a sexual assault", "sexually assaulted {against}", "sexually assaulted someone"),
        "condom_refusal": FactLabel("a refusal to use a condom", "refused to use a condom despite the expressed "
                                    "wishes of {against}", "refused to use a condom"),
        "non_consensual_act": FactLabel("a sexual act without consent", "engaged in a sexual act to which "
                                        "{against} did not consent", "engaged in a sexual act without consent"),
        "refused_to_pay": FactLabel("a refusal to pay", "engaged in sexual activity with {against} but refused "
                                    "to pay", "refused to pay for sexual activity"),
        "trafficking": FactLabel("trafficking", "trafficked {against}", "trafficked a person"),
        "knowingly_purchased_from_trafficked": FactLabel(
            "knowingly buying sex from a trafficked person",
            "knowingly sought to purchase sex from {against}, a trafficked person",
            "knowingly sought to purchase sex from a trafficked person"),
        "sought_minor": FactLabel("seeking to buy sex from a minor", "sought to buy sex from {against}, believed "
                                  "to be a minor", "sought to buy sex from a minor"),
        "force": FactLabel("force", "used force against {against}", "used force"),
        "theft": FactLabel("theft", "stole from {against}", "committed theft"),
        "coercion": FactLabel("coercion", "coerced {against}", "used coercion"),
    },
    needs={
        "age": "their age", "with": "who was on the other side of the charge", "aggressor": "who was the aggressor",
        "trafficking_status": "whether they were trafficked",
        "trafficking_conduct": "what trafficking conduct, if any, they committed",
        "compelled_conduct": "whether the conduct charged was compelled",
        "minor_evidence": "what evidence shows that a minor was sought",
    },
)


class PolicyFileError(ValueError):
    """A policy file that cannot be used; the message names the file, the line and the problem."""


class _Located(dict[str, Any]):
    """A JSON object that remembers the line it starts on."""

    line: int = 0


def _load_with_lines(text: str) -> Any:
    """json.loads, but every object is a `_Located` carrying its line number."""
    decoder = json.JSONDecoder()
    plain_parse_object = json.decoder.JSONObject  # type: ignore[attr-defined]

    def parse_object(s_and_end: tuple[str, int], *args: Any) -> tuple[Any, int]:
        s, end = s_and_end
        pairs, new_end = plain_parse_object(s_and_end, *args)
        located = _Located(pairs)
        located.line = s.count("\n", 0, end) + 1
        return located, new_end

    decoder.parse_object = parse_object  # type: ignore[attr-defined]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    return decoder.decode(text)


@dataclass(frozen=True, slots=True)
class Section:
    """One section of the policy. `text` is its own text, exactly as the policy has it; `quote` is what a
    decision citing it quotes: for a lettered subsection, its section's opening words, then (after "…" when
    subsections come between them) the subsection."""

    id: str
    title: str
    text: str
    parent: str | None = None
    opening: str | None = None  # the words before the lettered subsections (a section that has them)
    quote: str = ""


@dataclass(frozen=True, slots=True)
class Branch:
    when: tuple[Any, ...]
    then: dict[str, Any]
    line: int


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    when: tuple[Any, ...]
    branches: tuple[Branch, ...]
    line: int


@dataclass(frozen=True, slots=True)
class ReliefRule:
    when: tuple[Any, ...]
    outcome: str
    because: str
    line: int
    sections: tuple[str, ...] = ()  # the ground of a do_not_contest ("@first_protection" allowed)


@dataclass(frozen=True)
class PolicyProfile:
    """One policy, as data. The engine (`casereview.policy.engine`) turns its rules into decisions."""

    id: str
    title: str
    version: str
    source: str
    attribution: str
    preamble: str
    presumptive_default: bool
    presumptive_word: str
    trafficking_definition: str
    sections: dict[str, Section]
    offense_groups: dict[str, tuple[str, ...]]
    fact_groups: dict[str, tuple[str, ...]]
    victim_fact_sections: dict[str, str]
    protections: tuple[tuple[str, tuple[Any, ...]], ...]
    rules: tuple[Rule, ...]
    relief_section: str
    relief_rules: tuple[ReliefRule, ...]
    exception_section: str
    exception_grounds: dict[str, str]
    content_hash: str
    raw_text: str = field(repr=False)
    labels: Labels = DEFAULT_LABELS
    screening_version: int = 2
    compiled: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def quote(self, section_id: str) -> str:
        """The text a citation of the section quotes (a lettered subsection with its section's opening words)."""
        return self.sections[section_id].quote

    def offense_label(self, offense: str) -> str:
        return self.labels.offenses.get(offense, offense.replace("_", " "))

    def role_label(self, role: str) -> str:
        return self.labels.roles.get(role, role.replace("_", " "))

    def need_label(self, need: str) -> str:
        return self.labels.needs.get(need, need.replace("_", " "))

    def cite(self, section_ids: tuple[str, ...] | list[str]) -> str:
        """Sections as a sentence cites them: "section 6", "sections 4 and 6", or a guide heading in quotes."""
        cites: dict[tuple[str, ...], str] = self.compiled.setdefault("cite", {})
        key = tuple(section_ids)
        found = cites.get(key)
        if found is None:
            found = cites[key] = self._cite(key)
        return found

    def _cite(self, section_ids: tuple[str, ...]) -> str:
        policy = [sid for sid in section_ids if not sid.startswith("guide: ")]
        guide = [sid for sid in section_ids if sid.startswith("guide: ")]
        parts: list[str] = []
        if policy:
            joined = policy[0] if len(policy) == 1 else ", ".join(policy[:-1]) + " and " + policy[-1]
            parts.append(f"section{'s' if len(policy) > 1 else ''} {joined}")
        parts.extend(f"the community guide's “{self.sections[sid].title}”" if sid in self.sections
                     else f"the community guide's “{sid[7:]}”" for sid in guide)
        return " and ".join(parts)


# ---------------------------------------------------------------------------------------------------- loading


class _Reader:
    def __init__(self, name: str) -> None:
        self.name = name

    def fail(self, node: Any, problem: str) -> PolicyFileError:
        line = getattr(node, "line", 0)
        where = f"{self.name}, line {line}" if line else self.name
        return PolicyFileError(f"{where}: {problem}")

    def obj(
        self, node: Any, what: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> _Located:
        if not isinstance(node, _Located):
            raise self.fail(node, f"{what} must be an object")
        for key in required:
            if key not in node:
                raise self.fail(node, f"{what} has no {key!r}")
        for key in node:
            if key not in required and key not in optional:
                raise self.fail(node, f"{what} has an unknown key {key!r}")
        return node

    def text(self, node: _Located, key: str, what: str) -> str:
        value = node[key]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(node, f"{what}.{key} must be non-empty text")
        return value

    def strings(self, node: _Located, key: str, what: str) -> tuple[str, ...]:
        value = node[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(node, f"{what}.{key} must be a list of text")
        return tuple(value)


def load_profile_text(text: str, name: str) -> PolicyProfile:
    """Read a profile from its JSON text; `name` is how error messages refer to the file."""
    reader = _Reader(name)
    try:
        data = _load_with_lines(text)
    except json.JSONDecodeError as exc:
        raise PolicyFileError(
            f"{name}, line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})"
        ) from None
    top = reader.obj(data, "the policy", (
        "format", "id", "title", "version", "source", "attribution", "preamble", "options", "sections",
        "offense_groups", "fact_groups", "victim_fact_sections", "protections", "exceptions", "rules",
        "record_relief",
    ), ("screening_version", "labels"))
    if top["format"] != FORMAT_VERSION:
        raise reader.fail(
            top, f"format {top['format']!r} is not supported (this version reads format {FORMAT_VERSION})"
        )
    for key in ("id", "title", "version", "source", "attribution", "preamble"):
        reader.text(top, key, "the policy")

    options = reader.obj(top["options"], "options", ("presumptive", "trafficking_definition"))
    presumptive = reader.obj(options["presumptive"], "options.presumptive", ("default", "word"),
                             ("footnote",))
    if not isinstance(presumptive["default"], bool):
        raise reader.fail(presumptive, "options.presumptive.default must be true or false")
    trafficking = reader.obj(options["trafficking_definition"], "options.trafficking_definition",
                             ("default",), ("footnote",))

    sections: dict[str, Section] = {}
    if not isinstance(top["sections"], list):
        raise reader.fail(top, "sections must be a list")
    for node in top["sections"]:
        sec = reader.obj(node, "a section", ("id", "title", "text"), ("parent", "opening"))
        sid = reader.text(sec, "id", "section")
        if sid in sections:
            raise reader.fail(sec, f"section {sid!r} appears twice")
        parent = sec.get("parent")
        if parent is not None and parent not in sections:
            raise reader.fail(sec, f"section {sid!r} names parent {parent!r}, which comes nowhere before it")
        title, body = reader.text(sec, "title", "section"), reader.text(sec, "text", "section")
        opening = reader.text(sec, "opening", "section") if "opening" in sec else None
        if opening is not None and not body.startswith(opening):
            raise reader.fail(sec, f"section {sid!r}: its opening must be the first words of its text")
        sections[sid] = Section(sid, title, body, parent, opening, _quote(sections, parent, body))
        if parent is not None and sections[parent].opening is not None and body not in sections[parent].text:
            raise reader.fail(sec, f"section {sid!r}: its text must be part of section {parent!r}'s text")

    groups_node = reader.obj(top["offense_groups"], "offense_groups", (), tuple(top["offense_groups"]))
    offense_groups = {k: reader.strings(groups_node, k, "offense_groups") for k in groups_node}
    for k, members in offense_groups.items():
        for offense in members:
            if offense not in OFFENSES:
                raise reader.fail(groups_node, f"offense_groups.{k} names an unknown offense {offense!r}")
    facts_node = reader.obj(top["fact_groups"], "fact_groups", (), tuple(top["fact_groups"]))
    fact_groups = {k: reader.strings(facts_node, k, "fact_groups") for k in facts_node}
    for k, members in fact_groups.items():
        for fact in members:
            if fact not in FACT_TYPES:
                raise reader.fail(facts_node, f"fact_groups.{k} names an unknown fact type {fact!r}")
    vfs_node = reader.obj(top["victim_fact_sections"], "victim_fact_sections", (),
                          tuple(top["victim_fact_sections"]))
    victim_fact_sections: dict[str, str] = {}
    for fact, sid in vfs_node.items():
        if fact not in FACT_TYPES:
            raise reader.fail(vfs_node, f"victim_fact_sections names an unknown fact type {fact!r}")
        if sid not in sections:
            raise reader.fail(vfs_node,
                              f"victim_fact_sections.{fact} cites section {sid!r}, which the policy lacks")
        victim_fact_sections[fact] = sid

    labels = _labels(reader, top["labels"]) if "labels" in top else DEFAULT_LABELS
    version = top.get("screening_version", 2)
    if version not in (2, SCREENING_VERSION) or isinstance(version, bool):
        raise reader.fail(top, f"screening_version {version!r} is not supported (2 or {SCREENING_VERSION})")

    checker = _ConditionChecker(reader, offense_groups, fact_groups, sections)

    protections: list[tuple[str, tuple[Any, ...]]] = []
    if not isinstance(top["protections"], list):
        raise reader.fail(top, "protections must be a list")
    for node in top["protections"]:
        prot = reader.obj(node, "a protection", ("section", "when"))
        sid = reader.text(prot, "section", "protection")
        if sid not in sections:
            raise reader.fail(prot, f"protection cites section {sid!r}, which the policy lacks")
        protections.append((sid, checker.conditions(prot, prot["when"])))

    exc_node = reader.obj(top["exceptions"], "exceptions", ("section", "applies_to", "grounds"))
    if exc_node["section"] not in sections:
        raise reader.fail(exc_node, f"exceptions cite section {exc_node['section']!r}, which the policy lacks")
    grounds_node = reader.obj(exc_node["grounds"], "exceptions.grounds",
                              ("prevent_trafficking", "protect_victim", "other"))

    rules: list[Rule] = []
    if not isinstance(top["rules"], list) or not top["rules"]:
        raise reader.fail(top, "rules must be a non-empty list")
    seen_rules: set[str] = set()
    for node in top["rules"]:
        rule = reader.obj(node, "a rule", ("id", "title", "when", "branches"))
        rid = reader.text(rule, "id", "rule")
        if rid in seen_rules:
            raise reader.fail(rule, f"rule {rid!r} appears twice")
        seen_rules.add(rid)
        if not isinstance(rule["branches"], list) or not rule["branches"]:
            raise reader.fail(rule, f"rule {rid!r} needs at least one branch")
        branches = []
        for bnode in rule["branches"]:
            branch = reader.obj(bnode, f"a branch of rule {rid!r}", ("then",), ("when",))
            then = reader.obj(branch["then"], f"the outcome of a branch of rule {rid!r}",
                              ("decision", "because"), ("sections", "sections_by_offense", "need"))
            checker.outcome(then, rid, version)
            when = checker.conditions(branch, branch.get("when", []))
            branches.append(Branch(when, dict(then), branch.line))
        if branches[-1].when == () and any(b.when == () for b in branches[:-1]):
            raise reader.fail(rule, f"rule {rid!r} has a branch that can never be reached")
        rules.append(Rule(rid, reader.text(rule, "title", "rule"), checker.conditions(rule, rule["when"]),
                          tuple(branches), rule.line))
    if rules[-1].when != () or rules[-1].branches[-1].when != ():
        raise reader.fail(top["rules"][-1], "the last rule must apply to every charge (no conditions)")

    relief = reader.obj(top["record_relief"], "record_relief", ("section", "rules"))
    if relief["section"] not in sections:
        raise reader.fail(relief,
                          f"record_relief cites section {relief['section']!r}, which the policy lacks")
    relief_rules: list[ReliefRule] = []
    checker.rule_ids = seen_rules
    for node in relief["rules"]:
        rr = reader.obj(node, "a record relief rule", ("then", "because"), ("when", "sections"))
        if rr["then"] not in RELIEF_OUTCOMES:
            raise reader.fail(
                rr, f"record relief outcome {rr['then']!r} is not one of {', '.join(RELIEF_OUTCOMES)}"
            )
        if "sections" in rr:
            if rr["then"] != "do_not_contest":
                raise reader.fail(rr, "only a do_not_contest record relief rule gives sections (its ground)")
            ground = reader.strings(rr, "sections", "record relief rule")
            if not ground:
                raise reader.fail(rr, "record relief rule: sections must be a non-empty list")
            for sid in ground:
                if sid not in sections and sid not in RELIEF_SECTION_TOKENS:
                    raise reader.fail(rr, f"record relief rule cites section {sid!r}, which the policy lacks")
        else:
            ground = (relief["section"],) if rr["then"] == "do_not_contest" else ()
        relief_rules.append(ReliefRule(checker.conditions(rr, rr.get("when", []), relief=True), rr["then"],
                                       reader.text(rr, "because", "record relief rule"), rr.line, ground))
    if not relief_rules or relief_rules[-1].when != ():
        raise reader.fail(relief, "the last record relief rule must apply to every record (no conditions)")

    return PolicyProfile(
        id=top["id"], title=top["title"], version=top["version"], source=top["source"],
        attribution=top["attribution"], preamble=top["preamble"],
        presumptive_default=presumptive["default"],
        presumptive_word=reader.text(presumptive, "word", "presumptive"),
        trafficking_definition=reader.text(trafficking, "default", "options.trafficking_definition"),
        sections=sections, offense_groups=offense_groups, fact_groups=fact_groups,
        victim_fact_sections=victim_fact_sections, protections=tuple(protections), rules=tuple(rules),
        relief_section=relief["section"], relief_rules=tuple(relief_rules), exception_section=exc_node["section"],
        exception_grounds={k: reader.text(grounds_node, k, "exceptions.grounds") for k in grounds_node},
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        raw_text=text, labels=labels, screening_version=version,
    )


def _quote(sections: dict[str, Section], parent: str | None, text: str) -> str:
    """What a citation of a section quotes: a lettered subsection carries its section's opening words, and "…"
    marks the subsections left out between them."""
    if parent is None or sections[parent].opening is None:
        return text
    opening = sections[parent].opening
    assert opening is not None
    if sections[parent].text.startswith(f"{opening}\n\n{text}"):
        return f"{opening}\n\n{text}"
    return f"{opening}\n\n… {text}"


def _labels(reader: _Reader, node: Any) -> Labels:
    """The profile's words for every offense, role, fact and need (each one must have its words)."""
    top = reader.obj(node, "labels", ("offenses", "roles", "facts", "needs"))

    def words(key: str, known: tuple[str, ...]) -> dict[str, str]:
        part = reader.obj(top[key], f"labels.{key}", known)
        return {k: reader.text(part, k, f"labels.{key}") for k in known}

    facts_node = reader.obj(top["facts"], "labels.facts", FACT_TYPES)
    facts: dict[str, FactLabel] = {}
    for fact in FACT_TYPES:
        entry = reader.obj(facts_node[fact], f"labels.facts.{fact}", ("noun", "by", "by_alone"))
        by = reader.text(entry, "by", f"labels.facts.{fact}")
        if "{against}" not in by:
            raise reader.fail(entry, f"labels.facts.{fact}.by must say where the person it was against goes "
                                     "({against})")
        facts[fact] = FactLabel(reader.text(entry, "noun", f"labels.facts.{fact}"), by,
                                reader.text(entry, "by_alone", f"labels.facts.{fact}"))
    return Labels(words("offenses", OFFENSES), words("roles", ROLES), facts, words("needs", NEEDS))


class _ConditionChecker:
    """Checks that every condition in a profile is one the engine knows, with arguments it understands."""

    def __init__(self, reader: _Reader, offense_groups: dict[str, tuple[str, ...]],
                 fact_groups: dict[str, tuple[str, ...]], sections: dict[str, Section]) -> None:
        self.reader, self.offense_groups = reader, offense_groups
        self.fact_groups, self.sections = fact_groups, sections
        self.rule_ids: set[str] = set()  # known once the rules are read (for record relief's decided_by)

    def conditions(self, owner: _Located, node: Any, *, relief: bool = False) -> tuple[Any, ...]:
        if not isinstance(node, list):
            raise self.reader.fail(owner, "'when' must be a list of conditions")
        for cond in node:
            self.condition(owner, cond, relief)
        return tuple(node)

    def condition(self, owner: _Located, cond: Any, relief: bool) -> None:
        fail = self.reader.fail
        where = cond if isinstance(cond, _Located) else owner
        if isinstance(cond, str):
            if CONDITIONS.get(cond, "?") is not None:
                raise fail(where, f"unknown condition {cond!r}")
            return
        if not isinstance(cond, dict) or len(cond) != 1:
            raise fail(where, "a condition is a name or an object with exactly one key")
        (name, arg), = cond.items()
        kind = CONDITIONS.get(name, "?")
        if kind in ("?", None):
            raise fail(where, f"unknown condition {name!r}" if kind == "?"
                       else f"condition {name!r} takes no value")
        if name in RELIEF_CONDITIONS and not relief:
            raise fail(where, f"the {name!r} condition is only for record relief rules")
        if kind == "condition":
            self.condition(owner, arg, relief)
            return
        if kind == "age":
            if arg not in AGE_WORDS:
                raise fail(where, f"{name} must be one of {', '.join(AGE_WORDS)}, not {arg!r}")
            return
        if not isinstance(arg, list) or not arg:
            raise fail(where, f"{name} needs a non-empty list")
        for item in arg:
            if kind == "conditions":
                self.condition(owner, item, relief)
            elif kind == "offenses":
                self._member(where, name, item, OFFENSES, self.offense_groups)
            elif kind == "facts":
                self._member(where, name, item, FACT_TYPES, self.fact_groups)
            elif kind == "roles" and item not in ROLES:
                raise fail(where, f"{name} names an unknown role {item!r}")
            elif kind == "sections" and item not in self.sections:
                raise fail(where, f"{name} names a section {item!r} the policy lacks")
            elif kind == "decisions" and item not in DECISIONS:
                raise fail(where, f"{name} names an unknown decision {item!r}")
            elif kind == "rules" and item not in self.rule_ids:
                raise fail(where, f"{name} names a rule {item!r} the policy lacks")

    def _member(self, where: Any, name: str, item: Any, known: tuple[str, ...],
                groups: dict[str, tuple[str, ...]]) -> None:
        if isinstance(item, str) and item.startswith("@"):
            if item[1:] not in groups:
                raise self.reader.fail(where, f"{name} names an unknown group {item!r}")
        elif item not in known:
            raise self.reader.fail(where, f"{name} names an unknown value {item!r}")

    def outcome(self, then: _Located, rule_id: str, version: int = SCREENING_VERSION) -> None:
        fail = self.reader.fail
        if then["decision"] not in DECISIONS:
            raise fail(then, f"rule {rule_id!r}: unknown decision {then['decision']!r}")
        has_sections = "sections" in then
        if has_sections == ("sections_by_offense" in then):
            raise fail(then, f"rule {rule_id!r}: give either 'sections' or 'sections_by_offense'")
        lists = [then["sections"]] if has_sections else list(then["sections_by_offense"].values())
        if not has_sections and "*" not in then["sections_by_offense"]:
            raise fail(then, f"rule {rule_id!r}: sections_by_offense needs a '*' entry for other offenses")
        for sec_list in lists:
            if not isinstance(sec_list, list) or not sec_list:
                raise fail(then, f"rule {rule_id!r}: sections must be a non-empty list")
            for sid in sec_list:
                if sid not in self.sections and sid not in SECTION_TOKENS:
                    raise fail(then, f"rule {rule_id!r} cites section {sid!r}, which the policy lacks")
            if version >= 3 and "@victim_letters_by_holder" in sec_list and all(
                    sid in SECTION_TOKENS for sid in sec_list):
                raise fail(then, f"rule {rule_id!r}: @victim_letters_by_holder may name no letter, so it needs a "
                                 "section beside it (section 2)")
        needs = then.get("need", [])
        if then["decision"] == "review" and not needs:
            raise fail(then, f"rule {rule_id!r}: a review must say what to find out ('need')")
        for need in needs:
            if need not in NEEDS:
                raise fail(then, f"rule {rule_id!r}: unknown need {need!r} (one of {', '.join(NEEDS)})")


# ---------------------------------------------------------------------------------------------------- lookup

_cache: dict[str, PolicyProfile] = {}


def _shipped_policies() -> Traversable:
    """The folder of the shipped policies. In an ordinary install it is a folder on disk, read as one (importing
    importlib.resources, with the zipfile and tempfile it brings, adds about a tenth to a one-case `screen`);
    from anywhere else (a zip) it is read through importlib.resources."""
    import resources as shipped

    folder = Path(shipped.__file__ or "").parent / "policies"
    if shipped.__file__ and folder.is_dir():
        return folder
    from importlib import resources

    return resources.files("resources").joinpath("policies")


def builtin_policy_ids() -> list[str]:
    folder = _shipped_policies()
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))


def load_builtin(policy_id: str = DEFAULT_POLICY_ID) -> PolicyProfile:
    """A profile shipped in ``resources/policies``; raises KeyError for an unknown id."""
    if policy_id not in _cache:
        if policy_id not in builtin_policy_ids():
            raise KeyError(policy_id)
        item = _shipped_policies().joinpath(f"{policy_id}.json")
        profile = load_profile_text(item.read_text(encoding="utf-8"), f"resources/policies/{policy_id}.json")
        if profile.id != policy_id:
            raise PolicyFileError(
                f"resources/policies/{policy_id}.json: its id is {profile.id!r}, not {policy_id!r}"
            )
        _cache[policy_id] = profile
    return _cache[policy_id]


def load_profile_file(path: Path) -> PolicyProfile:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyFileError(f"{path}: cannot be read ({exc})") from None
    return load_profile_text(text, str(path))

