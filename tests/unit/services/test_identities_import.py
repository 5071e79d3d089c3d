"""A signer's own PKCS#12 file as their signing identity, and the certificates the office trusts beside its own
authority. Only an administrator adds (or removes) a trusted certificate; an import is refused until its chain
reaches one the office trusts; requests signed with an imported identity check out against the office's trust roots,
and no longer once the administrator removes its root; a wrong password, a key that is not the certificate's, an
expired certificate and the rest are refused with nothing changed; a role that does not sign is refused; every
change is audited. (The command line: tests/integration/test_cli_accounts.py.)"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from casereview.documents.signing import verify_pdf
from casereview.policy.engine import screen_case
from casereview.policy.profile import load_builtin
from casereview.services import cases as casework
from casereview.services import exception_requests as exceptions
from casereview.services import identities
from casereview.services.access import OfficeType, Role
from casereview.services.demo import demo_cases
from casereview.services.session import PermissionDenied, ReauthenticationNeeded, UserSession, Workspace
from casereview.store import audit
from casereview.store import models as m
from tests.helpers import staff

PROFILE = load_builtin()
P12_PASSWORD = b"p12 secret 2026"
STATEMENTS = {"ground": "prevent_trafficking", "public_safety": "The witness is at risk; public safety requires it.",
              "justification": "Only a charge keeps the witness in reach of protection.",
              "evidence": "Detective report of 2026-03-10."}

Key = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class Issued:
    key: Key
    cert: x509.Certificate


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "State Bar PKI (test)")])


def _usage(*, sign: bool, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=sign, content_commitment=sign, key_encipherment=not sign and not ca,
                         data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                         encipher_only=False, decipher_only=False)


def _issue(subject: str, key: Key, issuer: Issued | None, *, ca: bool = False, sign: bool | None = True,
           days: tuple[int, int] = (-1, 365)) -> Issued:
    """A certificate for `key`: self-signed when `issuer` is None; valid from `days[0]` to `days[1]` days from now;
    with no key-usage extension when `sign` is None."""
    now = datetime.now(UTC)
    name = _name(subject)
    signer = issuer.key if issuer else key
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer.cert.subject if issuer else name)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now + timedelta(days=days[0])).not_valid_after(now + timedelta(days=days[1]))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if sign is not None:
        builder = builder.add_extension(_usage(sign=sign, ca=ca), critical=True)
    return Issued(key, builder.sign(signer, hashes.SHA256()))


def _p12(key: Key | None, cert: x509.Certificate | None, chain: list[x509.Certificate],
         password: bytes = P12_PASSWORD) -> bytes:
    return pkcs12.serialize_key_and_certificates(b"signer", key, cert, chain or None,
                                                 serialization.BestAvailableEncryption(password))


@dataclass(frozen=True)
class Pki:
    """A certificate authority that is not the office's (a root and an intermediate), and what it issued."""

    root: Issued
    intermediate: Issued
    rsa: Issued  # RSA-3072, issued by the root, to the prosecutor (Riley Chen)
    ec: Issued  # P-256, issued by the intermediate, to the prosecutor
    supervisor_rsa: Issued  # the same RSA key, issued by the root to the supervisor (Jordan Avery)


@pytest.fixture(scope="module")
def pki() -> Pki:
    root = _issue("State Bar Root CA", ec.generate_private_key(ec.SECP384R1()), None, ca=True, days=(-30, 3650))
    intermediate = _issue("State Bar Signing CA", ec.generate_private_key(ec.SECP256R1()), root, ca=True,
                          days=(-30, 3000))
    rsa_key = rsa.generate_private_key(65537, 3072)
    return Pki(root, intermediate, _issue("Riley Chen", rsa_key, root),
               _issue("Riley Chen", ec.generate_private_key(ec.SECP256R1()), intermediate),
               _issue("Jordan Avery", rsa_key, root))


@pytest.fixture
def office(workspace: Workspace) -> Iterator[dict[Role, UserSession]]:
    users = staff(workspace, OfficeType.PROSECUTOR)
    casework.import_cases(users[Role.PROSECUTOR], demo_cases(), PROFILE)
    yield users


