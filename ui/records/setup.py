"""What the import wizard builds as the user goes, without Qt: the file as read (its header and first rows), the
choices made (columns, date format, statutes and dispositions placed), and from them the mapping preset — the same
JSON the command line's ``--mapping`` takes — and the `Mapping` the import service is given.

Nothing here decides anything about records: reading is `casereview.records.reading`, every check of a mapping is
`casereview.records.mapping.parse_mapping` / `resolve_columns`, dates are read by its `DateReader`. This module only
puts the user's choices into that shape, and reads the labels the service gives a match of people back into their
parts for showing side by side.
"""

from __future__ import annotations

import gc
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from casereview.records.convert import text_of
from casereview.records.mapping import (
    FIELDS,
    ISO_FORMAT,
    DateProblem,
    DateReader,
    Mapping,
    MappingError,
    StatuteEntry,
    default_mapping,
    fold_header,
    fold_text,
    parse_mapping,
    resolve_columns,
)
from casereview.records.reading import DELIMITER_WORDS, RawRow, read_file, read_table

PREVIEW_ROWS: Final = 20

# The fields, grouped as the wizard shows them, each with its words.
FIELD_GROUPS: Final = (
    ("The case", ("case_number", "incident_date", "county", "agency")),
    ("The person charged", ("person_key", "name", "date_of_birth", "age", "role", "race_ethnicity",
                            "gender_identity")),
    ("The charge (one per row)", ("statute", "offense", "disposition", "status", "offense_date", "disposition_date",
                                  "court", "docket_number", "charge_id", "arose_from_exchange", "notes")),
)
FIELD_WORDS: Final = {
    "case_number": "Case number", "incident_date": "Incident date", "county": "County", "agency": "Agency",
    "person_key": "Person key (ID)", "name": "Name", "date_of_birth": "Date of birth", "age": "Age",
    "role": "Role", "race_ethnicity": "Race or ethnicity", "gender_identity": "Gender identity",
    "charge_id": "Charge number", "statute": "Statute", "offense": "Offense (case format)",
    "disposition": "Disposition", "status": "Status (case format)", "offense_date": "Offense date",
    "disposition_date": "Disposition date", "court": "Court", "docket_number": "Docket number",
    "arose_from_exchange": "Arose from an exchange", "notes": "Notes",
}
FIELD_HELP: Final = {
    "case_number": "Needed. The rows with the same case number are one case.",
    "person_key": "A state or court ID of the person. Needed unless there is a name column; the same key is one "
                  "person.",
    "name": "Needed unless there is a person key column. Without a key, the same name and date of birth is one "
            "person.",
    "statute": "Needed unless there is an offense column: the statute charged, as the file writes it. Statutes "
               "the office's catalog does not know are placed in a later step.",
    "offense": "Only for a column that already holds the case format's offenses (selling_sex, buying_sex, …).",
    "disposition": "The disposition as the file writes it (CONVICTED-JAIL, DISMISSED…): placed as a status in a "
                   "later step.",
    "status": "Only for a column that already holds the case format's statuses (pending, convicted, …); not with "
              "a disposition column.",
    "incident_date": "Leave it out to take each case's earliest offense date.",
    "role": "Only for a column holding seller, buyer, third party or other; otherwise the statute says.",
    "arose_from_exchange": "Yes or no, for a quality-of-life charge that arose from an exchange.",
}
REQUIRED: Final = ("case_number", "statute", "offense", "name", "person_key")
DATE_FIELDS: Final = tuple(f for f, kind in FIELDS.items() if kind == "date")

# Common ways of writing a date: (the format, how it reads, an example).
DATE_FORMATS: Final = (
    ("%m/%d/%Y", "MM/DD/YYYY", "03/14/2019"),
    ("%d/%m/%Y", "DD/MM/YYYY", "14/03/2019"),
    ("%Y-%m-%d", "YYYY-MM-DD", "2019-03-14"),
    ("%m/%d/%y", "MM/DD/YY", "03/14/19"),
    ("%m-%d-%Y", "MM-DD-YYYY", "03-14-2019"),
    ("%d.%m.%Y", "DD.MM.YYYY", "14.03.2019"),
    ("%Y%m%d", "YYYYMMDD", "20190314"),
    ("%d-%b-%Y", "DD-Mon-YYYY", "14-Mar-2019"),
    ("%b %d, %Y", "Mon DD, YYYY", "Mar 14, 2019"),
)


# ------------------------------------------------------------------------------------------------ the file


