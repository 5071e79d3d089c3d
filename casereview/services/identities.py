"""Signing identities: the office's certificate authority (made with the office, or on the first open of a file
made before it existed) and one identity per user whose role signs (administrator, supervisor, prosecutor,
attorney), issued when the account is created and again when an administrator resets its password.

The authority's key is wrapped by a key derived from the case file's key; a signer's key is wrapped by that user's
own key, which only their password unwraps — the office passphrase alone cannot sign as anyone.

A signer may instead import a PKCS#12 file the office already has (`import_pkcs12`): its key, certificate and
issuers' certificates become the user's identity. The file is accepted only when its certificate is issued to the
user's full name (a signed document prints that name under the signature) and its chain reaches a certificate the
office already trusts: its own authority, or one an administrator added (`trust_certificate`). Trusting an
authority means trusting every certificate it issues, in anyone's name, so that decision is an administrator's
alone; a signer's import never adds to the office's trust (`office_trust_roots`).
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import pkcs12
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from casereview.documents.signing import (
    Identity,
    Person,
    certificate_pem,
    issue_signer,
    make_office_authority,
    named_person,
    signer_name,
    signs,
)
from casereview.services.access import Op, Role
from casereview.services.session import AccessProblem, UserSession, Workspace, naive, set_audit_object
from casereview.store import models as m
from casereview.store.safe_write import write_private

SIGNING_ROLES = frozenset({Role.ADMINISTRATOR.value, Role.SUPERVISOR.value, Role.PROSECUTOR.value,
                           Role.ATTORNEY.value})


MIN_RSA_BITS = 2048
MIN_EC_BITS = 256
MAX_CHAIN = 8


class NoSigningIdentity(AccessProblem):
    pass


class IdentityRefused(AccessProblem):
    """A PKCS#12 file that cannot become the user's signing identity; the message says why. Nothing was changed."""


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


def _current(user_id: int) -> Select[m.SigningIdentity]:
    """A user's signing identities not revoked (there is one at most)."""
    return select(m.SigningIdentity).where(m.SigningIdentity.user_id == user_id,
                                           m.SigningIdentity.revoked_at.is_(None))


def has_identity(db: Session, user_id: int) -> bool:
    return db.scalars(_current(user_id)).first() is not None


def lacks_full_name(user: m.User) -> bool:
    """Whether the account has no full name: a signing identity names the person, so none is issued without it."""
    return not (user.full_name or "").strip()


def _person(user: m.User) -> Person:
    return Person(full_name=(user.full_name or "").strip(), username=user.username, title=user.title or None)


def needs_new_identity(db: Session, user: m.User) -> bool:
    """Whether `user` should be issued a signing identity now: their role signs, their full name is filled in, and
    they have none, or the office issued theirs in another name or title (in the user name, before full names were
    kept; or before the name was changed). An identity the user imported from their own PKCS#12 file is theirs to
    replace."""
    if user.role not in SIGNING_ROLES or lacks_full_name(user):
        return False
    row = db.scalars(_current(user.id)).first()
    if row is None:
        return True
    if row.chain_pem is not None:
        return False
    return named_person(row.cert_der) != _person(user).as_certified()


def issue_for(db: Session, ws: Workspace, user: m.User, user_key: bytes) -> m.SigningIdentity | None:
    """Issue `user` a new signing identity (revoking any earlier one) when their role signs; `user_key` is the
    user's own key, just unwrapped or just made, which wraps the new private key. The certificate names the person:
    its common name is the full name (the user name is its user id attribute, the title its title). Without a full
    name no identity is issued (`signing_identity` then says what to fill in); any earlier one is revoked all the
    same, as its key may be one the user can no longer open. Documents signed with an earlier identity keep valid
    signatures: the office authority issued it, and the office trusts the authority."""
    now = naive(ws.now())
    for old in db.scalars(_current(user.id)):
        old.revoked_at = now
    if user.role not in SIGNING_ROLES or lacks_full_name(user):
        return None
    authority = _authority(db, ws)
    office = db.get(m.Office, 1)
    made = issue_signer(authority, _person(user), office.name if office else None)
    row = m.SigningIdentity(user_id=user.id, cert_der=made.cert_der, created_at=now,
                            wrapped_key=_seal(user_key, made.key_der, f"signing key:{ws.file_id}:{user.id}"))
    db.add(row)
    db.flush()
    return row


