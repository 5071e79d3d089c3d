"""The window and the command line on one case file at once: whichever comes second is refused at once, with who
holds the file, and the first goes on saving."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from casereview.services.access import Role
from tests.conftest import PASSPHRASE
from tests.gui.test_login import attempt, open_dialog
from tests.helpers import PASSWORD, password_file, staff_case_file
from tests.integration.test_cli_store import run
from tests.integration.test_one_owner import Holder

pytestmark = pytest.mark.gui


@pytest.fixture
def staffed(new_case_file: tuple[Path, bytes]) -> tuple[Path, bytes]:
    path, key = new_case_file
    staff_case_file(path, key, roles=(Role.PROSECUTOR,))
    return path, key


def test_a_command_is_refused_while_the_window_has_the_file(qtbot: QtBot, staffed: tuple[Path, bytes],
                                                           tmp_path: Path) -> None:
    path, _key = staffed
    dialog = open_dialog(qtbot, path)
    attempt(qtbot, dialog, {dialog.passphrase: PASSPHRASE, dialog.username: "prosecutor",
                            dialog.password: PASSWORD})
    assert dialog.session is not None
    try:
        secret = tmp_path / "passphrase.txt"
        secret.write_text(PASSPHRASE + "\n")
        result = run("case", "export", path, "X", "--passphrase-file", secret, "--user", "prosecutor",
                     "--password-file", password_file(tmp_path))
        assert result.returncode == 1
        assert f"already has {path.name} open on this computer: process {os.getpid()}" in result.stderr
        assert "Close it there first" in result.stderr
    finally:
        dialog.session.log_out()
        dialog.session.workspace.case_file.close()


def test_the_window_says_at_once_who_holds_the_file_and_refuses_to_open_it(qtbot: QtBot,
                                                                           staffed: tuple[Path, bytes]) -> None:
    path, key = staffed
    holder = Holder(path, key)
    try:
        dialog = open_dialog(qtbot, path)
        shown = dialog.file_message.text()
        assert f"process {holder.proc.pid}" in shown and "Close it there first" in shown, shown
        attempt(qtbot, dialog, {dialog.passphrase: PASSPHRASE, dialog.username: "prosecutor",
                                dialog.password: PASSWORD})
        assert dialog.session is None and dialog.isVisible()
        refused = dialog.file_message.text()
        assert f"process {holder.proc.pid}" in refused and "Nothing was changed" in refused, refused
        assert holder.say("commit 4") == "committed 4"  # the command line goes on saving
        holder.quit()
        attempt(qtbot, dialog, {dialog.passphrase: PASSPHRASE, dialog.username: "prosecutor",
                                dialog.password: PASSWORD})
        assert dialog.session is not None  # once it is closed there, the window opens it
        dialog.session.log_out()
        dialog.session.workspace.case_file.close()
    finally:
        holder.stop()
