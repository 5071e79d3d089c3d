"""Users' full names, titles and bar numbers; signing identities in the signer's full name (the user name in its
user id attribute), new ones for identities issued in the user name, documents signed before still valid; PAdES
baseline B-B signatures, as pdfsig reads them, and one changed byte making them invalid."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import SigFieldSpec, append_signature_field
from reportlab.pdfgen import canvas
from sqlalchemy import select

from casereview.documents.signing import (
    Person,
    issue_signer,
    make_office_authority,
    named_person,
    sign_pdf,
    stamp_words,
    verify_pdf,
)
from casereview.services import accounts, identities
from casereview.services.access import OfficeType, Role
from casereview.services.office import FieldProblem
from casereview.services.session import PermissionDenied, Workspace
from casereview.store import models as m
from casereview.store.keys import TEST_KDF
from tests.helpers import PASSWORD, log_in, staff


def _form() -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "Letter of non-opposition: the office will not contest the application.")
    page.save()
    writer = IncrementalPdfFileWriter(io.BytesIO(out.getvalue()))
    append_signature_field(writer, SigFieldSpec("Signer", box=(72, 100, 400, 150)))
    final = io.BytesIO()
    writer.write(final)
    return final.getvalue()


def _pdfsig(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False).stdout


def test_names_are_given_by_an_administrator_and_by_each_user_for_themself(workspace: Workspace) -> None:
    users = staff(workspace, OfficeType.PROSECUTOR)
    admin, para = users[Role.ADMINISTRATOR], users[Role.PARALEGAL]
    accounts.create_user(admin, "dana", Role.PROSECUTOR, PASSWORD, kdf=TEST_KDF, full_name="  Dana   Roe ",
                         title="Deputy District Attorney", bar_number="OSB 123456")
    rows = {r.username: r for r in accounts.list_users(admin)}
    assert rows["dana"].names == accounts.PersonNames("Dana Roe", "Deputy District Attorney", "OSB 123456")
    assert rows["dana"].signer_name == "Dana Roe"  # the name printed under a signature is the full name
    # an administrator changes anyone's; a title given alone keeps the full name
    assert accounts.set_user_names(admin, "dana", title="Senior Deputy District Attorney") == accounts.PersonNames(
        "Dana Roe", "Senior Deputy District Attorney", "OSB 123456")
    # every user changes their own, without the password again
    para.authenticated_at = para.authenticated_at.replace(year=2000)
    assert accounts.set_user_names(para, "paralegal", full_name="Samuel Ortiz", title="").full_name == "Samuel Ortiz"
    assert accounts.my_names(para) == accounts.PersonNames("Samuel Ortiz", None, None)
    # but nobody else's
    with pytest.raises(PermissionDenied):
        accounts.set_user_names(para, "dana", full_name="Someone Else")
    with pytest.raises(FieldProblem) as refused:
        accounts.set_user_names(admin, "dana", full_name="x" * 201)
    assert refused.value.field == "full_name"
    with pytest.raises(FieldProblem) as refused:
        accounts.set_user_names(admin, "dana", bar_number="1" * 41)
    assert refused.value.field == "bar_number"
    with workspace.session() as db:
        actions = db.execute(select(m.AuditRecord.action, m.AuditRecord.object_id)
                             .where(m.AuditRecord.action == "user_names_changed")).all()
    assert len(actions) == 3  # the administrator named at the start (tests.helpers.staff), dana, paralegal
    # letter signing authority sets the full name and title (the old API's name and title)
    accounts.set_letter_signer(admin, "supervisor", True, name="Jordan  Avery",
                               title="Chief Deputy District Attorney, designee of the District Attorney")
    supervisor = next(r for r in accounts.list_users(admin) if r.username == "supervisor")
    assert (supervisor.full_name, supervisor.title) == (
        "Jordan Avery", "Chief Deputy District Attorney, designee of the District Attorney")
    assert accounts.signing_words(users[Role.SUPERVISOR]) == (
        "Jordan Avery, Chief Deputy District Attorney, designee of the District Attorney")


def test_the_signing_certificate_names_the_person(workspace: Workspace) -> None:
    users = staff(workspace, OfficeType.PROSECUTOR)
    mine = identities.signing_identity(users[Role.PROSECUTOR])
    assert named_person(mine.cert_der) == Person("Riley Chen", "prosecutor", "Deputy District Attorney")
    from cryptography.x509.oid import NameOID

    subject = mine.certificate.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Riley Chen"
    assert subject.get_attributes_for_oid(NameOID.USER_ID)[0].value == "prosecutor"


def test_no_identity_without_a_full_name_and_the_message_says_what_to_fill_in(workspace: Workspace) -> None:
    users = staff(workspace, OfficeType.PROSECUTOR)
    admin = users[Role.ADMINISTRATOR]
    accounts.create_user(admin, "nameless", Role.PROSECUTOR, PASSWORD, kdf=TEST_KDF)
    nameless = log_in(workspace, "nameless")
    with workspace.session() as db:
        assert not identities.has_identity(db, nameless.user_id)
    with pytest.raises(identities.NoSigningIdentity) as refused:
        identities.signing_identity(nameless)
    assert "full name is not filled in" in str(refused.value)
    assert "user set 'nameless' --full-name" in str(refused.value) and "Users and roles" in str(refused.value)
    accounts.set_user_names(admin, "nameless", full_name="Noor Haddad", title="Deputy District Attorney")
    assert named_person(identities.signing_identity(nameless).cert_der).full_name == "Noor Haddad"


def test_an_identity_issued_in_the_user_name_is_renewed_and_what_it_signed_stays_valid(
        workspace: Workspace) -> None:
    users = staff(workspace, OfficeType.PROSECUTOR)
    pat = users[Role.PROSECUTOR]
    with workspace.session() as db, db.begin():  # as a file from before full names: the identity in the user name
        row = db.get(m.User, pat.user_id)
        assert row is not None
        row.full_name = row.title = None
        for old in db.scalars(select(m.SigningIdentity).where(m.SigningIdentity.user_id == pat.user_id)):
            old.revoked_at = old.created_at
        authority = identities._authority(db, workspace)
        made = issue_signer(authority, "prosecutor", None)
        db.add(m.SigningIdentity(user_id=pat.user_id, cert_der=made.cert_der, created_at=row.created_at,
                                 wrapped_key=identities._seal(pat.user_key, made.key_der,
                                                              f"signing key:{workspace.file_id}:{pat.user_id}")))
    with pytest.raises(identities.NoSigningIdentity, match="full name"):
        identities.signing_identity(pat)  # no full name: the old identity in the user name does not sign now
    office = identities.authority_certificate(workspace)
    before = sign_pdf(_form(), made, office, field_name="Signer", reason="signed before full names")
    assert [(r.signer, r.ok) for r in verify_pdf(before, [office])] == [("prosecutor", True)]

    accounts.set_user_names(users[Role.ADMINISTRATOR], "prosecutor", full_name="Riley Chen",
                            title="Deputy District Attorney")
    again = log_in(workspace, "prosecutor")  # the next log-in, past the password: a new identity in the full name
    with workspace.session() as db:
        current = db.scalars(select(m.SigningIdentity).where(m.SigningIdentity.user_id == pat.user_id,
                                                             m.SigningIdentity.revoked_at.is_(None))).one()
        assert named_person(current.cert_der) == Person("Riley Chen", "prosecutor", "Deputy District Attorney")
    assert identities.signing_identity(again).cert_der == current.cert_der
    # what was signed with the old identity still checks out: the office authority issued it
    assert all(r.ok for r in verify_pdf(before, identities.office_trust_roots(workspace)))
    after = sign_pdf(_form(), identities.signing_identity(again), office, field_name="Signer", reason="now")
    assert [(r.signer, r.ok) for r in verify_pdf(after, [office])] == [("Riley Chen", True)]
    # a changed title: a new identity when they next sign (the session holds their key)
    accounts.set_user_names(users[Role.ADMINISTRATOR], "prosecutor", title="Senior Deputy District Attorney")
    assert named_person(identities.signing_identity(again).cert_der).title == "Senior Deputy District Attorney"


def test_signatures_are_pades_baseline_b_and_one_changed_byte_breaks_them(tmp_path: Path) -> None:
    authority = make_office_authority("Lane County District Attorney")
    signer = issue_signer(authority, Person("Jordan Avery", "supervisor", "Chief Deputy District Attorney"),
                          "Lane County District Attorney")
    signed = sign_pdf(_form(), signer, authority.cert_der, field_name="Signer", reason="Will not contest",
                      time_zone=ZoneInfo("America/Los_Angeles"))
    report = _pdfsig(signed, tmp_path)
    assert "Signature Type: ETSI.CAdES.detached" in report and "Signature is Valid." in report, report
    assert "Signer Certificate Common Name: Jordan Avery" in report
    [embedded] = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    attributes = {a["type"].native for a in embedded.signer_info["signed_attrs"]}
    assert "signing_certificate_v2" in attributes and "message_digest" in attributes
    assert "signing_time" not in attributes  # PAdES: the time is the signature dictionary's, not a signed attribute
    [checked] = verify_pdf(signed, [authority.cert_der])
    assert checked.ok and checked.signer == "Jordan Avery" and checked.signed_at is not None

    header = bytearray(signed)  # one byte of the signed range: the signature dictionary's reason
    at = header.index(b"/Reason (Will not contest)")
    header[at + 9] = ord("w")
    broken = bytes(header)
    assert "Signature is Valid." not in _pdfsig(broken, tmp_path)
    [tampered] = verify_pdf(broken, [authority.cert_der])
    assert not tampered.intact and not tampered.ok


def test_the_stamp_names_the_signer_and_the_office_s_local_time() -> None:
    from datetime import UTC, datetime

    authority = make_office_authority("Lane County District Attorney")
    signer = issue_signer(authority, Person("Jordan Avery", "supervisor", "Chief Deputy District Attorney"), None)
    words = stamp_words(signer.cert_der, datetime(2026, 12, 1, 1, 30, tzinfo=UTC), ZoneInfo("America/Los_Angeles"))
    assert words == {"who": "Jordan Avery\nChief Deputy District Attorney", "when": "30 November 2026, 5:30 pm PST"}
    # a title longer than a certificate may hold is not cut: it is left out of the certificate, given to the stamp
    long_title = "Chief Deputy District Attorney, designee of the District Attorney"
    assert len(long_title) > 64
    designee = issue_signer(authority, Person("Jordan Avery", "supervisor", long_title), None)
    assert named_person(designee.cert_der).title is None
    assert stamp_words(designee.cert_der, datetime(2026, 12, 1, 1, 30, tzinfo=UTC), None, long_title)["who"] == (
        "Jordan Avery\nChief Deputy District Attorney, designee of\nthe District Attorney")
    untitled = issue_signer(authority, Person("Dana Roe", "dana"), None)
    assert stamp_words(untitled.cert_der, datetime(2026, 6, 1, 16, 5, tzinfo=UTC),
                       ZoneInfo("America/New_York"))["when"] == "1 June 2026, 12:05 pm EDT"