def _decline() -> tuple[str, str]:
    for case in demo_cases():
        victims = {p.id for p in case.people if p.trafficking_victim} | {f.against for f in case.facts if f.against}
        for d in screen_case(case, PROFILE, presumptive=True).charges:
            if d.decision == "decline" and d.person not in victims:
                return case.case_number, d.charge
    raise AssertionError("no demo charge is declined")


def _state(ws: Workspace) -> tuple[list[tuple[int, bytes, datetime | None]], list[bytes]]:
    with ws.session() as db:
        rows = [(r.id, r.cert_der, r.revoked_at) for r in db.scalars(select(m.SigningIdentity).order_by(
            m.SigningIdentity.id))]
        trusted = list(db.scalars(select(m.TrustedCertificate.cert_der)))
    return rows, trusted


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _records(ws: Workspace, action: str) -> list[m.AuditRecord]:
    with ws.session() as db:
        return audit.records(db, action=action)


def test_a_request_signed_with_an_imported_rsa_identity_is_trusted_by_the_office(
        workspace: Workspace, office: dict[Role, UserSession], pki: Pki) -> None:
    admin, pat, sue = office[Role.ADMINISTRATOR], office[Role.PROSECUTOR], office[Role.SUPERVISOR]
    assert identities.trust_certificate(admin, _pem(pki.root.cert)) == pki.root.cert.subject.rfc4514_string()
    issued_before = identities.signing_identity(pat)
    name = identities.import_pkcs12(pat, _p12(pki.rsa.key, pki.rsa.cert, [pki.root.cert]), P12_PASSWORD)
    assert name == "Riley Chen"
    mine = identities.signing_identity(pat)
    assert mine.certificate == pki.rsa.cert and mine.chain_der == (_der(pki.root.cert),)
    roots = identities.office_trust_roots(workspace)
    assert roots == [identities.authority_certificate(workspace), _der(pki.root.cert)]

    number, charge = _decline()
    request = exceptions.draft_request(pat, number, [charge], **STATEMENTS)
    submitted = exceptions.submit_request(pat, request, affirmed=True)
    [report] = verify_pdf(submitted, roots)
    assert report.ok and report.signer == "Riley Chen", report.summary
    # against the office authority alone, as before the administrator trusted the root: intact, but not trusted
    [alone] = verify_pdf(submitted, [identities.authority_certificate(workspace)])
    assert alone.intact and not alone.trusted
    # the supervisor signs with the identity the office issued; both check out against the office's roots
    decided = exceptions.decide_request(sue, request, approve=True, reason="The witness's safety comes first.")
    assert [(r.signer, r.ok) for r in verify_pdf(decided, roots)] == [("Riley Chen", True),
                                                                       ("Jordan Avery", True)]

    rows, trusted = _state(workspace)
    pat_rows = [r for r in rows if r[1] in (issued_before.cert_der, mine.cert_der)]
    assert [(cert == mine.cert_der, revoked is None) for _id, cert, revoked in pat_rows] == [(False, False),
                                                                                           (True, True)]
    assert trusted == [_der(pki.root.cert)]
    [record] = _records(workspace, "signing_identity_imported")
    assert (record.user_id, record.object_id, record.outcome) == (pat.user_id, f"user:{pat.user_id}", "success")
    [added] = _records(workspace, "certificate_trusted")
    [row] = identities.trusted_certificates(pat)  # anyone logged in reads the list
    assert (added.user_id, added.object_id, added.outcome) == (admin.user_id, f"certificate:{row.id}:"
                                                               f"{row.sha256[:16]}", "success")
    assert (row.added_by, row.subject, row.label, row.signers) == (
        "admin", pki.root.cert.subject.rfc4514_string(), pki.root.cert.subject.rfc4514_string(), ("prosecutor",))
    assert row.sha256 == hashlib.sha256(_der(pki.root.cert)).hexdigest()
    assert row.not_after == pki.root.cert.not_valid_after_utc
    me = identities.my_identity(pat)
    assert me is not None and (me.name, me.imported, me.trusted) == ("Riley Chen", True, True)
    assert "State Bar Root CA" in me.issuer


