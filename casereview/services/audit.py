"""The audit trail: who did what, when, with what outcome — ids only, never names or case facts.

Each record carries ``chain = HMAC-SHA256(audit key, previous chain || this record's fields)``, so changing,
removing or reordering any record breaks every chain value from there on. The audit key is derived (HKDF) from the
case file's own key, so nobody without the office key can forge a chain value. Database triggers refuse UPDATE and
DELETE on the table; the chain catches what is done around them (a raw edit of the file).

A cut-off tail leaves an intact chain, so the newest sequence number and chain value are also kept *outside* the
audit table, as anchors: in the application's data folder (moved forward after each piece of work), in the
manifest of every backup, and in anchor files an administrator exports and keeps elsewhere. The data folder's
anchor moves forward at the end of every command-line command and when the window closes. `verify` checks the
chain against every anchor it is given, and a trail shorter than an anchor is reported as cut off.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session, SessionTransaction

from casereview.paths import data_dir
from casereview.store import models as m
from casereview.store.safe_write import write_private

GENESIS = "0" * 64
ANCHOR_FORMAT = 1

# Every action the trail records. Records of an action not listed here are refused (a typo would make the trail
# unsearchable).
ACTIONS = frozenset({
    # accounts and sessions
    "login", "logout", "login_failed", "account_locked", "account_unlocked", "account_disabled", "account_enabled",
    "session_locked", "session_unlocked", "reauthenticated",
    "user_created", "user_role_changed", "password_changed", "password_reset", "office_created",
    "office_settings_changed", "permission_denied",
    "signing_identity_imported",  # a user's own PKCS#12 file, in place of the identity the office issued
    "certificate_trusted", "certificate_untrusted",  # an administrator adds (removes) a certificate the office trusts
    # cases
    "case_created", "case_updated", "case_deleted", "screening", "import", "export",
    # exceptions and documents
    "exception_requested", "exception_submitted", "exception_discarded", "exception_decided",
    "document_generated", "document_signed",
    # letters and memos
    "letter_drafted", "letters_drafted", "letter_edited", "letter_deleted", "letter_exported", "letters_signed",
    "letter_signer_granted", "letter_signer_revoked",
    # the case file
    "backup", "restore", "purge", "court_order", "audit_viewed", "audit_exported", "audit_anchor_exported",
    "admin_rescue",
})
OUTCOMES = frozenset({"success", "denied", "failed"})


class AuditError(Exception):
    """The audit record could not be written: the action it records is not kept either."""


def audit_key(db_key: bytes, file_id: str) -> bytes:
    """The chain's key: derived from the case file's key, so whoever holds the office key could re-make a chain;
    anchors kept elsewhere are what catches that."""
    return HKDF(algorithm=SHA256(), length=32, salt=None,
                info=f"casereview audit chain v1:{file_id}".encode()).derive(db_key)


def stamp(now: datetime) -> str:
    """UTC to the hundredth of a second: ``2026-11-22T09:15:02.41Z``."""
    now = now.astimezone(UTC) if now.tzinfo else now
    return f"{now:%Y-%m-%dT%H:%M:%S}.{now.microsecond // 10000:02d}Z"


def record_mac(key: bytes, prev_chain: str, seq: int, at: str, user_id: int | None, action: str,
               object_id: str | None, outcome: str) -> str:
    fields = json.dumps([seq, at, user_id, action, object_id, outcome], separators=(",", ":"), ensure_ascii=True)
    return hmac.new(key, bytes.fromhex(prev_chain) + fields.encode("ascii"), hashlib.sha256).hexdigest()


def append(session: Session, key: bytes, *, user_id: int | None, action: str, object_id: str | None = None,
           outcome: str = "success", now: datetime | None = None) -> int:
    """Add one record in the caller's transaction (so it commits or rolls back with the action it records);
    returns its sequence number."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown audit outcome {outcome!r}")
    at = stamp(now or datetime.now(UTC))
    # The head read once per transaction; a second record in the same transaction follows on from the first.
    cached = session.info.get(_HEAD_KEY)
    conn = session.connection()
    if cached is None:
        found = conn.execute(_READ_HEAD_LOCKED if conn.dialect.name != "sqlite" else _READ_HEAD).one_or_none()
        if found is None:
            raise AuditError("The audit trail's head record is missing: the case file is damaged. Run "
                             "python -m casereview check, and restore the latest backup if it fails.")
        cached = (int(found.seq), str(found.chain))
    prev_seq, prev_chain = cached
    seq = prev_seq + 1
    chain = record_mac(key, prev_chain, seq, at, user_id, action, object_id, outcome)
    conn.execute(_INSERT, {"seq": seq, "at": at, "user_id": user_id, "action": action, "object_id": object_id,
                           "outcome": outcome, "chain": chain})
    moved = conn.execute(_MOVE_HEAD, {"seq": seq, "chain": chain, "prev": prev_seq})
    if moved.rowcount != 1:
        session.info.pop(_HEAD_KEY, None)
        raise AuditError("Another user wrote to the audit trail at the same moment. Nothing was changed: try "
                         "again.")
    session.info[_HEAD_KEY] = (seq, chain)
    return seq


