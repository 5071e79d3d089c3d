"""The office's statute catalog: each local statute as charged ("ORS 167.007", "Penal Code 647(b)") mapped to the
policy's offense category, so the case editor can offer the office's own statutes and fill in the offense.

Administrators keep it (add, edit, delete, import from CSV); everyone reads it. A CSV import is all or nothing,
and a bad row is named with its line and column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from casereview.policy.case import OFFENSES
from casereview.services.access import Op
from casereview.services.office import FieldProblem
from casereview.services.session import UserSession, set_audit_object
from casereview.store import models as m

MAX_CODE = 200
OFFENSE_LABELS = {o: o.replace("_", " ") for o in OFFENSES}


@dataclass(frozen=True)
class StatuteRow:
    id: int
    code: str
    title: str
    offense: str


class CatalogProblem(ValueError):
    """A catalog file that cannot be imported: the message names the line and column; nothing was imported."""


def fold_code(code: str) -> str:
    return " ".join(code.split()).casefold()


def _check(code: str, offense: str) -> tuple[str, str]:
    clean = " ".join(code.split())
    if not clean:
        raise FieldProblem("code", "Give the statute as it is written on a charge (for example ORS 167.007).")
    if len(clean) > MAX_CODE:
        raise FieldProblem("code", f"A statute is at most {MAX_CODE} characters.")
    kind = offense.strip().lower().replace(" ", "_")
    if kind not in OFFENSES:
        raise FieldProblem("offense", f"Unknown offense {offense!r}: choose one of {', '.join(OFFENSES)}.")
    return clean, kind


def list_statutes(user: UserSession) -> list[StatuteRow]:
    user.authorize(Op.VIEW_CASES)
    with user.workspace.session() as db:
        return [StatuteRow(s.id, s.code, s.title or "", s.offense)
                for s in db.scalars(select(m.Statute).order_by(m.Statute.code_folded))]


def save_statute(user: UserSession, code: str, offense: str, title: str = "", statute_id: int | None = None) -> int:
    """Add a statute (statute_id None) or change one; returns its id."""
    user.authorize(Op.OFFICE_SETTINGS)
    clean, kind = _check(code, offense)
    with user.acting(Op.OFFICE_SETTINGS, "office_settings_changed") as db:
        same = db.scalars(select(m.Statute).where(m.Statute.code_folded == fold_code(clean))).first()
        if same is not None and same.id != statute_id:
            raise FieldProblem("code", f"{clean} is already in the catalog.")
        row = m.Statute() if statute_id is None else db.get(m.Statute, statute_id)
        if row is None:
            raise FieldProblem("code", "That statute was deleted by someone else meanwhile.")
        row.code, row.code_folded, row.offense, row.title = clean, fold_code(clean), kind, title.strip() or None
        db.add(row)
        db.flush()
        set_audit_object(db, f"statute:{row.id}")
        return row.id


def delete_statute(user: UserSession, statute_id: int) -> None:
    with user.acting(Op.OFFICE_SETTINGS, "office_settings_changed", f"statute:{statute_id}") as db:
        row = db.get(m.Statute, statute_id)
        if row is not None:
            db.delete(row)


HEADER = ("statute", "offense", "description")


def parse_catalog_csv(text: str) -> list[tuple[str, str, str]]:
    """Rows (statute, offense, description) from CSV text with a header line naming at least ``statute`` and
    ``offense``; CatalogProblem names the first bad line and column."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise CatalogProblem("The file is empty: its first line must name the columns statute, offense and "
                             "(optionally) description.") from None
    except csv.Error as exc:
        raise CatalogProblem(f"Line 1 cannot be read as CSV ({exc}).") from None
    missing = [h for h in HEADER[:2] if h not in header]
    if missing:
        raise CatalogProblem(f"Line 1 must name the columns statute and offense; {', '.join(missing)} is missing "
                             f"(found: {', '.join(header) or 'nothing'}).")
    at = {name: header.index(name) for name in HEADER if name in header}
    rows: list[tuple[str, str, str]] = []
    seen: dict[str, int] = {}
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) < len(header):
                cells = cells + [""] * (len(header) - len(cells))
            try:
                code, kind = _check(cells[at["statute"]], cells[at["offense"]])
            except FieldProblem as exc:
                column = "statute" if exc.field == "code" else "offense"
                raise CatalogProblem(f"Line {line}, column {column}: {exc}") from None
            folded = fold_code(code)
            if folded in seen:
                raise CatalogProblem(f"Line {line}, column statute: {code} is already on line {seen[folded]}.")
            seen[folded] = line
            rows.append((code, kind, cells[at["description"]].strip() if "description" in at else ""))
    except csv.Error as exc:
        raise CatalogProblem(f"Line {reader.line_num} cannot be read as CSV ({exc}).") from None
    return rows


def import_catalog(user: UserSession, rows: Sequence[tuple[str, str, str]]) -> tuple[int, int]:
    """Add the rows to the catalog, changing the offense and description of statutes already in it; all or
    nothing. Returns (added, changed)."""
    user.authorize(Op.OFFICE_SETTINGS)
    added = changed = 0
    with user.acting(Op.OFFICE_SETTINGS, "import", f"statutes:{len(rows)}") as db:
        existing = {s.code_folded: s for s in db.scalars(select(m.Statute))}
        for code, kind, title in rows:
            row = existing.get(fold_code(code))
            if row is None:
                db.add(m.Statute(code=code, code_folded=fold_code(code), offense=kind, title=title or None))
                added += 1
            else:
                row.offense, row.title = kind, title or row.title
                changed += 1
    return added, changed


def offense_for(user: UserSession, code: str) -> str | None:
    """The offense the catalog maps a statute to (None when it is not in the catalog)."""
    user.ensure_active()
    with user.workspace.session() as db:
        row = db.scalars(select(m.Statute).where(m.Statute.code_folded == fold_code(code))).first()
        return row.offense if row is not None else None
