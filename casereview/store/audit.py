"""The audit trail: who did what, when, with what outcome — ids only, never names or case facts. Reading, checking
and exporting it as a logged-in user is `casereview.services.audit`.

Each record carries ``chain = HMAC-SHA256(audit key, previous chain || this record's fields)``, so changing,
removing or reordering any record breaks every chain value from there on. The audit key is derived (HKDF) from the
case file's own key, so nobody without the office key can forge a chain value. Database triggers refuse UPDATE and
DELETE on the table; the chain catches what is done around them (a raw edit of the file).

A cut-off tail leaves an intact chain, so the newest sequence number and chain value are also kept *outside* the
audit table, as anchors: in the application's data folder (one per case file *and place*: a copy of the file
opened at another path keeps its own), in the manifest of every backup, and in anchor files an administrator
exports and keeps elsewhere. The data folder's anchor moves forward at the end of every command-line command and
when the window closes. The file itself also remembers the highest record its trail ever reached (``reached`` in
the head row, moved by the same statement as the head, never back).

`verify` checks the chain against every anchor it is given and tells three things apart:

- a cut: records deleted from the end (the head moved back or not). The head's ``reached`` stays above the trail's
  end, so this shows even with no anchor at all; NOT intact.
- an older copy: trail, head and ``reached`` agree, but an anchor made for this file at this place (or in a backup
  beside it, or exported for it) is further along. Nothing in the file is damaged: intact, but the report says
  plainly which records are not in it and what to do. When the application opens such a copy it says so and
  records it (``older_copy_opened``, ``records:K+1-N``, written as record K+1).
- a copy used elsewhere: an anchor made at another path that disagrees with the trail, or is further along, is a
  copy of the file used separately (intact, and named in the report). An anchor from this place that disagrees
  with the trail means the trail was rewritten: NOT intact, unless one of the two trails went back on purpose
  where they part.

Going back on purpose is a record of the trail: ``older_copy_opened`` or a restore's ``restore``
(``from-record:K``). Every anchor carries its trail's newest such record (seq and chain value), so an anchor tells
its line: one that reaches past a rewind record of this trail without having it belongs to the file this one
replaced (after a restore, or an older copy opened); one whose own rewind record this trail does not hold belongs
to a copy that went its own way (the newer file put back after the older copy was used). Neither counts against
the file; a trail rewritten without such a record (by someone with the key) still shows against its anchors.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import itertools
import json
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import TextClause, event, select, text
from sqlalchemy.orm import Session, SessionTransaction

from casereview.paths import data_dir
from casereview.store import models as m
from casereview.store.safe_write import write_private

GENESIS = "0" * 64
ANCHOR_FORMAT = 1  # an anchor that names the place it was made for is written as format 2

# Every action the trail records. Records of an action not listed here are refused (a typo would make the trail
# unsearchable).
ACTIONS = frozenset({
    # accounts and sessions
    "login", "logout", "login_failed", "account_locked", "account_unlocked", "account_disabled", "account_enabled",
    "session_locked", "session_unlocked", "reauthenticated",
    "user_created", "user_role_changed", "password_changed", "password_reset", "office_created",
    "office_settings_changed", "permission_denied",
    "user_names_changed",  # an account's full name, title or bar number (by an administrator, or the user)
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
    # motions to dismiss and on warrants
    "motion_drafted", "motions_drafted", "motion_edited", "motion_deleted", "motion_exported", "motions_signed",
    "warrant_recorded",
    # the case file
    "backup", "restore", "purge", "court_order", "audit_viewed", "audit_exported", "audit_anchor_exported",
    "admin_rescue",
    "older_copy_opened",  # the file opened was an older copy of the one last used at its place: records:K+1-N
    "server_move",  # a case file's whole contents moved to this database server (rows:N), its trail included
    # reports (issue 20)
    "report_exported",  # the transparency report (public:N tables) or the internal report (internal:N)
    "outcome_recorded",  # a court outcome of a letter or motion, entered by staff (case:ID)
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
           outcome: str = "success", now: datetime | None = None, later: bool = False) -> int:
    """Add one record in the caller's transaction (so it commits or rolls back with the action it records);
    returns its sequence number.

    `later`: written together with the transaction's next record (on a server one statement for both, one round
    trip fewer), and at the latest when the transaction commits; its sequence number and chain value are the same
    either way. For a record nothing in the transaction reads back before then."""
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
    pending: list[dict[str, Any]] = session.info.setdefault(_PENDING_KEY, [])
    pending.append({"seq": seq, "at": at, "user_id": user_id, "action": action, "object_id": object_id,
                    "outcome": outcome, "chain": chain, "prev": prev_seq})
    session.info[_HEAD_KEY] = (seq, chain)
    if not later:
        write_pending(session)
    return seq


def write_pending(session: Session) -> None:
    """Write the records `append` keeps for later (nothing when there are none), and move the head past them."""
    pending: list[dict[str, Any]] = session.info.pop(_PENDING_KEY, None) or []
    if not pending:
        return
    if any(record["prev"] != before["seq"] for before, record in itertools.pairwise(pending)):
        session.info.pop(_HEAD_KEY, None)  # (each follows on from the one before, as the head's move checks)
        raise AuditError("Another user wrote to the audit trail at the same moment. Nothing was changed: try "
                         "again.")
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        first, last = pending[0], pending[-1]
        conn.execute(_INSERT, pending)
        moved = conn.execute(_MOVE_HEAD, {"seq": last["seq"], "chain": last["chain"], "prev": first["prev"]})
        written = moved.rowcount == 1
    else:  # a server: one statement (one round trip) for a few records, written only when the head moved
        written = True
        for start in range(0, len(pending), _MAX_PER_STATEMENT):
            part = pending[start:start + _MAX_PER_STATEMENT]
            values = {"seq": part[-1]["seq"], "chain": part[-1]["chain"], "prev": part[0]["prev"]}
            for n, record in enumerate(part):
                values.update({f"{name}_{n}": record[name] for name in _COLUMNS})
            written = written and conn.execute(_insert_moving_head(len(part)), values).rowcount == len(part)
    if not written:
        session.info.pop(_HEAD_KEY, None)
        raise AuditError("Another user wrote to the audit trail at the same moment. Nothing was changed: try "
                         "again.")


def hold_head(session: Session) -> None:
    """On a database server, take the trail's head row lock now, at the start of a write transaction, and keep
    the head for `append`. Every audited change then holds the one lock first and keeps it to its commit: other
    users' changes wait for it (a few milliseconds each) instead of interleaving, so the trail stays one chain and
    no change deadlocks against another over rows both touch (a person, a case) while one holds the head. A case
    file needs nothing: SQLite lets one writer in at a time already."""
    session.info.pop(HEAD_LATER, None)
    conn = session.connection()
    if conn.dialect.name == "sqlite" or session.info.get(_HEAD_KEY) is not None:
        return
    found = conn.execute(_READ_HEAD_LOCKED).one_or_none()
    if found is not None:  # a missing head: `append` says so
        session.info[_HEAD_KEY] = (int(found.seq), str(found.chain))


def hold_head_on_begin(session: Session, transaction: SessionTransaction, connection: Any) -> None:
    """A database server's sessions (`casereview.store.database.open_case_file` listens with this): a
    transaction begun explicitly (``with db.begin():``, how every change is made here) takes the head lock at
    once, as `hold_head` does; one begun by a read alone (autobegin) takes nothing. So changes are made one at a
    time, as in a case file, and each reads what the one before it committed (a login's account row, a case's
    version) instead of failing on it or deadlocking."""
    from sqlalchemy.orm import SessionTransactionOrigin

    if transaction.parent is not None or transaction.origin is not SessionTransactionOrigin.BEGIN:
        return
    if session.info.get(HEAD_LATER):  # the caller takes it itself, after reading only (`UserSession.acting`)
        return
    if session.info.get(_HEAD_KEY) is None:
        found = connection.execute(_READ_HEAD_LOCKED).one_or_none()
        if found is not None:
            session.info[_HEAD_KEY] = (int(found.seq), str(found.chain))


_HEAD_KEY = "casereview.audit_head"
_PENDING_KEY = "casereview.audit_pending"  # records `append` keeps for later, in order
# Set in a session's info before `begin`: its transaction does not take the head at its start, the caller takes
# it (`hold_head`) after a read, before changing anything.
HEAD_LATER = "casereview.audit_head_later"
# Plain SQL, built once: an audit record is a few statements, and SQLAlchemy's statement building would cost more
# than the database's work.
_READ_HEAD = text("SELECT seq, chain FROM audit_head WHERE id = 1")
_READ_HEAD_LOCKED = text("SELECT seq, chain FROM audit_head WHERE id = 1 FOR UPDATE")
_INSERT = text("INSERT INTO audit_log (seq, at, user_id, action, object_id, outcome, chain) "
               "VALUES (:seq, :at, :user_id, :action, :object_id, :outcome, :chain)")
# `reached` never goes back: after a cut (the head moved back by hand) the next records must not hide it.
_MOVE_HEAD = text("UPDATE audit_head SET seq = :seq, chain = :chain, "
                  "reached = CASE WHEN reached > :seq THEN reached ELSE :seq END WHERE id = 1 AND seq = :prev")
_MAX_PER_STATEMENT = 100  # (a statement's parameters are limited)
_COLUMNS = ("seq", "at", "user_id", "action", "object_id", "outcome", "chain")
_TYPES = ("INTEGER", "VARCHAR", "INTEGER", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR")


@functools.cache
def _insert_moving_head(count: int) -> TextClause:
    """On a server, `count` records and the head moved past them in one statement: the records are joined to the
    head's moved row, so none is written unless the head moved (the statement's rowcount says how many were)."""
    typed = list(zip(_COLUMNS, _TYPES, strict=True))
    rows = ", ".join("(" + ", ".join(f"CAST(:{name}_{n} AS {kind})" for name, kind in typed) + ")"
                     for n in range(count))
    return text("WITH moved AS (UPDATE audit_head SET seq = :seq, chain = :chain, "
                "reached = CASE WHEN reached > :seq THEN reached ELSE :seq END WHERE id = 1 AND seq = :prev "
                f"RETURNING seq) INSERT INTO audit_log ({', '.join(_COLUMNS)}) "
                f"SELECT r.* FROM moved, (VALUES {rows}) AS r({', '.join(_COLUMNS)})")


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    """Records kept for later (`append`) are written before the transaction commits."""
    write_pending(session)


@event.listens_for(Session, "after_transaction_end")
def _forget_head(session: Session, transaction: SessionTransaction) -> None:
    """The cached head (and any record not yet written) is good only inside the transaction that read it."""
    if transaction.parent is None:
        session.info.pop(_HEAD_KEY, None)
        session.info.pop(_PENDING_KEY, None)


def head(session: Session) -> tuple[int, str]:
    row = session.execute(select(m.AuditHead.seq, m.AuditHead.chain).where(m.AuditHead.id == 1)).one_or_none()
    return (row.seq, row.chain) if row is not None else (0, GENESIS)


def head_state(session: Session) -> tuple[int, str, int | None]:
    """The head's seq and chain, and the highest record the trail ever reached (None in a file not yet upgraded
    to keep it: `check` reads files before opening upgrades them)."""
    row = session.execute(text("SELECT * FROM audit_head WHERE id = 1")).mappings().one_or_none()
    if row is None:
        return 0, GENESIS, None
    reached = row.get("reached")
    return int(row["seq"]), str(row["chain"]), None if reached is None else int(reached)


# ------------------------------------------------------------------------------------------------------- anchors


def place(path: Path | str | None) -> str:
    """A case file's place as anchors keep it: its absolute path, symbolic links resolved ("" for none)."""
    if path is None or str(path) == "":
        return ""
    return str(Path(path).resolve())


