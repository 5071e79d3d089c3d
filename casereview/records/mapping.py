"""The mapping from a records file to the case format: which column holds which field, the date format, what each
statute charges (an offense category and the role it implies) and what each disposition means (a status).

A mapping is a JSON preset (the window saves one; the command line takes one with ``--mapping``)::

    {"columns": {"case_number": "CASE_NO", "name": "PRI_NAME", "date_of_birth": "PRI_DOB",
                 "statute": "OFFENSE_CODE", "disposition": "DISP_DESCR", "disposition_date": "DISP_DATE", ...},
     "date_format": "%m/%d/%Y",
     "statutes": {"ORS 167.007": {"offense": "selling_sex", "role": "seller"}},
     "dispositions": {"CONVICTED-JAIL": "convicted", "DISMISSED": "dismissed"}}

Without one, the file's columns must carry the case format's field names (`FIELDS`; any case, spaces for
underscores) and dates are written YYYY-MM-DD. Statute and disposition texts are compared without regard to case
or runs of spaces. A statute the mapping does not list is looked up in the office's statute catalog; one neither
knows is left for the user to place (`casereview.records.convert`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from casereview.policy.case import AROSE_FROM_EXCHANGE_OFFENSES, OFFENSES, ROLES, STATUSES
from casereview.records.reading import Cell

# Every field a column can fill, and what kind of value it holds.
FIELDS: Final = {
    # the case
    "case_number": "text", "incident_date": "date", "county": "text", "agency": "text",
    # the person
    "person_key": "text", "name": "text", "date_of_birth": "date", "age": "number", "role": "text",
    "race_ethnicity": "text", "gender_identity": "text",
    # the charge (the row)
    "charge_id": "text", "statute": "text", "offense": "text", "disposition": "text", "status": "text",
    "offense_date": "date", "disposition_date": "date", "court": "text", "docket_number": "text",
    "arose_from_exchange": "flag", "warrant": "flag", "notes": "text",
}
# Fields whose value is one line: a line break in one is a quote left open, or two records run together.
ONE_LINE: Final = frozenset(FIELDS) - {"notes"}
ISO_FORMAT: Final = "%Y-%m-%d"
MAPPING_KEYS: Final = frozenset({"columns", "date_format", "statutes", "dispositions", "name", "description",
                                 "sheet"})
STATUTE_KEYS: Final = frozenset({"offense", "role", "arose_from_exchange", "title"})
# The role a charge implies when the mapping does not say (a catalog statute, an offense column).
DEFAULT_ROLES: Final = {
    "selling_sex": "seller", "loitering_for_prostitution": "seller",
    "buying_sex": "buyer", "buying_sex_from_minor": "buyer",
    "promoting": "third_party", "trafficking": "third_party",
}
# Offenses whose record does not say who was charged: the seller or the buyer (a state's "solicitation" may be
# either). Their statutes need a role from the mapping (or a role column).
ROLE_NEEDED: Final = frozenset({"solicitation"})
_TRUE: Final = frozenset({"true", "yes", "y", "1", "x"})
_FALSE: Final = frozenset({"false", "no", "n", "0", ""})


class MappingError(ValueError):
    """A mapping that cannot be used (the message names the key and the problem); nothing was imported."""


def fold_text(text: str) -> str:
    """A statute or disposition as compared: runs of spaces as one, case ignored."""
    return " ".join(text.split()).casefold()


def fold_header(text: str) -> str:
    return "_".join(text.replace("-", " ").split()).casefold()


def fold_choice(text: str) -> str:
    """A role, offense or status as typed ("Third party", "selling sex") in the case format's spelling."""
    return "_".join(text.replace("-", " ").split()).casefold()


@dataclass(frozen=True)
class StatuteEntry:
    offense: str
    role: str | None = None
    arose_from_exchange: bool = False


@dataclass(frozen=True)
class Mapping:
    columns: dict[str, str]  # field -> column name
    date_format: str = ISO_FORMAT
    statutes: dict[str, StatuteEntry] = field(default_factory=dict)  # by folded statute text
    dispositions: dict[str, str] = field(default_factory=dict)  # folded disposition text -> status
    name: str | None = None
    sheet: str | None = None
    given: bool = True  # False: made from the file's own column names (no --mapping)
    sha256: str | None = None  # of the preset's text

    def column(self, field_name: str) -> str | None:
        return self.columns.get(field_name)


