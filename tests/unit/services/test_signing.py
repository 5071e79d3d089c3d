"""Signing identities and PAdES signatures: the office authority, identities per signing role, keys only the
owner's password opens, two signatures in turn, and checks that catch a change or a foreign office."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from cryptography import x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.fields import SigFieldSpec, append_signature_field
from reportlab.pdfgen import canvas
from sqlalchemy import select

from casereview.documents.signing import Person, make_office_authority, named_person, sign_pdf, verify_pdf
from casereview.services import accounts, identities
from casereview.services.access import OfficeType, Role
from casereview.services.session import Workspace
from casereview.store import models as m
from casereview.store.keys import TEST_KDF
from tests.conftest import ROOT
from tests.helpers import log_in, staff

if TYPE_CHECKING:
    from casereview.documents.exception_request import ChargeLine, RequestText


def _form() -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "Request for an exception under section 8")
    page.save()
    writer = IncrementalPdfFileWriter(io.BytesIO(out.getvalue()))
    append_signature_field(writer, SigFieldSpec("Requester", box=(72, 100, 272, 150)))
    append_signature_field(writer, SigFieldSpec("Supervisor", box=(320, 100, 520, 150)))
    final = io.BytesIO()
    writer.write(final)
    return final.getvalue()


def test_signing_roles_get_identities_from_the_office_authority(workspace: Workspace) -> None:
    users = staff(workspace, OfficeType.PROSECUTOR)
    authority = x509.load_der_x509_certificate(identities.authority_certificate(workspace))
    for role, session in users.items():
        if role == Role.PARALEGAL:
            with pytest.raises(identities.NoSigningIdentity):
                identities.signing_identity(session)
            continue
        mine = identities.signing_identity(session).certificate
        assert mine.issuer == authority.subject
        usage = mine.extensions.get_extension_for_class(x509.KeyUsage).value
        assert usage.digital_signature and usage.content_commitment
        assert (mine.not_valid_after_utc - mine.not_valid_before_utc).days > 365 * 19


def test_only_the_owners_password_opens_the_signing_key(workspace: Workspace) -> None:
    users = staff(workspace, OfficeType.PROSECUTOR)
    pat = users[Role.PROSECUTOR]
    before = identities.signing_identity(pat)
    with workspace.session() as db:
        row = db.scalars(select(m.SigningIdentity).where(m.SigningIdentity.user_id == pat.user_id)).one()
        assert before.key_der not in row.wrapped_key
    # the same password again: the same identity
    assert identities.signing_identity(log_in(workspace, "prosecutor")).cert_der == before.cert_der
    # an administrator's reset: a new identity; the old one is revoked, and the message says so
    message = accounts.reset_password(users[Role.ADMINISTRATOR], "prosecutor", "a whole new password", kdf=TEST_KDF)
    assert "signing identity must be issued again" in message
    after = identities.signing_identity(accounts.login(workspace, "prosecutor", "a whole new password"))
    assert after.cert_der != before.cert_der
    with workspace.session() as db:
        rows = db.scalars(select(m.SigningIdentity).where(m.SigningIdentity.user_id == pat.user_id)).all()
        assert sum(r.revoked_at is None for r in rows) == 1 and len(rows) == 2


def test_two_signatures_in_turn_verify_and_a_change_is_caught(workspace: Workspace, tmp_path: Path) -> None:
    users = staff(workspace, OfficeType.PROSECUTOR)
    office = identities.authority_certificate(workspace)
    requested = sign_pdf(_form(), identities.signing_identity(users[Role.PROSECUTOR]), office,
                         field_name="Requester", reason="Exception requested")
    decided = sign_pdf(requested, identities.signing_identity(users[Role.SUPERVISOR]), office,
                       field_name="Supervisor", reason="Approved")
    reports = verify_pdf(decided, [office])
    assert [r.signer for r in reports] == ["Riley Chen", "Jordan Avery"]
    assert all(r.ok for r in reports), [r.summary for r in reports]
    # another office's authority: intact, but not trusted here
    other = make_office_authority("Another County").cert_der
    assert all(r.intact and not r.trusted and not r.ok for r in verify_pdf(decided, [other]))
    # a change inside the first signature's bytes
    tampered = bytearray(decided)
    at = tampered.find(b"/Reason (Exception requested)")
    tampered[at + 9] = ord("e")
    assert not verify_pdf(bytes(tampered), [office])[0].intact
    # the command line says the same, with exit codes
    pdf, cert = tmp_path / "request.pdf", tmp_path / "office.pem"
    pdf.write_bytes(decided)
    identities.export_authority_certificate(workspace, cert)
    run = [sys.executable, "-m", "casereview", "verify", str(pdf)]
    ok = subprocess.run([*run, "--trust", str(cert)], cwd=ROOT, capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and ok.stdout.count("trusted: yes") == 2, ok.stdout + ok.stderr
    untrusted = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, check=False)
    assert untrusted.returncode == 1 and "give one with --trust" in untrusted.stdout
    pdfsig = subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True, check=False)
    assert pdfsig.stdout.count("Signature is Valid") == 2


def test_an_account_made_before_signing_gets_its_identity_when_it_signs_or_logs_in(workspace: Workspace) -> None:
    users = staff(workspace, OfficeType.PROSECUTOR)
    with workspace.session() as db, db.begin():  # as a file from before signing existed
        db.execute(m.SigningIdentity.__table__.delete())
        db.execute(m.OfficeAuthority.__table__.delete())
    # The session holds the user's own key: the identity is issued at once, in the full name.
    issued = identities.signing_identity(users[Role.SUPERVISOR])
    assert named_person(issued.cert_der) == Person("Jordan Avery", "supervisor", "Chief Deputy District Attorney")
    with workspace.session() as db, db.begin():
        db.execute(m.SigningIdentity.__table__.delete())
    again = log_in(workspace, "supervisor")
    assert identities.signing_identity(again).certificate.issuer == x509.load_der_x509_certificate(
        identities.authority_certificate(workspace)).subject


def test_the_office_certificate_is_exported_from_the_command_line(tmp_path: Path,
                                                                   new_case_file: tuple[Path, bytes]) -> None:
    from tests.conftest import PASSPHRASE
    from tests.helpers import password_file, staff_case_file

    path, key = new_case_file
    staff_case_file(path, key)
    secret = tmp_path / "passphrase.txt"
    secret.write_text(PASSPHRASE)
    out = tmp_path / "office.pem"
    done = subprocess.run([sys.executable, "-m", "casereview", "office", "certificate", str(path), str(out),
                           "--passphrase-file", str(secret), "--user", "prosecutor", "--password-file",
                           str(password_file(tmp_path))], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    cert = x509.load_pem_x509_certificate(out.read_bytes())
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_the_decision_fields_filled_with_the_second_signature_are_a_permitted_change(
        workspace: Workspace, tmp_path: Path) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature

    users = staff(workspace, OfficeType.PROSECUTOR)
    office = identities.authority_certificate(workspace)
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "Request for an exception under section 8")
    for name, y in (("decision", 300), ("reason", 260), ("decided_on", 220)):
        page.acroForm.textfield(name=name, x=72, y=y, width=400, height=20, borderWidth=0, fontSize=10, value="")
    page.save()
    writer = IncrementalPdfFileWriter(io.BytesIO(out.getvalue()))
    append_signature_field(writer, SigFieldSpec("Requester", box=(72, 100, 272, 150)))
    append_signature_field(writer, SigFieldSpec("Supervisor", box=(320, 100, 520, 150)))
    form = io.BytesIO()
    writer.write(form)
    requested = sign_pdf(form.getvalue(), identities.signing_identity(users[Role.PROSECUTOR]), office,
                         field_name="Requester", reason="Exception requested")
    decided = sign_pdf(requested, identities.signing_identity(users[Role.SUPERVISOR]), office,
                       field_name="Supervisor", reason="Decided",
                       fill={"decision": "Approved", "reason": "Public safety requires it (witness at risk).",
                             "decided_on": "2026-11-22"})
    assert all(r.ok for r in verify_pdf(decided, [office]))
    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator import ValidationContext

    context = ValidationContext(trust_roots=[asn1_x509.Certificate.load(office)], allow_fetching=False)
    first = validate_pdf_signature(PdfFileReader(io.BytesIO(decided)).embedded_signatures[0],
                                   signer_validation_context=context)
    assert first.modification_level.name == "FORM_FILLING" and first.docmdp_ok
    pdf = tmp_path / "decided.pdf"
    pdf.write_bytes(decided)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Approved" in text and "witness at risk" in text and "2026-11-22" in text
    assert subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, check=False).returncode == 0
    assert subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True,
                          check=False).stdout.count("Signature is Valid") == 2
    with pytest.raises(ValueError, match="no field 'verdict'"):
        sign_pdf(requested, identities.signing_identity(users[Role.SUPERVISOR]), office, field_name="Supervisor",
                 reason="Decided", fill={"verdict": "x"})


def _charges(*people: str) -> tuple[ChargeLine, ...]:
    """A charge of solicitation for each person, numbered from 1, deviating from section 1's decline."""
    from casereview.documents.exception_request import ChargeLine, Quoted
    from casereview.policy.profile import load_builtin

    return tuple(ChargeLine(str(n), person, "solicitation", "ORS 167.007", "pending", "Lane County Circuit Court",
                            "not yet filed", "decline — section 1, presumptively",
                            (Quoted(load_builtin().quote("1"), "“Sex Work: Model Policy” (March 2025), section 1"),))
                 for n, person in enumerate(people, 1))


