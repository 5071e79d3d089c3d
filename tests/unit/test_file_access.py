"""Nothing in the application touches the files SQLite owns, except through SQLite.

In a process that has a case file open, closing any descriptor of the file or of its ``-wal``/``-shm`` drops
every POSIX lock SQLite holds on it (../shared/ENVIRONMENT.md, "SQLite's locks"). So every place in the
application's code that opens, reads or writes a file by path is listed here with why it cannot be a case file
in use; a new one fails this test until it is looked at and listed. The standard library's ``sqlite3`` (a second
SQLite library in the process) and QMimeDatabase (which reads files) are not used at all.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

from tests.conftest import ROOT

# Called by path name: the file is opened, read or written.
PATH_METHODS = {"open", "read_bytes", "read_text", "write_bytes", "write_text"}
MODULE_CALLS = {("os", "open"), ("sqlcipher3", "connect"), ("shutil", "copy"), ("shutil", "copy2"),
                ("shutil", "copyfile"), ("zipfile", "ZipFile")}
BANNED = {("sqlite3", "connect"): "the standard library's sqlite3 is a second SQLite library in the process",
          ("QMimeDatabase", ""): "QMimeDatabase reads the first bytes of every file it is asked about"}

# module::function::call -> why it is not (or cannot be) a case file in use. Keep the reasons true.
ALLOWED: dict[str, str] = {
    'casereview/store/backups.py::_read_backup_shallow::zipfile.ZipFile':
        'a backup (.crbackup) checked without its key',
    'casereview/store/replace.py::_names::.read_text':
        "a restore's journal (NAME.restoring) beside the case file",
    'casereview/store/replace.py::finish_interrupted::.read_text':
        "a restore's journal (NAME.restoring) beside the case file",
    'casereview/cli/screening.py::_read::.read_text':
        'screen opens no case file: the process holds none',
    'casereview/cli/common.py::read_first_line::.open':
        'a passphrase or password file; refuse_case_file_part first',
    'casereview/cli/users.py::_p12_password::.open':
        'a PKCS#12 password file; refuse_case_file_part first',
    'casereview/cli/cases.py::_read_cases::.read_text':
        'the cases to import; refuse_case_file_part first',
    'casereview/records/reading.py::read_file::.read_bytes':
        'a records file to import (CSV, XLSX); refuse_case_file_part first',
    'casereview/records/mapping.py::load_mapping::.read_text':
        "a records import's mapping (.json); refuse_case_file_part first",
    'casereview/cli/users.py::_read_p12::.read_bytes':
        'a PKCS#12 file; refuse_case_file_part first',
    'casereview/cli/users.py::_trust::.read_bytes':
        'a certificate to trust; refuse_case_file_part first',
    'casereview/cli/documents.py::_certificate_der::.read_bytes':
        'verify opens no case file; refuse_case_file_part too',
    'casereview/cli/documents.py::run_verify::.read_bytes':
        'verify opens no case file; refuse_case_file_part too',
    'casereview/policy/profile.py::load_builtin::.read_text':
        'a policy shipped in the package',
    'casereview/policy/profile.py::load_profile_file::.read_text':
        "an office's policy file (.json), by its suffix",
    'casereview/store/audit.py::known_anchors::zipfile.ZipFile':
        'a backup (.crbackup) beside the case file',
    'casereview/store/audit.py::read_anchor_file::.read_text':
        'an anchor file in the data folder or exported',
    'casereview/store/autobackup.py::copy_to::.open':
        "a finished backup, copied to the office's folder",
    'casereview/store/backups.py::_read_backup::.open':
        "a backup's members, copied into a temporary folder",
    'casereview/store/backups.py::_read_backup::zipfile.ZipFile':
        'a backup (.crbackup) chosen to restore',
    'casereview/store/backups.py::_write_backup::.open':
        'the backup being written (fsync), not the case file',
    'casereview/store/backups.py::_write_backup::zipfile.ZipFile':
        'the backup being written',
    'casereview/store/backups.py::backup_anchor::zipfile.ZipFile':
        'a backup (.crbackup)',
    'casereview/services/passwords.py::common_passwords::.read_text':
        'a list shipped in the package',
    'casereview/store/database.py::_convert_locked::.open':
        'the new encrypted file, before anyone uses it (fsync)',
    'casereview/store/database.py::_convert_locked::os.open':
        'the new encrypted file, made empty before export',
    'casereview/store/database.py::_convert_locked::sqlcipher3.connect':
        'the one SQLite library; lock held',
    'casereview/store/database.py::_failures::.read_text':
        'the wrong-passphrase counts in the data folder',
    'casereview/store/database.py::_header::os.open':
        "only before this process's first connection to the file",
    'casereview/store/database.py::_is_plain_case_file::sqlcipher3.connect':
        'the one SQLite library, read-only',
    'casereview/store/database.py::connect_cipher.connect::sqlcipher3.connect':
        'SQLite itself',
    'casereview/store/database.py::create_case_file::os.open':
        'a new empty file, before any connection',
    'casereview/store/database.py::encrypted_copy::.open':
        'the finished copy (fsync), not the case file',
    'casereview/store/database.py::encrypted_copy::os.open':
        'the copy, made empty before SQLite writes it',
    'casereview/store/database.py::network_filesystem::.read_text':
        '/proc/mounts',
    'casereview/store/keys.py::read_key_file::.read_bytes':
        'the key file beside the case file: SQLite does not own it',
    'casereview/store/server.py::read_server_keys::.read_bytes':
        "a database server's office key file in the data folder: no SQLite file",
    'casereview/store/server.py::install_server_keys::.read_bytes':
        "a chosen server's office key file; refuse_case_file_part first",
    'casereview/store/move.py::_into_new_file::os.open':
        'the new case file of a move back from a server, made empty before any connection (lock held)',
    'casereview/store/lock.py::acquire::os.open':
        'the lock file beside the case file: SQLite does not own it',
    'casereview/store/lock.py::holder_of::os.open':
        'the lock file beside the case file: SQLite does not own it',
    'casereview/store/safe_write.py::fsync_dir::os.open':
        'a folder',
    'ui/access/identity_dialog.py::IdentityDialog.import_file::.read_bytes':
        'a chosen PKCS#12 file; refuse_case_file_part first',
    'ui/admin/certificates_dialog.py::CertificatesDialog.add_file::.read_bytes':
        'a chosen certificate; refuse_case_file_part first',
    'ui/admin/statutes_dialog.py::StatutesDialog.import_file::.read_text':
        'a chosen CSV; refuse_case_file_part first',
    'ui/documents/document_view.py::DocumentPane.show_pdf::.open':
        'a QBuffer in memory',
    'ui/main_window.py::MainWindow.check_signed_pdf::.read_bytes':
        'a chosen PDF; refuse_case_file_part first',
    'ui/about.py::licence_text::.read_text':
        'a licence text shipped in resources/',
    'ui/selftest.py::_case_file::.read_bytes':
        "the self-test's own temporary case file, after it was closed and before it is opened again: no lock held",
    'ui/selftest.py::_helper_signing::.read_bytes':
        "a letter the self-test signed in a helper process and saved in its own temporary folder",
    'ui/selftest.py::_sign::.read_bytes':
        'the signed PDF the self-test saved in its temporary folder',
    'ui/selftest.py::run_self_test::open':
        "the self-test's report in the temporary folder (a windowed program has no console)",
}


def _sources() -> list[Path]:
    found = sorted((ROOT / "casereview").rglob("*.py")) + sorted((ROOT / "ui").rglob("*.py")) + [ROOT / "main.py"]
    return [p for p in found if "migrations" not in p.parts]


def _sites(sources: list[Path] | None = None, root: Path = ROOT) -> tuple[Counter[str], list[str]]:
    sites: Counter[str] = Counter()
    banned: list[str] = []
    for path in _sources() if sources is None else sources:
        rel = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))

        def visit(node: ast.AST, where: str, rel: str = rel) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    visit(child, f"{where}.{child.name}" if where else child.name)
                    continue
                if isinstance(child, ast.Name) and child.id == "QMimeDatabase":
                    banned.append(f"{rel}:{child.lineno} QMimeDatabase: {BANNED[('QMimeDatabase', '')]}")
                if isinstance(child, ast.Call):
                    func = child.func
                    name = None
                    if isinstance(func, ast.Name) and func.id == "open":
                        name = "open"
                    elif isinstance(func, ast.Attribute):
                        owner = func.value.id if isinstance(func.value, ast.Name) else None
                        if owner is not None and (owner, func.attr) in BANNED:
                            banned.append(f"{rel}:{child.lineno} {owner}.{func.attr}: {BANNED[(owner, func.attr)]}")
                        elif owner is not None and (owner, func.attr) in MODULE_CALLS:
                            name = f"{owner}.{func.attr}"
                        elif func.attr in PATH_METHODS and (func.attr != "open" or child.args or child.keywords):
                            name = f".{func.attr}"
                    if name is not None:
                        sites[f"{rel}::{where or '<module>'}::{name}"] += 1
                visit(child, where)

        visit(tree, "")
    return sites, banned


def test_no_second_sqlite_library_and_no_mime_sniffing() -> None:
    _sites_found, banned = _sites()
    assert banned == []


def test_every_place_that_opens_a_file_by_path_is_known() -> None:
    sites, _banned = _sites()
    new = sorted(set(sites) - set(ALLOWED))
    assert new == [], ("New places open a file by path. If one can be handed the case file (or its -wal/-shm) while "
                       "the process has it open, route it through SQLite or refuse_case_file_part; then list it in "
                       "ALLOWED with the reason:\n" + "\n".join(new))
    gone = sorted(set(ALLOWED) - set(sites))
    assert gone == [], "These listed places are gone; remove them from ALLOWED:\n" + "\n".join(gone)


def test_the_walk_finds_what_it_looks_for(tmp_path: Path) -> None:
    """The walk itself can fail: it sees a plain open(), a path's read_bytes and a sqlite3.connect."""
    probe = tmp_path / "probe.py"
    probe.write_text("import sqlite3\nclass A:\n    def f(self, p):\n        sqlite3.connect(p)\n"
                     "        p.read_bytes()\n        return open(p).read()\n", encoding="utf-8")
    sites, banned = _sites([probe], tmp_path)
    assert sorted(sites) == ["probe.py::A.f::.read_bytes", "probe.py::A.f::open"]
    assert len(banned) == 1 and "sqlite3.connect" in banned[0]
