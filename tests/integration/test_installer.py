"""Installing CaseReview (issue 19): the wheel opens the window and passes its self-test in a fresh environment;
the quick start is two pages; the Windows installer script compiles with makensis over the bundle's file list.

The bundle itself is built and self-tested by scripts/test-bundle (a separate CI step after the suite), which runs
this module again with CASEREVIEW_BUNDLE=dist/casereview: the NSIS script is then compiled over the real bundle
and the .deb's contents are checked."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

from casereview import __version__
from tests.conftest import ROOT

pytestmark = pytest.mark.integration

BUNDLE = os.environ.get("CASEREVIEW_BUNDLE")


def test_one_version_everywhere() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["version"] == __version__
    assert project["scripts"]["casereview-desktop"] == "ui.app:main"


def test_wheel_installed_alone_opens_the_window_and_passes_its_self_test(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-q",
                    "-w", str(tmp_path / "wheel"), str(ROOT)], check=True, capture_output=True)
    (wheel,) = (tmp_path / "wheel").glob("casereview-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("ui/app.py", "ui/__main__.py", "ui/selftest.py", "ui/about.py", "ui/main_window.py",
                   "resources/policies/fjp-model-2025.json", "resources/fonts/DejaVuSans.ttf",
                   "resources/passwords/common-passwords.txt", "resources/licenses/LGPL-3.0.txt",
                   "resources/icons/casereview.png", "casereview/store/migrations/env.py"):
        assert needed in names, needed
    assert "main.py" not in names  # the source tree's starter only

    # A fresh environment with this wheel; the pinned dependencies come from the project's own environment
    # (a .pth path: its editable install of casereview is not seen), so the test needs no download.
    env_dir = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--disable-pip-version-check", "-q",
                    str(wheel)], check=True, capture_output=True)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "project-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    where = subprocess.run([str(python), "-c", "import casereview, ui.app; print(casereview.__file__)"],
                           cwd=tmp_path, env=env, check=True, capture_output=True, text=True).stdout
    assert where.startswith(str(env_dir)), where
    policies = subprocess.run([str(env_dir / "bin" / "casereview"), "policies"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)
    assert policies.returncode == 0 and "fjp-model-2025" in policies.stdout
    done = subprocess.run([str(env_dir / "bin" / "casereview-desktop"), "--self-test"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "self-test ok" in done.stdout and "FAILED" not in done.stdout
    for step in ("encrypted case file", "screening", "letter signed", "signature verified",
                 "older case file upgraded", "window offscreen"):
        assert re.search(rf"^ok +{step} ", done.stdout, re.M), step
    assert subprocess.run([str(env_dir / "bin" / "casereview-desktop"), "--version"], env=env,
                          capture_output=True, text=True).stdout.strip() == f"CaseReview {__version__}"


def test_self_test_reports_a_failed_step_and_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from ui import selftest

    def broken(state: dict[str, object]) -> str:
        raise RuntimeError("the letter could not be signed")

    monkeypatch.setattr(selftest, "_sign", broken)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    out = io.StringIO()
    assert selftest.run_self_test(out) == 1
    text = out.getvalue()
    assert "FAILED  letter signed: RuntimeError: the letter could not be signed" in text
    assert "FAILED  signature verified: not run, an earlier step failed" in text
    assert re.search(r"^ok +window offscreen ", text, re.M)  # the other steps still ran
    assert "self-test FAILED: letter signed, signature verified" in text


def test_quick_start_is_two_pages_with_the_key_words(tmp_path: Path) -> None:
    out = tmp_path / "quick-start.pdf"
    subprocess.run([sys.executable, str(ROOT / "docs" / "quick_start.py"), str(out)], check=True, cwd=ROOT,
                   capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    info = subprocess.run(["pdfinfo", str(out)], check=True, capture_output=True, text=True).stdout
    assert re.search(r"^Pages:\s+2$", info, re.M)
    pages = [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(out), "-"], check=True,
                            capture_output=True, text=True).stdout for n in (1, 2)]
    first, second = (re.sub(r"\s+", " ", p) for p in pages)
    for words in ("Install", f"CaseReview-{__version__}-setup.exe", "/S", "casereview_", ".deb", "First run",
                  "passphrase", "recovery sheet", "administrator", "--self-test"):
        assert words in first, words
    for words in ("The first case", "New case", "decline", "Where the files and backups are",
                  r"%LOCALAPPDATA%\CaseReview", "~/.local/share/CaseReview", "casereview-backups",
                  "Back up now", "copied aside", "never the case files"):
        assert words in second, words


def _fake_bundle(folder: Path) -> Path:
    """A stand-in with the bundle's shape, for compiling the script when no bundle was built."""
    for name in ("casereview", "VERSION", "_internal/libpython3.11.so.1.0", "_internal/PySide6/Qt/lib/x.so",
                 "_internal/resources/licenses/LGPL-3.0.txt"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"x")
    return folder


