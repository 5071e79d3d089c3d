"""The same person across rows, cases and the case file, and the near matches a person must decide.

Who is one person:
- the same **person key** (a state identification number) is one person, in the file and in the case file; two
  different keys are two people, whatever their names;
- a record without a key is the person with the same **folded name** (accents, case, punctuation and the order
  "Last, First" set aside) and **date of birth**: the one person of the case file or the file who has them. When
  several people with keys have them, which one it is is a match to decide. A record with neither key nor date of
  birth is a person of its own (nothing links it to another record);
- **near matches** are never merged: the same name and the day and month of the date of birth swapped; the same
  date of birth and names one letter apart (a letter changed, added, dropped, or two next to each other swapped);
  the same date of birth, first and last name, and a middle name missing (or given as its initial). They are
  listed for a person to decide ``same`` or ``different``; the decision is kept and every later import follows it.
  Two records with keys are never a near match (the keys decide), nor two people already in the case file.

Until a match is decided, the cases of the records it concerns are held (not imported). A decision that would put
two people already in the case file, two different keys, or two people decided different into one person holds
those cases too, saying so.

Identities are compared by content ("key:…" or "nd:folded name|date of birth") and kept in the case file only as
keyed hashes of it (`digest`), so a decision follows the person, not a row number.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import combinations

from casereview.store.search import fold

REASONS = {
    "same_name_dob": "the same name and date of birth as a person with a person key",
    "dob_swapped": "the same name; the day and month of the date of birth swapped",
    "one_letter": "the same date of birth; the names one letter apart",
    "middle_name": "the same date of birth, first and last name; a middle name missing",
}
_NOT_NAME = re.compile(r"[^a-z0-9 ]+")


@lru_cache(maxsize=1 << 16)
def fold_name(name: str | None) -> str:
    """A name as compared: "ROE, Dana-Marie" and "dana marie roe" alike."""
    text = name or ""
    if text.count(",") == 1:
        last, first = text.split(",")
        text = f"{first} {last}"
    text = fold(text.replace("-", " "))
    return " ".join(_NOT_NAME.sub("", text).split())


def one_edit_apart(a: str, b: str) -> bool:
    """Exactly one letter changed, added or dropped, or two neighbours swapped."""
    if a == b:
        return False
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diffs = [i for i in range(la) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]] and \
            a[diffs[1]] == b[diffs[0]]
    short, long_ = (a, b) if la < lb else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1:]


def _compatible(x: str, y: str) -> bool:
    return x == y or (len(x) == 1 and y.startswith(x)) or (len(y) == 1 and x.startswith(y))


def middle_name_variant(a: str, b: str) -> bool:
    """The same first and last name, the middle names of one missing or given as initials in the other."""
    ta, tb = a.split(), b.split()
    if a == b or len(ta) < 2 or len(tb) < 2 or ta[0] != tb[0] or ta[-1] != tb[-1]:
        return False
    ma, mb = ta[1:-1], tb[1:-1]
    short, long_ = (ma, mb) if len(ma) <= len(mb) else (mb, ma)
    if len(short) == len(long_):
        return all(_compatible(x, y) for x, y in zip(short, long_, strict=True))
    i = 0
    for token in long_:
        if i < len(short) and _compatible(short[i], token):
            i += 1
    return i == len(short)


def swapped(d1: date, d2: date) -> bool:
    return d1 != d2 and d1.year == d2.year and d1.day == d2.month and d1.month == d2.day


def _swap(d: date) -> date | None:
    try:
        other = date(d.year, d.day, d.month)
    except ValueError:
        return None
    return other if other != d else None


def content_of(key: str | None, folded: str, dob: date | None) -> str | None:
    """What identifies a record: its key, or its folded name and date of birth (None: nothing does)."""
    if key:
        return f"key:{key}"
    if folded and dob is not None:
        return f"nd:{folded}|{dob.isoformat()}"
    return None


# ---------------------------------------------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class Record:
    """One person in one case of the file."""

    case_number: str
    local_id: str
    key: str | None
    name: str | None
    date_of_birth: date | None
    line: int
    folded: str = ""  # fold_name(name)


@dataclass(frozen=True)
class Known:
    """A person already in the case file."""

    id: int
    key: str | None
    name: str | None
    date_of_birth: date | None


# --------------------------------------------------------------------------------------------------- outputs


@dataclass(frozen=True)
class Target:
    """Whom a record is stored as: a person already in the case file (`person_id`), or a new person shared by the
    records of one `component`; `key` is the person's key (set on a person of the case file that has none)."""

    component: str
    person_id: int | None
    key: str | None