@dataclass(frozen=True)
class Anchor:
    """The trail's newest sequence number and chain value at one moment, authenticated with the audit key.

    Covered by the MAC too: ``path``, the place of the case file it was made for ("" when unknown: anchors of
    older versions, which stand for the file wherever it is); ``branch_seq``/``branch_chain``, the trail's newest
    record that went back on purpose (an older copy opened, a restore: see `_rewind`; 0/"" for none), which tells
    a copy of the file that went its own way from a rewritten trail. Not part of it: ``origin`` (where it was
    found: "local" for the data folder, "backup", "exported", "" when given directly) and ``kept_in`` (the file
    it was read from)."""

    file_id: str
    seq: int
    chain: str
    made_at: str
    mac: str
    source: str = ""
    path: str = ""
    branch_seq: int = 0
    branch_chain: str = ""
    origin: str = ""
    kept_in: str = ""

    def to_json(self) -> dict[str, Any]:
        extended = bool(self.path or self.branch_seq)
        raw: dict[str, Any] = {"format": 2 if extended else ANCHOR_FORMAT, "kind": "casereview-audit-anchor",
                               "file_id": self.file_id, "seq": self.seq, "chain": self.chain,
                               "made_at": self.made_at, "mac": self.mac}
        if self.path:
            raw["path"] = self.path
        if self.branch_seq:
            raw["branch"] = {"seq": self.branch_seq, "chain": self.branch_chain}
        return raw


