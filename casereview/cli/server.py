"""`server init` and `server move`: setting up a database server (PostgreSQL) for an office that shares its cases.

    python -m casereview server init postgresql://ROLE@HOST:PORT/DB --admin NAME
    python -m casereview server move CASEFILE.db postgresql://ROLE@HOST:PORT/DB
    python -m casereview server move postgresql://ROLE@HOST:PORT/DB NEW-CASEFILE.db     (back to a case file)

The role's password comes from $CASEREVIEW_DB_PASSWORD or $PGPASSWORD (or a prompt in a terminal); the office
passphrase and the administrator's password as for every command (--passphrase-file, --password-file, or a
prompt). Both commands keep the office key file on this computer (see `casereview.store.server`): copy it to
every computer that will use the server.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from casereview.cli.common import (
    EXIT_OK,
    Parser,
    SubParsers,
    UsageProblem,
    ask_for_server_password,
    case_file_command,
    read_new_passphrase,
    read_new_password,
    read_passphrase,
)

URL_HELP = "the database server's address, postgresql://ROLE@HOST:PORT/DATABASE (a new, empty database)"


def add_parsers(sub: SubParsers, *only: str) -> None:
    """Register `server` (its commands init and move)."""
    server = sub.add_parser("server", help="set up a database server for an office sharing its cases")
    server_sub = server.add_subparsers(dest="server_command", required=True, parser_class=Parser)
    init = server_sub.add_parser("init", help="create the schema, the office and its first administrator on a "
                                              "new database")
    init.add_argument("url", help=URL_HELP)
    init.add_argument("--admin", required=True, metavar="NAME", help="the first administrator")
    init.add_argument("--office-type", choices=("prosecutor", "defense"), default="prosecutor",
                      help="a prosecutor's or a defense office (decides the roles; default prosecutor)")
    init.add_argument("--office-name", metavar="TEXT", help="the office's name")
    init.add_argument("--passphrase-file", type=Path, metavar="F",
                      help="the new office passphrase (it unlocks the office key): first line of F")
    init.add_argument("--password-file", type=Path, metavar="F", help="the administrator's password: first line")
    init.set_defaults(run=_init)
    move = server_sub.add_parser(
        "move", help="move a case file's whole contents to a new, empty database, or (a server's address first) a "
                     "server's whole contents back to a new case file",
        description="SOURCE to TARGET: a case file to a new, empty database (postgresql://ROLE@HOST:PORT/DATABASE), "
                    "or a database back to a new case file. Every table's row count and SHA-256 are checked before "
                    "anything is committed; the source is left as it was.")
    move.add_argument("db", metavar="SOURCE", help="the case file (or the server's address, to move back)")
    move.add_argument("url", metavar="TARGET", help=URL_HELP + "; or, from a server, the new case file")
    move.add_argument("--passphrase-file", type=Path, metavar="F",
                      help="read the office passphrase (the case file's, or the server's) from the first line of F")
    move.set_defaults(run=_move)


def _url(text: str) -> str:
    if "://" not in text:
        raise UsageProblem(f"{text} is not a database server address: write postgresql://ROLE@HOST:PORT/DATABASE.")
    ask_for_server_password(text)
    return text


@case_file_command
def _init(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from casereview.services.access import OfficeType, office_words
    from casereview.services.accounts import set_up_office, workspace_for
    from casereview.store import audit
    from casereview.store import keys as keymod
    from casereview.store import models as m
    from casereview.store.database import open_case_file
    from casereview.store.server import describe, server_key_path, write_server_keys

    url = _url(args.url)
    if server_key_path(url).exists():
        raise UsageProblem(f"This computer already keeps an office key file for {describe(url)} "
                           f"({server_key_path(url)}): the server was set up already. Nothing was changed.")
    passphrase = read_new_passphrase(args.passphrase_file, "--passphrase-file")
    password = read_new_password(args.password_file, "--password-file", args.admin)
    case_file = open_case_file(url)  # the schema, at the newest revision
    try:
        with case_file.session() as db:
            used = (db.scalar(select(func.count()).select_from(m.Office)) or 0) + (
                db.scalar(select(func.count()).select_from(m.Case)) or 0)
        if used:
            raise UsageProblem(f"{describe(url)} already holds an office or cases: server init sets up a new, empty "
                               "database only. Nothing was changed.")
        keys, key, recovery = keymod.new_keys(passphrase)
        key_path = write_server_keys(url, keys)
        try:
            ws = workspace_for(case_file, key)
            set_up_office(ws, OfficeType(args.office_type), args.admin, password, office_name=args.office_name)
            audit.remember_anchor(ws.anchor())
        except BaseException:
            key_path.unlink(missing_ok=True)
            raise
    finally:
        case_file.close()
    print(f"Recovery key for the office on {describe(url)}:\n\n    {recovery}\n\n"
          "Write it down or print it and keep it somewhere safe, away from the computers. It is shown only now. "
          "If the passphrase is ever lost, this key (with the office key file) is the only way back in.")
    office = office_words(OfficeType(args.office_type))
    print(f"Set up {describe(url)} for {office}, with the administrator {args.admin}: the schema, the office and "
          f"its audit trail. The office key file is at {key_path} on this computer (the database does not hold "
          "it): copy it to every computer that will use the server, into the same place in its CaseReview data "
          "folder, or set CASEREVIEW_SERVER_KEYS there.", file=sys.stderr)
    return EXIT_OK


@case_file_command
def _move(args: argparse.Namespace) -> int:
    from casereview.store.database import unlock
    from casereview.store.move import move_to_file, move_to_server, summary

    if "://" in args.db:  # back: the server's contents into a new case file
        if "://" in args.url:
            raise UsageProblem("Both are database server addresses: move a server to a case file (or a case file "
                               "to a server), one at a time.")
        url, target = _url(args.db), Path(args.url)
        key = unlock(url, read_passphrase(args))
        report = move_to_file(url, key, target)
    else:
        url = _url(args.url)
        source = Path(args.db)
        key = unlock(source, read_passphrase(args))
        report = move_to_server(source, key, url)
    for line in summary(report):
        print(line)
    return EXIT_OK