def test_an_import_is_refused_until_an_administrator_trusts_the_root(
        workspace: Workspace, office: dict[Role, UserSession], pki: Pki) -> None:
    """A signer cannot make the office trust an authority of their choosing: the import names the root and says
    how an administrator adds it; nothing changes, nothing is recorded."""
    pat = office[Role.PROSECUTOR]
    before, identity = _state(workspace), identities.signing_identity(pat)
    with workspace.session() as db:
        records = len(audit.records(db))
    for data in (_p12(pki.rsa.key, pki.rsa.cert, [pki.root.cert]),
                 _p12(pki.ec.key, pki.ec.cert, [pki.intermediate.cert, pki.root.cert])):
        with pytest.raises(identities.IdentityRefused) as refused:
            identities.import_pkcs12(pat, data, P12_PASSWORD)
        message = str(refused.value)
        assert "does not trust the authority your certificate comes from" in message
        assert "CN=State Bar Root CA" in message, message
        assert "Administration → Trusted certificates" in message and "office trust" in message
        assert "Nothing was changed" in message
    own = _issue("Riley Chen", ec.generate_private_key(ec.SECP256R1()), None)
    with pytest.raises(identities.IdentityRefused, match=r"self-signed \(.*CN=Riley Chen"):
        identities.import_pkcs12(pat, _p12(own.key, own.cert, []), P12_PASSWORD)
    assert _state(workspace) == before and before[1] == []
    assert identities.signing_identity(pat) == identity
    assert identities.office_trust_roots(workspace) == [identities.authority_certificate(workspace)]
    with workspace.session() as db:
        assert len(audit.records(db)) == records
    me = identities.my_identity(pat)
    assert me is not None and (me.name, me.imported, me.trusted) == ("Riley Chen", False, True)


def test_trusting_only_the_intermediate_accepts_what_it_issued(
        workspace: Workspace, office: dict[Role, UserSession], pki: Pki) -> None:
    admin, pat, sue = office[Role.ADMINISTRATOR], office[Role.PROSECUTOR], office[Role.SUPERVISOR]
    identities.trust_certificate(admin, _der(pki.intermediate.cert), "State bar signing authority")  # DER
    assert [r.label for r in identities.trusted_certificates(admin)] == ["State bar signing authority"]
    # the chain in any order
    identities.import_pkcs12(pat, _p12(pki.ec.key, pki.ec.cert, [pki.root.cert, pki.intermediate.cert]),
                             P12_PASSWORD)
    assert len(identities.signing_identity(pat).chain_der) == 2
    # the root issued the RSA certificate directly, and the office does not trust the root
    with pytest.raises(identities.IdentityRefused, match="State Bar Root CA"):
        identities.import_pkcs12(sue, _p12(pki.rsa.key, None, [pki.root.cert, pki.supervisor_rsa.cert]), P12_PASSWORD)
    number, charge = _decline()
    request = exceptions.draft_request(pat, number, [charge], **STATEMENTS)
    submitted = exceptions.submit_request(pat, request, affirmed=True)
    [report] = verify_pdf(submitted, identities.office_trust_roots(workspace))
    assert report.ok and report.signer == "Riley Chen", report.summary


def test_an_ec_identity_with_an_intermediate_signs_beside_an_rsa_one(
        workspace: Workspace, office: dict[Role, UserSession], pki: Pki) -> None:
    admin, pat, sue = office[Role.ADMINISTRATOR], office[Role.PROSECUTOR], office[Role.SUPERVISOR]
    identities.trust_certificate(admin, _pem(pki.root.cert))
    identities.import_pkcs12(pat, _p12(pki.ec.key, pki.ec.cert, [pki.root.cert, pki.intermediate.cert]),
                             P12_PASSWORD)
    # the certificate among the others, as some tools write it
    identities.import_pkcs12(sue, _p12(pki.rsa.key, None, [pki.root.cert, pki.supervisor_rsa.cert]), P12_PASSWORD)
    assert identities.signing_identity(sue).certificate == pki.supervisor_rsa.cert
    assert len(identities.office_trust_roots(workspace)) == 2  # the authority and the one root trusted
    [row] = identities.trusted_certificates(admin)
    assert row.signers == ("prosecutor", "supervisor")
    number, charge = _decline()
    request = exceptions.draft_request(pat, number, [charge], **STATEMENTS)
    exceptions.submit_request(pat, request, affirmed=True)
    decided = exceptions.decide_request(sue, request, approve=False, reason="Not exceptional enough.")
    reports = verify_pdf(decided, identities.office_trust_roots(workspace))
    assert [r.signer for r in reports] == ["Riley Chen", "Jordan Avery"]
    assert all(r.ok for r in reports), [r.summary for r in reports]


