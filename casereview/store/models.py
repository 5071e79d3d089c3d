"""The case store's tables, as typed SQLAlchemy 2 models.

A `Person` lives across cases (``person_key`` ties one person's records together, for record relief and outcome
tracking); `CaseParty` is that person in one case, with their role and the details as recorded in that case, so
that a case round-trips exactly. Screenings are kept whole: the policy text they used (`PolicyText`, by content
hash), the time, and every decision with its reasons.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Person(Base):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    name: Mapped[str | None] = mapped_column(Text)
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    race_ethnicity: Mapped[str | None] = mapped_column(Text)
    gender_identity: Mapped[str | None] = mapped_column(Text)

    parties: Mapped[list[CaseParty]] = relationship(back_populates="person")


class Case(Base):
    __tablename__ = "case_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(String(200), unique=True)
    incident_date: Mapped[date] = mapped_column(Date, index=True)
    county: Mapped[str | None] = mapped_column(Text)
    agency: Mapped[str | None] = mapped_column(Text)
    court: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    # Folded (accent- and case-free) text of the case number, names, statutes and offenses, for search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    # A defense office's case: the prosecuting office it is before, and whether the case file records that that
    # office adopted the policy (documents name the policy as that office's only then).
    prosecuting_office: Mapped[str | None] = mapped_column(Text)
    prosecutor_adopted_policy: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    parties: Mapped[list[CaseParty]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseParty.position")
    charges: Mapped[list[Charge]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Charge.position")
    facts: Mapped[list[Fact]] = relationship(cascade="all, delete-orphan", order_by="Fact.position")
    screenings: Mapped[list[Screening]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Screening.id")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it once


class CaseParty(Base):
    """A person in one case: their id in the case (the spec's ``people[].id``), role, and details as recorded."""

    __tablename__ = "case_party"
    __table_args__ = (UniqueConstraint("case_id", "local_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    local_id: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    trafficking_victim: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str | None] = mapped_column(Text)
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    age: Mapped[int | None] = mapped_column(Integer)
    race_ethnicity: Mapped[str | None] = mapped_column(Text)
    gender_identity: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    client: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # a defense office's client
    # The office's category (`DemographicCategory.code`), kept beside the self-described text above; None: not
    # chosen (the free text's mapping, if an administrator made one, counts instead).
    race_category: Mapped[str | None] = mapped_column(String(40))
    gender_category: Mapped[str | None] = mapped_column(String(40))

    case: Mapped[Case] = relationship(back_populates="parties")
    person: Mapped[Person] = relationship(back_populates="parties")


def section_of(sections: Sequence[Any]) -> str | None:
    """The section a charge's decision is counted under in the reports: the first of its decisive sections (None
    when it has none)."""
    return str(sections[0]) if sections else None


class Charge(Base):
    __tablename__ = "charge"
    # ix_charge_report (migration 0015): the reports read a case's charges, person and decision from the index alone;
    # ix_charge_section (0016): and the charges by decisive section, in the index's order
    __table_args__ = (UniqueConstraint("case_id", "local_id"),
                      Index("ix_charge_report", "case_id", "party_id", "decision"),
                      Index("ix_charge_section", "section", "decision", "case_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    local_id: Mapped[str] = mapped_column(String(200))
    party_id: Mapped[int] = mapped_column(ForeignKey("case_party.id"))
    with_party_id: Mapped[int | None] = mapped_column(ForeignKey("case_party.id"))
    offense: Mapped[str] = mapped_column(String(40), index=True)
    statute: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    offense_date: Mapped[date | None] = mapped_column(Date)
    arose_from_exchange: Mapped[bool] = mapped_column(Boolean, default=False)
    court: Mapped[str | None] = mapped_column(Text)
    docket_number: Mapped[str | None] = mapped_column(Text)
    disposition_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    # The latest saved screening's outcome, for filtering the case list.
    decision: Mapped[str | None] = mapped_column(String(20), index=True)
    record_relief: Mapped[str | None] = mapped_column(String(20), index=True)
    # The first of that decision's decisive sections ("1(b)", "3" ...; None with no decision or no section): what
    # the reports count by section (`section_of`), kept with the decision.
    section: Mapped[str | None] = mapped_column(String(20))
    # An arrest warrant on this charge is outstanding (a motion to vacate or quash it: services.motions).
    warrant_outstanding: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    case: Mapped[Case] = relationship(back_populates="charges")
    party: Mapped[CaseParty] = relationship(foreign_keys=[party_id])
    with_party: Mapped[CaseParty | None] = relationship(foreign_keys=[with_party_id])


class Fact(Base):
    """Who did what to whom, in the policy's fact types."""

    __tablename__ = "fact"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(60))
    by_party_id: Mapped[int] = mapped_column(ForeignKey("case_party.id"))
    against_party_id: Mapped[int | None] = mapped_column(ForeignKey("case_party.id"))

    by_party: Mapped[CaseParty] = relationship(foreign_keys=[by_party_id])
    against_party: Mapped[CaseParty | None] = relationship(foreign_keys=[against_party_id])


class RescreenPending(Base):
    """A case to screen again under the current rules before its decisions show: migration 0010 marks the cases
    whose imported or typed-in section 8 approval counted before CaseReview 3 (in a case file an approval exists
    only through the signed workflow), and the first login of a user who may screen screens them
    (`casereview.store.cases.screen_pending`)."""

    __tablename__ = "rescreen_pending"

    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), primary_key=True)


class PolicyText(Base):
    """A policy profile exactly as used, stored once by the SHA-256 of its text."""

    __tablename__ = "policy_text"

    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    policy_id: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    stored_at: Mapped[datetime] = mapped_column(DateTime)


class Screening(Base):
    __tablename__ = "screening"
    # ix_screening_report (migration 0015): each case's first screening time, latest screening and its policy,
    # from the index; ix_screening_policy: the policies screened under (the reports' list of policies)
    __table_args__ = (Index("ix_screening_report", "case_id", "screened_at", "id", "policy_id"),
                      Index("ix_screening_policy", "policy_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
    policy_hash: Mapped[str] = mapped_column(ForeignKey("policy_text.content_hash"))
    policy_id: Mapped[str] = mapped_column(String(100))
    policy_version: Mapped[str] = mapped_column(String(100))
    presumptive: Mapped[bool] = mapped_column(Boolean)
    case_version: Mapped[int] = mapped_column(Integer)
    screened_at: Mapped[datetime] = mapped_column(DateTime)
    # The screening rules' version (`PolicyProfile.screening_version`): 2 for every screening stored before
    # CaseReview 3; kept as they were, the record of what was decided then.
    rules_version: Mapped[int] = mapped_column(Integer, default=2, server_default="2")

    case: Mapped[Case] = relationship(back_populates="screenings")
    policy: Mapped[PolicyText] = relationship()
    decisions: Mapped[list[ScreeningDecision]] = relationship(
        cascade="all, delete-orphan", order_by="ScreeningDecision.id")


class ScreeningDecision(Base):
    __tablename__ = "screening_decision"
    __table_args__ = (Index("ix_screening_decision_decision", "decision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screening.id", ondelete="CASCADE"), index=True)
    charge_id: Mapped[int] = mapped_column(ForeignKey("charge.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(String(20))
    sections: Mapped[list[str]] = mapped_column(JSON)
    reasoning: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    quote: Mapped[str] = mapped_column(Text)
    exception_allowed: Mapped[bool] = mapped_column(Boolean)
    record_relief: Mapped[str | None] = mapped_column(String(20), index=True)
    missing: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    # The ground of a do_not_contest record relief (["6"], ["4", "6"], ...); None on a version 2 decision.
    relief_sections: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)


# ------------------------------------------------------------------------------------ office, accounts, audit


class Office(Base):
    """The office this case file belongs to: one row (id 1). Its type decides which roles exist."""

    __tablename__ = "office"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_type: Mapped[str] = mapped_column(String(20))  # prosecutor | defense
    idle_limit_minutes: Mapped[int] = mapped_column(Integer, default=15)
    name: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    head_name: Mapped[str | None] = mapped_column(Text)
    head_title: Mapped[str | None] = mapped_column(Text)
    county: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str | None] = mapped_column(Text)
    # The record-relief terms the state uses: {"expungement": "expunction", "sealing": "", ...}; an empty or
    # missing entry means the state has no such relief.
    relief_terms: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    policy_id: Mapped[str] = mapped_column(String(100), default="fjp-model-2025")
    # An office's own policy file, stored by content hash in policy_text (None: the built-in policy_id).
    policy_hash: Mapped[str | None] = mapped_column(String(64))
    presumptive: Mapped[bool] = mapped_column(Boolean, default=True)
    backup_folder: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    time_zone: Mapped[str | None] = mapped_column(String(64))  # IANA name; None: the computer's
    # How the state's cases are captioned: "state" (State of Oregon v. …), "people" (People of the State of
    # California v. …), "commonwealth" (Commonwealth of Pennsylvania v. …).
    caption_style: Mapped[str] = mapped_column(String(20), default="state", server_default="state")
    policy_title: Mapped[str | None] = mapped_column(Text)  # the policy's title as the office adopted it
    policy_adopted_on: Mapped[date | None] = mapped_column(Date)
    dob_in_letters: Mapped[str] = mapped_column(String(10), default="none", server_default="none")  # full|year|none
    certificate_of_service: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The state's words for a motion ending a charge (dismiss | nolle_prosequi | withdraw) and for what a court
    # does with a warrant (vacate | quash | recall): services.motions.
    dismissal_style: Mapped[str] = mapped_column(String(20), default="dismiss", server_default="dismiss")
    warrant_term: Mapped[str] = mapped_column(String(20), default="vacate", server_default="vacate")
    # Reports: counts under this are suppressed (casereview.reports.disclosure; 5 to 20).
    disclosure_threshold: Mapped[int] = mapped_column(Integer, default=11, server_default="11")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it once


class Statute(Base):
    """The office's statute catalog: the local statute text as charged, mapped to the policy's offense."""

    __tablename__ = "statute"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(200))
    code_folded: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    offense: Mapped[str] = mapped_column(String(40))


class User(Base):
    """A local account. Never deleted (the audit trail names users by id): disabled instead.

    ``password_hash`` is an Argon2id PHC string. ``wrapped_key`` is the user's own secret key (for their signing
    key, later) wrapped by a key derived from their password with ``key_salt`` and ``key_kdf``: knowing the office
    passphrase does not unwrap it."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    username_folded: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(Text)
    key_salt: Mapped[bytes] = mapped_column()
    key_kdf: Mapped[dict[str, Any]] = mapped_column(JSON)
    wrapped_key: Mapped[bytes] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="active")  # active | locked | disabled
    status_reason: Mapped[str | None] = mapped_column(String(40))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Failed logins are counted from the audit trail since this time (a success or an unlock moves it).
    failures_counted_from: Mapped[datetime] = mapped_column(DateTime)
    status_changed_at: Mapped[datetime] = mapped_column(DateTime)
    # Signing authority for letters (the head of office or a designee), given by an administrator, with the name
    # and title printed under the signature.
    letter_signer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    signer_name: Mapped[str | None] = mapped_column(Text)
    signer_title: Mapped[str | None] = mapped_column(Text)
    # The person behind the account, printed under a signature and named in their signing certificate.
    full_name: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    bar_number: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it once


class AuditRecord(Base):
    """One audit record: ids only, never names or case facts. ``chain`` is HMAC-SHA256 over the previous chain
    value and this record's fields; database triggers refuse any UPDATE or DELETE of this table."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(24))  # UTC, to the hundredth of a second: 2026-11-22T09:15:02.41Z
    user_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(80))
    outcome: Mapped[str] = mapped_column(String(20))  # success | denied | failed
    chain: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_user_action_at", "user_id", "action", "at"),
                      Index("ix_audit_action_seq", "action", "seq"))


class AuditHead(Base):
    """The newest sequence number and chain value (one row): appending moves it with a compare-and-set, so two
    writers can never both append record N. ``reached`` is the highest sequence number the trail ever reached
    (moved in the same statement, never back): a tail cut off with the head moved back leaves it above the trail's
    end, while an older copy of the file put back has all three agree."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    chain: Mapped[str] = mapped_column(String(64))
    reached: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class OfficeAuthority(Base):
    """The office's signing certificate authority (one row): its certificate, and its key wrapped by a key derived
    from the case file's own key."""

    __tablename__ = "office_authority"

    id: Mapped[int] = mapped_column(primary_key=True)
    cert_der: Mapped[bytes] = mapped_column()
    wrapped_key: Mapped[bytes] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime)


