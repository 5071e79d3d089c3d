"""`screen` and `policies`: screening from files, no case file involved (nothing is written anywhere).

Light on purpose: only the policy package is imported, and only when a command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, cast

from casereview.cli.common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, SubParsers

if TYPE_CHECKING:
    from casereview.policy.profile import PolicyProfile


def add_parsers(sub: SubParsers, *only: str) -> None:
    """Register this group's commands: those named in `only`, in that order, else all of them."""
    for name in only or _ADDERS:
        _ADDERS[name](sub)


def _add_screen(sub: SubParsers) -> None:
    screen = sub.add_parser("screen", help="screen a case (.json) or many cases (.jsonl) against a policy")
    screen.add_argument("file", help="a case as JSON, a .jsonl file with one case per line, or - for standard input")
    screen.add_argument("--policy", default=None,
                        help="policy profile id (default fjp-model-2025), or an office's own policy file (.json)")
    screen.add_argument("--no-presumptive", action="store_true", help="state declines without 'presumptively'")
    screen.add_argument("--format", choices=("json", "text"), default="json")
    screen.set_defaults(run=_screen)


def _add_policies(sub: SubParsers) -> None:
    policies = sub.add_parser("policies", help="list the policy profiles")
    policies.set_defaults(run=_policies)


def _screen(args: argparse.Namespace) -> int:
    return run_screen(args.file, policy_id=args.policy, presumptive=not args.no_presumptive, fmt=args.format)


def _policies(args: argparse.Namespace) -> int:
    return run_policies()


def _safe(message: str) -> str:
    """The message on one line, with anything UTF-8 cannot encode (a file name's undecodable bytes) and any
    line break (a file name may hold one) shown escaped."""
    message = message.encode("utf-8", "backslashreplace").decode("utf-8")
    return "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in message)


def _say(message: str) -> None:
    """One message on standard error."""
    print(_safe(message), file=sys.stderr)


def _read(file: str) -> str:
    from casereview.policy.case import CaseInputError

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
    import json

    from casereview.policy.case import CaseInputError
    from casereview.policy.engine import screen_case
    from casereview.policy.profile import DEFAULT_POLICY_ID, PolicyFileError, builtin_policy_ids
    from casereview.policy.screening_io import decode_case, format_text

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
    from casereview.policy.profile import load_builtin, load_profile_file

    if not _is_policy_file(policy):
        return load_builtin(policy)
    if policy not in _policy_files:
        _policy_files[policy] = load_profile_file(Path(policy))
    return _policy_files[policy]


def _screen_chunk(job: tuple[list[str], int, str, str, bool, str]) -> tuple[str, list[str]]:
    """Screen some lines of a .jsonl file: the output text for them, and the error messages in order."""
    from casereview.policy.engine import screen_case
    from casereview.policy.screening_io import format_text, iter_lines, to_json_line

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


# In a forked worker: the lines of the .jsonl file being screened, inherited rather than sent through a pipe.
_lines: list[str] = []


def _inherit(lines: list[str]) -> None:
    global _lines
    _lines = lines


def _screen_part(job: tuple[int, str, str, bool, str]) -> tuple[bytes, list[str]]:
    """In a worker: screen the chunk of `_lines` that starts at index `start`. The output comes back as UTF-8,
    the bytes to write."""
    start, name, policy_id, presumptive, fmt = job
    output, errors = _screen_chunk((_lines[start:start + _CHUNK], start + 1, name, policy_id, presumptive, fmt))
    return output.encode("utf-8"), errors


def _stdout_bytes() -> BinaryIO | None:
    """Standard output's byte stream, flushed, when writing UTF-8 there gives exactly the bytes writing the text
    would (UTF-8, strict, no newline translation); else None."""
    import os

    buffer = getattr(sys.stdout, "buffer", None)
    encoding = str(getattr(sys.stdout, "encoding", "")).lower().replace("-", "").replace("_", "")
    if buffer is None or encoding != "utf8" or getattr(sys.stdout, "errors", None) != "strict" or os.linesep != "\n":
        return None
    sys.stdout.flush()
    return cast("BinaryIO", buffer)


def _screen_lines(text: str, name: str, policy_id: str, presumptive: bool, fmt: str) -> int:
    import multiprocessing
    import os

    from casereview.policy.screening_io import split_jsonl

    lines = split_jsonl(text)
    starts = range(0, len(lines), _CHUNK)
    workers = min(os.cpu_count() or 1, len(starts))
    failed = False

    def report(errors: list[str]) -> None:
        nonlocal failed
        for error in errors:
            _say(error)
        failed = failed or bool(errors)

    if workers > 1 and len(lines) >= _PARALLEL_FROM and "fork" in multiprocessing.get_all_start_methods():
        # fork: the workers start at once with the policy and the lines already loaded; imap keeps the chunks in
        # order. What they screened comes back encoded, written as it came when standard output takes bytes.
        out = _stdout_bytes()
        jobs = [(start, name, policy_id, presumptive, fmt) for start in starts]
        with multiprocessing.get_context("fork").Pool(workers, _inherit, (lines,)) as pool:
            for data, errors in pool.imap(_screen_part, jobs):
                report(errors)
                if out is not None:
                    out.write(data)
                else:
                    sys.stdout.write(data.decode("utf-8"))
    else:
        for start in starts:
            output, errors = _screen_chunk((lines[start:start + _CHUNK], start + 1, name, policy_id, presumptive,
                                            fmt))
            report(errors)
            sys.stdout.write(output)
    return EXIT_BAD_INPUT if failed else EXIT_OK


def run_policies() -> int:
    from casereview.policy.profile import builtin_policy_ids, load_builtin

    for policy_id in builtin_policy_ids():
        profile = load_builtin(policy_id)
        print(f"{profile.id}\t{profile.title}\tversion {profile.version}\t{profile.source}")
    return EXIT_OK


_ADDERS = {"screen": _add_screen, "policies": _add_policies}