def _request_text(**changes: Any) -> RequestText:
    from dataclasses import replace

    from casereview.documents.exception_request import Quoted, RequestText
    from casereview.policy.profile import load_builtin

    source = "“Sex Work: Model Policy” (March 2025)"
    text = RequestText(
        office_name="Lane County District Attorney", office_lines=("125 E 8th Ave, Eugene", "(541) 555-0100"),
        case_number="26-CR-0103", reference="Office case 26-CR-0103; Lane County, Circuit Court, incident 2026-03-09",
        charges=_charges("Thị Lan Nguyễn", "Mark Ellis"),
        section_8=Quoted(load_builtin().quote("8"), f"{source}, section 8"),
        ground="a direct impact on preventing trafficking",
        public_safety="She is the only witness able to identify the trafficker; public safety requires it.",
        justification="The charge is the only way to keep the witness within reach of protective services.",
        evidence="Detective Ruiz's report of 2026-03-10; phone records.",
        affirmation="I affirm that this request does not use charges, or the threat of charges, to obtain anyone's "
                    "cooperation.",
        section_2=Quoted(load_builtin().quote("2"), f"{source}, section 2"), requester="prosecutor",
        requester_lines=("Deputy District Attorney", "OSB 123456"), requested_on="March 12, 2026")
    return replace(text, **changes)