@pytest.mark.skipif(shutil.which("makensis") is None, reason="makensis (Debian's nsis) is not installed")
def test_windows_installer_script_compiles_over_the_bundle_file_list(tmp_path: Path) -> None:
    bundle = Path(BUNDLE) if BUNDLE else _fake_bundle(tmp_path / "bundle")
    lists = tmp_path / "lists"
    subprocess.run([sys.executable, str(ROOT / "installer" / "windows" / "filelist.py"), str(bundle), str(lists)],
                   check=True, capture_output=True)
    listed = (lists / "files.nsh").read_text(encoding="utf-8")
    files = [p for p in bundle.rglob("*") if p.is_file()]
    assert listed.count('  File "') == len(files)
    assert (lists / "unfiles.nsh").read_text(encoding="utf-8").count("  Delete ") == len(files)
    setup = tmp_path / "setup-test.exe"
    done = subprocess.run(["makensis", "-V2", "-WX" if not BUNDLE else "-V2", f"-DVERSION={__version__}",
                           "-DNOCOMPRESS", f"-DOUTFILE={setup}", f"-X!addincludedir {lists}",
                           str(ROOT / "installer" / "windows" / "casereview.nsi")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    # every file is in it (NSIS stores identical files once: Linux's links to Qt libraries count once)
    assert setup.stat().st_size > sum(p.stat().st_size for p in files if not p.is_symlink())
    script = (ROOT / "installer" / "windows" / "casereview.nsi").read_text(encoding="utf-8")
    for needed in ("RequestExecutionLevel user", r'InstallDir "$LOCALAPPDATA\Programs\${APP}"', "$SMPROGRAMS",
                   'WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString"', "QuietUninstallString"):
        assert needed in script, needed
    assert "HKLM" not in script and "RMDir /r" not in script  # no machine-wide keys; the uninstall removes
    # exactly what it installed


@pytest.mark.skipif(not BUNDLE, reason="the .deb is checked after installer/build.sh --deb (scripts/test-bundle)")
def test_deb_installs_to_opt_with_menu_entry_and_leaves_users_files_alone(tmp_path: Path) -> None:
    (deb,) = (ROOT / "dist").glob(f"casereview_{__version__}_*.deb")
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], check=True, capture_output=True, text=True).stdout
    for path in ("./opt/casereview/casereview", "./opt/casereview/VERSION", "./usr/share/applications/casereview"
                 ".desktop", "./usr/share/icons/hicolor/256x256/apps/casereview.png",
                 "./usr/bin/casereview-desktop -> /opt/casereview/casereview"):
        assert path in listing, path
    fields = subprocess.run(["dpkg-deb", "-f", str(deb), "Package", "Version", "Installed-Size"], check=True,
                            capture_output=True, text=True).stdout
    assert f"Version: {__version__}" in fields
    subprocess.run(["dpkg-deb", "-e", str(deb), str(tmp_path / "control")], check=True)
    for script in ("prerm", "postrm"):  # what they do (not their comments) never reaches a user's files
        code = "\n".join(line for line in (tmp_path / "control" / script).read_text(encoding="utf-8").splitlines()
                         if not line.lstrip().startswith("#"))
        for never in ("/home", "$HOME", "~", "/root", "rm -rf /opt"):
            assert never not in code, (script, never)
    # the program as unpacked from the package runs its self-test
    subprocess.run(["dpkg-deb", "-x", str(deb), str(tmp_path / "root")], check=True)
    done = subprocess.run([str(tmp_path / "root" / "opt" / "casereview" / "casereview"), "--self-test"],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_bundle_leaves_out_no_qt_module_the_window_imports() -> None:
    import ast

    spec = (ROOT / "installer" / "casereview.spec").read_text(encoding="utf-8")
    listed = re.search(r"QT_EXCLUDED = (\[.*?\])", spec, re.S)
    assert listed is not None
    excluded = set(ast.literal_eval(listed.group(1)))
    used = set()
    for path in [*(ROOT / "ui").rglob("*.py"), ROOT / "main.py"]:
        used.update(re.findall(r"^\s*(?:from|import) PySide6\.(Qt\w+)", path.read_text(encoding="utf-8"), re.M))
    assert {"QtCore", "QtGui", "QtWidgets"} <= used
    assert not used & excluded, f"imported by ui/ but left out by installer/casereview.spec: {used & excluded}"