def _anchor_mac(key: bytes, file_id: str, seq: int, chain: str, made_at: str, path: str = "",
                branch: tuple[int, str] = (0, "")) -> str:
    if path or branch[0]:
        data = json.dumps(["casereview audit anchor v2", file_id, seq, chain, made_at, path, *branch]).encode()
    else:
        data = f"casereview audit anchor:{file_id}:{seq}:{chain}:{made_at}".encode()
    return hmac.new(key, data, hashlib.sha256).hexdigest()


# The trail's records that went back on purpose, newest first (an index on (action, seq) keeps this cheap).
REWIND_SQL = ("SELECT seq, at, action, object_id, outcome, chain FROM audit_log "
              "WHERE action IN ('older_copy_opened', 'restore') ORDER BY seq DESC")


def branch_of(rows: Iterable[Sequence[Any]]) -> tuple[int, str]:
    """The newest genuine rewind among `rows` (REWIND_SQL's): its seq and chain value; (0, "") for none."""
    for seq, at, action, object_id, outcome, chain in rows:
        if _rewind(int(seq), str(at), str(action), object_id, str(outcome), str(chain)) is not None:
            return int(seq), str(chain)
    return 0, ""


def make_anchor(session: Session, key: bytes, file_id: str, now: datetime | None = None, *,
                path: Path | str | None = None) -> Anchor:
    seq, chain = head(session)
    return anchor_for(key, file_id, seq, chain, now, path=path, branch=branch_of(session.execute(text(REWIND_SQL))))