@dataclass(frozen=True)
class FileRead:
    """What the wizard keeps of a records file: its header and first rows (not all of them: the import reads the
    file again itself)."""

    path: Path
    kind: str  # csv | xlsx
    header: tuple[str, ...]
    header_line: int
    preview: tuple[RawRow, ...]
    rows: int
    blank_lines: int
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    sheets: tuple[str, ...]
    date1904: bool
    stamp: tuple[int, int] = (0, 0)  # the file's size and time of change when read (a file saved again is read again)

    def where(self) -> str:
        """"extract.csv", or "the sheet 'Charges' of records.xlsx"."""
        return f"the sheet {self.sheet!r} of {self.path.name}" if self.kind == "xlsx" else self.path.name

    def how(self) -> str:
        """"line 1 names the columns; text in UTF-8, values separated by commas"."""
        first = "row" if self.kind == "xlsx" else "line"
        how = [f"{first} {self.header_line} names the columns"]
        if self.encoding:
            how.append(f"text in {self.encoding.replace('utf', 'UTF').replace('windows', 'Windows')}")
        if self.delimiter:
            how.append(f"values separated by {DELIMITER_WORDS.get(self.delimiter, repr(self.delimiter))}s")
        if self.blank_lines:
            how.append(f"{self.blank_lines:,} blank line{'' if self.blank_lines == 1 else 's'} left out")
        return how[0] + (f"; {', '.join(how[1:])}" if len(how) > 1 else "")

    def describe(self) -> str:
        """"Read extract.csv: 1,234 records in 14 columns (line 1 names the columns; text in UTF-8, values
        separated by commas)."."""
        what = f"{self.rows:,} record{'' if self.rows == 1 else 's'} in {len(self.header)} columns"
        return f"Read {self.where()}: {what} ({self.how()})."


def read_preview(path: Path, sheet: str | None = None) -> FileRead:
    """Read a records file (in the background: a big file takes seconds) and keep its header and first rows.
    `casereview.records.reading.RecordsFileError` says what is wrong with a file that cannot be read."""
    info = path.stat()
    paused = gc.isenabled()
    gc.disable()  # the collector walking a big file's rows again and again holds up the window (as the import does)
    try:
        table = read_table(read_file(path), path.name, sheet=sheet)
    finally:
        if paused:
            gc.enable()
    return FileRead(path, table.kind, table.header, table.header_line, table.rows[:PREVIEW_ROWS], len(table.rows),
                    table.blank_lines, table.encoding, table.delimiter, table.sheet, table.sheets, table.date1904,
                    (info.st_size, info.st_mtime_ns))


def sentence(text: str) -> str:
    """`text` with a capital first letter (str.capitalize would lower the rest: a sheet's or a file's name)."""
    return text[:1].upper() + text[1:]


def cell_text(row: RawRow, index: int) -> str:
    return text_of(row.cells[index]) if index < len(row.cells) else ""


def example(read: FileRead, column: int) -> str:
    """The first value a column has in the preview rows ("" when they have none)."""
    return next((t for t in (cell_text(r, column) for r in read.preview) if t), "")


# ------------------------------------------------------------------------------------------------ choices


@dataclass
class Choices:
    """The mapping as the user has made it so far."""

    columns: dict[str, str] = field(default_factory=dict)  # field -> the file's column
    date_format: str = DATE_FORMATS[0][0]
    date_format_chosen: bool = False  # False: the wizard may guess it from the file
    # Statutes and dispositions placed, by their folded text: (the text as written, what it is).
    statutes: dict[str, tuple[str, StatuteEntry]] = field(default_factory=dict)
    dispositions: dict[str, tuple[str, str]] = field(default_factory=dict)
    name: str | None = None

    def preset(self, sheet: str | None = None) -> dict[str, Any]:
        """The mapping as a preset (the command line's --mapping)."""
        out: dict[str, Any] = {}
        if self.name:
            out["name"] = self.name
        out["columns"] = {f: self.columns[f] for f in FIELDS if f in self.columns}
        out["date_format"] = self.date_format
        statutes: dict[str, Any] = {}
        for text, entry in sorted(self.statutes.values(), key=lambda item: fold_text(item[0])):
            value: dict[str, Any] = {"offense": entry.offense}
            if entry.role is not None:
                value["role"] = entry.role
            if entry.arose_from_exchange:
                value["arose_from_exchange"] = True
            statutes[text] = value
        if statutes:
            out["statutes"] = statutes
        dispositions = {text: status for text, status in sorted(self.dispositions.values(),
                                                                key=lambda item: fold_text(item[0]))}
        if dispositions:
            out["dispositions"] = dispositions
        if sheet is not None:
            out["sheet"] = sheet
        return out

    def preset_text(self, sheet: str | None = None) -> str:
        return json.dumps(self.preset(sheet), ensure_ascii=False, indent=2) + "\n"

    def mapping(self, sheet: str | None = None) -> Mapping:
        """The mapping the import is given; `MappingError` names what is wrong with it."""
        return parse_mapping(self.preset_text(sheet), "The mapping")

    def check_columns(self, read: FileRead) -> None:
        """`MappingError` when the columns chosen cannot be used with this file (a needed field missing, one column
        chosen for two fields, a column the file does not have)."""
        used: dict[str, str] = {}
        for f in FIELDS:
            column = self.columns.get(f)
            if column is None:
                continue
            if column in used:
                raise MappingError(f"The column {column!r} is chosen for both {FIELD_WORDS[used[column]]} and "
                                   f"{FIELD_WORDS[f]}: choose it for one of them only.")
            used[column] = f
        mapping = Mapping(dict(self.columns), given=True)
        resolve_columns(mapping, read.header, read.path.name)

    def place_statute(self, text: str, entry: StatuteEntry | None) -> None:
        if entry is None:
            self.statutes.pop(fold_text(text), None)
        else:
            self.statutes[fold_text(text)] = (text, entry)

    def place_disposition(self, text: str, status: str | None) -> None:
        if status is None:
            self.dispositions.pop(fold_text(text), None)
        else:
            self.dispositions[fold_text(text)] = (text, status)

    def take_preset(self, mapping: Mapping) -> None:
        """A loaded preset's choices in place of these (its statutes and dispositions keep their folded text: a
        preset compares them folded)."""
        self.columns = dict(mapping.columns)
        self.date_format, self.date_format_chosen = mapping.date_format, True
        self.statutes = {k: (k, v) for k, v in mapping.statutes.items()}
        self.dispositions = {k: (k, v) for k, v in mapping.dispositions.items()}
        self.name = mapping.name


