"""`user …` (accounts, signing identities, letter signers, rescue, first administrator) and `office …` (the office
profile, its certificate and the certificates it trusts)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from casereview.cli.common import (
    EXIT_OK,
    Parser,
    SubParsers,
    UsageProblem,
    _passphrase_option,
    _sub,
    acting,
    ask_for_server_password,
    case_file_command,
    on_server,
    read_new_password,
    read_passphrase,
    read_password,
    read_recovery_key,
    shown,
    workspace,
)

if TYPE_CHECKING:
    from casereview.services.accounts import PersonNames

_ROLES = ("administrator", "supervisor", "prosecutor", "paralegal", "attorney")


def add_parsers(sub: SubParsers, *only: str) -> None:
    """Register this group's commands: those named in `only`, in that order, else all of them."""
    for name in only or _ADDERS:
        _ADDERS[name](sub)


def _add_user(sub: SubParsers) -> None:
    users = sub.add_parser("user", help="accounts: add, list, release, enable, disable, roles, passwords")
    user_sub = users.add_subparsers(dest="user_command", required=True, parser_class=Parser)
    first = _sub(user_sub, "first-admin", "give a case file made before accounts existed its first administrator",
                 user=False)
    _passphrase_option(first)
    first.add_argument("--admin", default="admin", metavar="NAME")
    admin_names_options(first)
    first.add_argument("--office-type", choices=("prosecutor", "defense"), default="prosecutor")
    first.add_argument("--password-file", type=Path, metavar="F", help="the administrator's password")
    first.set_defaults(run=_first_admin)
    add = _sub(user_sub, "add", "add a user (an administrator)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=_ROLES)
    add.add_argument("--new-password-file", type=Path, metavar="F", help="the new user's password: first line")
    _names_options(add)
    add.set_defaults(run=_user)
    names = _sub(user_sub, "set", "change a user's full name, title or bar number (an administrator for anyone, "
                 "every user for themself); a signing identity is then issued in the new name")
    names.add_argument("name")
    _names_options(names, clear=True)
    names.set_defaults(run=_user)
    _sub(user_sub, "list", "list the users (an administrator)").set_defaults(run=_user)
    for name, text in (("release", "release an account locked after failed logins"),
                       ("enable", "enable a disabled account"), ("disable", "disable an account")):
        one = _sub(user_sub, name, f"{text} (an administrator)")
        one.add_argument("name")
        one.set_defaults(run=_user)
    role = _sub(user_sub, "role", "change a user's role (an administrator)")
    role.add_argument("name")
    role.add_argument("role", choices=_ROLES)
    role.set_defaults(run=_user)
    reset = _sub(user_sub, "reset-password", "set a new password for another user (an administrator)")
    reset.add_argument("name")
    reset.add_argument("--new-password-file", type=Path, metavar="F", help="the new password: first line of F")
    reset.set_defaults(run=_user)
    own = _sub(user_sub, "password", "change your own password")
    own.add_argument("--new-password-file", type=Path, metavar="F", help="the new password: first line of F")
    own.set_defaults(run=_user)
    imported = _sub(user_sub, "import-identity", "sign with your own PKCS#12 file (.p12/.pfx: key, certificate and "
                    "chain) instead of the identity the office issued; an administrator must trust its authority first")
    imported.add_argument("p12", type=Path)
    imported.add_argument("--p12-password-file", type=Path, metavar="F",
                          help="the PKCS#12 file's password: first line of F")
    imported.set_defaults(run=_user)
    signer = _sub(user_sub, "letter-signer", "give (or with --off take back) signing authority for letters: the head "
                  "of office or a designee (an administrator)")
    signer.add_argument("name")
    signer.add_argument("--name", dest="signer_name", default="", metavar="TEXT",
                        help="the name printed under the signature")
    signer.add_argument("--title", dest="signer_title", default="", metavar="TEXT",
                        help="the title printed under it (a designee's says so)")
    signer.add_argument("--off", action="store_true", help="take the authority back")
    signer.set_defaults(run=_user)
    rescue = _sub(user_sub, "rescue", "with the recovery key: a new password for a locked-out administrator",
                  user=False)
    rescue.add_argument("name")
    rescue.add_argument("--recovery-key-file", type=Path, metavar="F", help="the recovery key: first line of F")
    rescue.add_argument("--new-password-file", type=Path, metavar="F", help="the new password: first line of F")
    rescue.set_defaults(run=_rescue)


def _names_options(parser: argparse.ArgumentParser, *, clear: bool = False) -> None:
    again = " (an empty TEXT clears it)" if clear else ""
    parser.add_argument("--full-name", metavar="TEXT", help="the person's full name, as documents print it under "
                        f"their signature and their signing certificate names them{again}")
    parser.add_argument("--title", metavar="TEXT", help=f"their title, e.g. Deputy District Attorney{again}")
    parser.add_argument("--bar-number", metavar="TEXT", help=f"an attorney's bar number{again}")


def admin_names_options(parser: argparse.ArgumentParser) -> None:
    """The first administrator's full name, title and bar number (`init`, `user first-admin`), as `user add` takes
    a new user's."""
    parser.add_argument("--admin-full-name", metavar="TEXT", help="the administrator's full name, as documents "
                        "print it under their signature and their signing certificate names them")
    parser.add_argument("--admin-title", metavar="TEXT", help="their title, e.g. Office Administrator or District "
                        "Attorney")
    parser.add_argument("--admin-bar-number", metavar="TEXT", help="their bar number, when they are an attorney")


def admin_names(args: argparse.Namespace) -> PersonNames:
    """The names `admin_names_options` read, checked before anything is made: one refused (too long, or with
    characters the documents cannot print) is a usage problem naming its option."""
    from casereview.services.accounts import check_names
    from casereview.services.office import FieldProblem

    try:
        return check_names(args.admin_full_name, args.admin_title, args.admin_bar_number)
    except FieldProblem as exc:
        raise UsageProblem(f"--admin-{exc.field.replace('_', '-')}: {exc}") from None


def admin_named(db: Path | str, admin: str, names: PersonNames) -> str:
    """What `init` and `user first-admin` say of the administrator they made: signed as whom, or how to name
    them (an administrator signs, and a signature names the person)."""
    if names.full_name:
        bar = f", bar number {names.bar_number}" if names.bar_number else ""
        return f"{admin} ({names.signed_as()}{bar})"
    return (f"{admin}. {admin} has no full name yet, so cannot sign: give it with python -m casereview user set "
            f"{shown(db)} {admin!r} --full-name TEXT --title TEXT --user {admin!r}")


_OFFICE_TEXTS = {"name": "the office's name", "address": "its address (\\n between lines)",
                 "phone": "its telephone number", "email": "its e-mail address",
                 "head-name": "the head of office's full name", "head-title": "the head of office's title",
                 "county": "the county", "state": "the state (its name, or its two letters)",
                 "time-zone": "the office's time zone, an IANA name such as America/Los_Angeles (documents are "
                              "dated in it; empty: this computer's)",
                 "policy-title": "the policy's title as the office adopted it"}


def _add_office(sub: SubParsers) -> None:
    office = sub.add_parser("office", help="the office profile")
    office_sub = office.add_subparsers(dest="office_command", required=True, parser_class=Parser)
    _sub(office_sub, "show", "show the office profile").set_defaults(run=_office)
    office_set = _sub(office_sub, "set", "change the office profile (an administrator)")
    office_set.add_argument("--idle-minutes", type=int, metavar="N",
                            help="lock a session after N minutes without activity (1 to 30)")
    for option, words in _OFFICE_TEXTS.items():
        office_set.add_argument(f"--{option}", metavar="TEXT", help=words)
    office_set.add_argument("--caption-style", choices=("state", "people", "commonwealth"),
                            help="how the state's cases are captioned: State of …, People of the State of …, or "
                                 "Commonwealth of …")
    office_set.add_argument("--policy-adopted-on", metavar="YYYY-MM-DD", help="the date the office adopted the policy")
    office_set.add_argument("--dob-in-letters", choices=("none", "year", "full"),
                            help="the person's date of birth in letters to the court: none (the default), the year, "
                                 "or the full date")
    office_set.add_argument("--certificate-of-service", choices=("yes", "no"),
                            help="whether letters carry a certificate of service")
    office_set.add_argument("--dismissal-style", choices=("dismiss", "nolle_prosequi", "withdraw"),
                            help="how the state's prosecutors end a charge in court, for the motions: a motion to "
                                 "dismiss (the default), leave to enter a nolle prosequi, or leave to withdraw")
    office_set.add_argument("--warrant-term", choices=("vacate", "quash", "recall"),
                            help="what the state's courts do with an outstanding warrant, for the motions on warrants "
                                 "(vacate by default)")
    office_set.set_defaults(run=_office)
    office_cert = _sub(office_sub, "certificate", "export the office's signing certificate (.pem or .der), for a "
                       "court or another office to trust the office's signatures")
    office_cert.add_argument("out", type=Path)
    office_cert.set_defaults(run=_certificate)
    trust = _sub(office_sub, "trust", "trust a certificate authority's certificate (.pem, .crt, .cer or .der) beside "
                 "the office's own: every certificate it issues then checks out as the office's (an administrator)")
    trust.add_argument("cert", type=Path)
    trust.add_argument("--label", default="", metavar="TEXT", help="words to know it by (default: its name)")
    trust.set_defaults(run=_trust)
    untrust = _sub(office_sub, "untrust", "stop trusting a certificate added with office trust (an administrator); "
                   "documents signed with certificates from it then show as not trusted")
    untrust.add_argument("id", type=int, help="its number, as office trusted lists it")
    untrust.set_defaults(run=_trust)
    _sub(office_sub, "trusted", "list the certificates the office trusts").set_defaults(run=_trust)


# ------------------------------------------------------------------------------------------------- accounts


@contextmanager
def _field_problems() -> Iterator[None]:
    """A value refused (FieldProblem, named by its field) is said as a usage problem: exit 2, no traceback."""
    from casereview.services.office import FieldProblem

    try:
        yield
    except FieldProblem as exc:
        raise UsageProblem(str(exc)) from None


@case_file_command
def _first_admin(args: argparse.Namespace) -> int:
    from casereview.services.access import OfficeType
    from casereview.services.accounts import set_up_office

    names = admin_names(args)
    password = read_new_password(args.password_file, "--password-file", args.admin)
    with workspace(args.db, read_passphrase(args)) as ws:
        set_up_office(ws, OfficeType(args.office_type), args.admin, password, full_name=names.full_name,
                      title=names.title, bar_number=names.bar_number)
    print(f"{shown(args.db)} now has its first administrator, {admin_named(args.db, args.admin, names)}.",
          file=sys.stderr)
    return EXIT_OK


@case_file_command
def _user(args: argparse.Namespace) -> int:
    from casereview.services import accounts, identities
    from casereview.services.access import Role

    command = args.user_command
    with _field_problems(), acting(args) as user:
        if command == "add":
            password = read_new_password(args.new_password_file, "--new-password-file", args.name)
            accounts.create_user(user, args.name, Role(args.role), password, full_name=args.full_name,
                                 title=args.title, bar_number=args.bar_number)
            print(f"Added {args.name} as {args.role}.", file=sys.stderr)
            if args.full_name is None and args.role != "paralegal":
                print(f"{args.name} has no full name yet, so cannot sign: give it with python -m casereview user "
                      f"set DB {args.name!r} --full-name TEXT --title TEXT.", file=sys.stderr)
        elif command == "set":
            given = {key: value for key, value in (("full_name", args.full_name), ("title", args.title),
                                                   ("bar_number", args.bar_number)) if value is not None}
            if not given:
                raise UsageProblem("Say what to change: --full-name, --title or --bar-number.")
            names = accounts.set_user_names(user, args.name, **given)
            print(f"{args.name}: {names.signed_as(args.name)}"
                  f"{f', bar number {names.bar_number}' if names.bar_number else ''}.", file=sys.stderr)
        elif command == "list":
            for row in accounts.list_users(user):
                last = row.last_login_at.strftime("%Y-%m-%d %H:%M") if row.last_login_at else "never"
                why = f" ({row.status_reason})" if row.status_reason else ""
                person = row.names.signed_as() if row.full_name else "(no full name)"
                bar = f", bar number {row.bar_number}" if row.bar_number else ""
                print(f"{row.username}\t{row.role}\t{row.status}{why}\tlast login {last}\t{person}{bar}")
        elif command in ("release", "enable", "disable"):
            {"release": accounts.release_user, "enable": accounts.enable_user,
             "disable": accounts.disable_user}[command](user, args.name)
            print(f"{args.name}: {command}d." if command != "disable" else f"{args.name}: disabled.",
                  file=sys.stderr)
        elif command == "role":
            accounts.set_role(user, args.name, Role(args.role))
            print(f"{args.name} is now {args.role}.", file=sys.stderr)
        elif command == "reset-password":
            password = read_new_password(args.new_password_file, "--new-password-file", args.name)
            print(accounts.reset_password(user, args.name, password), file=sys.stderr)
        elif command == "letter-signer":
            accounts.set_letter_signer(user, args.name, not args.off, name=args.signer_name, title=args.signer_title)
            print(f"{args.name} {'no longer signs' if args.off else 'now signs'} letters.", file=sys.stderr)
        elif command == "import-identity":
            name = identities.import_pkcs12(user, _read_p12(args.p12), _p12_password(args.p12_password_file))
            print(f"Your signing identity is now the one in {args.p12} ({name}).", file=sys.stderr)
        else:  # password
            new = read_new_password(args.new_password_file, "--new-password-file", user.username)
            accounts.change_own_password(user, read_password(args, user.username), new)
            print("Your password is changed; your signing identity is kept.", file=sys.stderr)
    return EXIT_OK


def _read_p12(path: Path) -> bytes:
    from casereview.store.lock import refuse_case_file_part

    try:
        refuse_case_file_part(path)
        return path.read_bytes()
    except OSError as exc:
        raise UsageProblem(f"The PKCS#12 file {path} cannot be read ({exc.strerror or exc}).") from None


def _p12_password(file: Path | None) -> bytes | None:
    """The PKCS#12 file's password: the first line of `file`, else asked in a terminal, else none."""
    import getpass

    from casereview.store.lock import refuse_case_file_part

    if file is not None:
        try:
            refuse_case_file_part(file)
            with file.open(encoding="utf-8") as fh:
                return fh.readline().rstrip("\r\n").encode()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageProblem(f"The PKCS#12 password file {file} cannot be read ({exc}).") from None
    return getpass.getpass("Password of the PKCS#12 file: ").encode() if sys.stdin.isatty() else None


@case_file_command
def _rescue(args: argparse.Namespace) -> int:
    from casereview.services import accounts
    from casereview.services.accounts import workspace_for
    from casereview.store import audit
    from casereview.store.database import open_case_file, unlock_with_recovery

    if on_server(args.db):
        ask_for_server_password(args.db)
    key = unlock_with_recovery(args.db, read_recovery_key(args))
    password = read_new_password(args.new_password_file, "--new-password-file", args.name)
    case_file = open_case_file(args.db, key)
    try:
        ws = workspace_for(case_file, key)
        for notice in ws.notices:
            print(notice, file=sys.stderr)
        print(accounts.rescue_administrator(ws, args.name, password), file=sys.stderr)
        audit.remember_anchor(ws.anchor())
    finally:
        case_file.close()
    return EXIT_OK


# --------------------------------------------------------------------------------------------------- office


@case_file_command
def _certificate(args: argparse.Namespace) -> int:
    from casereview.services import identities

    with acting(args) as user:
        user.ensure_active()
        identities.export_authority_certificate(user.workspace, args.out)
    print(f"Wrote the office's signing certificate to {args.out}. Give it to whoever must check the office's "
          "signatures: python -m casereview verify FILE.pdf --trust it.", file=sys.stderr)
    return EXIT_OK


@case_file_command
def _office(args: argparse.Namespace) -> int:
    """office show / set."""
    from dataclasses import replace

    from casereview.services import accounts
    from casereview.services.office import CaptionMissing, caption, read_office, update_office

    with _field_problems(), acting(args) as user:
        if args.office_command == "set":
            changes = _office_changes(args)
            if args.idle_minutes is None and not changes:
                raise UsageProblem("Say what to change, for example --idle-minutes 10 or --time-zone "
                                   "America/Los_Angeles.")
            if args.idle_minutes is not None:
                accounts.set_idle_limit(user, args.idle_minutes)
            if changes:
                update_office(user, replace(read_office(user), **changes))
        office = read_office(user)
    print(f"Office type: {office.office_type}")
    for label, value in (("Name", office.name), ("Address", office.address), ("Telephone", office.phone),
                         ("E-mail", office.email), ("Head of office", office.head_name),
                         ("Head's title", office.head_title), ("County", office.county), ("State", office.state)):
        print(f"{label}: {value or '(not set)'}")
    print(f"Time zone: {office.time_zone or '(this computer’s)'}")
    try:
        example = caption(office, "Dana Roe")
    except CaptionMissing:
        example = "(no state set)"
    print(f"Caption: {office.caption_style} ({example})")
    print(f"Policy: {office.policy_title or '(title not set)'}, adopted "
          f"{office.policy_adopted_on.isoformat() if office.policy_adopted_on else '(date not set)'}")
    print(f"Date of birth in letters: {office.dob_in_letters}")
    print(f"Certificate of service: {'yes' if office.certificate_of_service else 'no'}")
    if office.office_type == "prosecutor":
        print(f"Motions end a charge by: {office.dismissal_style}; a warrant is: {office.warrant_term}")
    print(f"Sessions lock after {office.idle_limit_minutes} minute(s) without activity.")
    return EXIT_OK


def _office_changes(args: argparse.Namespace) -> dict[str, Any]:
    """The office profile's fields `office set` was given (an empty TEXT clears one)."""
    from datetime import date

    from casereview.services.office import FieldProblem

    changes: dict[str, Any] = {}
    for option in _OFFICE_TEXTS:
        value = getattr(args, option.replace("-", "_"))
        if value is not None:
            changes[option.replace("-", "_")] = value.replace("\\n", "\n") if option == "address" else value
    for name in ("caption_style", "dob_in_letters", "dismissal_style", "warrant_term"):
        if getattr(args, name) is not None:
            changes[name] = getattr(args, name)
    if args.certificate_of_service is not None:
        changes["certificate_of_service"] = args.certificate_of_service == "yes"
    if args.policy_adopted_on is not None:
        try:
            changes["policy_adopted_on"] = date.fromisoformat(args.policy_adopted_on) if args.policy_adopted_on \
                else None
        except ValueError:
            raise FieldProblem("policy_adopted_on", f"{args.policy_adopted_on} is not a date: write it as "
                                                    "YYYY-MM-DD, such as 2025-03-01.") from None
    return changes


@case_file_command
def _trust(args: argparse.Namespace) -> int:
    """office trust / untrust / trusted: the certificates the office trusts beside its own authority."""
    from casereview.services import identities
    from casereview.store.lock import refuse_case_file_part

    with acting(args) as user:
        if args.office_command == "trust":
            try:
                refuse_case_file_part(args.cert)
                data = args.cert.read_bytes()
            except OSError as exc:
                raise UsageProblem(f"The certificate file {args.cert} cannot be read "
                                   f"({exc.strerror or exc}).") from None
            subject = identities.trust_certificate(user, data, args.label)
            print(f"The office now trusts {subject}: documents signed with certificates it issues check out as the "
                  "office's, and signers may import PKCS#12 files from it.", file=sys.stderr)
        elif args.office_command == "untrust":
            label = identities.untrust_certificate(user, args.id)
            print(f"The office no longer trusts {label}: documents signed with certificates from it show as not "
                  "trusted from now on.", file=sys.stderr)
        else:
            own = identities.office_authority(user)
            print(f"-\t{own.subject}\tvalid until {own.not_after:%Y-%m-%d}\tSHA-256 "
                  f"{identities.fingerprint(own.sha256)}\tthe office's own authority (always trusted)")
            for row in identities.trusted_certificates(user):
                used = f"\tused by {', '.join(row.signers)}" if row.signers else ""
                print(f"{row.id}\t{row.label}\tvalid until {row.not_after:%Y-%m-%d}\tSHA-256 "
                      f"{identities.fingerprint(row.sha256)}\tadded {row.added_at:%Y-%m-%d} by {row.added_by}{used}")
    return EXIT_OK


_ADDERS = {"user": _add_user, "office": _add_office}
