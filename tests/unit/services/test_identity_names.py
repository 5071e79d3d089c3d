"""A PKCS#12 file is a signer's identity only when its certificate is issued to the signer's full name (issue 15):
a signed document prints the full name under the signature, and the certificate a reader checks must name the same
person. Case and the spaces around the name do not count; another name is refused, naming both names and saying what
to do, with nothing changed; an account without a full name is refused until it has one; once an administrator
corrects the full name, the same file is accepted. (The command line: tests/integration/test_cli_signer_names.py;
the window: tests/gui/test_certificates.py.)"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from casereview.services import accounts, identities
from casereview.services.access import OfficeType, Role
from casereview.services.session import UserSession, Workspace
from casereview.store import audit
from tests.helpers import staff
from tests.unit.services.test_identities_import import P12_PASSWORD, Issued, _issue, _p12, _pem, _state


@pytest.fixture
def office(workspace: Workspace) -> Iterator[dict[Role, UserSession]]:
    yield staff(workspace, OfficeType.PROSECUTOR)  # the prosecutor is Riley Chen


@pytest.fixture(scope="module")
def root() -> Issued:
    return _issue("County Bar Root CA", ec.generate_private_key(ec.SECP256R1()), None, ca=True, days=(-30, 3650))


def _file(root: Issued, common_name: str) -> bytes:
    signer = _issue(common_name, ec.generate_private_key(ec.SECP256R1()), root)
    return _p12(signer.key, signer.cert, [root.cert])


def test_names_are_the_same_whatever_their_case_and_surrounding_spaces() -> None:
    assert identities.same_name("Riley Chen", "  riley CHEN ")
    assert identities.same_name("Riley  Chen", "Riley Chen")  # a run of spaces inside is one space
    assert identities.same_name("Thi\u0323 Lan Nguye\u0302\u0303n", "Thị Lan Nguyễn")  # composed or not
    assert not identities.same_name("Riley Chen", "Riley J. Chen")
    assert not identities.same_name("Riley Chen", "Chen, Riley")
    assert not identities.same_name("Riley Chen", "")


def test_a_certificate_in_another_name_is_refused_naming_both_and_nothing_changes(
        workspace: Workspace, office: dict[Role, UserSession], root: Issued) -> None:
    admin, pat = office[Role.ADMINISTRATOR], office[Role.PROSECUTOR]
    identities.trust_certificate(admin, _pem(root.cert))
    before, identity = _state(workspace), identities.signing_identity(pat)
    with workspace.session() as db:
        records = len(audit.records(db))
    with pytest.raises(identities.IdentityRefused) as refused:
        identities.import_pkcs12(pat, _file(root, "Pat Prosecutor"), P12_PASSWORD)
    message = str(refused.value)
    assert "The certificate in this file is issued to “Pat Prosecutor”" in message, message
    assert "your full name here is “Riley Chen”" in message
    assert "Ask whoever issues your certificates for one issued to “Riley Chen”" in message
    assert "Administration → Users and roles → Names…" in message and "user set DB 'prosecutor'" in message
    assert message.endswith("Nothing was changed: your signing identity is the one you had.")
    assert _state(workspace) == before and identities.signing_identity(pat) == identity
    with workspace.session() as db:
        assert len(audit.records(db)) == records  # nothing recorded: nothing was done

    # the name the file gives, written in capitals and with spaces around it, is the same name
    assert identities.import_pkcs12(pat, _file(root, "  RILEY CHEN "), P12_PASSWORD) == "  RILEY CHEN "
    me = identities.my_identity(pat)
    assert me is not None and me.imported and me.trusted


def test_the_same_file_is_accepted_once_the_full_name_is_corrected(
        workspace: Workspace, office: dict[Role, UserSession], root: Issued) -> None:
    admin, pat = office[Role.ADMINISTRATOR], office[Role.PROSECUTOR]
    identities.trust_certificate(admin, _pem(root.cert))
    data = _file(root, "Riley J. Chen")  # the bar issued it in her full name; the office left out the initial
    with pytest.raises(identities.IdentityRefused, match=re.escape("issued to “Riley J. Chen”, but your full name "
                                                                   "here is “Riley Chen”")):
        identities.import_pkcs12(pat, data, P12_PASSWORD)
    accounts.set_user_names(admin, "prosecutor", full_name="Riley J. Chen")
    assert identities.import_pkcs12(pat, data, P12_PASSWORD) == "Riley J. Chen"
    assert identities.signing_identity(pat).certificate.subject.rfc4514_string().startswith("O=State Bar PKI")


def test_an_account_without_a_full_name_imports_nothing(
        workspace: Workspace, office: dict[Role, UserSession], root: Issued) -> None:
    admin = office[Role.ADMINISTRATOR]
    identities.trust_certificate(admin, _pem(root.cert))
    accounts.set_user_names(admin, "prosecutor", full_name="")
    before = _state(workspace)
    with pytest.raises(identities.IdentityRefused) as refused:
        identities.import_pkcs12(office[Role.PROSECUTOR], _file(root, "Riley Chen"), P12_PASSWORD)
    message = str(refused.value)
    assert "Your account has no full name yet" in message and "(issued to “Riley Chen”)" in message, message
    assert "Administration → Users and roles → Names…" in message and "Nothing was changed" in message
    assert _state(workspace) == before


def test_an_imported_certificate_no_longer_signs_once_the_full_name_changes(
        workspace: Workspace, office: dict[Role, UserSession], root: Issued) -> None:
    """The full name changed after the import: the certificate would name someone the document does not print, so
    signing is refused (saying what to do), until a certificate in the new name is imported or the name is put
    back."""
    admin, pat = office[Role.ADMINISTRATOR], office[Role.PROSECUTOR]
    identities.trust_certificate(admin, _pem(root.cert))
    identities.import_pkcs12(pat, _file(root, "Riley Chen"), P12_PASSWORD)
    assert identities.signing_identity(pat)
    accounts.set_user_names(admin, "prosecutor", full_name="Riley Chen-Ortiz")
    with pytest.raises(identities.NoSigningIdentity) as refused:
        identities.signing_identity(pat)
    message = str(refused.value)
    assert "issued to “Riley Chen”, but your full name here is now “Riley Chen-Ortiz”" in message, message
    assert "Import a certificate issued to “Riley Chen-Ortiz”" in message
    identities.import_pkcs12(pat, _file(root, "Riley Chen-Ortiz"), P12_PASSWORD)
    assert identities.signing_identity(pat)
