"""screening version 3: each stored screening keeps the rules version it was made under (2 for every screening
made before), and each decision its record-relief ground (`relief_sections`; NULL on a version 2 decision, which
had none: stored screenings are the record of what was decided then and stay as they were).

In a case file a section 8 approval now exists only as a request signed by its requester and decided and signed
by a supervisor in CaseReview (table exception_workflow). The exception entries cases brought with them by import
or editing (tables exception_request and exception_charge, never signed) become lines of their case's notes, and
the tables go. A case that had an approved entry was screened with that approval counting (a declined charge
turned into a charge under section 8): its charges show "not screened" until it is screened again under the
current rules, which the first login of a user who may screen does (`casereview.store.cases.screen_pending`, from
the cases listed in rescreen_pending). The stored screenings themselves are not changed.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Section 8's grounds in the policy's own words (as the built-in policies give them at this revision).
GROUND_WORDS = {
    "prevent_trafficking": "charges would have a direct impact on preventing trafficking",
    "protect_victim": "necessary to protect the safety and health of a victim",
    "other": "another exceptional circumstance",
}

_case_record = sa.table("case_record", sa.column("id", sa.Integer), sa.column("notes", sa.Text),
                        sa.column("version", sa.Integer), sa.column("updated_at", sa.DateTime))
_charge = sa.table("charge", sa.column("case_id", sa.Integer), sa.column("decision", sa.String),
                   sa.column("record_relief", sa.String))


def note_line(status: str, charge: str | None, ground: str | None) -> str:
    """The line of the case's notes that keeps one old exception entry (one request, one charge)."""
    words = GROUND_WORDS.get(ground or "") or (ground.replace("_", " ") if ground else "none recorded")
    on = f"charge {charge}" if charge is not None else "a charge no longer in the case"
    if status == "approved":
        return (f"Section 8 exception approval on {on} (ground: {words}) recorded before CaseReview 3 without a "
                "signed request: not an approval.")
    return (f"Section 8 exception request ({status}) on {on} (ground: {words}) recorded before CaseReview 3 "
            "outside the signed workflow: kept as a note.")


def upgrade() -> None:
    op.add_column("screening", sa.Column("rules_version", sa.Integer(), nullable=False, server_default="2"))
    op.add_column("screening_decision", sa.Column("relief_sections", sa.JSON(), nullable=True))
    op.create_table(
        "rescreen_pending",
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("case_record.id", ondelete="CASCADE"), nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
    )

    conn = op.get_bind()
    entries = conn.execute(sa.text(
        "SELECT r.case_id, r.status, r.ground, c.local_id FROM exception_request r "
        "LEFT JOIN exception_charge ec ON ec.request_id = r.id LEFT JOIN charge c ON c.id = ec.charge_id "
        "ORDER BY r.case_id, r.position, r.id, c.position")).all()
    lines: dict[int, list[str]] = {}
    approved: set[int] = set()
    for case_id, status, ground, charge in entries:
        lines.setdefault(case_id, []).append(note_line(status, charge, ground))
        if status == "approved":
            approved.add(case_id)
    now = datetime.now(UTC).replace(tzinfo=None)
    for case_id, added in lines.items():
        notes = conn.execute(sa.select(_case_record.c.notes).where(_case_record.c.id == case_id)).scalar()
        kept = notes.rstrip("\n") + "\n" if notes and notes.strip() else ""
        conn.execute(_case_record.update().where(_case_record.c.id == case_id).values(
            notes=kept + "\n".join(added), version=_case_record.c.version + 1, updated_at=now))
    for case_id in sorted(approved):
        conn.execute(_charge.update().where(_charge.c.case_id == case_id).values(decision=None, record_relief=None))
        conn.execute(sa.text("INSERT INTO rescreen_pending (case_id) VALUES (:id)"), {"id": case_id})

    op.drop_table("exception_charge")
    op.drop_index("ix_exception_request_case_id", table_name="exception_request")
    op.drop_table("exception_request")


def downgrade() -> None:
    """The old tables come back empty (their entries stay as notes); a case still waiting to be screened again
    keeps its charges unscreened. Columns are dropped in place (no table rebuild: a rebuild drops the table it
    copies, and with foreign keys on, the rows that reference it would go with it)."""
    op.drop_table("rescreen_pending")
    op.create_table(
        "exception_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("ground", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case_record.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_exception_request_case_id", "exception_request", ["case_id"], unique=False)
    op.create_table(
        "exception_charge",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("charge_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["charge_id"], ["charge.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["request_id"], ["exception_request.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("request_id", "charge_id"),
    )
    op.drop_column("screening_decision", "relief_sections")
    op.drop_column("screening", "rules_version")