class SigningIdentity(Base):
    """A user's signing certificate, and its private key wrapped by that user's own key (so only their password
    opens it). A new identity revokes the one before it."""

    __tablename__ = "signing_identity"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    cert_der: Mapped[bytes] = mapped_column()
    wrapped_key: Mapped[bytes] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    # An identity imported from the user's own PKCS#12 file: the certificates of its issuers (PEM, signer's issuer
    # first, up to the root). None for an identity the office authority issued.
    chain_pem: Mapped[str | None] = mapped_column(Text)


class TrustedCertificate(Base):
    """A certificate authority the office trusts beside its own (an administrator adds it), so that identities users
    import from PKCS#12 files issued under it sign documents that check out as the office's."""

    __tablename__ = "trusted_certificate"
    __table_args__ = (UniqueConstraint("sha256", name="uq_trusted_certificate_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cert_der: Mapped[bytes] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(Text)  # the certificate's subject, for people to read
    added_at: Mapped[datetime] = mapped_column(DateTime)
    added_by: Mapped[int] = mapped_column(Integer)  # the administrator who added it


class ExceptionWorkflow(Base):
    """A section 8 exception request made in CaseReview: draft → submitted (signed by the requester) → approved or
    denied (signed by a supervisor). Its signed documents are kept byte for byte in `SignedDocument`."""

    __tablename__ = "exception_workflow"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))  # draft | submitted | approved | denied
    ground: Mapped[str] = mapped_column(String(40))
    public_safety: Mapped[str] = mapped_column(Text)
    justification: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text)
    requester_id: Mapped[int] = mapped_column(Integer)
    supervisor_id: Mapped[int | None] = mapped_column(Integer)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)

    charges: Mapped[list[Charge]] = relationship(secondary="exception_workflow_charge", order_by="Charge.position")