def _where(path: str, key: str) -> str:
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def parse_mapping(text: str, source: str = "the mapping") -> Mapping:
    """A mapping from its JSON text; MappingError names the first problem."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MappingError(f"{source} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") \
            from None
    if not isinstance(raw, dict):
        raise MappingError(f"{source} must be a JSON object with at least \"columns\".")
    unknown = sorted(set(raw) - MAPPING_KEYS)
    if unknown:
        raise MappingError(f"{source}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(MAPPING_KEYS))}).")
    columns = raw.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise MappingError(f"{source}: \"columns\" must be an object naming, for each field, the file's column "
                           f"(fields: {', '.join(FIELDS)}).")
    for key, value in columns.items():
        if key not in FIELDS:
            raise MappingError(f"{source}: {_where('columns', key)} is not a field of the case format (fields: "
                               f"{', '.join(FIELDS)}).")
        if not isinstance(value, str) or not value.strip():
            raise MappingError(f"{source}: {_where('columns', key)} must be the name of a column of the file.")
    date_format = raw.get("date_format", ISO_FORMAT)
    if not isinstance(date_format, str) or "%" not in date_format:
        raise MappingError(f"{source}: \"date_format\" must be a date format such as \"%m/%d/%Y\" (%d day, %m "
                           "month, %Y year of four digits, %y of two, %b month name).")
    try:
        datetime(2019, 2, 14).strftime(date_format)
        datetime.strptime(datetime(2019, 2, 14).strftime(date_format), date_format)
    except ValueError as exc:
        raise MappingError(f"{source}: \"date_format\" {date_format!r} cannot be used ({exc}).") from None
    statutes: dict[str, StatuteEntry] = {}
    raw_statutes = raw.get("statutes", {})
    if not isinstance(raw_statutes, dict):
        raise MappingError(f"{source}: \"statutes\" must be an object: {{\"statute as written\": {{\"offense\": "
                           "…, \"role\": …}}}.")
    for text_, entry in raw_statutes.items():
        where = _where("statutes", text_)
        if not fold_text(text_):
            raise MappingError(f"{source}: {where}: a statute must not be empty.")
        statutes[fold_text(text_)] = _statute_entry(entry, f"{source}: {where}")
    dispositions: dict[str, str] = {}
    raw_dispositions = raw.get("dispositions", {})
    if not isinstance(raw_dispositions, dict):
        raise MappingError(f"{source}: \"dispositions\" must be an object: {{\"disposition as written\": "
                           "\"status\"}.")
    for text_, status in raw_dispositions.items():
        where = _where("dispositions", text_)
        if not isinstance(status, str) or fold_choice(status) not in STATUSES:
            raise MappingError(f"{source}: {where} must be one of {', '.join(STATUSES)}.")
        dispositions[fold_text(text_)] = fold_choice(status)
    name, sheet = raw.get("name"), raw.get("sheet")
    for key, value in (("name", name), ("sheet", sheet)):
        if value is not None and not isinstance(value, str):
            raise MappingError(f"{source}: \"{key}\" must be text.")
    return Mapping({k: v.strip() for k, v in columns.items()}, date_format, statutes, dispositions, name, sheet,
                   given=True, sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())


def _statute_entry(entry: Any, where: str) -> StatuteEntry:
    if isinstance(entry, str):
        entry = {"offense": entry}
    if not isinstance(entry, dict):
        raise MappingError(f"{where} must be an object: {{\"offense\": …, \"role\": …}}.")
    unknown = sorted(set(entry) - STATUTE_KEYS)
    if unknown:
        raise MappingError(f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(STATUTE_KEYS))}).")
    offense = entry.get("offense")
    if not isinstance(offense, str) or fold_choice(offense) not in OFFENSES:
        raise MappingError(f"{where}.offense must be one of {', '.join(OFFENSES)}.")
    offense = fold_choice(offense)
    role = entry.get("role")
    if role is not None and (not isinstance(role, str) or fold_choice(role) not in ROLES):
        raise MappingError(f"{where}.role must be one of {', '.join(ROLES)}.")
    role = fold_choice(role) if role is not None else None
    if role is None and offense in ROLE_NEEDED:
        raise MappingError(f"{where}: give the role: a {offense} charge may be brought against a seller or a "
                           "buyer, and the rules need to know which.")
    arose = entry.get("arose_from_exchange", False)
    if not isinstance(arose, bool):
        raise MappingError(f"{where}.arose_from_exchange must be true or false.")
    if arose and offense not in AROSE_FROM_EXCHANGE_OFFENSES:
        raise MappingError(f"{where}.arose_from_exchange is only for a quality-of-life offense, unlicensed_massage "
                           f"or other, not {offense}.")
    return StatuteEntry(offense, role, arose)


def load_mapping(path: Path) -> Mapping:
    from casereview.store.lock import refuse_case_file_part

    try:
        refuse_case_file_part(path)
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(f"The mapping {path} cannot be read ({exc}).") from None
    return parse_mapping(text, f"The mapping {path.name}")


def default_mapping(header: Sequence[str]) -> Mapping:
    """The mapping of a file whose columns carry the case format's names (no --mapping)."""
    columns = {}
    for name in header:
        folded = fold_header(name)
        if folded in FIELDS and folded not in columns:
            columns[folded] = name
    return Mapping(columns, ISO_FORMAT, given=False)


