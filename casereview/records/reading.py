"""Reading a records file into a header and rows of cells, each with the line of the file it came from.

- CSV with any of the usual delimiters (comma, semicolon, tab, bar): `csv.Sniffer` guesses it, checked against
  the first line (a guess the first line does not bear out gives way to the delimiter that line has most of).
  Text in UTF-8 with or without a byte order mark, UTF-16 with one (Excel's "Unicode text"), else Windows-1252
  (the few bytes Windows-1252 leaves undefined read as Latin-1, so no file is refused for its encoding). Values
  lose their leading and trailing spaces; blank lines are counted and left out; a quoted value may hold the
  delimiter and line breaks.
- XLSX (openpyxl, read only, formulas as their last values): the sheet named, or the first one. Cells keep their
  types: a date cell is a `datetime`, a number a number (a date column's numbers are read as Excel date serial
  numbers by `casereview.records.mapping`).

The first row that is not blank names the columns. A line is the file's line where the record starts (CSV) or
the sheet's row number (XLSX), so a message can send the user to it.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TypeAlias

Cell: TypeAlias = str | int | float | bool | date | datetime | time | None

DELIMITERS = ",;\t|"
DELIMITER_WORDS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}
_SNIFF_SAMPLE = 64 * 1024
_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class RecordsFileError(ValueError):
    """The file cannot be read as records at all (the message says why and what to do); nothing was imported."""


@dataclass(frozen=True, slots=True)
class RawRow:
    line: int  # where the record starts: the file's line (CSV) or the sheet's row (XLSX)
    last_line: int  # where it ends (a quoted value with line breaks spans several lines)
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Table:
    """What a records file holds: the column names and the rows of data, in file order."""

    name: str
    kind: str  # "csv" | "xlsx"
    header: tuple[str, ...]
    header_line: int
    rows: tuple[RawRow, ...]
    blank_lines: int = 0
    encoding: str | None = None  # CSV: "utf-8", "utf-8 with BOM", "utf-16", "windows-1252"
    delimiter: str | None = None  # CSV
    sheet: str | None = None  # XLSX: the sheet read
    sheets: tuple[str, ...] = ()  # XLSX: every sheet of the workbook
    date1904: bool = False  # XLSX: the workbook counts dates from 1904 (old Excel for Mac)


def read_file(path: Path) -> bytes:
    """The bytes of the file to import (a case file this process has open is refused, never read)."""
    from casereview.store.lock import refuse_case_file_part

    try:
        refuse_case_file_part(path)
        return path.read_bytes()
    except OSError as exc:
        raise RecordsFileError(f"{path} cannot be read ({exc.strerror or exc}).") from None


def read_table(data: bytes, name: str, *, sheet: str | None = None) -> Table:
    """The header and rows of a CSV or XLSX file's bytes (which it is, the bytes say: not the name)."""
    if data.startswith(_XLSX_MAGIC):
        return _read_xlsx(data, name, sheet)
    if data.startswith(_XLS_MAGIC):
        raise RecordsFileError(f"{name} is an old Excel workbook (.xls). Open it in Excel or LibreOffice and save it "
                               "as an Excel workbook (.xlsx) or as CSV, then import that.")
    if sheet is not None:
        raise RecordsFileError(f"{name} is a CSV file, which has no sheets: leave out --sheet (it is for an Excel "
                               "workbook).")
    return _read_csv(data, name)


# ------------------------------------------------------------------------------------------------------- CSV


def _latin1_for_undefined(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start:error.end].decode("latin-1"), error.end


codecs.register_error("casereview-latin1", _latin1_for_undefined)


