"""Digital signatures: the office's certificate authority, users' signing identities, PAdES signing and checking.

Everything here is offline. The office authority is a self-made root (ECDSA P-256); each signer's certificate is
issued by it with the digitalSignature and nonRepudiation key usages, valid long enough (20 years) for documents
that cannot be timestamped offline. A signer may instead use an identity of their own (an RSA or EC key and its
certificate chain, imported from a PKCS#12 file). Signing and checking are pyHanko's: a signature is checked for
integrity, for changes made after signing (pyHanko's modification analysis), and for trust — trusted by this office
when its chain ends at one of the office's trust roots (its authority, and the roots of imported identities); a
document from another office is intact but not trusted, and says so.

Signing is made fast (see benchmarks/signing.py): the key is loaded once per `Identity` (pyHanko's own signer loads
and, for RSA, re-validates it on every signature), the parts of a signature that depend only on the certificate are
made once (asn1crypto re-encodes what it built on every write, the largest cost of all), and the space for the
signature is reserved from the certificates' sizes rather than measured by pyHanko with a trial signature.
"""

from __future__ import annotations

import io
import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cached_property
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import NameOID

CA_YEARS = 30
SIGNER_YEARS = 20


SIGNED_ATTRIBUTES_RESERVE = 4096  # bytes beyond the certificates: signed attributes, the signature, CMS framing


@dataclass(frozen=True)
class Identity:
    """A private key (PKCS#8 DER, in memory only), its certificate (DER) and, for an identity imported from a PKCS#12
    file, its issuers' certificates (DER, the signer's issuer first). The loaded key and certificates are kept with
    it once used (`loaded_key`), so signing many documents with one identity parses them once."""

    key_der: bytes = field(repr=False)
    cert_der: bytes
    chain_der: tuple[bytes, ...] = ()

    def __getstate__(self) -> dict[str, object]:  # pickled without the loaded key (which cannot be)
        return {"key_der": self.key_der, "cert_der": self.cert_der, "chain_der": self.chain_der}

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.cert_der)

    @cached_property
    def loaded_key(self) -> PrivateKeyTypes:
        return serialization.load_der_private_key(self.key_der, password=None)

    @cached_property
    def asn1(self) -> tuple[Any, Any, tuple[Any, ...]]:
        """(certificate, key, chain) as asn1crypto objects, for pyHanko."""
        return (asn1_x509.Certificate.load(self.cert_der), asn1_keys.PrivateKeyInfo.load(self.key_der),
                tuple(asn1_x509.Certificate.load(der) for der in self.chain_der))


MAX_NAME_ATTRIBUTE = 64  # X.520's upper bound for a common name or a title


@dataclass(frozen=True)
class Person:
    """Who a signing certificate names: the person's full name (its common name, as the stamp and a PDF reader's
    signature panel show it), the account's user name (its user id attribute) and the person's title."""

    full_name: str
    username: str = ""
    title: str | None = None

    def signed_as(self) -> str:
        return f"{self.full_name}, {self.title}" if self.title else self.full_name

    def as_certified(self) -> Person:
        """The person as a certificate can name them: a title longer than X.520 allows is left out (not cut)."""
        title = self.title if self.title and len(self.title) <= MAX_NAME_ATTRIBUTE else None
        return Person(self.full_name[:MAX_NAME_ATTRIBUTE], self.username[:MAX_NAME_ATTRIBUTE], title)


def _name(common_name: str, organization: str | None, *, username: str = "", title: str | None = None) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64] or "CaseReview")]
    if title and len(title) <= MAX_NAME_ATTRIBUTE:  # a longer title is not cut: the stamp is given it instead
        parts.append(x509.NameAttribute(NameOID.TITLE, title))
    if username:
        parts.append(x509.NameAttribute(NameOID.USER_ID, username[:64]))
    if organization:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization[:64]))
    return x509.Name(parts)