_HEAD_KEY = "casereview.audit_head"
# Plain SQL, built once: an audit record is a few statements, and SQLAlchemy's statement building would cost more
# than the database's work.
_READ_HEAD = text("SELECT seq, chain FROM audit_head WHERE id = 1")
_READ_HEAD_LOCKED = text("SELECT seq, chain FROM audit_head WHERE id = 1 FOR UPDATE")
_INSERT = text("INSERT INTO audit_log (seq, at, user_id, action, object_id, outcome, chain) "
               "VALUES (:seq, :at, :user_id, :action, :object_id, :outcome, :chain)")
_MOVE_HEAD = text("UPDATE audit_head SET seq = :seq, chain = :chain WHERE id = 1 AND seq = :prev")


@event.listens_for(Session, "after_transaction_end")
def _forget_head(session: Session, transaction: SessionTransaction) -> None:
    """The cached head is good only inside the transaction that read it."""
    if transaction.parent is None:
        session.info.pop(_HEAD_KEY, None)


def head(session: Session) -> tuple[int, str]:
    row = session.execute(select(m.AuditHead.seq, m.AuditHead.chain).where(m.AuditHead.id == 1)).one_or_none()
    return (row.seq, row.chain) if row is not None else (0, GENESIS)


# ------------------------------------------------------------------------------------------------------- anchors


@dataclass(frozen=True)
class Anchor:
    """The trail's newest sequence number and chain value at one moment, authenticated with the audit key."""

    file_id: str
    seq: int
    chain: str
    made_at: str
    mac: str
    source: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"format": ANCHOR_FORMAT, "kind": "casereview-audit-anchor", "file_id": self.file_id,
                "seq": self.seq, "chain": self.chain, "made_at": self.made_at, "mac": self.mac}


def _anchor_mac(key: bytes, file_id: str, seq: int, chain: str, made_at: str) -> str:
    text = f"casereview audit anchor:{file_id}:{seq}:{chain}:{made_at}"
    return hmac.new(key, text.encode("ascii"), hashlib.sha256).hexdigest()


def make_anchor(session: Session, key: bytes, file_id: str, now: datetime | None = None) -> Anchor:
    seq, chain = head(session)
    return anchor_for(key, file_id, seq, chain, now)


def anchor_for(key: bytes, file_id: str, seq: int, chain: str, now: datetime | None = None) -> Anchor:
    made_at = stamp(now or datetime.now(UTC))
    return Anchor(file_id, seq, chain, made_at, _anchor_mac(key, file_id, seq, chain, made_at))


def anchor_is_genuine(anchor: Anchor, key: bytes) -> bool:
    expected = _anchor_mac(key, anchor.file_id, anchor.seq, anchor.chain, anchor.made_at)
    return hmac.compare_digest(expected, anchor.mac)


def anchor_from_json(raw: Any, source: str) -> Anchor:
    """Raises ValueError naming what is wrong."""
    if not isinstance(raw, dict) or raw.get("kind") != "casereview-audit-anchor":
        raise ValueError(f"{source} is not a CaseReview audit anchor")
    try:
        seq = raw["seq"]
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            raise ValueError(f"{source}: seq must be a whole number")
        chain, mac = str(raw["chain"]), str(raw["mac"])
        if len(chain) != 64 or len(mac) != 64:
            raise ValueError(f"{source}: chain and mac must be 64 hexadecimal digits")
        bytes.fromhex(chain + mac)
        return Anchor(str(raw["file_id"]), seq, chain, str(raw["made_at"]), mac, source)
    except KeyError as exc:
        raise ValueError(f"{source}: the field {exc.args[0]} is missing") from None


def read_anchor_file(path: Path) -> Anchor:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} cannot be read as an audit anchor ({exc})") from None
    return anchor_from_json(raw, str(path))


def write_anchor_file(path: Path, anchor: Anchor) -> None:
    write_private(path, (json.dumps(anchor.to_json(), indent=2) + "\n").encode("ascii"))


def _local_anchor_path(file_id: str) -> Path:
    return data_dir() / "audit-anchors" / f"{file_id}.json"


def remember_anchor(anchor: Anchor, *, replace_newer: bool = False) -> None:
    """Keep `anchor` in the data folder unless a newer one is kept there already (``replace_newer`` after a
    restore, which legitimately goes back)."""
    path = _local_anchor_path(anchor.file_id)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not replace_newer and path.exists():
        try:
            if read_anchor_file(path).seq > anchor.seq:
                return
        except ValueError:
            pass  # a damaged local anchor is replaced by a good one
    write_anchor_file(path, anchor)


