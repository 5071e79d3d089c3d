"""The fault campaign (issue 12): ``kill -9`` at random moments during import, save, signing letters, backup and
restore, then every check a user would run (tests/integration/fault_campaign.py says what is checked); and a kill
at each exact step of a restore. A full disk during each of those is in test_failures.py.

CI runs `ROUNDS` kills of each kind (30 in all); ``benchmarks/faults.py`` runs the same campaign with 200 kills or
more. The campaign found three bugs, fixed since, that the tests below keep fixed: a restore killed between moving
the case file aside and putting the backup in place left no case file at the path (a restore now writes a journal
first, and the next unlock or open finishes it: casereview.store.replace), and two restores or two backups within
one second threw the first one's file away (names now carry microseconds and never replace a file).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from casereview.store import backups as casefiles
from casereview.store import keys as keymod
from casereview.store.backups import make_backup, restore_backup
from casereview.store.database import backup_folder
from tests.conftest import PASSPHRASE
from tests.integration import fault_campaign as fc
from tests.integration import fault_worker as w
from tests.integration.test_failures import assert_intact, store

ROUNDS = 6  # kills of each kind in CI
SEED = 20261201


def _show(result: fc.KindResult) -> str:
    return (f"{result.kind}: {result.kills} kills ({result.early_kills} while starting) in {result.rounds} rounds, "
            f"{result.commits} commits reported, {result.unreported} done but not reported, {result.stale_locks} "
            f"stale locks taken over, {result.leftovers} temporary leftovers, {result.damaged} damaged, "
            f"{result.lost} lost, {result.seconds:.1f} s")


@pytest.mark.parametrize("kind", w.KINDS)
def test_kill_9_at_random_moments_damages_nothing_and_loses_no_reported_commit(kind: str, tmp_path: Path) -> None:
    [result] = fc.run_campaign(tmp_path, ROUNDS, SEED, [kind])
    print(f"\n{_show(result)}")
    assert result.problems == []
    assert (result.kills, result.damaged, result.lost) == (ROUNDS, 0, 0)
    assert result.commits > 0  # the kills came in the middle of the work, not only before it
    # Every worker killed once it had the file open left its lock file naming it, and it was taken over.
    assert result.stale_locks >= result.kills - result.early_kills > 0


# ---------------------------------------------------------------------------------------------- a restore, step by step

@pytest.mark.parametrize("step", [
    "replace:1",  # the journal written, nothing moved yet
    "replace:2",  # the case file moved aside
    "replace:3",  # its key file moved aside too
    "replace:4",  # the backup's key file in place, not its copy
    # The backup in place, nothing recorded in it yet: the data folder's anchor is still the replaced file's, on a
    # trail the backup's does not follow (this place's anchor names the restore it followed, so the check tells a
    # copy that went its own way from a rewritten trail).
    "restored",
])
def test_a_kill_at_each_step_of_a_restore_leaves_a_file_that_opens_and_passes_every_check(step: str,
                                                                                        tmp_path: Path) -> None:
    """Restore 1 completes (the worker is killed once it has saved in the restored file), then restore 2 is killed
    at one exact step: the file at the path opens and passes every check, and it is the file restore 2 replaced or
    the one it restored, whole; the replaced file is kept aside whole."""
    target = fc.RestoreTarget(tmp_path / "restore")
    env = fc.worker_env()
    result = fc.KindResult("restore")
    fc.one_round(target, env, fc.KillPlan(after_line="committed noted 1"), result)
    assert result.problems == [] and target.state == fc.RestoreState(1, "noted")
    killed = fc.one_round(target, env, fc.KillPlan(self_kill=step), result)
    assert not fc.reported_commits(killed.lines), killed.lines  # killed by its own hand, inside restore 2
    assert result.problems == []
    assert (result.kills, result.damaged, result.lost) == (2, 0, 0)


# ---------------------------------------------------------------------------------------------- names by the second


def test_two_restores_within_one_second_keep_both_replaced_files(new_case_file: tuple[Path, bytes], tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path, key = new_case_file
    store(path, key, range(1, 3))
    backup = make_backup(path, key, tmp_path / "monday.crbackup")
    store(path, key, range(3, 5))
    monkeypatch.setattr(casefiles, "_stamp", lambda: "20261122T091502Z")  # both restores in the same second
    first = restore_backup(backup, path, PASSPHRASE)  # keeps aside the file with cases 1-4
    second = restore_backup(backup, path, PASSPHRASE)  # keeps aside the restored file, cases 1-2
    assert first is not None and second is not None
    assert first != second, f"both restores kept the file they replaced as {first.name}"
    assert keymod.key_file_path(first).exists()
    assert_intact(first, key, range(1, 5))


def test_two_backups_into_one_folder_within_one_second_are_both_kept(new_case_file: tuple[Path, bytes],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path, key = new_case_file
    store(path, key, range(1, 3))
    folder = backup_folder(path)
    folder.mkdir()
    monkeypatch.setattr(casefiles, "_stamp", lambda: "20261122T091502Z")  # both backups in the same second
    first = make_backup(path, key, folder)
    store(path, key, range(3, 5))
    second = make_backup(path, key, folder)
    assert first != second, f"both backups were written as {first.name}"
    assert sorted(os.listdir(folder)) == sorted([first.name, second.name])