@dataclass(frozen=True)
class Columns:
    """Where each mapped field is in the file's rows, and the columns no field uses."""

    index: dict[str, int]
    names: dict[str, str]  # field -> the column's name as the file writes it
    unused: tuple[str, ...]


def resolve_columns(mapping: Mapping, header: Sequence[str], file_name: str) -> Columns:
    """Find the mapping's columns in the file's first line (exactly, else ignoring case and spaces); MappingError
    names a missing or ambiguous one, and the fields a file must have."""
    index: dict[str, int] = {}
    exact: dict[str, list[int]] = {}
    folded: dict[str, list[int]] = {}
    for i, name in enumerate(header):
        exact.setdefault(name, []).append(i)
        folded.setdefault(fold_header(name), []).append(i)
    found = ", ".join(repr(h) for h in header if h) or "nothing"
    for field_name, column in mapping.columns.items():
        at = exact.get(column) or folded.get(fold_header(column)) or []
        if not at:
            raise MappingError(f"The column {column!r} ({field_name}) is not in the first line of {file_name} "
                               f"(found: {found}).")
        if len(at) > 1:
            raise MappingError(f"{file_name} has {len(at)} columns named {column!r} ({field_name}): give them "
                               "different names.")
        index[field_name] = at[0]
    how = ("Give the mapping's \"columns\" for it" if mapping.given else
           "Name the columns with the case format's fields (case_number, name, date_of_birth, statute or offense, "
           "…), or give a mapping with --mapping")
    if "case_number" not in index:
        raise MappingError(f"{file_name} has no case_number column: every row names its case. {how}.")
    if "statute" not in index and "offense" not in index:
        raise MappingError(f"{file_name} has no statute or offense column: every row is one charge. {how}.")
    if "name" not in index and "person_key" not in index:
        raise MappingError(f"{file_name} has no name or person_key column: every row names the person charged. "
                           f"{how}.")
    if "disposition" in index and "status" in index:
        raise MappingError(f"{file_name}: map either disposition (with \"dispositions\") or status, not both.")
    used = set(index.values())
    unused = tuple(h for i, h in enumerate(header) if i not in used and h)
    return Columns(index, {f: header[i] for f, i in index.items()}, unused)


# ------------------------------------------------------------------------------------------------------ dates

_WORDS = {"%m": "MM", "%d": "DD", "%Y": "YYYY", "%y": "YY", "%b": "Mon", "%B": "Month", "%j": "DDD", "%H": "hh",
          "%M": "mm", "%S": "ss", "%I": "hh", "%p": "AM/PM", "%%": "%"}
_SHAPES = {"%m": r"\d{1,2}", "%d": r"\d{1,2}", "%Y": r"\d{4}", "%y": r"\d{2}", "%b": r"[^\W\d_]+",
           "%B": r"[^\W\d_]+", "%j": r"\d{1,3}", "%H": r"\d{1,2}", "%M": r"\d{1,2}", "%S": r"\d{1,2}",
           "%I": r"\d{1,2}", "%p": r"[AaPp][Mm]", "%%": "%"}
_DIRECTIVE = re.compile(r"%.")
_TIME_TAIL = re.compile(r"(.*?\d)[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp]\.?[Mm]\.?)?")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
_SERIAL = re.compile(r"\d{5}(?:\.0*)?")  # 1927-05-18 to 2173: a bare year is not one
_EXCEL_1900 = date(1899, 12, 30)
_EXCEL_1904 = date(1904, 1, 1)
MAX_SERIAL = 2958465  # 9999-12-31


def format_words(fmt: str) -> str:
    """How a date format reads to a person: %m/%d/%Y is MM/DD/YYYY."""
    return _DIRECTIVE.sub(lambda m: _WORDS.get(m.group(), m.group()), fmt)


def _shape(fmt: str) -> re.Pattern[str]:
    parts, last = [], 0
    for m in _DIRECTIVE.finditer(fmt):
        parts.append(re.escape(fmt[last:m.start()]))
        parts.append(_SHAPES.get(m.group(), ".+?"))
        last = m.end()
    parts.append(re.escape(fmt[last:]))
    return re.compile("".join(parts), re.IGNORECASE)