def test_only_an_administrator_trusts_and_untrusts(
        workspace: Workspace, office: dict[Role, UserSession], pki: Pki, clock: object) -> None:
    for role in (Role.PROSECUTOR, Role.SUPERVISOR, Role.PARALEGAL):
        with pytest.raises(PermissionDenied, match="may not change the office settings"):
            identities.trust_certificate(office[role], _pem(pki.root.cert))
        assert _records(workspace, "permission_denied")[-1].user_id == office[role].user_id
    assert _state(workspace)[1] == [] and _records(workspace, "certificate_trusted") == []
    admin = office[Role.ADMINISTRATOR]
    identities.trust_certificate(admin, _pem(pki.root.cert))
    [row] = identities.trusted_certificates(office[Role.PARALEGAL])
    with pytest.raises(PermissionDenied):
        identities.untrust_certificate(office[Role.SUPERVISOR], row.id)
    clock.advance(minutes=6)  # type: ignore[attr-defined]
    with pytest.raises(ReauthenticationNeeded):
        identities.untrust_certificate(admin, row.id)
    with pytest.raises(ReauthenticationNeeded):
        identities.trust_certificate(admin, _pem(pki.intermediate.cert))
    assert _state(workspace)[1] == [_der(pki.root.cert)]


def test_a_certificate_the_office_cannot_trust_is_refused(
        workspace: Workspace, office: dict[Role, UserSession], pki: Pki) -> None:
    admin = office[Role.ADMINISTRATOR]
    identities.trust_certificate(admin, _pem(pki.root.cert))
    weak = rsa.generate_private_key(65537, 1024)
    expired = _issue("Old Root CA", ec.generate_private_key(ec.SECP256R1()), None, ca=True, days=(-400, -5))
    wrong = {
        "a person's": (_pem(pki.rsa.cert), "belongs to a person or a computer"),
        "expired": (_pem(expired.cert), "expired on"),
        "not yet valid": (_pem(_issue("Next Root CA", ec.generate_private_key(ec.SECP256R1()), None, ca=True,
                                      days=(3, 300)).cert), "not valid yet"),
        "weak": (_pem(_issue("Weak Root CA", weak, None, ca=True).cert), "1024 bits"),
        "duplicate": (_der(pki.root.cert), "already trusts this certificate"),
        "the office's own": (identities.authority_certificate(workspace), "office's own authority certificate"),
        "not a certificate": (b"certainly not", "not a certificate file"),
        "damaged PEM": (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "not a certificate"),
        "a PKCS#12 file": (_p12(pki.rsa.key, pki.rsa.cert, [pki.root.cert]), "private key"),
        "two at once": (_pem(pki.intermediate.cert) + _pem(pki.root.cert), "holds 2 certificates"),
    }
    before = _state(workspace)
    count = len(_records(workspace, "certificate_trusted"))
    for case, (data, message) in wrong.items():
        with pytest.raises(identities.TrustRefused, match=message) as refused:
            identities.trust_certificate(admin, data)
        assert "Nothing was changed" in str(refused.value), case
    assert _state(workspace) == before and len(_records(workspace, "certificate_trusted")) == count
    with pytest.raises(identities.TrustRefused, match="numbered 99"):
        identities.untrust_certificate(admin, 99)