class ExceptionWorkflowCharge(Base):
    __tablename__ = "exception_workflow_charge"

    workflow_id: Mapped[int] = mapped_column(ForeignKey("exception_workflow.id", ondelete="CASCADE"),
                                             primary_key=True)
    charge_id: Mapped[int] = mapped_column(ForeignKey("charge.id", ondelete="CASCADE"), primary_key=True)


class SignedDocument(Base):
    """A signed PDF exactly as signed: exported as these bytes, never made again."""

    __tablename__ = "signed_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
    workflow_id: Mapped[int | None] = mapped_column(ForeignKey("exception_workflow.id", ondelete="CASCADE"))
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    stage: Mapped[str] = mapped_column(String(20))
    pdf: Mapped[bytes] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    signed_by: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Letter(Base):
    """A letter or memo drafted in CaseReview (see `casereview.documents.letters`): its kind, the person and the
    records it concerns, and the free-text parts a user edits. Signed, it is kept byte for byte in
    `SignedDocument` and no longer changes."""

    __tablename__ = "letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # non_opposition | defense_request | screening_memo | client_summary
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
    # SET NULL: a case edit that renumbers or removes the person keeps a signed letter; a purge deletes the
    # person's letters itself (services.purges). The name and, once signed, the records are kept with the letter.
    party_id: Mapped[int | None] = mapped_column(ForeignKey("case_party.id", ondelete="SET NULL"), index=True)
    person_name: Mapped[str] = mapped_column(Text, default="", server_default="")
    signed_records: Mapped[list[str] | None] = mapped_column(JSON)  # charge ids in the case, as signed
    status: Mapped[str] = mapped_column(String(20), index=True)  # draft | signed
    relief: Mapped[str | None] = mapped_column(String(30))
    addressee: Mapped[str] = mapped_column(Text, default="")
    salutation: Mapped[str] = mapped_column(Text, default="")
    remarks: Mapped[str] = mapped_column(Text, default="")
    closing: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    signed_by: Mapped[int | None] = mapped_column(Integer)
    signed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The application the letter answers, where the user recorded it (its caption is then the letter's).
    answered_caption: Mapped[str | None] = mapped_column(Text)
    answered_docket: Mapped[str | None] = mapped_column(Text)
    copy_to: Mapped[str | None] = mapped_column(Text)  # the person or their counsel, for the copy line
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    case: Mapped[Case] = relationship()
    party: Mapped[CaseParty | None] = relationship()
    charges: Mapped[list[Charge]] = relationship(secondary="letter_charge", order_by="Charge.position")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it once


class LetterCharge(Base):
    __tablename__ = "letter_charge"

    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id", ondelete="CASCADE"), primary_key=True)
    charge_id: Mapped[int] = mapped_column(ForeignKey("charge.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)


class Motion(Base):
    """A motion to dismiss charges, or to vacate or quash warrants (`casereview.services.motions`): one per court
    listing every case (``scope`` "omnibus") or one per case ("case"), with the charges it covers. Signed, its PDF
    is kept here byte for byte, with ``listed`` (case number, charge id and name of each charge, as signed), and it
    no longer changes."""

    __tablename__ = "motion"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # dismiss | warrants
    scope: Mapped[str] = mapped_column(String(20))  # omnibus | case
    court: Mapped[str] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)  # draft | signed
    listed: Mapped[list[list[str]] | None] = mapped_column(JSON)
    pdf: Mapped[bytes | None] = mapped_column()
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    signed_by: Mapped[int | None] = mapped_column(Integer)
    signed_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    charges: Mapped[list[Charge]] = relationship(secondary="motion_charge",
                                                 order_by=lambda: (Charge.case_id, Charge.position))

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it once


class MotionCharge(Base):
    __tablename__ = "motion_charge"

    motion_id: Mapped[int] = mapped_column(ForeignKey("motion.id", ondelete="CASCADE"), primary_key=True)
    charge_id: Mapped[int] = mapped_column(ForeignKey("charge.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)


# ------------------------------------------------------------------------------------------- records import


class RecordImportRun(Base):
    """One run of a records import (`casereview.services.records`): the file by its SHA-256, and what became of
    its rows. Its counts move with every batch stored, so a run killed in the middle stays ``running`` with what it
    had stored; the next run of the same file carries on (``resumes`` names the run it carried on)."""

    __tablename__ = "record_import_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(Text)
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    sheet: Mapped[str | None] = mapped_column(Text)
    mapping_sha256: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))  # running | done | cancelled | interrupted
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    rows: Mapped[int] = mapped_column(Integer, default=0)  # records read (rows of data, blank lines left out)
    cases: Mapped[int] = mapped_column(Integer, default=0)  # case numbers found
    stored: Mapped[int] = mapped_column(Integer, default=0)  # cases this run stored
    skipped: Mapped[int] = mapped_column(Integer, default=0)  # cases already stored with the same contents
    rejected: Mapped[int] = mapped_column(Integer, default=0)  # rows rejected (bad rows and the rest of their case)
    held: Mapped[int] = mapped_column(Integer, default=0)  # cases held: a statute to place, a match to decide
    conflicts: Mapped[int] = mapped_column(Integer, default=0)  # case numbers stored with other contents
    resumes: Mapped[int | None] = mapped_column(Integer)


class RecordImportCase(Base):
    """A case a records import stored, with the SHA-256 of its contents as the file gave them: the same file
    imported again finds it and adds nothing; a case number stored with other contents is reported, never
    overwritten."""

    __tablename__ = "record_import_case"

    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("record_import_run.id"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))


class RecordMatch(Base):
    """Two records that may be one person (a day and month swapped in the date of birth, names one letter apart,
    a middle name missing, the same name and date of birth as a person with a key): never merged silently. A
    person decides (``same`` or ``different``) and every later import follows the decision.

    The two sides are named by keyed hashes of what identifies them (the person key, or the folded name and date
    of birth), never by the names themselves; the labels a person decides by are cleared once decided. A side
    already in the case file is also named by its person (deleted with it by a purge)."""

    __tablename__ = "record_match"
    __table_args__ = (UniqueConstraint("identity_a", "identity_b", name="uq_record_match_identities"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    identity_a: Mapped[str] = mapped_column(String(64))
    identity_b: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(40))  # dob_swapped | one_letter | middle_name | same_name_dob
    label_a: Mapped[str | None] = mapped_column(Text)
    label_b: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(String(20))  # None (to decide) | same | different
    decided_by: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    found_at: Mapped[datetime] = mapped_column(DateTime)
    run_id: Mapped[int | None] = mapped_column(Integer)


# ------------------------------------------------------------------------------------- outcomes and counting


class DemographicCategory(Base):
    """One of the office's own categories for counting: race/ethnicity (``kind`` "race") or gender identity
    ("gender"), in the order the office lists them. The code is what a party's row keeps."""

    __tablename__ = "demographic_category"
    __table_args__ = (UniqueConstraint("kind", "code", name="uq_demographic_category_kind_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)


class DemographicMapping(Base):
    """Free text recorded before the categories (folded), mapped once by an administrator to a category code."""

    __tablename__ = "demographic_mapping"
    __table_args__ = (UniqueConstraint("kind", "text_folded", name="uq_demographic_mapping_kind_text"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    text_folded: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(40))
    mapped_by: Mapped[int] = mapped_column(Integer)
    mapped_at: Mapped[datetime] = mapped_column(DateTime)


class Agency(Base):
    """An arresting agency, as the office names it in reports."""

    __tablename__ = "agency"
    __table_args__ = (UniqueConstraint("name_folded", name="uq_agency_name_folded"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    name_folded: Mapped[str] = mapped_column(String(200))


class AgencyAlias(Base):
    """A spelling of an agency as cases record it (folded: trimmed, lower case), and the agency it means."""

    __tablename__ = "agency_alias"

    text_folded: Mapped[str] = mapped_column(String(200), primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="CASCADE"), index=True)


class CourtOutcome(Base):
    """What the court did with a letter or a motion (``kind`` "letter" or "motion"), entered by staff: granted,
    denied, withdrawn (or pending), with the dates."""

    __tablename__ = "court_outcome"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id", ondelete="CASCADE"), index=True)
    motion_id: Mapped[int | None] = mapped_column(ForeignKey("motion.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(20))  # pending | granted | denied | withdrawn
    filed_on: Mapped[date | None] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    entered_by: Mapped[int] = mapped_column(Integer)
    entered_at: Mapped[datetime] = mapped_column(DateTime)