def anchor_for(key: bytes, file_id: str, seq: int, chain: str, now: datetime | None = None, *,
               path: Path | str | None = None, branch: tuple[int, str] = (0, "")) -> Anchor:
    """An anchor of the trail at (seq, chain), for the case file at `path` (its place is kept, resolved), whose
    newest rewind record is `branch` (seq, chain)."""
    made_at = stamp(now or datetime.now(UTC))
    where = place(path)
    branch = branch if branch[0] else (0, "")
    return Anchor(file_id, seq, chain, made_at, _anchor_mac(key, file_id, seq, chain, made_at, where, branch),
                  path=where, branch_seq=branch[0], branch_chain=branch[1])


def anchor_is_genuine(anchor: Anchor, key: bytes) -> bool:
    expected = _anchor_mac(key, anchor.file_id, anchor.seq, anchor.chain, anchor.made_at, anchor.path,
                           (anchor.branch_seq, anchor.branch_chain))
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
        path = raw.get("path", "")
        if not isinstance(path, str):
            raise ValueError(f"{source}: path must be text")
        branch = raw.get("branch")
        branch_seq, branch_chain = 0, ""
        if branch is not None:
            if not isinstance(branch, dict):
                raise ValueError(f"{source}: branch must hold a seq and a chain")
            number, branch_chain = branch.get("seq"), str(branch.get("chain", ""))
            if (not isinstance(number, int) or isinstance(number, bool) or not 0 < number <= seq
                    or len(branch_chain) != 64):
                raise ValueError(f"{source}: branch must hold a seq and a chain")
            bytes.fromhex(branch_chain)
            branch_seq = number
        return Anchor(str(raw["file_id"]), seq, chain, str(raw["made_at"]), mac, source, path=path,
                      branch_seq=branch_seq, branch_chain=branch_chain)
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


def _anchor_folder() -> Path:
    return data_dir() / "audit-anchors"


def local_anchor_path(file_id: str, path: Path | str | None = None) -> Path:
    """Where the data folder keeps the anchor of `file_id` made for the case file at `path`: one file per place,
    named by the file id and a hash of the place. Without a place: the one file older versions kept per file id
    (still read, as "place unknown")."""
    where = place(path)
    if not where:
        return _anchor_folder() / f"{file_id}.json"
    digest = hashlib.sha256(os.fsencode(where)).hexdigest()[:16]
    return _anchor_folder() / f"{file_id}-{digest}.json"


def remember_anchor(anchor: Anchor, *, replace_newer: bool = False) -> None:
    """Keep `anchor` in the data folder, for the place it was made for (``anchor.path``; `Workspace.anchor` fills
    it in), unless a newer one is kept there already (``replace_newer`` after a restore, or when another copy of
    the file was opened at this place, which legitimately go back). Anchors of other places (copies of the file)
    are left alone; the single anchor an older version kept per file is retired once this place's anchor covers
    it."""
    target = local_anchor_path(anchor.file_id, anchor.path)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not replace_newer and target.exists():
        try:
            if read_anchor_file(target).seq > anchor.seq:
                return
        except ValueError:
            pass  # a damaged local anchor is replaced by a good one
    write_anchor_file(target, anchor)
    legacy = local_anchor_path(anchor.file_id)
    if anchor.path and legacy.exists():
        try:
            retire = replace_newer or read_anchor_file(legacy).seq <= anchor.seq
        except ValueError:
            retire = True
        if retire:
            legacy.unlink(missing_ok=True)


