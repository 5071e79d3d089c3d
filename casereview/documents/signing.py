"""Digital signatures: the office's certificate authority, users' signing identities, PAdES signing and checking.

Everything here is offline. The office authority is a self-made root (ECDSA P-256); each signer's certificate is
issued by it with the digitalSignature and nonRepudiation key usages, valid long enough (20 years) for documents
that cannot be timestamped offline. Signing and checking are pyHanko's: a signature is checked for integrity, for
changes made after signing (pyHanko's modification analysis), and for trust — trusted by this office when its
chain ends at the office's authority; a document from another office is intact but not trusted, and says so.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CA_YEARS = 30
SIGNER_YEARS = 20


@dataclass(frozen=True)
class Identity:
    """A private key (PKCS#8 DER, in memory only) and its certificate (DER)."""

    key_der: bytes
    cert_der: bytes

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.cert_der)


def _name(common_name: str, organization: str | None) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64] or "CaseReview")]
    if organization:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization[:64]))
    return x509.Name(parts)


def _key_der(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def make_office_authority(office_name: str, *, now: datetime | None = None) -> Identity:
    """A new office certificate authority (a self-signed root that only signs the office's signers)."""
    now = now or datetime.now(UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(f"{office_name or 'CaseReview office'} — signing authority", office_name)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=365 * CA_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return Identity(_key_der(key), cert.public_bytes(serialization.Encoding.DER))


def issue_signer(authority: Identity, person: str, office_name: str | None, *,
                 now: datetime | None = None) -> Identity:
    """A signing identity for one person, issued by the office authority."""
    now = now or datetime.now(UTC)
    ca_key = serialization.load_der_private_key(authority.key_der, password=None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    ca_cert = authority.certificate
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name(person, office_name)).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=365 * SIGNER_YEARS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
                           critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return Identity(_key_der(key), cert.public_bytes(serialization.Encoding.DER))


def certificate_pem(cert_der: bytes) -> bytes:
    return x509.load_der_x509_certificate(cert_der).public_bytes(serialization.Encoding.PEM)


def signer_name(cert_der: bytes) -> str:
    names = x509.load_der_x509_certificate(cert_der).subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else "(no name)"


# ----------------------------------------------------------------------------------------------- sign and check


def sign_pdf(pdf: bytes, signer: Identity, authority_cert_der: bytes, *, field_name: str, reason: str,
             location: str | None = None, fill: dict[str, str] | None = None) -> bytes:
    """`pdf` with one more signature in `field_name` (an incremental update: earlier signatures stay valid).

    `fill` gives text form fields their values in the same update (the supervisor's decision, reason and date on
    a request the requester signed): form filling is a change the earlier signatures permit."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    cert = asn1_x509.Certificate.load(signer.cert_der)
    authority = asn1_x509.Certificate.load(authority_cert_der)
    simple = signers.SimpleSigner(signing_cert=cert, signing_key=asn1_keys.PrivateKeyInfo.load(signer.key_der),
                                  cert_registry=SimpleCertificateStore.from_certs([cert, authority]))
    meta = signers.PdfSignatureMetadata(field_name=field_name, reason=reason, location=location,
                                        md_algorithm="sha256")
    out = io.BytesIO()
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    if fill:
        fill_text_fields(writer, fill)
    signers.sign_pdf(writer, meta, signer=simple, output=out)
    return out.getvalue()


def fill_text_fields(writer: Any, values: dict[str, str]) -> None:
    """Set text form fields' values, each with an appearance a reader shows as it is (Helvetica, one line)."""
    from pyhanko.pdf_utils import generic

    fields = {str(ref.get_object().get("/T")): ref.get_object() for ref in writer.root["/AcroForm"]["/Fields"]}
    missing = sorted(set(values) - set(fields))
    if missing:
        raise ValueError(f"the form has no field {missing[0]!r}")
    font = writer.add_object(generic.DictionaryObject({
        "/Type": generic.NameObject("/Font"), "/Subtype": generic.NameObject("/Type1"),
        "/BaseFont": generic.NameObject("/Helvetica"), "/Encoding": generic.NameObject("/WinAnsiEncoding")}))
    for name, value in values.items():
        field = fields[name]
        field["/V"] = generic.TextStringObject(value)
        x0, y0, x1, y1 = (float(v) for v in field["/Rect"])
        shown = value.encode("cp1252", "replace").replace(b"\\", b"\\\\").replace(b"(", b"\\(") \
            .replace(b")", b"\\)")
        appearance = generic.StreamObject({
            "/Type": generic.NameObject("/XObject"), "/Subtype": generic.NameObject("/Form"),
            "/BBox": generic.ArrayObject([generic.FloatObject(0), generic.FloatObject(0),
                                          generic.FloatObject(x1 - x0), generic.FloatObject(y1 - y0)]),
            "/Resources": generic.DictionaryObject({"/Font": generic.DictionaryObject({"/Helv": font})})},
            stream_data=b"/Tx BMC q BT /Helv 10 Tf 2 6 Td (" + shown + b") Tj ET Q EMC")
        field["/AP"] = generic.DictionaryObject({"/N": writer.add_object(appearance)})
        writer.update_container(field)


@dataclass(frozen=True)
class SignatureReport:
    field: str
    signer: str
    signed_at: datetime | None
    intact: bool  # the signed bytes are unchanged and the signature matches them
    valid: bool  # intact, and the certificate chain checks out against the trust roots given
    trusted: bool  # the chain ends at one of the trust roots (this office's authority)
    modified_after: bool  # changes after this signature that are not permitted (pyHanko's diff analysis)
    summary: str

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and not self.modified_after


def verify_pdf(pdf: bytes, trust_roots_der: list[bytes]) -> list[SignatureReport]:
    """Check every signature of a PDF against these trust roots (the office authority's certificate)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    roots = [asn1_x509.Certificate.load(der) for der in trust_roots_der]
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    reports = []
    for embedded in reader.embedded_signatures:
        context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
        status = validate_pdf_signature(embedded, signer_validation_context=context)
        modified = status.modification_level is not None and status.modification_level.name not in (
            "NONE", "LTA_UPDATES", "FORM_FILLING")
        cert_der = status.signing_cert.dump()
        reports.append(SignatureReport(
            field=embedded.field_name, signer=signer_name(cert_der), signed_at=status.signer_reported_dt,
            intact=bool(status.intact and status.valid), valid=bool(status.bottom_line),
            trusted=bool(status.trusted), modified_after=modified or not status.docmdp_ok,
            summary=status.summary()))
    return reports


def random_serial() -> int:
    return secrets.randbits(63)
