"""Installing CaseReview (issue 19): the wheel opens the window and passes its self-test in a fresh environment;
the quick start is two pages; the Windows installer script compiles with makensis over the bundle's file list; the
.deb's metadata names who answers for it (or says no one is named), never a placeholder.

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
                 "letters signed in helper processes", "older case file upgraded", "window offscreen"):
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


def test_self_test_fails_when_helper_processes_cannot_start(tmp_path: Path) -> None:
    """A program that cannot start its helper processes fails the self-test: here, as a bundle whose entry point
    forgot `multiprocessing.freeze_support()` — each helper is the program started again, whose command line
    refuses the helper's arguments and exits."""
    program = tmp_path / "forgetful.py"
    program.write_text("import sys\n"
                       "if __name__ != '__main__':  # a helper process (spawn runs the program again)\n"
                       "    sys.exit(2)  # as ui.app.main's parser does with --multiprocessing-fork\n"
                       "from ui.selftest import run_self_test\n"
                       "sys.exit(run_self_test())\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(program)], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)})
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r"^FAILED  letters signed in helper processes: BrokenProcessPool", done.stdout, re.M), \
        done.stdout
    assert re.search(r"^ok +letter signed ", done.stdout, re.M)  # one letter is signed in the program itself
    assert "self-test FAILED: letters signed in helper processes\n" in done.stdout


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


def _control(tmp_path: Path, name: str, *, maintainer: str | None = None,
             git: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess[str], Path]:
    """installer/linux/make_control.py run as build.sh runs it, with CASEREVIEW_MAINTAINER = `maintainer` (unset
    when None) and a checkout whose only git settings are `git` (none when None)."""
    source = tmp_path / f"{name}-checkout"
    source.mkdir()
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_CONFIG_GLOBAL": str(tmp_path / "no-global-gitconfig")}
    if git is not None:
        subprocess.run(["git", "init", "-q", str(source)], check=True, env=env)
        for key, value in git.items():
            subprocess.run(["git", "-C", str(source), "config", key, value], check=True, env=env)
    if maintainer is not None:
        env["CASEREVIEW_MAINTAINER"] = maintainer
    out = tmp_path / f"{name}.control"
    done = subprocess.run([sys.executable, str(ROOT / "installer" / "linux" / "make_control.py"),
                           str(ROOT / "installer" / "linux" / "control"), str(out), "--version", __version__,
                           "--arch", "amd64", "--size", "287000", "--source", str(source)],
                          env=env, capture_output=True, text=True)
    return done, out


def _no_placeholder(control: str) -> None:
    """Nothing in the package's metadata is a placeholder: no example domain, no web site the project does not
    have, no @FIELD@ left unfilled."""
    for never in ("example.org", "example.com", "example.net", ".example", "Homepage:"):
        assert never not in control, never
    assert not re.search(r"@[A-Z]+@", control), control


def test_the_deb_names_who_answers_for_it_and_no_placeholder(tmp_path: Path) -> None:
    template = (ROOT / "installer" / "linux" / "control").read_text(encoding="utf-8")
    assert "Maintainer: @MAINTAINER@" in template and "example" not in template and "Homepage" not in template

    # 1. whoever builds the package for an office names themself
    done, out = _control(tmp_path, "given", maintainer="  Jordan  Avery <jordan.avery@lane-da.us> ",
                         git={"user.name": "Someone Else", "user.email": "someone@elsewhere.us"})
    assert done.returncode == 0, done.stderr
    control = out.read_text(encoding="utf-8")
    assert "\nMaintainer: Jordan Avery <jordan.avery@lane-da.us>\n" in control
    assert f"Version: {__version__}\n" in control and "Architecture: amd64\n" in control
    assert "Installed-Size: 287000\n" in control and "(from CASEREVIEW_MAINTAINER)" in done.stderr
    _no_placeholder(control)
    for wrong in ("casereview@example.org", "Dana <dana@records.example>", "Dana", "<dana@lane-da.us>",
                  "Dana <dana@test>"):
        refused, refused_out = _control(tmp_path, f"wrong-{len(wrong)}", maintainer=wrong)
        assert refused.returncode == 2 and "Name <address>" in refused.stderr, (wrong, refused.stderr)
        assert not refused_out.exists()

    # 2. else the checkout's git settings
    done, out = _control(tmp_path, "git", git={"user.name": "Sam Ortiz", "user.email": "sam.ortiz@lane-da.us"})
    assert done.returncode == 0 and "from git config" in done.stderr, done.stderr
    assert "\nMaintainer: Sam Ortiz <sam.ortiz@lane-da.us>\n" in out.read_text(encoding="utf-8")

    # 3. else a label that names no one — also when git's address is at a domain kept for examples
    for name, git in (("nothing", None), ("example", {"user.name": "Seed", "user.email": "seed@users.noreply.x"
                                                                                      ".example"})):
        done, out = _control(tmp_path, name, git=git)
        assert done.returncode == 0, done.stderr
        control = out.read_text(encoding="utf-8")
        assert "\nMaintainer: CaseReview local build (no maintainer named)\n" in control, control
        assert "the label" in done.stderr
        _no_placeholder(control)

    # dpkg builds a package from it and reads the fields back
    if shutil.which("dpkg-deb") is None:
        pytest.skip("dpkg-deb is not installed")
    root = tmp_path / "root"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(control, encoding="utf-8")
    deb = tmp_path / "casereview-test.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(root), str(deb)], check=True,
                   capture_output=True)
    read = subprocess.run(["dpkg-deb", "-f", str(deb), "Maintainer"], check=True, capture_output=True,
                          text=True).stdout
    assert read.strip() == "CaseReview local build (no maintainer named)"


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
    control = subprocess.run(["dpkg-deb", "-f", str(deb)], check=True, capture_output=True, text=True).stdout
    _no_placeholder(control)  # the whole of the package's metadata
    maintainer = re.search(r"^Maintainer: (.+)$", control, re.M)
    assert maintainer is not None and "example" not in maintainer.group(1), control
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