def known_anchors(file_id: str, backups: Iterable[Path] = (), extra: Sequence[Path] = ()) -> list[Anchor]:
    """Every anchor of this file the application knows: the data folder's (of every place the file was used at),
    those in backups' manifests, and the anchor files given. Unreadable anchor files in `extra` raise ValueError;
    unreadable backups are skipped."""
    found: list[Anchor] = []
    folder = _anchor_folder()
    if folder.is_dir():
        for local in sorted(folder.glob(f"{file_id}*.json")):
            if local.name != f"{file_id}.json" and not local.name.startswith(f"{file_id}-"):
                continue
            with contextlib.suppress(ValueError):  # a damaged local anchor is ignored; the others still count
                found.append(replace(read_anchor_file(local), origin="local", kept_in=str(local)))
    for backup in backups:
        try:
            with zipfile.ZipFile(backup) as archive:
                manifest = json.loads(archive.read("manifest.json"))
            raw = manifest.get("audit_anchor")
            if raw is not None:
                found.append(replace(anchor_from_json(raw, f"the backup {backup.name}"), origin="backup",
                                     kept_in=str(backup)))
        except (OSError, KeyError, ValueError, zipfile.BadZipFile):
            continue
    found.extend(replace(read_anchor_file(path), origin="exported", kept_in=str(path)) for path in extra)
    return [a for a in found if a.file_id == file_id]


def _elsewhere(anchor: Anchor, here: str) -> bool:
    """An anchor the data folder keeps for another place than `here`: made for a copy of the file. Anchors in
    backups and exported anchor files belong to the file wherever it is now."""
    return anchor.origin == "local" and bool(anchor.path) and bool(here) and anchor.path != here


# ------------------------------------------------------------------------------------------ going back on purpose


@dataclass(frozen=True)
class _Rewind:
    """A record saying the file went back on purpose: an older copy was opened here (``older_copy_opened``,
    ``records:K+1-N``, written as record K+1) or a backup holding records up to K was restored (``restore``,
    ``from-record:K``). From record `first` on, this trail and the one it replaced differ by design."""

    seq: int
    at: str
    first: int
    last: int | None
    restored: bool
    chain: str


_RECORDS = re.compile(r"records:([0-9]{1,18})-([0-9]{1,18})")
_FROM_RECORD = re.compile(r"from-record:([0-9]{1,18})")
_REWIND_ACTIONS = ("older_copy_opened", "restore")


def _rewind(seq: int, at: str, action: str, object_id: str | None, outcome: str, chain: str) -> _Rewind | None:
    if outcome != "success" or object_id is None:
        return None
    if action == "older_copy_opened":
        found = _RECORDS.fullmatch(object_id)
        if found and int(found[1]) == seq and int(found[2]) >= seq:  # written right where the copy ended
            return _Rewind(seq, at, seq, int(found[2]), False, chain)
    elif action == "restore":
        found = _FROM_RECORD.fullmatch(object_id)
        if found and int(found[1]) < seq:
            return _Rewind(seq, at, int(found[1]) + 1, None, True, chain)
    return None


def _rewinds(session: Session) -> list[_Rewind]:
    found = (_rewind(int(r.seq), str(r.at), str(r.action), r.object_id, str(r.outcome), str(r.chain))
             for r in session.execute(text(REWIND_SQL)))
    return sorted((r for r in found if r is not None), key=lambda r: r.seq)


def _judge(anchor: Anchor, last: int, chain_at: Callable[[int], str | None],
           rewinds: Sequence[_Rewind]) -> tuple[str, _Rewind | None]:
    """How an anchor of this file (of this place, a backup's, an exported one) stands to a trail ending at `last`:

    - "agrees": the trail holds the anchor's record, with its chain value;
    - "ours": the anchor belongs to the file this one replaced on purpose: one of this trail's rewind records (the
      one returned) lies after the anchor's own newest rewind, and the anchor reaches its first record;
    - "theirs": the anchor's own trail went back on purpose at a record this trail does not hold: a copy of the
      file that went its own way;
    - "ahead": on this trail's line, further along: this file is behind it (an older copy);
    - "differs": on this trail's line, but different: the trail was rewritten.
    """
    if anchor.seq == 0 or (anchor.seq <= last and hmac.compare_digest(chain_at(anchor.seq) or "", anchor.chain)):
        return "agrees", None
    if anchor.branch_seq:
        if anchor.branch_seq > last:
            return "ahead", None
        if not hmac.compare_digest(chain_at(anchor.branch_seq) or "", anchor.branch_chain):
            return "theirs", None
    later = next((r for r in rewinds if r.seq > anchor.branch_seq and r.first <= anchor.seq), None)
    if later is not None:
        return "ours", later
    return ("ahead" if anchor.seq > last else "differs"), None