def decode(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read in."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8 with BOM"
        except UnicodeDecodeError:
            return data[len(codecs.BOM_UTF8):].decode("cp1252", "casereview-latin1"), "windows-1252"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise RecordsFileError(f"The file says it is UTF-16 text but byte {exc.start} is not ({exc.reason}). "
                                   "Save it again as CSV (UTF-8).") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", "casereview-latin1"), "windows-1252"


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            count += 1
    return count


def sniff_delimiter(text: str) -> str:
    """The delimiter: what `csv.Sniffer` finds in the first lines, if the first line has it; otherwise the one the
    first line has most of (outside quotes); a comma when it has none (a file of one column)."""
    sample = text[:_SNIFF_SAMPLE]
    first = next((line for line in sample.splitlines() if line.strip()), "")
    counts = {d: _count_outside_quotes(first, d) for d in DELIMITERS}
    try:
        found: str | None = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        found = None
    if found in counts and counts[found] > 0:
        return found
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _read_csv(data: bytes, name: str) -> Table:
    text, encoding = decode(data)
    if "\x00" in text:
        text = text.replace("\x00", "")  # NUL bytes a broken export left: no value holds them
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True,
                        skipinitialspace=True, strict=False)
    header: tuple[str, ...] | None = None
    header_line = 0
    rows: list[RawRow] = []
    blank = 0
    previous = 0
    try:
        for record in reader:
            start, end = previous + 1, reader.line_num
            previous = end
            cells = tuple(cell.strip() for cell in record)
            if not any(cells):
                blank += end - start + 1
                continue
            if header is None:
                header, header_line = cells, start
                continue
            rows.append(RawRow(start, end, cells))
    except csv.Error as exc:
        raise RecordsFileError(f"{name}, line {previous + 1}, cannot be read as CSV ({exc}).") from None
    if header is None:
        raise RecordsFileError(f"{name} is empty: its first line must name the columns.")
    return Table(name, "csv", header, header_line, tuple(rows), blank, encoding=encoding, delimiter=delimiter)


# ------------------------------------------------------------------------------------------------------ XLSX


def _cell(value: Any) -> Cell:
    if isinstance(value, str):
        return value.strip()
    if value is None or isinstance(value, (int, float, bool, date, datetime, time)):
        return value
    return str(value).strip()  # (a type openpyxl may add later: as text)


def _header_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_xlsx(data: bytes, name: str, sheet: str | None) -> Table:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a damaged or foreign zip file: openpyxl raises many kinds
        raise RecordsFileError(f"{name} cannot be read as an Excel workbook (.xlsx): {type(exc).__name__}. Open it "
                               "in Excel or LibreOffice and save it again, or save it as CSV.") from None
    try:
        names = tuple(book.sheetnames)
        sheets = [ws.title for ws in book.worksheets]
        if not sheets:
            raise RecordsFileError(f"{name} has no sheet of cells to read.")
        if sheet is None:
            chosen = sheets[0]
        else:
            exact = [s for s in sheets if s == sheet]
            folded = [s for s in sheets if s.casefold() == sheet.strip().casefold()]
            if not (exact or len(folded) == 1):
                raise RecordsFileError(f"{name} has no sheet named {sheet!r}: its sheets are "
                                       f"{', '.join(repr(s) for s in names)}. Give one of them with --sheet.")
            chosen = (exact or folded)[0]
        ws = book[chosen]
        ws.reset_dimensions()  # some programs write a wrong size; read every row there is
        header: tuple[str, ...] | None = None
        header_line = 0
        rows: list[RawRow] = []
        blank = 0
        for number, values in enumerate(ws.iter_rows(values_only=True), 1):
            cells = tuple(_cell(v) for v in values)
            if all(c is None or c == "" for c in cells):
                blank += 1
                continue
            if header is None:
                header, header_line = tuple(_header_text(c) for c in cells), number
                continue
            rows.append(RawRow(number, number, cells))
        date1904 = bool(getattr(book, "epoch", None) and book.epoch.year == 1904)
    except RecordsFileError:
        raise
    except Exception as exc:  # damaged sheet XML
        raise RecordsFileError(f"{name} cannot be read as an Excel workbook (.xlsx): {type(exc).__name__} in sheet "
                               f"data. Open it in Excel or LibreOffice and save it again, or save it as CSV.") from None
    finally:
        book.close()
    if header is None:
        raise RecordsFileError(f"The sheet {chosen!r} of {name} is empty: its first row must name the columns.")
    # Trailing blank rows counted past the data are not the user's concern.
    last = rows[-1].line if rows else header_line
    blank = max(0, min(blank, last - header_line - len(rows)))
    return Table(name, "xlsx", header, header_line, tuple(rows), blank, sheet=chosen, sheets=names,
                 date1904=date1904)