def no_name_message(username: str, *, own: bool = True) -> str:
    who = "Your" if own else f"{username}'s"
    return (f"{who} full name is not filled in, so {'you' if own else 'they'} cannot sign: a signing certificate, "
            "and every signed document, names the person who signs. Fill in the full name (and title) under "
            "Administration → Users and roles → Names…, or with python -m casereview user set "
            f"{username!r} --full-name \"…\" --title \"…\"; the signing identity is then issued in that name.")


def signing_identity(session: UserSession) -> Identity:
    """The logged-in user's own signing identity (their password, through the session, unwraps it).

    Refused (NoSigningIdentity, saying what to fill in) when the account has no full name. When the office issued
    the present identity in another name or title than the account's (in the user name, before full names were
    kept), or the account has none yet, a new one is issued now, in the full name: the session holds the key that
    wraps it."""
    session.ensure_active()
    ws = session.workspace
    with ws.session() as db:
        user = db.get(m.User, session.user_id)
        assert user is not None
        if user.role in SIGNING_ROLES and lacks_full_name(user):
            raise NoSigningIdentity(no_name_message(session.username))
        renew = needs_new_identity(db, user) and not ws.read_only
    if renew:
        with ws.session() as db, db.begin():
            user = db.get(m.User, session.user_id)
            assert user is not None
            if needs_new_identity(db, user):
                issue_for(db, ws, user, session.user_key)
    with ws.session() as db:
        row = db.scalars(_current(session.user_id)).first()
        if row is None:
            raise NoSigningIdentity(f"{session.username} has no signing identity: an administrator issues one by "
                                    "resetting the password, or the role does not sign.")
        try:
            key = _open(session.user_key, row.wrapped_key, f"signing key:{ws.file_id}:{session.user_id}")
        except InvalidTag:
            raise NoSigningIdentity("This signing identity belongs to an earlier password of the account: an "
                                    "administrator must issue a new one.") from None
        if row.chain_pem is not None:  # imported: it must still name the person whose name documents print
            user = db.get(m.User, session.user_id)
            assert user is not None
            holder = named_person(row.cert_der).full_name.strip()
            full_name = (user.full_name or "").strip()
            if not holder or not same_name(holder, full_name):
                raise NoSigningIdentity(
                    f"Your signing certificate (imported from your PKCS#12 file) is issued to “{holder}”, but your "
                    f"full name here is now “{full_name}”: a signed document would print one name under the "
                    "signature and name another in its certificate, so nothing is signed with it. Import a "
                    f"certificate issued to “{full_name}” (My signing certificate…), or have the full name put "
                    "back as it was (Administration → Users and roles → Names…).")
        chain = tuple(c.public_bytes(serialization.Encoding.DER)
                      for c in x509.load_pem_x509_certificates(row.chain_pem.encode())) if row.chain_pem else ()
        return Identity(key, row.cert_der, chain)


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


def office_trust_roots(ws: Workspace) -> list[bytes]:
    """The certificates (DER) a signature of this office must chain to: the office authority's, then those an
    administrator added (`trust_certificate`). Every check of a document against the office uses these."""
    authority = authority_certificate(ws)
    with ws.session() as db:
        imported = db.scalars(select(m.TrustedCertificate.cert_der).order_by(m.TrustedCertificate.id)).all()
    return [authority, *(der for der in imported if der != authority)]


# ------------------------------------------------------------------------------------------- PKCS#12 import


