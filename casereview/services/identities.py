"""Signing identities: the office's certificate authority (made with the office, or on the first open of a file
made before it existed) and one identity per user whose role signs (administrator, supervisor, prosecutor,
attorney), issued when the account is created and again when an administrator resets its password.

The authority's key is wrapped by a key derived from the case file's key; a signer's key is wrapped by that user's
own key, which only their password unwraps — the office passphrase alone cannot sign as anyone.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from casereview.documents.signing import Identity, certificate_pem, issue_signer, make_office_authority
from casereview.services.access import Role
from casereview.services.session import AccessProblem, UserSession, Workspace, naive
from casereview.store import models as m
from casereview.store.safe_write import write_private

SIGNING_ROLES = frozenset({Role.ADMINISTRATOR.value, Role.SUPERVISOR.value, Role.PROSECUTOR.value,
                           Role.ATTORNEY.value})


class NoSigningIdentity(AccessProblem):
    pass


def _seal(key: bytes, secret: bytes, aad: str) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, secret, aad.encode())


def _open(key: bytes, sealed: bytes, aad: str) -> bytes:
    return AESGCM(key).decrypt(sealed[:12], sealed[12:], aad.encode())


def _authority_key(ws: Workspace) -> bytes:
    return HKDF(algorithm=SHA256(), length=32, salt=None,
                info=f"casereview office authority v1:{ws.file_id}".encode()).derive(ws.db_key)


def ensure_authority(db: Session, ws: Workspace, office_name: str | None) -> m.OfficeAuthority:
    """The office authority, made now when the file has none."""
    row = db.get(m.OfficeAuthority, 1)
    if row is None:
        made = make_office_authority(office_name or "CaseReview office")  # real time: certificates outlive clocks
        row = m.OfficeAuthority(id=1, cert_der=made.cert_der, created_at=naive(ws.now()),
                                wrapped_key=_seal(_authority_key(ws), made.key_der, f"authority:{ws.file_id}"))
        db.add(row)
        db.flush()
    return row


def _authority(db: Session, ws: Workspace) -> Identity:
    office = db.get(m.Office, 1)
    row = ensure_authority(db, ws, office.name if office else None)
    return Identity(_open(_authority_key(ws), row.wrapped_key, f"authority:{ws.file_id}"), row.cert_der)


def has_identity(db: Session, user_id: int) -> bool:
    return db.scalars(select(m.SigningIdentity.id).where(m.SigningIdentity.user_id == user_id,
                                                         m.SigningIdentity.revoked_at.is_(None))).first() is not None


def issue_for(db: Session, ws: Workspace, user: m.User, user_key: bytes) -> m.SigningIdentity | None:
    """Issue `user` a new signing identity (revoking any earlier one) when their role signs; `user_key` is the
    user's own key, just unwrapped or just made, which wraps the new private key."""
    now = naive(ws.now())
    for old in db.scalars(select(m.SigningIdentity).where(m.SigningIdentity.user_id == user.id,
                                                          m.SigningIdentity.revoked_at.is_(None))):
        old.revoked_at = now
    if user.role not in SIGNING_ROLES:
        return None
    authority = _authority(db, ws)
    office = db.get(m.Office, 1)
    made = issue_signer(authority, user.username, office.name if office else None)
    row = m.SigningIdentity(user_id=user.id, cert_der=made.cert_der, created_at=now,
                            wrapped_key=_seal(user_key, made.key_der, f"signing key:{ws.file_id}:{user.id}"))
    db.add(row)
    db.flush()
    return row


def signing_identity(session: UserSession) -> Identity:
    """The logged-in user's own signing identity (their password, through the session, unwraps it)."""
    session.ensure_active()
    ws = session.workspace
    with ws.session() as db:
        row = db.scalars(select(m.SigningIdentity).where(m.SigningIdentity.user_id == session.user_id,
                                                         m.SigningIdentity.revoked_at.is_(None))).first()
        if row is None:
            raise NoSigningIdentity(f"{session.username} has no signing identity: an administrator issues one by "
                                    "resetting the password, or the role does not sign.")
        try:
            key = _open(session.user_key, row.wrapped_key, f"signing key:{ws.file_id}:{session.user_id}")
        except InvalidTag:
            raise NoSigningIdentity("This signing identity belongs to an earlier password of the account: an "
                                    "administrator must issue a new one.") from None
        return Identity(key, row.cert_der)


def authority_certificate(ws: Workspace) -> bytes:
    """The office authority's certificate (DER), which a court or another office adds to its trusted list."""
    with ws.session() as db, db.begin():
        office = db.get(m.Office, 1)
        return ensure_authority(db, ws, office.name if office else None).cert_der


def export_authority_certificate(ws: Workspace, out: Path) -> Path:
    """Write the office certificate, PEM when `out` ends in .pem (else DER)."""
    der = authority_certificate(ws)
    write_private(out, certificate_pem(der) if out.suffix.lower() == ".pem" else der)
    return out