def local_time(at: str) -> str:
    """A trail stamp (UTC) in this computer's time, to the minute."""
    try:
        moment = datetime.strptime(at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except ValueError:
        return at
    return f"{moment.astimezone():%Y-%m-%d %H:%M}"


def _span(first: int, last: int) -> str:
    return f"record {first}" if first == last else f"records {first}–{last}"


def _newest_backup(anchors: Iterable[Anchor]) -> Anchor | None:
    return max((a for a in anchors if a.origin == "backup" and a.kept_in), key=lambda a: (a.seq, a.made_at),
               default=None)


def _older_copy_lines(last: int, last_at: str, newest: Anchor, backup: Anchor | None, here: str) -> list[str]:
    """What an older copy is and what to do, in the words the user reads first."""
    own = newest.origin != "local" or not newest.path or newest.path == here
    of = "this case file" if own else newest.path
    span = _span(last + 1, newest.seq)
    were = "was" if last + 1 == newest.seq else "were"
    since = f"after {local_time(last_at)}, " if last_at else ""
    statement = (f"This file is an older copy of {of}, made before {span} {were} written: the work recorded in "
                 f"{'that record' if were == 'was' else 'those records'} ({since}up to "
                 f"{local_time(newest.made_at)}) is not in it.")
    db = here or "DB"
    where = newest.path or here or "this place"
    advice = (f"If you put this copy here on purpose, nothing needs doing. Otherwise find the newer file (it was last "
              f"at {where})")
    if backup is not None and backup.seq > last:
        advice += (f" or restore the newest backup, which holds records up to {backup.seq}: python -m casereview "
                   f"restore {backup.kept_in} {db}.")
    else:
        advice += f" or restore the newest backup you have: python -m casereview restore BACKUP {db}."
    return [statement, advice]


def _other_copy_lines(other: Anchor, since: int, here: str) -> list[str]:
    """This place's anchor belongs to another copy of the file, which went its own way at record `since`."""
    where = other.path or here or "this place"
    return [f"This file is not the copy of it last used here: that copy (its trail reached record {other.seq}, "
            f"{local_time(other.made_at)}) and this file have gone separate ways from record {since} on, when one of "
            "them was put back to an older state (an older copy opened, or a backup restored). The work recorded in "
            "that copy since then is not in this file.",
            f"If you put this file here on purpose, nothing needs doing. Otherwise find the other copy (it was last at "
            f"{where}) and put it back."]


@dataclass(frozen=True)
class OlderCopy:
    """What opening the file found: an intact older copy of the file last used at its place (``record``: records
    `first`..`last` of the newer file are not in it, which the trail records), or another copy of the file that
    went its own way (nothing to record); `lines` say so."""

    first: int
    last: int
    lines: list[str]
    record: bool


def find_older_copy(session: Session, key: bytes, anchors: Sequence[Anchor], *,
                    here: Path | str | None) -> OlderCopy | None:
    """Whether the file at `here` is not a continuation of the one last used at its place: an intact older copy
    of it (head and ``reached`` agree, but a genuine anchor of this place or a backup beside it is further along
    on the same line), or a copy that went its own way. Cheap: it reads the head and the anchors' records, and the
    trail's rewind records only when an anchor does not agree (the full check of the chain is `verify`'s)."""
    seq, _chain, reached = head_state(session)
    if reached is None or reached > seq:  # not upgraded yet, or cut: `verify` says which
        return None
    where = place(here)
    mine = [a for a in anchors if not _elsewhere(a, where) and anchor_is_genuine(a, key)]
    chains: dict[int, str | None] = {}

    def chain_at(number: int) -> str | None:
        if number not in chains:
            chains[number] = session.scalar(select(m.AuditRecord.chain).where(m.AuditRecord.seq == number))
        return chains[number]

    rewinds: list[_Rewind] | None = None
    ahead: list[Anchor] = []
    replaced: list[tuple[Anchor, int]] = []
    for anchor in mine:
        if anchor.seq == 0 or (anchor.seq <= seq and hmac.compare_digest(chain_at(anchor.seq) or "", anchor.chain)):
            continue
        if rewinds is None:
            rewinds = _rewinds(session)
        verdict, rewind = _judge(anchor, seq, chain_at, rewinds)
        if verdict == "ahead":
            ahead.append(anchor)
        elif verdict in ("ours", "theirs") and anchor.origin == "local" and anchor.path == where:
            replaced.append((anchor, rewind.first if rewind is not None else anchor.branch_seq))
    if ahead:
        newest = max(ahead, key=lambda a: (a.seq, a.made_at))
        last_at = session.scalar(select(m.AuditRecord.at).where(m.AuditRecord.seq == seq)) or ""
        genuine = [a for a in anchors if anchor_is_genuine(a, key)]
        return OlderCopy(seq + 1, newest.seq, _older_copy_lines(seq, last_at, newest, _newest_backup(genuine), where),
                         record=True)
    if replaced:
        other, since = max(replaced, key=lambda pair: pair[0].seq)
        return OlderCopy(0, 0, _other_copy_lines(other, since, where), record=False)
    return None


# ------------------------------------------------------------------------------------------------------ verify


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    records: int
    first_broken: int | None
    lines: list[str]
    # Intact, but an older copy of the file last used at its place: records were written there that are not here.
    older_copy: bool = False
    # The lines to show before anything else (an older copy: what is missing and what to do); `lines` starts with
    # them.
    notes: tuple[str, ...] = ()
    # Places of other copies of this file known from their anchors (each named in `lines`).
    other_copies: tuple[str, ...] = ()


def verify(session: Session, key: bytes, anchors: Sequence[Anchor] = (), *,
           here: Path | str | None = None) -> VerifyReport:
    """Check every record's chain value in order, the head (and how far it says the trail reached), and every
    anchor; name the first broken record. `here` is the case file's path: anchors the data folder keeps for other
    places are copies of the file, not evidence against it (see the module)."""
    lines: list[str] = []
    expected_seq, prev = 1, GENESIS
    chains_at: dict[int, str] = {}
    wanted = {a.seq for a in anchors} | {a.branch_seq for a in anchors if a.branch_seq}
    rewinds: list[_Rewind] = []
    broken: int | None = None
    problem = ""
    count = 0
    last_at = ""
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
        if row.action in _REWIND_ACTIONS:
            found = _rewind(row.seq, row.at, row.action, row.object_id, row.outcome, row.chain)
            if found is not None:
                rewinds.append(found)
        prev, last_at = row.chain, row.at
        expected_seq += 1
    last = expected_seq - 1
    reached: int | None = None
    if broken is None:
        head_seq, head_chain, reached = head_state(session)
        if head_seq > last:
            broken = last + 1
            problem = (f"The trail ends at record {last}, but the file's own head says it reached record "
                       f"{head_seq}: records {last + 1} to {head_seq} were cut off.")
        elif head_seq < last or not hmac.compare_digest(head_chain, prev):
            broken = head_seq + 1 if head_seq < last else last
            problem = "The trail does not end where the file's own head says it does: records were added or changed."
        elif reached is not None and reached < head_seq:
            broken = reached + 1
            problem = (f"The file's own head says the trail never went past record {reached}, yet it ends at record "
                       f"{head_seq}: the head was edited outside CaseReview.")
    here_s = place(here)
    genuine: list[Anchor] = []
    if broken is None:
        for anchor in sorted(anchors, key=lambda a: a.seq, reverse=True):
            if anchor_is_genuine(anchor, key):
                genuine.append(anchor)
                continue
            named = f" ({anchor.source})" if anchor.source else ""
            lines.append(f"An anchor{named} is not genuine (it was not made with this file's key) and was not used.")
    mine = [a for a in genuine if not _elsewhere(a, here_s)]  # newest first
    theirs = [a for a in genuine if _elsewhere(a, here_s)]
    verdicts = {id(a): _judge(a, last, chains_at.get, rewinds) for a in mine}
    behind: list[Anchor] = []
    replaced: dict[int, list[Anchor]] = {}  # by this trail's rewind record: anchors of the file it replaced
    branches: dict[tuple[int, str], list[Anchor]] = {}  # by their own rewind: anchors of copies gone their own way
    if broken is None and (reached is None or reached == last):
        for anchor in mine:
            verdict, rewind = verdicts[id(anchor)]
            if verdict == "agrees":
                continue
            if rewind is not None:
                replaced.setdefault(rewind.seq, []).append(anchor)
            elif verdict == "theirs":
                branches.setdefault((anchor.branch_seq, anchor.branch_chain), []).append(anchor)
            elif verdict == "ahead" and reached is not None:
                behind.append(anchor)
            elif verdict == "ahead":  # a file from before `reached` was kept: only the anchor knows
                broken = last + 1
                problem = (f"The trail ends at record {last}, but the anchor made {anchor.made_at} "
                           f"({anchor.source or 'given'}) shows it reached record {anchor.seq}: records "
                           f"{last + 1} to {anchor.seq} were cut off.")
                break
            else:
                broken = anchor.seq
                problem = (f"Record {anchor.seq} differs from the anchor made {anchor.made_at} "
                           f"({anchor.source or 'given'}): the trail up to it was rewritten.")
                break
    elif broken is None and reached is not None and reached > last:
        broken = last + 1
        # (anchors of another line of the file are no evidence of what this one held)
        ahead = next((a for a in mine if verdicts[id(a)][0] == "ahead"), None)
        if ahead is None:
            problem = (f"The trail ends at record {last}, but the file's own head shows it reached record {reached}: "
                       f"records {last + 1} to {reached} were cut off.")
        else:
            problem = (f"The trail ends at record {last}, but the anchor made {ahead.made_at} "
                       f"({ahead.source or 'given'}) shows it reached record {ahead.seq}: records {last + 1} to "
                       f"{ahead.seq} were cut off.")
            if reached > ahead.seq:
                problem += (f" The file itself records that its trail reached record {reached}: records "
                            f"{last + 1} to {reached} are missing.")
    if broken is not None:
        return VerifyReport(False, count, broken, [f"The audit trail is NOT intact. {problem}", *lines])

    notes: list[str] = []
    if behind:
        newest = max(behind, key=lambda a: (a.seq, a.made_at))
        notes = _older_copy_lines(last, last_at, newest, _newest_backup(genuine), here_s)
    by_seq = {r.seq: r for r in rewinds}
    for seq in sorted(replaced):
        rewind, those = by_seq[seq], replaced[seq]
        what = (f"this file was restored from a backup holding records up to {rewind.first - 1}" if rewind.restored
                else f"this file was opened as an older copy ({_span(rewind.first, rewind.last or rewind.first)} "
                     "of the newer file it replaced are not in it)")
        lines.append(f"Record {rewind.seq} ({local_time(rewind.at)}) notes that {what}: {len(those)} anchor(s) of "
                     f"the file it replaced, from record {rewind.first} on, belong to that file and were not counted "
                     "against this one.")
    for (since, _chain), those in sorted(branches.items()):
        newest = max(those, key=lambda a: (a.seq, a.made_at))
        lines.append(f"{len(those)} anchor(s) of this case file (the newest made {local_time(newest.made_at)}, "
                     f"{newest.source or 'given'}, up to record {newest.seq}) belong to another copy of it, which went "
                     f"its own way at record {since} (an older copy was opened, or a backup restored, there): that "
                     "copy and this file have been used separately since. Nothing in this file is damaged.")
    copies: list[str] = []
    for anchor in theirs:  # newest first: the newest anchor of each other place speaks for it
        if anchor.path in copies:
            continue
        copies.append(anchor.path)
        gone = "" if Path(anchor.path).exists() else " (there is no file there now)"
        if anchor.seq > last:
            lines.append(f"The case file at {anchor.path}{gone} is further along than this one: its trail reached "
                         f"record {anchor.seq} (anchor made {local_time(anchor.made_at)}), this file's ends at "
                         f"record {last}. This file is an older copy of that one, or the two have been used "
                         f"separately since one was copied from the other; either way the work recorded there in "
                         f"{_span(last + 1, anchor.seq)} is not in this file. Nothing in this file is damaged.")
        elif anchor.seq > 0 and not hmac.compare_digest(chains_at.get(anchor.seq, ""), anchor.chain):
            lines.append(f"This file and the copy at {anchor.path}{gone} have been used separately since they were "
                         f"copied (they differ at record {anchor.seq} or earlier): work done in one is not in the "
                         "other. Nothing in this file is damaged.")
        else:
            lines.append(f"The case file at {anchor.path}{gone} is a separate copy of this file (or this file's "
                         f"earlier place): they agree up to record {anchor.seq}, the newest record known there. Work "
                         "done in one from then on is not in the other.")
    newest_ok = max((a for a in mine if verdicts[id(a)][0] == "agrees"), key=lambda a: a.seq, default=None)
    lines.insert(0, f"The audit trail is intact: {count} record(s), every chain value matches.")
    if not genuine:
        lines.append("No anchor was found to check the end of the trail against: export one "
                     "(python -m casereview audit anchor) and keep it away from this computer.")
    elif behind:
        lines.append(f"Every anchor up to its end matches it; {len(genuine)} anchor(s) checked.")
    elif newest_ok is None:
        lines.append("No anchor made for this file at this place was found to check the end of the trail against: "
                     f"export one (python -m casereview audit anchor); {len(genuine)} anchor(s) checked.")
    else:
        lines.append(f"It reaches at least as far as the newest anchor known (record {newest_ok.seq}, made "
                     f"{newest_ok.made_at}, {newest_ok.source or 'given'}); {len(genuine)} anchor(s) checked.")
    return VerifyReport(True, count, None, [*notes, *lines], older_copy=bool(behind), notes=tuple(notes),
                        other_copies=tuple(copies))


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