def _refuse(problem: str) -> IdentityRefused:
    return IdentityRefused(f"{problem} Nothing was changed: your signing identity is the one you had.")


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _spki(public_key: PublicKeyTypes) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _subject(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string() or "(no name)"


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _is_authority(cert: x509.Certificate) -> bool:
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def _check_dates(cert: x509.Certificate, what: str, now: datetime) -> None:
    if now < cert.not_valid_before_utc:
        raise _refuse(f"{what} is not valid yet: it is valid from {cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC.")
    if now > cert.not_valid_after_utc:
        raise _refuse(f"{what} expired on {cert.not_valid_after_utc:%Y-%m-%d}. Ask whoever issued it for a new one.")


def _signing_key(key: object) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < MIN_RSA_BITS:
            raise _refuse(f"The file's RSA key has {key.key_size} bits; a signing key needs at least {MIN_RSA_BITS}.")
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if key.curve.key_size < MIN_EC_BITS:
            raise _refuse(f"The file's elliptic-curve key ({key.curve.name}) is too weak; a signing key needs a curve "
                          f"of at least {MIN_EC_BITS} bits, such as P-256.")
        return key
    raise _refuse(f"The file's key is of a kind CaseReview cannot sign with ({type(key).__name__.lstrip('_')}); use "
                  "an RSA key (2048 bits or more) or an elliptic-curve (EC) key.")


def _chain(cert: x509.Certificate, others: list[x509.Certificate], now: datetime) -> list[x509.Certificate]:
    """The certificates from `cert`'s issuer up to the root it ends at, from `others` (in any order). Refused when
    the chain is incomplete, or an issuer is not an authority or not valid now."""
    path: list[x509.Certificate] = []
    current = cert
    while not _issued_by(current, current):  # up to a self-signed root
        issuer = next((c for c in others if c not in path and c != current and _issued_by(current, c)), None)
        if issuer is None:
            raise _refuse(f"The file does not hold the certificate of the authority that issued "
                          f"{'your certificate' if current is cert else _subject(current)} "
                          f"({current.issuer.rfc4514_string()}), so the chain cannot be checked up to its root. "
                          "Export the PKCS#12 file again with its whole certificate chain.")
        if not _is_authority(issuer):
            raise _refuse(f"The certificate {_subject(issuer)} in the chain is not a certificate authority's.")
        _check_dates(issuer, f"The chain's certificate {_subject(issuer)}", now)
        path.append(issuer)
        current = issuer
        if len(path) > MAX_CHAIN:
            raise _refuse("The file's certificate chain is too long.")
    return path


def same_name(one: str, other: str) -> bool:
    """Whether two spellings of a person's name are the same name: case, the spaces around it and runs of spaces
    inside it do not count (nor the Unicode form of its accents)."""
    def folded(name: str) -> str:
        return unicodedata.normalize("NFC", " ".join(name.split())).casefold()

    return folded(one) == folded(other)


def _check_holder(session: UserSession, cert: x509.Certificate) -> None:
    """Refused unless `cert` is issued to the user's full name (its common name): documents print the full name
    under the signature, and the certificate a reader checks must name the same person."""
    with session.workspace.session() as db:
        user = db.get(m.User, session.user_id)
        full_name = (user.full_name or "").strip() if user is not None else ""
    holder = named_person(_der(cert)).full_name.strip()
    issued_to = f"“{holder}”" if holder else "no one by name (it has no common name)"
    correct = ("under Administration → Users and roles → Names…, or with python -m casereview user set DB "
               f"{session.username!r} --full-name \"…\"")
    if not full_name:
        raise _refuse(f"Your account has no full name yet, so CaseReview cannot check that this certificate (issued "
                      f"to {issued_to}) is yours: a signed document prints your full name under the signature, and "
                      f"the certificate must name the same person. Have your full name filled in ({correct}), then "
                      "import the file again.")
    if not holder or not same_name(holder, full_name):
        raise _refuse(f"The certificate in this file is issued to {issued_to}, but your full name here is "
                      f"“{full_name}”: a signed document prints your full name under the signature, and the "
                      f"certificate must name the same person. Ask whoever issues your certificates for one issued "
                      f"to “{full_name}”; or, if “{full_name}” is not your full name as documents should print it, "
                      f"have it corrected ({correct}). Then import the file again.")


def import_pkcs12(session: UserSession, data: bytes, password: bytes | None) -> str:
    """Make a PKCS#12 file (a private key, its certificate and the issuers' certificates, usually protected by a
    password) the signing identity of the logged-in user, in place of the one the office authority issued.
    Privileged (the password must have been given recently). Returns the name the certificate gives its holder.

    Refused, with nothing changed, for a wrong password, a file without a key or certificate, a key that is not the
    certificate's, a certificate not valid now or not meant for signing, a certificate whose common name is not the
    user's full name (`same_name`: case and surrounding spaces aside), a key CaseReview cannot sign with, an
    incomplete chain — and when no certificate of the chain is one the office already trusts (its authority, or one
    an administrator added with `trust_certificate`): an import never adds to what the office trusts."""
    session.authorize(Op.SIGN)
    ws = session.workspace
    try:
        key, cert, others = pkcs12.load_key_and_certificates(data, password)
    except UnsupportedAlgorithm:
        raise _refuse("The PKCS#12 file is protected with an old kind of encryption CaseReview cannot read: export it "
                      "again with AES encryption.") from None
    except ValueError as exc:
        if "password" in str(exc).lower():
            raise _refuse("The PKCS#12 file's password is wrong or missing (or the file is damaged).") from None
        raise _refuse("This is not a PKCS#12 file (.p12 or .pfx), or it is damaged.") from None
    if key is None:
        raise _refuse("The PKCS#12 file holds no private key, only certificates: a signing identity needs the key.")
    signing_key = _signing_key(key)
    if cert is None:  # some tools put every certificate among the "others"
        cert = next((c for c in others if _spki(c.public_key()) == _spki(signing_key.public_key())), None)
        if cert is None and any(not _is_authority(c) for c in others):
            raise _refuse("The PKCS#12 file's key does not belong to its certificate.")
        if cert is None:
            raise _refuse("The PKCS#12 file holds no certificate for its key.")
    if _spki(cert.public_key()) != _spki(signing_key.public_key()):
        raise _refuse("The PKCS#12 file's key does not belong to its certificate.")
    now = datetime.now(UTC)  # real time: certificates outlive the clock tests move
    _check_dates(cert, "The certificate", now)
    if not signs(_der(cert)):  # the same rule verify_pdf applies
        raise _refuse("The certificate is not meant for signing: its key usage allows neither digital signatures "
                      "nor non-repudiation.")
    _check_holder(session, cert)
    chain = _chain(cert, [c for c in others if c != cert], now)
    trusted = set(office_trust_roots(ws))
    if not any(_der(c) in trusted for c in (cert, *chain)):
        root = chain[-1] if chain else cert
        what = (f"the authority your certificate comes from ({_subject(root)})" if chain
                else f"your certificate, which is self-signed ({_subject(root)})")
        raise _refuse(f"The office does not trust {what}. Trusting it is an administrator's decision: give an "
                      "administrator that certificate (as a .pem, .crt, .cer or .der file), to add under "
                      "Administration → Trusted certificates, or with python -m casereview office trust DB ROOT.pem "
                      "--user ADMIN. Then import the file again.")
    key_der = signing_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
    with session.acting(Op.SIGN, "signing_identity_imported", f"user:{session.user_id}") as db:
        stamp = naive(ws.now())
        for old in db.scalars(_current(session.user_id)):
            old.revoked_at = stamp
        db.add(m.SigningIdentity(
            user_id=session.user_id, cert_der=_der(cert), created_at=stamp,
            wrapped_key=_seal(session.user_key, key_der, f"signing key:{ws.file_id}:{session.user_id}"),
            chain_pem="".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in chain)))
        db.flush()
    return signer_name(_der(cert))