def known_anchors(file_id: str, backups: Iterable[Path] = (), extra: Sequence[Path] = ()) -> list[Anchor]:
    """Every anchor of this file the application knows: the data folder's, those in backups' manifests, and the
    anchor files given. Unreadable anchor files in `extra` raise ValueError; unreadable backups are skipped."""
    found: list[Anchor] = []
    local = _local_anchor_path(file_id)
    if local.exists():
        with contextlib.suppress(ValueError):  # a damaged local anchor is ignored; the others still count
            found.append(read_anchor_file(local))
    for backup in backups:
        try:
            with zipfile.ZipFile(backup) as archive:
                manifest = json.loads(archive.read("manifest.json"))
            raw = manifest.get("audit_anchor")
            if raw is not None:
                found.append(anchor_from_json(raw, f"the backup {backup.name}"))
        except (OSError, KeyError, ValueError, zipfile.BadZipFile):
            continue
    found.extend(read_anchor_file(path) for path in extra)
    return [a for a in found if a.file_id == file_id]


# ------------------------------------------------------------------------------------------------------ verify


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    records: int
    first_broken: int | None
    lines: list[str]


def verify(session: Session, key: bytes, anchors: Sequence[Anchor] = ()) -> VerifyReport:
    """Check every record's chain value in order, the head, and every anchor; name the first broken record."""
    lines: list[str] = []
    expected_seq, prev = 1, GENESIS
    chains_at: dict[int, str] = {}
    wanted = {a.seq for a in anchors}
    broken: int | None = None
    problem = ""
    count = 0
    rows = session.execute(select(m.AuditRecord).order_by(m.AuditRecord.seq).execution_options(yield_per=2000))
    for (row,) in rows:
        count += 1
        if row.seq != expected_seq:
            broken = expected_seq
            problem = (f"Record {expected_seq} is missing (the trail goes from record {expected_seq - 1} to "
                       f"{row.seq}): records were deleted.")
            break
        mac = record_mac(key, prev, row.seq, row.at, row.user_id, row.action, row.object_id, row.outcome)
        if not hmac.compare_digest(mac, row.chain):
            broken = row.seq
            problem = (f"Record {row.seq} does not match its chain value: it, or a record before it, was changed, "
                       "replaced or moved.")
            break
        if row.seq in wanted:
            chains_at[row.seq] = row.chain
        prev = row.chain
        expected_seq += 1
    last = expected_seq - 1
    if broken is None:
        head_seq, head_chain = head(session)
        if head_seq > last:
            broken = last + 1
            problem = (f"The trail ends at record {last}, but the file's own head says it reached record "
                       f"{head_seq}: records {last + 1} to {head_seq} were cut off.")
        elif head_seq < last or not hmac.compare_digest(head_chain, prev):
            broken = head_seq + 1 if head_seq < last else last
            problem = "The trail does not end where the file's own head says it does: records were added or changed."
    if broken is None:
        for anchor in sorted(anchors, key=lambda a: a.seq, reverse=True):
            if not anchor_is_genuine(anchor, key):
                named = f" ({anchor.source})" if anchor.source else ""
                lines.append(f"An anchor{named} is not genuine (it was not made with this file's key) and was "
                             "not used.")
                continue
            if anchor.seq > last:
                broken = last + 1
                problem = (f"The trail ends at record {last}, but the anchor made {anchor.made_at} "
                           f"({anchor.source or 'given'}) shows it reached record {anchor.seq}: records "
                           f"{last + 1} to {anchor.seq} were cut off.")
                break
            if anchor.seq > 0 and not hmac.compare_digest(chains_at.get(anchor.seq, ""), anchor.chain):
                broken = anchor.seq
                problem = (f"Record {anchor.seq} differs from the anchor made {anchor.made_at} "
                           f"({anchor.source or 'given'}): the trail up to it was rewritten.")
                break
    if broken is not None:
        return VerifyReport(False, count, broken, [f"The audit trail is NOT intact. {problem}", *lines])
    genuine = [a for a in anchors if anchor_is_genuine(a, key)]
    newest = max(genuine, key=lambda a: a.seq, default=None)
    lines.insert(0, f"The audit trail is intact: {count} record(s), every chain value matches.")
    if newest is None:
        lines.append("No anchor was found to check the end of the trail against: export one "
                     "(python -m casereview audit anchor) and keep it away from this computer.")
    else:
        lines.append(f"It reaches at least as far as the newest anchor known (record {newest.seq}, made "
                     f"{newest.made_at}, {newest.source or 'given'}); {len(genuine)} anchor(s) checked.")
    return VerifyReport(True, count, None, lines)


def records(session: Session, *, user_id: int | None = None, action: str | None = None,
            since: str | None = None, until: str | None = None, limit: int | None = None) -> list[m.AuditRecord]:
    query = select(m.AuditRecord).order_by(m.AuditRecord.seq)
    if user_id is not None:
        query = query.where(m.AuditRecord.user_id == user_id)
    if action is not None:
        query = query.where(m.AuditRecord.action == action)
    if since is not None:
        query = query.where(m.AuditRecord.at >= since)
    if until is not None:
        query = query.where(m.AuditRecord.at < until)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))
