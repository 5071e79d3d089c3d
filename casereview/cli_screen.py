"""`screen` and `policies`: screening from files, no case file involved (nothing is written anywhere)."""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
from pathlib import Path

from casereview.policy.case import CaseInputError
from casereview.policy.engine import screen_case
from casereview.policy.profile import (
    DEFAULT_POLICY_ID,
    PolicyFileError,
    PolicyProfile,
    builtin_policy_ids,
    load_builtin,
    load_profile_file,
)
from casereview.policy.screening_io import decode_case, format_text, iter_lines, split_jsonl, to_json_line

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _safe(message: str) -> str:
    """The message on one line, with anything UTF-8 cannot encode (a file name's undecodable bytes) and any
    line break (a file name may hold one) shown escaped."""
    message = message.encode("utf-8", "backslashreplace").decode("utf-8")
    return "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in message)


def _say(message: str) -> None:
    """One message on standard error."""
    print(_safe(message), file=sys.stderr)


def _read(file: str) -> str:
    if file == "-":
        try:
            if hasattr(sys.stdin, "buffer"):
                return bytes(sys.stdin.buffer.read()).decode("utf-8")
            return str(sys.stdin.read())
        except UnicodeError:
            raise CaseInputError("standard input", "is not UTF-8 text") from None
        except OSError as exc:
            raise CaseInputError("standard input", f"cannot be read ({exc.strerror})") from None
    try:
        return Path(file).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CaseInputError(file, "no such file") from None
    except IsADirectoryError:
        raise CaseInputError(file, "is a folder, not a file") from None
    except UnicodeDecodeError:
        raise CaseInputError(file, "is not UTF-8 text") from None
    except OSError as exc:
        raise CaseInputError(file, f"cannot be read ({exc.strerror})") from None


def run_screen(file: str, *, policy_id: str | None, presumptive: bool, fmt: str) -> int:
    policy_id = policy_id or DEFAULT_POLICY_ID
    try:
        profile = _load_policy(policy_id)
    except KeyError:
        _say(f"--policy: unknown policy {policy_id!r} (available: {', '.join(builtin_policy_ids())}, "
             "or the path of a policy file ending in .json)")
        return EXIT_BAD_INPUT
    except PolicyFileError as exc:
        if _is_policy_file(policy_id):
            _say(f"--policy: {exc}")
            return EXIT_BAD_INPUT
        _say(f"The installed policy file is damaged: {exc}. Reinstall CaseReview.")
        return EXIT_FAILED
    try:
        text = _read(file)
    except CaseInputError as exc:
        _say(str(exc))
        return EXIT_BAD_INPUT

    if file.endswith(".jsonl"):
        return _screen_lines(text, file, policy_id, presumptive, fmt)
    try:
        case = decode_case(text, file)
    except CaseInputError as exc:
        _say(str(exc))
        return EXIT_BAD_INPUT
    screening = screen_case(case, profile, presumptive=presumptive)
    if fmt == "text":
        sys.stdout.write(format_text(case, screening, profile))
    else:
        sys.stdout.write(json.dumps(screening.to_json(), ensure_ascii=False, indent=2) + "\n")
    return EXIT_OK


# A large .jsonl file is screened in chunks on every core; each chunk's output keeps its place.
_CHUNK = 2000
_PARALLEL_FROM = 2 * _CHUNK


def _is_policy_file(policy: str) -> bool:
    return policy.endswith(".json")


_policy_files: dict[str, PolicyProfile] = {}


def _load_policy(policy: str) -> PolicyProfile:
    """A shipped profile by id, or an office's own profile file (a path ending in .json)."""
    if not _is_policy_file(policy):
        return load_builtin(policy)
    if policy not in _policy_files:
        _policy_files[policy] = load_profile_file(Path(policy))
    return _policy_files[policy]


def _screen_chunk(job: tuple[list[str], int, str, str, bool, str]) -> tuple[str, list[str]]:
    """Screen some lines of a .jsonl file: the output text for them, and the error messages in order."""
    lines, first_number, name, policy_id, presumptive, fmt = job
    profile = _load_policy(policy_id)
    out: list[str] = []
    errors: list[str] = []
    for line in iter_lines(lines, name, first_number):
        if line.case is None:
            error = _safe(str(line.error))
            errors.append(error)
            out.append(to_json_line({"line": line.number, "error": error}) + "\n" if fmt == "json"
                       else f"Line {line.number}: {error}\n")
        else:
            screening = screen_case(line.case, profile, presumptive=presumptive)
            out.append(to_json_line(screening.to_json()) + "\n" if fmt == "json"
                       else format_text(line.case, screening, profile) + "\n")
    return "".join(out), errors


def _screen_lines(text: str, name: str, policy_id: str, presumptive: bool, fmt: str) -> int:
    lines = split_jsonl(text)
    jobs = [(lines[i:i + _CHUNK], i + 1, name, policy_id, presumptive, fmt) for i in range(0, len(lines), _CHUNK)]
    workers = min(os.cpu_count() or 1, len(jobs))
    failed = False

    def emit(result: tuple[str, list[str]]) -> None:
        nonlocal failed
        output, errors = result
        for error in errors:
            _say(error)
        failed = failed or bool(errors)
        sys.stdout.write(output)

    if workers > 1 and len(lines) >= _PARALLEL_FROM and "fork" in multiprocessing.get_all_start_methods():
        # fork: the workers start at once with the policy already loaded; imap keeps the chunks in order.
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for result in pool.imap(_screen_chunk, jobs):
                emit(result)
    else:
        for job in jobs:
            emit(_screen_chunk(job))
    return EXIT_BAD_INPUT if failed else EXIT_OK


def run_policies() -> int:
    for policy_id in builtin_policy_ids():
        profile = load_builtin(policy_id)
        print(f"{profile.id}\t{profile.title}\tversion {profile.version}\t{profile.source}")
    return EXIT_OK