def test_the_request_document_is_signed_twice_and_reads_back(workspace: Workspace, tmp_path: Path) -> None:
    from casereview.documents.exception_request import render_request
    from casereview.policy.profile import load_builtin

    users = staff(workspace, OfficeType.PROSECUTOR)
    office = identities.authority_certificate(workspace)
    unsigned = render_request(_request_text())
    requested = sign_pdf(unsigned, identities.signing_identity(users[Role.PROSECUTOR]), office,
                         field_name="Requester", reason="Exception requested")
    decided = sign_pdf(requested, identities.signing_identity(users[Role.SUPERVISOR]), office,
                       field_name="Supervisor", reason="Exception decided",
                       fill={"decision": "Approved", "reason": "The witness's safety requires it.",
                             "decided_on": "2026-11-22"})
    reports = verify_pdf(decided, [office])
    assert [r.field for r in reports] == ["Requester", "Supervisor"] and all(r.ok for r in reports)
    pdf = tmp_path / "request.pdf"
    pdf.write_bytes(decided)
    assert subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, check=False).returncode == 0
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    for expected in ("Lane County District Attorney", "26-CR-0103", "Thị Lan Nguyễn", "Mark Ellis", "ORS 167.007",
                     "a direct impact on preventing trafficking", "public safety requires it", "Detective Ruiz",
                     "Approved", "The witness's safety requires it.", "2026-11-22"):
        assert expected in text, expected
    assert " ".join(load_builtin().quote("8").split()) in text  # section 8, word for word


def test_a_name_no_shipped_font_can_print_is_refused_before_anything_is_made() -> None:
    from casereview.documents.exception_request import MissingGlyphs, render_request

    with pytest.raises(MissingGlyphs, match="person of charge 1 holds characters"):
        render_request(_request_text(charges=_charges("\U00010000\U00010001")))  # Linear B