# --------------------------------------------------------------------------------- what the office trusts


class TrustRefused(AccessProblem):
    """A certificate the office cannot begin (or stop) trusting; the message says why. Nothing was changed."""


@dataclass(frozen=True)
class CertificateFacts:
    """What people check about a certificate before trusting it."""

    subject: str  # the whole name, as RFC 4514 writes it
    name: str  # its common name
    issuer: str
    sha256: str  # the fingerprint, 64 hexadecimal digits (`fingerprint` writes it for people)
    not_before: datetime  # UTC
    not_after: datetime  # UTC
    self_signed: bool
    authority: bool  # a certificate authority's (it may issue certificates)


@dataclass(frozen=True)
class TrustedRow:
    """A certificate an administrator added to what the office trusts."""

    id: int
    subject: str
    name: str  # its common name
    label: str  # the administrator's words for it (its subject when none were given)
    sha256: str
    not_after: datetime  # UTC
    added_at: datetime  # UTC, as stored
    added_by: str  # the administrator's user name
    signers: tuple[str, ...]  # users whose present signing identity chains to it


@dataclass(frozen=True)
class MyIdentity:
    """The logged-in user's present signing certificate."""

    subject: str
    name: str
    issuer: str
    not_after: datetime  # UTC
    imported: bool  # from the user's own PKCS#12 file, not issued by the office authority
    trusted: bool  # its chain reaches a certificate the office trusts now


def fingerprint(sha256: str) -> str:
    """A SHA-256 fingerprint as authorities publish it: ``3A:F0:…`` (32 pairs)."""
    return ":".join(sha256[i:i + 2] for i in range(0, len(sha256), 2)).upper()