class DateProblem(ValueError):
    """A cell that is not a real date in the expected format (the message says so, quoting the cell)."""


def from_serial(serial: float, date1904: bool = False) -> date:
    """An Excel date serial number as a date (1900 date system, with its phantom 29 February 1900, or 1904)."""
    whole = int(serial)
    if date1904:
        return _EXCEL_1904 + timedelta(days=whole)
    if whole < 1 or whole > MAX_SERIAL:
        raise ValueError(whole)
    if whole < 60:  # before Excel's 29 February 1900, which never was
        return date(1899, 12, 31) + timedelta(days=whole)
    return _EXCEL_1900 + timedelta(days=whole)


_FAST = {"%m": (r"(\d{1,2})", "m"), "%d": (r"(\d{1,2})", "d"), "%Y": (r"(\d{4})", "Y")}


def _fast_pattern(fmt: str) -> tuple[re.Pattern[str], tuple[str, ...]] | None:
    """For a format of only %d, %m and %Y between literal separators: a pattern with the three as groups."""
    parts, order, last = [], [], 0
    for m in _DIRECTIVE.finditer(fmt):
        if m.group() not in _FAST:
            return None
        parts.append(re.escape(fmt[last:m.start()]))
        pattern, name = _FAST[m.group()]
        parts.append(pattern)
        order.append(name)
        last = m.end()
    parts.append(re.escape(fmt[last:]))
    return (re.compile("".join(parts)), tuple(order)) if sorted(order) == ["Y", "d", "m"] else None


class DateReader:
    """Reads the dates of a file: cells in the mapping's format (a date part followed by a time of day too),
    YYYY-MM-DD, Excel date cells and Excel date serial numbers. Each text is read once (a file repeats them)."""

    def __init__(self, fmt: str, date1904: bool = False) -> None:
        self.fmt, self.date1904 = fmt, date1904
        self.shape = _shape(fmt)
        self.fast = _fast_pattern(fmt)
        self.known: dict[str, date | str] = {}  # text -> its date, or the problem with it

    def __call__(self, value: Cell) -> date | None:
        """The date a cell holds (None for an empty cell); DateProblem when it holds no real date."""
        if value is None or value == "":
            return None
        if isinstance(value, str):
            found = self.known.get(value)
            if found is None:
                try:
                    found = self._text(value)
                except DateProblem as exc:
                    found = str(exc)
                if len(self.known) < 1 << 17:
                    self.known[value] = found
            if isinstance(found, str):
                raise DateProblem(found)
            return found
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, bool):
            raise DateProblem(f"{value} is not a date (format {format_words(self.fmt)})")
        if isinstance(value, (int, float)):
            try:
                return from_serial(value, self.date1904)
            except (ValueError, OverflowError):
                raise DateProblem(f"{value} is not a date (an Excel date is a number from 1 to {MAX_SERIAL})") \
                    from None
        raise DateProblem(f"{value} is not a date (format {format_words(self.fmt)})")

    def _text(self, value: str) -> date:
        text = value.strip()
        if self.fast is not None:
            pattern, order = self.fast
            m = pattern.fullmatch(text)
            if m is not None:
                parts = dict(zip(order, map(int, m.groups()), strict=True))
                try:
                    return date(parts["Y"], parts["m"], parts["d"])
                except ValueError:
                    raise DateProblem(f"{value} is not a real date (format {format_words(self.fmt)})") from None
        try:
            return datetime.strptime(text, self.fmt).date()
        except ValueError:
            pass
        tail = _TIME_TAIL.fullmatch(text)  # "02/14/2019 00:00:00": the date part
        if tail is not None:
            try:
                return datetime.strptime(tail.group(1), self.fmt).date()
            except ValueError:
                pass
        candidate = tail.group(1) if tail is not None else text
        if self.fmt != ISO_FORMAT and _ISO.fullmatch(candidate):
            try:
                return date.fromisoformat(candidate)
            except ValueError:
                raise DateProblem(f"{value} is not a real date (written YYYY-MM-DD)") from None
        if _SERIAL.fullmatch(candidate) and not self.shape.fullmatch(candidate):
            try:  # a date serial number, as Excel writes a date cell it did not format into CSV
                return from_serial(float(candidate), self.date1904)
            except (ValueError, OverflowError):
                pass
        if self.shape.fullmatch(candidate):
            raise DateProblem(f"{value} is not a real date (format {format_words(self.fmt)})")
        raise DateProblem(f"{value} is not a date written {format_words(self.fmt)}")


def parse_flag(value: Cell) -> bool:
    """Yes or no as a file writes it (true/false, yes/no, y/n, 1/0, x); ValueError otherwise."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(value)