@dataclass(frozen=True)
class FoundMatch:
    identity_a: str  # keyed hashes, a < b
    identity_b: str
    label_a: str
    label_b: str
    reason: str
    decision: str | None  # the decision kept, or None: to decide
    person_id: int | None  # the side already in the case file
    cases: tuple[str, ...]  # the file's cases it holds (while undecided)


@dataclass
class Resolution:
    targets: dict[tuple[str, str], Target] = field(default_factory=dict)  # (case number, local id) -> target
    matches: list[FoundMatch] = field(default_factory=list)
    held: dict[str, str] = field(default_factory=dict)  # case number -> why it is held
    people: int = 0  # distinct people the file's records are


@dataclass
class _Node:
    content: str
    key: str | None
    variants: set[tuple[str, date]] = field(default_factory=set)
    records: list[Record] = field(default_factory=list)
    known: list[Known] = field(default_factory=list)

    @property
    def incoming(self) -> bool:
        return bool(self.records)

    def label(self) -> str:
        if self.records:
            r = self.records[0]
            name = r.name or "(no name)"
            born = f", born {r.date_of_birth.isoformat()}" if r.date_of_birth else ""
            key = f", person key {r.key}" if r.key else ""
            more = len({x.case_number for x in self.records}) - 1
            where = f"case {r.case_number}, line {r.line}" + (f" (and {more} other case(s))" if more else "")
            return f"{name}{born}{key} — {where}"
        k = self.known[0]
        born = f", born {k.date_of_birth.isoformat()}" if k.date_of_birth else ""
        key = f", person key {k.key}" if k.key else ""
        return f"{k.name or '(no name)'}{born}{key} — already in the case file (person {k.id})"


class _Sets:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while self.parent.get(x, x) != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def resolve(records: Sequence[Record], known: Iterable[Known], decisions: dict[tuple[str, str], str],
            digest: Callable[[str], str]) -> Resolution:
    """Who each record is, the matches to decide (with the decisions kept), and the cases held for them."""
    nodes: dict[str, _Node] = {}
    solo: list[Record] = []
    for r in records:
        content = content_of(r.key, r.folded, r.date_of_birth)
        if content is None:
            solo.append(r)
            continue
        node = nodes.setdefault(content, _Node(content, r.key))
        node.records.append(r)
        if r.folded and r.date_of_birth is not None:
            node.variants.add((r.folded, r.date_of_birth))
    if not nodes and not solo:
        return Resolution()
    wanted_keys = {n.key for n in nodes.values() if n.key}
    for k in known:
        folded = fold_name(k.name)
        content = content_of(k.key, folded, k.date_of_birth)
        if content is None:
            continue
        if k.key and k.key not in wanted_keys and not (folded and k.date_of_birth):
            continue  # a key the file does not have, and nothing else to match: not needed
        node = nodes.setdefault(content, _Node(content, k.key))
        node.known.append(k)
        if folded and k.date_of_birth is not None:
            node.variants.add((folded, k.date_of_birth))

    hashes = {c: digest(c) for c, n in nodes.items() if n.incoming or n.known}
    pairs = _pairs(nodes)
    sets = _Sets()
    different: list[tuple[str, str]] = []
    pending: list[tuple[str, str, str]] = []
    found: list[FoundMatch] = []
    exact_candidates: dict[str, list[str]] = {}
    for (a, b), reason in pairs.items():
        if reason == "same_name_dob":
            keyless = a if nodes[a].key is None else b
            exact_candidates.setdefault(keyless, []).append(b if keyless == a else a)
    for (a, b), reason in sorted(pairs.items()):
        ha, hb = hashes[a], hashes[b]
        pair = (ha, hb) if ha < hb else (hb, ha)
        decision = decisions.get(pair)
        automatic = False
        if reason == "same_name_dob" and decision is None:
            keyless = a if nodes[a].key is None else b
            # The record's own rule: the one person with its name and date of birth (when it is not already a
            # person of the case file itself, and no other person with a key has them).
            automatic = len(exact_candidates[keyless]) == 1 and not nodes[keyless].known
        if decision == "same" or automatic:
            sets.union(a, b)
        elif decision == "different":
            different.append((a, b))
        if not automatic:
            first, second = (a, b) if ha < hb else (b, a)
            side = next((n for n in (nodes[first], nodes[second]) if not n.incoming), None)
            found.append(FoundMatch(pair[0], pair[1], nodes[first].label(), nodes[second].label(), reason, decision,
                                    side.known[0].id if side is not None else None,
                                    tuple(sorted({r.case_number for n in (nodes[a], nodes[b])
                                                  for r in n.records}))))
            if decision is None:
                pending.append((a, b, reason))

    out = Resolution(matches=found)
    groups: dict[str, list[_Node]] = {}
    for content, node in nodes.items():
        groups.setdefault(sets.find(content), []).append(node)

    def hold(group: Iterable[_Node], why: str) -> None:
        for node in group:
            for r in node.records:
                out.held.setdefault(r.case_number, why)

    for a, b, reason in pending:
        why = f"a possible match to decide: {nodes[a].label()} / {nodes[b].label()} ({REASONS[reason]})"
        for end in (a, b):
            if nodes[end].incoming:  # (a person already in the case file stays as they are)
                hold(groups[sets.find(end)], why)
    for a, b in different:
        if sets.find(a) == sets.find(b):
            hold(groups[sets.find(a)], f"the decisions on {nodes[a].label()} and {nodes[b].label()} disagree: they "
                                       "were decided different, yet other decisions make them one person")
    for root, group in groups.items():
        if not any(n.incoming for n in group):
            continue
        out.people += 1
        # The people of the case file this person is: a keyed node's one, and for a name and date of birth the
        # first of those who have them (the same person typed in twice by hand).
        known_ids = sorted({min(k.id for k in n.known) for n in group if n.known})
        keys = sorted({n.key for n in group if n.key} | {k.key for n in group for k in n.known if k.key})
        if len(known_ids) > 1:
            hold(group, f"{group[0].label()} would be more than one person already in the case file (persons "
                        f"{', '.join(map(str, known_ids))}): decide the matches otherwise")
            continue
        if len(keys) > 1:
            hold(group, f"{group[0].label()} would be one person with two person keys ({', '.join(keys)}): decide "
                        "the matches otherwise")
            continue
        target = Target(f"c:{hashes[root]}", known_ids[0] if known_ids else None, keys[0] if keys else None)
        for node in group:
            for r in node.records:
                out.targets[(r.case_number, r.local_id)] = target
    for r in solo:
        out.targets[(r.case_number, r.local_id)] = Target(f"s:{r.case_number}\x00{r.local_id}", None, None)
        out.people += 1
    return out