def _facts(cert: x509.Certificate) -> CertificateFacts:
    der = _der(cert)
    return CertificateFacts(subject=_subject(cert), name=signer_name(der), issuer=cert.issuer.rfc4514_string(),
                            sha256=hashlib.sha256(der).hexdigest(), not_before=cert.not_valid_before_utc,
                            not_after=cert.not_valid_after_utc, self_signed=_issued_by(cert, cert),
                            authority=_is_authority(cert))


def _load_certificate(data: bytes) -> x509.Certificate:
    """One certificate from a PEM or DER file."""
    not_one = TrustRefused("This is not a certificate file (.pem, .crt, .cer or .der), or it is damaged. (A .p12 "
                           "or .pfx file holds a private key: that is for a signer's own signing certificate, not "
                           "for this.) Nothing was changed.")
    if b"-----BEGIN" in data:
        try:
            found = x509.load_pem_x509_certificates(data)
        except ValueError:
            raise not_one from None
        if len(found) != 1:
            raise TrustRefused(f"The file holds {len(found)} certificates: add them one file at a time (the "
                               "authority's root certificate is usually enough). Nothing was changed.")
        return found[0]
    try:
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise not_one from None


def _weakness(cert: x509.Certificate) -> str:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        return f"its RSA key has {key.key_size} bits (at least {MIN_RSA_BITS} are needed)"
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.key_size < MIN_EC_BITS:
        return f"its elliptic-curve key ({key.curve.name}) is too weak"
    return ""


def certificate_to_trust(session: UserSession, data: bytes) -> CertificateFacts:
    """Read a certificate file (PEM or DER) an administrator means to trust, and check it could be: one
    certificate, an authority's or a self-signed one, valid now, with a strong enough key, not trusted already.
    Changes nothing; refused with `TrustRefused` (the window shows the facts before asking whether to trust)."""
    session.ensure_active()
    cert = _load_certificate(data)
    facts = _facts(cert)
    if not facts.authority and not facts.self_signed:
        raise TrustRefused(f"This certificate ({facts.subject}) belongs to a person or a computer, not to an "
                           f"authority: trust the certificate of the authority that issued it ({facts.issuer}) "
                           "instead. Nothing was changed.")
    now = datetime.now(UTC)  # real time, as for imports
    if now < facts.not_before:
        raise TrustRefused(f"The certificate {facts.subject} is not valid yet: it is valid from "
                           f"{facts.not_before:%Y-%m-%d %H:%M} UTC. Nothing was changed.")
    if now > facts.not_after:
        raise TrustRefused(f"The certificate {facts.subject} expired on {facts.not_after:%Y-%m-%d}: ask the "
                           "authority for its current certificate. Nothing was changed.")
    if weak := _weakness(cert):
        raise TrustRefused(f"The certificate {facts.subject} cannot be trusted: {weak}. Nothing was changed.")
    ws = session.workspace
    if _der(cert) == authority_certificate(ws):
        raise TrustRefused("This is the office's own authority certificate: the office always trusts it. Nothing "
                           "was changed.")
    with ws.session() as db:
        known = db.scalars(select(m.TrustedCertificate).where(m.TrustedCertificate.sha256 == facts.sha256)).first()
        if known is not None:
            raise TrustRefused(f"The office already trusts this certificate ({known.label}, number {known.id}). "
                               "Nothing was changed.")
    return facts


def trust_certificate(session: UserSession, data: bytes, label: str = "") -> str:
    """Trust a certificate (PEM or DER) beside the office authority: an authority's (a root or an intermediate) or
    a self-signed one, valid now (`certificate_to_trust` says what is refused). Every certificate it issues — in
    anyone's name — then checks out as the office's, and signers may import PKCS#12 files that chain to it. Only
    an administrator decides this (changing the office settings, password given recently); audited
    ``certificate_trusted``. Returns the certificate's subject."""
    session.authorize(Op.OFFICE_SETTINGS)
    facts = certificate_to_trust(session, data)
    der = _der(_load_certificate(data))
    with session.acting(Op.OFFICE_SETTINGS, "certificate_trusted") as db:
        row = m.TrustedCertificate(cert_der=der, sha256=facts.sha256, label=label.strip() or facts.subject,
                                   added_at=naive(session.workspace.now()), added_by=session.user_id)
        db.add(row)
        db.flush()
        set_audit_object(db, f"certificate:{row.id}:{facts.sha256[:16]}")
    return facts.subject