def _attribute(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> str | None:
    found = cert.subject.get_attributes_for_oid(oid)
    return str(found[0].value) if found else None


def named_person(cert_der: bytes) -> Person:
    """The person a certificate names (its common name, user id and title attributes)."""
    cert = x509.load_der_x509_certificate(cert_der)
    return Person(_attribute(cert, NameOID.COMMON_NAME) or "", _attribute(cert, NameOID.USER_ID) or "",
                  _attribute(cert, NameOID.TITLE))


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


def issue_signer(authority: Identity, person: Person | str, office_name: str | None, *,
                 now: datetime | None = None) -> Identity:
    """A signing identity for one person, issued by the office authority: its subject's common name is the
    person's full name (as long as a certificate allows, 64 characters), with their title and user name beside."""
    now = now or datetime.now(UTC)
    if isinstance(person, str):
        person = Person(person)
    ca_key = serialization.load_der_private_key(authority.key_der, password=None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    ca_cert = authority.certificate
    key = ec.generate_private_key(ec.SECP256R1())
    subject = _name(person.full_name, office_name, username=person.username, title=person.title)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_cert.subject)
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
             location: str | None = None, fill: dict[str, str] | None = None,
             new_field: tuple[int, tuple[int, int, int, int]] | None = None,
             time_zone: tzinfo | None = None, signer_title: str | None = None) -> bytes:
    """`pdf` with one more signature in `field_name` (an incremental update: earlier signatures stay valid).

    The signature is PAdES baseline B-B: a CAdES detached signature (/SubFilter /ETSI.CAdES.detached) whose signed
    attributes hold the signing certificate's hash (signing-certificate-v2). Its visible stamp names the signer as
    the certificate does — full name and title (`signer_title` when given: a title too long for a certificate) — and
    the time of signing in `time_zone` (the office's; by default this computer's own), never in UTC alone.

    The signature carries the signer's certificate and its chain: an imported identity's own, or the office
    authority's certificate. `fill` gives text form fields their values in the same update (the supervisor's
    decision, reason and date on a request the requester signed): form filling is a change the earlier signatures
    permit. `new_field` (page index, box) makes the signature field in the same update, when the document has none
    yet (one pass over the file fewer)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.fields import SigFieldSpec
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    cert, key, chain = signer.asn1
    # An imported identity carries its own chain; one the office issued, the office authority's certificate.
    extra = chain or (_asn1_certificate(authority_cert_der),)
    registry = SimpleCertificateStore.from_certs([cert, *extra])
    simple = _signer_class()(signing_cert=cert, signing_key=key, cert_registry=registry)
    simple.loaded_key = signer.loaded_key
    meta = signers.PdfSignatureMetadata(field_name=field_name, reason=reason, location=location,
                                        md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES)
    certificates = len(signer.cert_der) + sum(len(c.dump()) for c in extra)
    out = io.BytesIO()
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    if fill:
        fill_text_fields(writer, fill)
    # Hex in the PDF: two characters a byte. Reserving it spares pyHanko a trial signature to measure it.
    spec = SigFieldSpec(field_name, on_page=new_field[0], box=new_field[1]) if new_field else None
    signers.PdfSigner(meta, simple, stamp_style=_stamp_style(), new_field_spec=spec).sign_pdf(
        writer, output=out, bytes_reserved=2 * (certificates + SIGNED_ATTRIBUTES_RESERVE),
        appearance_text_params=stamp_words(signer.cert_der, datetime.now(UTC), time_zone, signer_title))
    return out.getvalue()


def stamp_words(cert_der: bytes, moment: datetime, time_zone: tzinfo | None = None,
                title: str | None = None) -> dict[str, str]:
    """What the visible stamp says (`_stamp_style`): the signer as the certificate names them (the full name, then
    the title on a line of its own: "Jordan Avery" / "Chief Deputy District Attorney") and the local time of signing
    ("30 November 2026, 5:30 pm PST")."""
    person = named_person(cert_der)
    local = moment.astimezone(time_zone) if time_zone is not None else moment.astimezone()
    hour = local.strftime("%I:%M").lstrip("0")
    when = f"{local.day} {local:%B %Y}, {hour} {'am' if local.hour < 12 else 'pm'} {local:%Z}".strip()
    who = person.full_name or signer_name(cert_der)
    title = title or person.title
    if title:  # the title on lines of its own, so that a long one does not shrink the whole stamp
        who += "\n" + "\n".join(_lines(title, STAMP_LINE))
    return {"who": who, "when": when}


STAMP_LINE = 44  # characters on a line of the stamp


def _lines(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


_STAMP: list[Any] = []


def _stamp_style() -> Any:
    """What a signature shows on the page: who signed and when, in a thin box (pyHanko's default adds its logo)."""
    if not _STAMP:
        from pyhanko.stamp import TextStampStyle

        _STAMP.append(TextStampStyle(border_width=1, background=None,
                                     stamp_text="Digitally signed by\n%(who)s\n%(when)s"))
    return _STAMP[0]


_ASN1_CERTIFICATES: dict[bytes, Any] = {}


def _asn1_certificate(der: bytes) -> Any:
    """The office authority's certificate, parsed once per process (it is the same for every signature)."""
    if der not in _ASN1_CERTIFICATES:
        if len(_ASN1_CERTIFICATES) > 16:
            _ASN1_CERTIFICATES.clear()
        _ASN1_CERTIFICATES[der] = asn1_x509.Certificate.load(der)
    return _ASN1_CERTIFICATES[der]


_SIGNER_CLASS: list[type] = []
_CONSTANT_ATTRIBUTES = frozenset({"signing_certificate_v2", "cms_algorithm_protection"})
_ASN1_CACHE: dict[tuple[bytes, str, str], Any] = {}


def _cached(key: tuple[bytes, str, str], make: Any) -> Any:
    """An asn1crypto value that is the same for every signature with one certificate, made once and kept parsed from
    its own DER: asn1crypto serializes a value it built itself again (and again for every level above it) each time
    it is written, which costs more than the signature."""
    if key not in _ASN1_CACHE:
        if len(_ASN1_CACHE) > 64:
            _ASN1_CACHE.clear()
        value = make()
        _ASN1_CACHE[key] = type(value).load(value.dump())
    return _ASN1_CACHE[key]


def _signer_class() -> type:
    """pyHanko's SimpleSigner, faster for many signatures with one identity: it signs with a key loaded once
    (`loaded_key`) instead of loading it from DER for every signature (for RSA that load validates the key again,
    which takes longer than signing), and it reuses the parts of the signature that depend only on the certificate
    (the signing-certificate and algorithm-protection attributes, the signer's identifier and algorithms)."""
    if _SIGNER_CLASS:
        return _SIGNER_CLASS[0]
    from asn1crypto import algos, cms
    from pyhanko.sign import attributes, signers
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params

    class CachedAttribute(attributes.CMSAttributeProvider):
        def __init__(self, provider: Any, key: tuple[bytes, str, str]) -> None:
            self.provider, self.key, self.attribute_type = provider, key, provider.attribute_type

        async def get_attribute(self, dry_run: bool = False) -> Any:
            if self.key not in _ASN1_CACHE:
                made = await self.provider.get_attribute(dry_run=dry_run)
                if dry_run:
                    return made
                _cached(self.key, lambda: made)
            return _ASN1_CACHE[self.key]

    class LoadedKeySigner(signers.SimpleSigner):
        loaded_key: PrivateKeyTypes | None = None

        def _signed_attr_providers(self, data_digest: bytes, digest_algorithm: str, *args: Any,
                                   **kwargs: Any) -> Any:
            assert self.signing_cert is not None
            cert = self.signing_cert.dump()
            for provider in super()._signed_attr_providers(data_digest, digest_algorithm, *args, **kwargs):
                if provider.attribute_type in _CONSTANT_ATTRIBUTES:
                    yield CachedAttribute(provider, (cert, digest_algorithm, provider.attribute_type))
                else:
                    yield provider

        def signer_info(self, digest_algorithm: str, signed_attrs: Any, signature: bytes) -> Any:
            if digest_algorithm == "shake256":
                return super().signer_info(digest_algorithm, signed_attrs, signature)
            cert = self.signing_cert
            assert cert is not None
            key = cert.dump()
            return cms.SignerInfo({
                "version": "v1",
                "sid": _cached((key, "", "sid"), lambda: cms.SignerIdentifier({
                    "issuer_and_serial_number": cms.IssuerAndSerialNumber({
                        "issuer": cert.issuer, "serial_number": cert.serial_number})})),
                "digest_algorithm": _cached((key, digest_algorithm, "digest"),
                                            lambda: algos.DigestAlgorithm({"algorithm": digest_algorithm})),
                "signature_algorithm": _cached((key, digest_algorithm, "mechanism"),
                                               lambda: self.get_signature_mechanism_for_digest(digest_algorithm)),
                "signed_attrs": signed_attrs, "signature": signature})

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            key = self.loaded_key
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            algorithm = mechanism.signature_algo  # as pyHanko's own sign_raw reads it
            if algorithm == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
                return key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
            if algorithm == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
                return key.sign(data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
            if algorithm == "rsassa_pss" and isinstance(key, rsa.RSAPrivateKey):
                pss, hash_algorithm = process_pss_params(mechanism["parameters"])
                return key.sign(data, pss, hash_algorithm)
            result: bytes = super().sign_raw(data, digest_algorithm)  # any other: pyHanko's way
            return result

    _SIGNER_CLASS.append(LoadedKeySigner)
    return LoadedKeySigner


FORM_FONT_SIZE, FORM_LEADING = 9, 11


class TextDoesNotFit(ValueError):
    """A form field's value is longer than its box shows; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def wrap_to_box(value: str, width: float, size: float = FORM_FONT_SIZE) -> list[str]:
    """`value` broken into lines of Helvetica that fit `width` points (at word boundaries; a word too long for a
    line is cut), keeping the writer's own line breaks."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[str] = []
    for paragraph in value.splitlines() or [""]:
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            while stringWidth(candidate, "Helvetica", size) > width and not line and len(candidate) > 1:
                cut = len(candidate) - 1
                while cut > 1 and stringWidth(candidate[:cut], "Helvetica", size) > width:
                    cut -= 1
                lines.append(candidate[:cut])
                candidate = candidate[cut:]
            if stringWidth(candidate, "Helvetica", size) > width and line:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


def fill_text_fields(writer: Any, values: dict[str, str]) -> None:
    """Set text form fields' values, each with an appearance a reader shows as it is (Helvetica, wrapped in a
    multi-line field). A value longer than its box shows is refused (TextDoesNotFit), never cut off."""
    from pyhanko.pdf_utils import generic

    fields = {str(ref.get_object().get("/T")): ref.get_object() for ref in writer.root["/AcroForm"]["/Fields"]}
    missing = sorted(set(values) - set(fields))
    if missing:
        raise ValueError(f"the form has no field {missing[0]!r}")
    for name, value in values.items():
        lacking = "".join(sorted({ch for ch in value if not _cp1252(ch)}))
        if lacking:  # Helvetica here prints Western European text only; a "?" on a signed document is not acceptable
            from casereview.documents.fonts import MissingGlyphs

            raise MissingGlyphs(f"The {name} holds characters the decision box's font cannot print ({lacking!r}), "
                                "so nothing was signed. The box takes Western European letters only (é, ñ and ü "
                                "are fine; ễ, ł and letters of other scripts are not): write those characters "
                                "without their marks.")
    font = writer.add_object(generic.DictionaryObject({
        "/Type": generic.NameObject("/Font"), "/Subtype": generic.NameObject("/Type1"),
        "/BaseFont": generic.NameObject("/Helvetica"), "/Encoding": generic.NameObject("/WinAnsiEncoding")}))
    layouts = {}
    for name, value in values.items():
        x0, y0, x1, y1 = (float(v) for v in fields[name]["/Rect"])
        multiline = int(fields[name].get("/Ff", 0)) & 4096
        lines = wrap_to_box(value, x1 - x0 - 4) if multiline else [" ".join(value.split())]
        room = max(1, int((y1 - y0 - 4) // FORM_LEADING)) if multiline else 1
        if len(lines) > room or (not multiline and _width(lines[0]) > x1 - x0 - 4):
            raise TextDoesNotFit(name, f"The {name} is longer than its box on the signed document shows "
                                       f"({room} line{'s' if room > 1 else ''}): say it more briefly, so that "
                                       "none of it is cut off.")
        layouts[name] = (lines, x1 - x0, y1 - y0)
    for name, value in values.items():
        field = fields[name]
        field["/V"] = generic.TextStringObject(value)
        lines, width, height = layouts[name]
        shown = b"".join((b"" if n == 0 else b" T* ") + b"(" + _escaped(line) + b") Tj"
                         for n, line in enumerate(lines))
        top = height - 2 - FORM_FONT_SIZE if len(lines) > 1 else 6
        appearance = generic.StreamObject({
            "/Type": generic.NameObject("/XObject"), "/Subtype": generic.NameObject("/Form"),
            "/BBox": generic.ArrayObject([generic.FloatObject(0), generic.FloatObject(0),
                                          generic.FloatObject(width), generic.FloatObject(height)]),
            "/Resources": generic.DictionaryObject({"/Font": generic.DictionaryObject({"/Helv": font})})},
            stream_data=b"/Tx BMC q BT /Helv %d Tf %d TL 2 %.1f Td " % (FORM_FONT_SIZE, FORM_LEADING, top)
            + shown + b" ET Q EMC")
        field["/AP"] = generic.DictionaryObject({"/N": writer.add_object(appearance)})
        writer.update_container(field)


def _width(text: str) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return float(stringWidth(text, "Helvetica", FORM_FONT_SIZE))


def _escaped(text: str) -> bytes:
    return text.encode("cp1252", "replace").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def printable_in_form(text: str) -> bool:
    """Whether the form fields' font (Helvetica, Western European) prints every character of `text`."""
    return all(_cp1252(ch) for ch in text if ch not in "\r\n")


def _cp1252(ch: str) -> bool:
    try:
        ch.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


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
    """Check every signature of a PDF against these trust roots (the office's: `identities.office_trust_roots`).

    A signer's certificate must allow signing: without a key-usage extension, or with digitalSignature or
    nonRepudiation in it (as Acrobat reads it; pyHanko alone would insist on nonRepudiation)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko_certvalidator import ValidationContext

    roots = [asn1_x509.Certificate.load(der) for der in trust_roots_der]
    with _quiet_pyhanko():
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        reports = []
        for embedded in reader.embedded_signatures:
            context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
            try:
                status = validate_pdf_signature(embedded, signer_validation_context=context,
                                                key_usage_settings=KeyUsageConstraints(key_usage=set()))
            except Exception as exc:  # a signature damaged past reading (its bytes were changed): not valid
                reports.append(_unreadable(embedded, exc))
                continue
            modified = status.modification_level is not None and status.modification_level.name not in (
                "NONE", "LTA_UPDATES", "FORM_FILLING")
            cert_der = status.signing_cert.dump()
            usage_ok = signs(cert_der)
            reports.append(SignatureReport(
                field=embedded.field_name, signer=signer_name(cert_der), signed_at=status.signer_reported_dt,
                intact=bool(status.intact and status.valid), valid=bool(status.bottom_line) and usage_ok,
                trusted=bool(status.trusted), modified_after=modified or not status.docmdp_ok,
                summary=status.summary() + ("" if usage_ok else ",KEY_USAGE_NOT_FOR_SIGNING")))
    return reports


def _unreadable(embedded: Any, exc: Exception) -> SignatureReport:
    try:
        signer = signer_name(embedded.signer_cert.dump())
    except Exception:
        signer = "(a signer that cannot be read)"
    try:
        field_name = str(embedded.field_name)
    except Exception:
        field_name = "(unnamed)"
    return SignatureReport(field=field_name, signer=signer, signed_at=None, intact=False, valid=False,
                           trusted=False, modified_after=False, summary=f"UNREADABLE:{type(exc).__name__}")


@contextmanager
def _quiet_pyhanko() -> Iterator[None]:
    """pyHanko logs what it finds wrong with a signature (with a traceback) as well as returning it: the report
    says it in words, so that log is not shown."""
    loggers = [logging.getLogger(name) for name in ("pyhanko", "pyhanko_certvalidator")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def signs(cert_der: bytes) -> bool:
    """Whether a certificate's key usage allows signing documents (no key-usage extension allows everything)."""
    try:
        usage = x509.load_der_x509_certificate(cert_der).extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return usage.digital_signature or usage.content_commitment


def random_serial() -> int:
    return secrets.randbits(63)