def test_untrusting_a_root_makes_what_its_identities_signed_untrusted(
        workspace: Workspace, office: dict[Role, UserSession], pki: Pki) -> None:
    admin, pat = office[Role.ADMINISTRATOR], office[Role.PROSECUTOR]
    identities.trust_certificate(admin, _pem(pki.root.cert), "State bar")
    identities.import_pkcs12(pat, _p12(pki.rsa.key, pki.rsa.cert, [pki.root.cert]), P12_PASSWORD)
    number, charge = _decline()
    submitted = exceptions.submit_request(pat, exceptions.draft_request(pat, number, [charge], **STATEMENTS),
                                          affirmed=True)
    [before] = verify_pdf(submitted, identities.office_trust_roots(workspace))
    assert before.ok
    [row] = identities.trusted_certificates(admin)
    assert identities.untrust_certificate(admin, row.id) == "State bar"
    assert identities.trusted_certificates(admin) == []
    assert identities.office_trust_roots(workspace) == [identities.authority_certificate(workspace)]
    [after] = verify_pdf(submitted, identities.office_trust_roots(workspace))
    assert after.intact and not after.trusted and not after.ok
    me = identities.my_identity(pat)
    assert me is not None and me.imported and not me.trusted
    [removed] = _records(workspace, "certificate_untrusted")
    assert (removed.user_id, removed.object_id, removed.outcome) == (
        admin.user_id, f"certificate:{row.id}:{row.sha256[:16]}", "success")
    with pytest.raises(identities.TrustRefused, match="cannot be removed"):
        identities.untrust_certificate(admin, row.id)
    # a new import from that authority is refused again
    with pytest.raises(identities.IdentityRefused, match="does not trust"):
        identities.import_pkcs12(pat, _p12(pki.rsa.key, pki.rsa.cert, [pki.root.cert]), P12_PASSWORD)


def _wrong(pki: Pki) -> dict[str, tuple[bytes, bytes | None, str]]:
    """Files that must be refused: (the file, the password given, what the message says)."""
    other = ec.generate_private_key(ec.SECP256R1())
    expired = _issue("Riley Chen", pki.ec.key, pki.intermediate, days=(-400, -5))
    future = _issue("Riley Chen", pki.ec.key, pki.intermediate, days=(3, 300))
    encipher = _issue("Riley Chen", pki.ec.key, pki.intermediate, sign=False)
    chain = [pki.intermediate.cert, pki.root.cert]
    weak = rsa.generate_private_key(65537, 1024)
    return {
        "wrong password": (_p12(pki.ec.key, pki.ec.cert, chain), b"not the password", "password is wrong"),
        "no password": (_p12(pki.ec.key, pki.ec.cert, chain), None, "password is wrong"),
        "not a PKCS#12 file": (b"%PDF-1.7 certainly not", P12_PASSWORD, "not a PKCS#12 file"),
        "no key": (_p12(None, pki.ec.cert, chain), P12_PASSWORD, "holds no private key"),
        # (cryptography will not write a key with another's certificate: the certificate goes among the others)
        "mismatched key": (_p12(other, None, [pki.ec.cert, *chain]), P12_PASSWORD,
                           "does not belong to its certificate"),
        "no certificate": (_p12(other, None, chain), P12_PASSWORD, "holds no certificate for its key"),
        "expired": (_p12(pki.ec.key, expired.cert, chain), P12_PASSWORD, "expired on"),
        "not yet valid": (_p12(pki.ec.key, future.cert, chain), P12_PASSWORD, "not valid yet"),
        "not for signing": (_p12(pki.ec.key, encipher.cert, chain), P12_PASSWORD, "not meant for signing"),
        "incomplete chain": (_p12(pki.ec.key, pki.ec.cert, [pki.root.cert]), P12_PASSWORD,
                             "does not hold the certificate of the authority"),
        "weak RSA": (_p12(weak, _issue("Riley Chen", weak, pki.root).cert, [pki.root.cert]), P12_PASSWORD,
                     "1024 bits"),
    }