def guessed_columns(header: tuple[str, ...]) -> dict[str, str]:
    """The columns whose names are the case format's field names (any capitals, spaces for underscores)."""
    return dict(default_mapping(header).columns)


def columns_in(columns: dict[str, str], header: tuple[str, ...]) -> tuple[dict[str, str], list[str]]:
    """A preset's columns as this file names them (exactly, else ignoring capitals and spaces), and the fields whose
    column the file does not have."""
    exact = set(header)
    folded = {fold_header(h): h for h in header if h}
    found: dict[str, str] = {}
    missing: list[str] = []
    for f, column in columns.items():
        name = column if column in exact else folded.get(fold_header(column))
        if name is None:
            missing.append(f)
        else:
            found[f] = name
    return found, missing


# ------------------------------------------------------------------------------------------------ dates


def check_format(fmt: str) -> str:
    """"" when `fmt` can be used as a date format, else what is wrong (in the words of the mapping's own check)."""
    try:
        parse_mapping(json.dumps({"columns": {"case_number": "x"}, "date_format": fmt}), "The date format")
    except MappingError as exc:
        return str(exc).replace('The date format: "date_format" ', "The format ")
    return ""


@dataclass(frozen=True)
class DateCell:
    text: str  # as the file writes it
    read: str  # YYYY-MM-DD, or "" when it is not read
    problem: str  # "" when read (or empty)


def date_cells(read: FileRead, columns: dict[str, str], fmt: str) -> list[tuple[int, list[DateCell]]]:
    """Each preview row's mapped date columns (in `DATE_FIELDS` order) as read in `fmt`: (line, cells)."""
    where = [read.header.index(columns[f]) for f in DATE_FIELDS if columns.get(f) in read.header]
    reader = DateReader(fmt, read.date1904)
    out = []
    for row in read.preview:
        cells = []
        for index in where:
            value = row.cells[index] if index < len(row.cells) else None
            text = text_of(value)
            try:
                found = reader(value)
            except DateProblem as exc:
                cells.append(DateCell(text, "", str(exc)))
                continue
            cells.append(DateCell(text, found.isoformat() if found is not None else "", ""))
        out.append((row.line, cells))
    return out


def guess_date_format(read: FileRead, columns: dict[str, str]) -> str:
    """The common format that reads the most of the preview's dates (written in that very format, not only as
    YYYY-MM-DD or a serial number, which every format reads); the first, MM/DD/YYYY, when none reads more."""
    where = [read.header.index(columns[f]) for f in DATE_FIELDS if columns.get(f) in read.header]
    texts = [c for r in read.preview for i in where if i < len(r.cells) and isinstance(c := r.cells[i], str) and c]
    best, best_score = DATE_FORMATS[0][0], (-1, -1)
    for fmt, _words, _example in DATE_FORMATS:
        reader = DateReader(fmt, read.date1904)
        shaped = DateReader(ISO_FORMAT)
        score = [0, 0]
        for text in texts:
            try:
                reader(text)
            except DateProblem:
                continue
            score[0] += 1
            if fmt == ISO_FORMAT:
                score[1] += 1
            else:
                try:
                    shaped(text)
                except DateProblem:
                    score[1] += 1  # read in this format, not merely as YYYY-MM-DD
        if tuple(score) > best_score:
            best, best_score = fmt, (score[0], score[1])
    return best


# ------------------------------------------------------------------------------------------------ matches

_LABEL = re.compile(r"(?P<name>.*?)(?:, born (?P<born>\d{4}-\d{2}-\d{2}))?(?:, person key (?P<key>.*?))? — "
                    r"(?P<where>.*)", re.DOTALL)


@dataclass(frozen=True)
class MatchSide:
    name: str
    born: str
    key: str
    where: str


def match_side(label: str) -> MatchSide:
    """One person of a match, from the label the import gives it ("Ana Cruz, born 1996-02-05, person key S-1 —
    case 19-CR-1, line 2"); a label of another shape is shown whole as the name."""
    found = _LABEL.fullmatch(label)
    if found is None:
        return MatchSide(label, "", "", "")
    return MatchSide(found["name"] or "(no name)", found["born"] or "", found["key"] or "", found["where"] or "")
