"""`motions` through the real command line, on the demo case file and on the demo moved onto a database server
(tests/integration/conftest.py): a records file with open charges and a warrant column imported, then
the omnibus motions to dismiss and to vacate warrants drafted by a paralegal, signed by a prosecutor, verified, and
read back with pdftotext; the charges left out are named with what to find out."""

from __future__ import annotations

import csv
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.conftest import Office, office_at
from tests.integration.conftest import run_cli as run

pytestmark = pytest.mark.both_backends  # on the demo case file and on the demo moved onto a server


def _text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", " ", out)


def test_motions_from_imported_records_are_drafted_signed_and_verified(tmp_path: Path,
                                                                       demo_office: Callable[..., Office]) -> None:
    office = demo_office()
    db, me = office.db, office.me

    court = "Circuit Court of the State of Oregon for the County of Lane"
    rows = [[f"27-CR-{n:03d}", f"Person {chr(65 + n)} Example", f"1990-01-{n + 1:02d}", "seller", "selling_sex",
             "pending", f"2026-10-{n + 1:02d}", court, f"27CR{n:05d}", "yes" if n % 2 else "no"] for n in range(1, 7)]
    rows.append(["27-CR-099", "Pat No Docket", "1990-02-02", "seller", "selling_sex", "pending", "2026-10-20", court,
                 "", "yes"])
    path = tmp_path / "open.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["case_number", "name", "date_of_birth", "role", "offense", "status", "offense_date", "court",
                         "docket_number", "warrant"])
        writer.writerows(rows)
    imported = run("records", "import", db, path, *me("paralegal"))
    assert imported.returncode == 0, imported.stderr

    drafts = tmp_path / "drafts"
    done = run("motions", db, "--out", drafts, *me("paralegal"))
    assert done.returncode == 0, done.stderr
    assert "Left out: charge 1 of case 27-CR-099 (Pat No Docket): find out the court's docket number" in done.stderr
    files = sorted(drafts.glob("*.pdf"))
    assert [f.name.split("-")[1] for f in files] == ["dismiss", "warrants"], files
    dismiss, warrants = (_text(f) for f in files)
    for n in range(1, 7):
        assert f"27CR{n:05d}" in dismiss
        assert (f"27CR{n:05d}" in warrants) == bool(n % 2)
    assert "DRAFT" in dismiss and "Motion to vacate warrants" in warrants
    assert "Pat No Docket" not in dismiss

    refused = run("motions", db, "--out", tmp_path / "x", "--sign", *me("paralegal"))
    assert refused.returncode == 2 and "A paralegal does not sign motions" in refused.stderr, refused.stderr
    signed_dir = tmp_path / "signed"
    signed = run("motions", db, "--out", signed_dir, "--sign", *me("prosecutor"))
    assert signed.returncode == 0 and "Signed 2 motion(s)." in signed.stderr, signed.stderr
    cert = tmp_path / "office.pem"
    assert run("office", "certificate", db, cert, *me("prosecutor")).returncode == 0
    for pdf in signed_dir.glob("*-signed.pdf"):
        checked = run("verify", pdf, "--trust", cert)
        assert checked.returncode == 0 and "trusted: yes" in checked.stdout, checked.stdout
        assert "DRAFT" not in _text(pdf) and "/s/ Riley Chen" in _text(pdf)
    assert len(list(signed_dir.glob("*-signed.pdf"))) == 2


def test_office_set_gives_the_state_s_words_for_motions(tmp_path: Path, demo_office: Callable[..., Office]) -> None:
    office = demo_office()
    db, me = office.db, office.me("admin")
    done = run("office", "set", db, "--dismissal-style", "nolle_prosequi", "--warrant-term", "quash", *me)
    assert done.returncode == 0, done.stderr
    assert "Motions end a charge by: nolle_prosequi; a warrant is: quash" in done.stdout
    bad = run("office", "set", db, "--warrant-term", "cancel", *me)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
    out = tmp_path / "out"
    assert run("motions", db, "--out", out, *office.me("paralegal")).returncode == 0
    words = [_text(p) for p in sorted(out.glob("*.pdf"))]
    assert len(words) == 2 and "Motion for leave to enter a nolle prosequi" in words[0]
    assert "Motion to quash warrants" in words[1] and "is quashed" in words[1]


def test_the_defense_demo_is_made_from_the_command_line_and_files_no_motions(
        tmp_path: Path, on_backend: Callable[[Path, Path], Path | str]) -> None:
    made_at = tmp_path / "defense.db"
    made = run("demo", made_at, "--office-type", "defense")
    assert made.returncode == 0 and "defense office demo" in made.stderr and "attorney" in made.stderr, made.stderr
    office = office_at(tmp_path, on_backend, made_at)  # (on a server: moved there)
    refused = run("motions", office.db, "--out", tmp_path / "out", *office.me("attorney"))
    assert refused.returncode == 2 and "filed by the prosecutor's office" in refused.stderr, refused.stderr