def test_a_file_that_cannot_be_a_signing_identity_is_refused_and_nothing_changes(
        workspace: Workspace, office: dict[Role, UserSession], pki: Pki) -> None:
    pat = office[Role.PROSECUTOR]
    identities.trust_certificate(office[Role.ADMINISTRATOR], _pem(pki.root.cert))
    before, identity = _state(workspace), identities.signing_identity(pat)
    with workspace.session() as db:
        records = len(audit.records(db))
    for case, (data, password, message) in _wrong(pki).items():
        with pytest.raises(identities.IdentityRefused, match=message) as refused:
            identities.import_pkcs12(pat, data, password)
        assert "Nothing was changed" in str(refused.value), case
    assert _state(workspace) == before and identities.signing_identity(pat) == identity
    with workspace.session() as db:
        assert len(audit.records(db)) == records


def test_only_a_signing_role_imports_and_only_with_a_fresh_password(
        workspace: Workspace, office: dict[Role, UserSession], pki: Pki, clock: object) -> None:
    data = _p12(pki.ec.key, pki.ec.cert, [pki.intermediate.cert, pki.root.cert])
    with pytest.raises(PermissionDenied, match="may not sign documents"):
        identities.import_pkcs12(office[Role.PARALEGAL], data, P12_PASSWORD)
    with workspace.session() as db:
        assert audit.records(db)[-1].action == "permission_denied"
    clock.advance(minutes=6)  # type: ignore[attr-defined]
    with pytest.raises(ReauthenticationNeeded):
        identities.import_pkcs12(office[Role.PROSECUTOR], data, P12_PASSWORD)
    assert _state(workspace)[1] == []


def test_a_self_signed_certificate_is_its_own_root(workspace: Workspace, office: dict[Role, UserSession]) -> None:
    pat = office[Role.PROSECUTOR]
    own = _issue("Riley Chen", ec.generate_private_key(ec.SECP256R1()), None)
    identities.trust_certificate(office[Role.ADMINISTRATOR], _pem(own.cert))  # a self-signed one, not an authority
    identities.import_pkcs12(pat, _p12(own.key, own.cert, []), P12_PASSWORD)
    assert identities.office_trust_roots(workspace)[1:] == [own.cert.public_bytes(serialization.Encoding.DER)]
    assert identities.trusted_certificates(pat)[0].signers == ("prosecutor",)
    number, charge = _decline()
    submitted = exceptions.submit_request(pat, exceptions.draft_request(pat, number, [charge], **STATEMENTS),
                                          affirmed=True)
    [report] = verify_pdf(submitted, identities.office_trust_roots(workspace))
    assert report.ok and report.signer == "Riley Chen", report.summary


def test_a_certificate_signs_unless_its_key_usage_forbids_it(workspace: Workspace, pki: Pki) -> None:
    """Without a key-usage extension, or with digitalSignature alone, a certificate signs (as Acrobat reads it);
    with a key usage for encryption only, the signature does not check out."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.fields import SigFieldSpec, append_signature_field
    from reportlab.pdfgen.canvas import Canvas

    from casereview.documents.signing import Identity, sign_pdf

    page = io.BytesIO()
    canvas = Canvas(page)
    canvas.drawString(72, 720, "Request for an exception under section 8")
    canvas.save()
    writer = IncrementalPdfFileWriter(io.BytesIO(page.getvalue()))
    append_signature_field(writer, SigFieldSpec("Requester", box=(72, 100, 272, 150)))
    form = io.BytesIO()
    writer.write(form)  # type: ignore[no-untyped-call]
    key = ec.generate_private_key(ec.SECP256R1())
    der = serialization.Encoding.DER
    key_der = key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    roots = [pki.root.cert.public_bytes(der)]
    for sign, ok in ((None, True), (True, True), (False, False)):
        cert = _issue(f"Pat (usage {sign})", key, pki.root, sign=sign).cert
        identity = Identity(key_der, cert.public_bytes(der), (pki.root.cert.public_bytes(der),))
        signed = sign_pdf(form.getvalue(), identity, identities.authority_certificate(workspace),
                          field_name="Requester", reason="Exception requested")
        [report] = verify_pdf(signed, roots)
        assert (report.ok, report.intact, report.trusted) == (ok, True, True), report.summary
        assert ok or "KEY_USAGE_NOT_FOR_SIGNING" in report.summary