def untrust_certificate(session: UserSession, cert_id: int) -> str:
    """Stop trusting a certificate an administrator added (the office authority is not one of them: it is always
    trusted). Only an administrator; audited ``certificate_untrusted``. Returns its label.

    From then on, every document signed with a certificate that chains only to it — signed before or after —
    checks out as intact but NOT trusted, and signers whose identity chains to it (`TrustedRow.signers`) sign
    documents nobody here trusts until they import a file from an authority the office trusts, or an
    administrator resets their password (which issues them an identity from the office authority)."""
    session.authorize(Op.OFFICE_SETTINGS)
    with session.workspace.session() as db:
        if db.get(m.TrustedCertificate, cert_id) is None:
            raise TrustRefused(f"The office trusts no added certificate numbered {cert_id} (the office's own "
                               "authority is always trusted and cannot be removed). Nothing was changed.")
    with session.acting(Op.OFFICE_SETTINGS, "certificate_untrusted", f"certificate:{cert_id}") as db:
        row = db.get(m.TrustedCertificate, cert_id)
        if row is None:
            raise TrustRefused("Another administrator removed that certificate meanwhile. Nothing was changed.")
        set_audit_object(db, f"certificate:{row.id}:{row.sha256[:16]}")
        label = row.label
        db.delete(row)
    return label


def trusted_certificates(session: UserSession) -> list[TrustedRow]:
    """The certificates administrators added (oldest first), for anyone logged in; the office authority, always
    trusted, is not among them (`office_authority`)."""
    session.ensure_active()
    with session.workspace.session() as db:
        rows = db.scalars(select(m.TrustedCertificate).order_by(m.TrustedCertificate.id)).all()
        names = dict(db.execute(select(m.User.id, m.User.username)).all())
        current = db.execute(select(m.SigningIdentity.user_id, m.SigningIdentity.cert_der,
                                    m.SigningIdentity.chain_pem)
                             .where(m.SigningIdentity.revoked_at.is_(None),
                                    m.SigningIdentity.chain_pem.is_not(None))).all()
    signers: dict[bytes, list[str]] = {}
    for user_id, cert_der, chain_pem in current:
        for der in {cert_der, *_chain_der(chain_pem)}:
            signers.setdefault(der, []).append(names.get(user_id, f"user {user_id}"))
    found = []
    for row in rows:
        cert = x509.load_der_x509_certificate(row.cert_der)
        found.append(TrustedRow(id=row.id, subject=_subject(cert), name=signer_name(row.cert_der), label=row.label,
                                sha256=row.sha256, not_after=cert.not_valid_after_utc, added_at=row.added_at,
                                added_by=names.get(row.added_by, f"user {row.added_by}"),
                                signers=tuple(sorted(signers.get(row.cert_der, []), key=str.casefold))))
    return found


def _chain_der(chain_pem: str | None) -> list[bytes]:
    return [_der(c) for c in x509.load_pem_x509_certificates(chain_pem.encode())] if chain_pem else []


def office_authority(session: UserSession) -> CertificateFacts:
    """The office authority's certificate, always trusted (for anyone logged in)."""
    session.ensure_active()
    return _facts(x509.load_der_x509_certificate(authority_certificate(session.workspace)))


def my_identity(session: UserSession) -> MyIdentity | None:
    """The logged-in user's present signing certificate (None when they have none), and whether the office trusts
    it now. Reads only the certificate: the password is not needed."""
    session.ensure_active()
    ws = session.workspace
    with ws.session() as db:
        row = db.scalars(_current(session.user_id)).first()
        if row is None:
            return None
        cert_der, chain = row.cert_der, _chain_der(row.chain_pem)
        imported = row.chain_pem is not None
    cert = x509.load_der_x509_certificate(cert_der)
    if imported:
        roots = set(office_trust_roots(ws))
        trusted = any(der in roots for der in (cert_der, *chain))
    else:
        trusted = _issued_by(cert, x509.load_der_x509_certificate(authority_certificate(ws)))
    return MyIdentity(subject=_subject(cert), name=signer_name(cert_der), issuer=cert.issuer.rfc4514_string(),
                      not_after=cert.not_valid_after_utc, imported=imported, trusted=trusted)