def _pairs(nodes: dict[str, _Node]) -> dict[tuple[str, str], str]:
    """Every pair of nodes the rules relate, each once (a, b sorted), with the first reason that applies: the
    same name and date of birth (one side keyless, the other with a key), the day and month swapped, one letter,
    a middle name. Never two keyed nodes, nor two nodes with no record of the file."""
    by_dob: dict[date, list[tuple[str, str]]] = {}
    by_variant: dict[tuple[str, date], list[str]] = {}
    for content, node in nodes.items():
        for folded, dob in node.variants:
            by_dob.setdefault(dob, []).append((content, folded))
            by_variant.setdefault((folded, dob), []).append(content)
    out: dict[tuple[str, str], str] = {}

    def consider(a: str, b: str, reason: str) -> None:
        if a == b:
            return
        na, nb = nodes[a], nodes[b]
        if (na.key is not None and nb.key is not None) or not (na.incoming or nb.incoming):
            return
        pair = (a, b) if a < b else (b, a)
        if pair not in out:
            out[pair] = reason

    for members in by_dob.values():
        if len(members) < 2 or not any(nodes[c].incoming for c, _ in members) or \
                all(nodes[c].key is not None for c, _ in members):  # (two keys are never a match)
            continue
        # Same name (a keyless record and a keyed one), or one letter apart: candidates share a name with one
        # letter dropped (symmetric deletion), checked exactly after.
        deletions: dict[str, list[int]] = {}
        for i, (_content, folded) in enumerate(members):
            for variant in {folded, *(folded[:j] + folded[j + 1:] for j in range(len(folded)))}:
                deletions.setdefault(variant, []).append(i)
        seen: set[tuple[int, int]] = set()
        for group in deletions.values():
            for i, j in combinations(sorted(set(group)), 2):
                if (i, j) in seen:
                    continue
                seen.add((i, j))
                (ca, fa), (cb, fb) = members[i], members[j]
                if fa == fb:
                    consider(ca, cb, "same_name_dob")
                elif one_edit_apart(fa, fb):
                    consider(ca, cb, "one_letter")
        by_ends: dict[tuple[str, str], list[int]] = {}
        for i, (_content, folded) in enumerate(members):
            tokens = folded.split()
            if len(tokens) >= 2:
                by_ends.setdefault((tokens[0], tokens[-1]), []).append(i)
        for group_ in by_ends.values():
            for i, j in combinations(group_, 2):
                (ca, fa), (cb, fb) = members[i], members[j]
                if middle_name_variant(fa, fb):
                    consider(ca, cb, "middle_name")
    for (folded, dob), contents in by_variant.items():
        other = _swap(dob)
        if other is None:
            continue
        for b in by_variant.get((folded, other), ()):
            for a in contents:
                consider(a, b, "dob_swapped")
    return out
