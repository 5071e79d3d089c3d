"""`casereview-desktop --self-test` (and the bundle's `casereview --self-test`): checks an installation as shipped.

In a temporary folder, with invented people only and nothing of the user's touched (CASEREVIEW_DATA_DIR points
there too): an encrypted case file is made and opened; the demo office and its users are set up; the demo cases
are stored and screened; a section 6 letter is drafted, rendered, signed with the office authority's certificate
and its signature verified; a batch of letters is signed in helper processes, as "Sign selected" signs many (in a
bundle each helper is the program itself started again: a missing `multiprocessing.freeze_support()` in its entry
point fails this step); a case file at the first schema is copied aside and upgraded; the window opens
offscreen (and its About box with every licence) and closes. Each step is reported with ok or FAILED and its time;
the exit code is 0 when every step passed, 1 otherwise.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

PASSPHRASE = "self-test passphrase"


class _Run:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.state: dict[str, Any] = {}
        self.failed: list[str] = []
        self.times: dict[str, float] = {}

    def step(self, name: str, work: Callable[[dict[str, Any]], str]) -> None:
        started = time.perf_counter()
        try:
            detail = work(self.state)
        except KeyError as exc:  # what an earlier step should have made is missing
            self.failed.append(name)
            self.out.write(f"FAILED  {name}: not run, an earlier step failed ({exc})\n")
        except BaseException as exc:  # every failure is reported, and the next steps still run
            if isinstance(exc, KeyboardInterrupt):
                raise
            self.failed.append(name)
            self.out.write(f"FAILED  {name}: {type(exc).__name__}: {exc}\n")
            self.out.write("".join("        " + line for line in traceback.format_exc().splitlines(True)))
        else:
            took = time.perf_counter() - started
            self.times[name] = took
            self.out.write(f"ok      {name} ({took:.2f} s){': ' + detail if detail else ''}\n")
        self.out.flush()


def _case_file(s: dict[str, Any]) -> str:
    from casereview.services.accounts import workspace_for
    from casereview.store.database import create_case_file, open_case_file, unlock

    path: Path = s["folder"] / "self-test.db"
    case_file, _recovery = create_case_file(path, PASSPHRASE)
    case_file.close()
    header = path.read_bytes()[:16]
    if header.startswith(b"SQLite format 3"):
        raise AssertionError("the case file is not encrypted")
    key = unlock(path, PASSPHRASE)
    s["ws"] = workspace_for(open_case_file(path, key), key)
    s["path"] = path
    return f"{path.name}, {path.stat().st_size:,} bytes, SQLCipher-encrypted"


def _office(s: dict[str, Any]) -> str:
    from casereview.paths import DEMO_PASSWORD, DEMO_USERS
    from casereview.services.accounts import login
    from casereview.services.demo import add_demo_users
    from casereview.store.keys import TEST_KDF

    add_demo_users(s["ws"], kdf=TEST_KDF)  # quick password hashes: the case file's key used the real settings
    s["users"] = {name: login(s["ws"], name, DEMO_PASSWORD) for name in DEMO_USERS}
    return f"a prosecutor's office, users {', '.join(DEMO_USERS)}"


def _screening(s: dict[str, Any]) -> str:
    from collections import Counter

    from casereview.policy.profile import load_builtin
    from casereview.services.cases import import_cases, screen_case
    from casereview.services.demo import demo_cases

    profile = load_builtin()
    prosecutor = s["users"]["prosecutor"]
    stored = import_cases(prosecutor, demo_cases(), profile)
    result = screen_case(prosecutor, "15-CR-2231", profile)
    decisions = Counter(d.decision for d in result.charges)
    if not decisions:
        raise AssertionError("the screening gave no decision")
    return f"{len(stored)} cases stored and screened; 15-CR-2231 again: {dict(decisions)}"


def _letter(s: dict[str, Any]) -> str:
    from casereview.services import letters

    paralegal = s["users"]["paralegal"]
    letters.draft_letters(paralegal)
    drafts = [r for r in letters.list_letters(paralegal, status="draft", case_number="15-CR-2231")]
    if not drafts:
        raise AssertionError("no letter was drafted for 15-CR-2231")
    row = drafts[0]
    letters.edit_letter(paralegal, row.id, version=row.version,  # the office's letters carry a certificate of service
                        copy_to=f"{row.person}, petitioner, by first-class mail to the address of record")
    pdf = letters.preview(paralegal, row.id)
    if not pdf.startswith(b"%PDF"):
        raise AssertionError("the preview is not a PDF")
    s["letter"] = drafts[0].id
    return f"a section 6 letter for {drafts[0].person}, {len(pdf):,} bytes"


def _sign(s: dict[str, Any]) -> str:
    from casereview.services import letters

    supervisor = s["users"]["supervisor"]
    report = letters.sign_letters(supervisor, [s["letter"]])
    if len(report.signed) != 1:
        raise AssertionError(f"not signed: {report.refused}")
    out = letters.save_pdf(supervisor, s["letter"], s["folder"] / "letter.pdf")
    s["signed"] = Path(out).read_bytes()
    return f"PAdES, by the supervisor (the designee), {len(s['signed']):,} bytes"


def _verify(s: dict[str, Any]) -> str:
    from casereview.documents.signing import verify_pdf
    from casereview.services.identities import office_trust_roots

    reports = verify_pdf(s["signed"], office_trust_roots(s["ws"]))
    if not reports or not all(r.ok for r in reports):
        raise AssertionError("; ".join(r.summary for r in reports) or "no signature found")
    tampered = bytearray(s["signed"])
    at = tampered.rfind(b"Jordan Avery") if b"Jordan Avery" in tampered else len(tampered) // 3
    tampered[at] ^= 0x01
    if all(r.ok for r in verify_pdf(bytes(tampered), office_trust_roots(s["ws"]))):
        raise AssertionError("a changed byte went unnoticed")
    return f"{len(reports)} signature(s) valid against the office authority; a changed byte is caught"


def _helper_signing(s: dict[str, Any]) -> str:
    """Sign a batch of letters the way many are signed: rendered and signed in helper processes (spawn), two of
    them; each signature checked. The batch is the smallest that `sign_letters` hands to helpers."""
    import multiprocessing
    from dataclasses import dataclass, field, replace

    from casereview.documents.signing import verify_pdf
    from casereview.policy.profile import load_builtin
    from casereview.progress import Progress
    from casereview.services import letters
    from casereview.services.cases import import_cases
    from casereview.services.demo import demo_cases
    from casereview.services.identities import office_trust_roots

    @dataclass
    class Watch(Progress):
        """Notes the helper processes running whenever the signing reports its progress."""

        helpers: set[int] = field(default_factory=set)

        def report(self, done: int, total: int = 0, text: str = "") -> None:
            super().report(done, total, text)
            self.helpers.update(p.pid for p in multiprocessing.active_children() if p.pid is not None)

    paralegal, supervisor = s["users"]["paralegal"], s["users"]["supervisor"]
    # the demo's people again, in cases of their own: enough letters for a batch
    import_cases(s["users"]["prosecutor"], [replace(c, case_number=f"ST-{c.case_number}") for c in demo_cases()],
                 load_builtin())
    letters.draft_letters(paralegal)
    for row in letters.list_letters(paralegal, status="draft"):
        letters.edit_letter(paralegal, row.id, version=row.version,
                            copy_to=f"{row.person}, petitioner, by first-class mail to the address of record")
    ready = [r.id for r in letters.list_letters(paralegal, status="draft") if not r.find_out]
    if len(ready) < letters.PARALLEL_FROM:
        raise AssertionError(f"only {len(ready)} letters are ready to sign: fewer than {letters.PARALLEL_FROM} are "
                             "signed in this process, not in helpers")
    watch = Watch()
    report = letters.sign_letters(supervisor, ready, progress=watch, workers=2)
    if sorted(report.signed) != sorted(ready):
        raise AssertionError(f"{len(report.signed)} of {len(ready)} signed; refused: {report.refused}")
    if not watch.helpers:
        raise AssertionError("no helper process was seen: the letters were signed in this process")
    roots = office_trust_roots(s["ws"])
    for letter_id in ready:
        signed = Path(letters.save_pdf(supervisor, letter_id, s["folder"] / f"batch-{letter_id}.pdf")).read_bytes()
        checked = verify_pdf(signed, roots)
        if len(checked) != 1 or not checked[0].ok:
            raise AssertionError(f"letter {letter_id}: " + ("; ".join(r.summary for r in checked) or "no signature"))
    return f"{len(ready)} letters in {len(watch.helpers)} helper processes (spawned); every signature valid"


def _older_file(s: dict[str, Any]) -> str:
    from sqlalchemy import text

    from casereview.store import keys as keymod
    from casereview.store.database import head_revision, make_engine, open_case_file, upgrade

    path: Path = s["folder"] / "older.db"
    keys, key, _recovery = keymod.new_keys(PASSPHRASE, kdf=keymod.TEST_KDF)
    keymod.write_key_file(path, keys)
    engine = make_engine(path, key=key)
    upgrade(engine, "0001")  # the first version's schema
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO case_record (id, case_number, incident_date, version, created_at, "
                          "updated_at) VALUES (1, '14-CR-0001', '2014-02-03', 1, '2014-02-03 00:00:00', "
                          "'2014-02-03 00:00:00')"))
    engine.dispose()
    case_file = open_case_file(path, key)
    try:
        with case_file.engine.connect() as conn:
            revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            kept = conn.exec_driver_sql("SELECT case_number FROM case_record").scalar()
        if revision != head_revision() or kept != "14-CR-0001":
            raise AssertionError(f"upgraded to {revision}, case {kept}")
        if case_file.backup_made is None or not case_file.backup_made.exists():
            raise AssertionError("no copy was kept aside")
        return f"schema 0001 → {revision}, its case kept, the old copy kept aside ({case_file.backup_made.name})"
    finally:
        case_file.close()


def _window(s: dict[str, Any]) -> str:
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from ui.about import LICENCES, AboutDialog
    from ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    started = time.perf_counter()
    window = MainWindow(s["users"]["prosecutor"], title_path=s["path"])
    window.show()
    app.processEvents()
    shown = time.perf_counter() - started
    about = AboutDialog(window)
    tabs = about.tabs.count()
    about.deleteLater()
    window.close()
    app.processEvents()
    if tabs != len(LICENCES):
        raise AssertionError(f"the About box shows {tabs} of {len(LICENCES)} licences")
    return f"{QGuiApplication.platformName()}, shown in {shown:.2f} s; About lists {tabs} licence texts"


def _close(s: dict[str, Any]) -> str:
    for user in s.get("users", {}).values():
        user.log_out()
    s["ws"].case_file.close()
    return ""


def run_self_test(out: TextIO | None = None) -> int:
    from casereview import __version__

    stream = out or sys.stdout
    if stream is None:  # a windowed program (Windows) has no console: the report goes to a file
        stream = open(Path(tempfile.gettempdir()) / "casereview-self-test.txt", "w", encoding="utf-8")  # noqa: SIM115
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="casereview-self-test-") as tmp:
        folder = Path(tmp)
        os.environ["CASEREVIEW_DATA_DIR"] = str(folder / "data")  # nothing of the user's is read or written
        frozen = " (bundle)" if getattr(sys, "frozen", False) else ""
        stream.write(f"CaseReview {__version__} self-test{frozen}, Python {sys.version.split()[0]}\n")
        run = _Run(stream)
        run.state["folder"] = folder
        run.step("encrypted case file", _case_file)
        run.step("office and users", _office)
        run.step("screening", _screening)
        run.step("letter drafted and rendered", _letter)
        run.step("letter signed", _sign)
        run.step("signature verified", _verify)
        run.step("letters signed in helper processes", _helper_signing)
        run.step("older case file upgraded", _older_file)
        run.step("window offscreen", _window)
        run.step("case file closed", _close)
        if run.failed:
            stream.write(f"self-test FAILED: {', '.join(run.failed)}\n")
        else:
            stream.write(f"self-test ok: every step passed in {sum(run.times.values()):.1f} s\n")
        stream.flush()
    return 1 if run.failed else 0
