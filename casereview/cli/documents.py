"""Documents: `letters` (draft, sign and write the record letters), `documents` (export every signed document) and
`verify` (check every signature of a PDF, offline).

``letters DB --out DIR [--sign] [--docx]`` drafts the record letters for every eligible person (a prosecutor's
office: non-opposition letters to the court, one per person, case and court; a defense office: requests for
non-opposition, for its clients), says which records wait for a review and which letters are held and what to find
out, optionally signs every draft that is not held as ``--user``, and writes the letters into DIR.

``verify FILE.pdf --trust OFFICE.pem`` reports, for each signature: the signer, the time they gave, whether the
signed bytes are intact, whether the document was changed after signing in a way that signature does not allow,
and whether the signer's certificate chains to a trusted office certificate. Exit 0 only when every signature
passes all of these; 1 when any does not (or there is none); 2 when the file cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from casereview.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    SubParsers,
    _as_user,
    _sub,
    acting,
    case_file_command,
    case_file_target,
)

if TYPE_CHECKING:
    from casereview.progress import Progress


def add_parsers(sub: SubParsers, *only: str) -> None:
    """Register this group's commands: those named in `only`, in that order, else all of them."""
    for name in only or _ADDERS:
        _ADDERS[name](sub)


def _add_verify(sub: SubParsers) -> None:
    verify = sub.add_parser("verify", help="check every signature of a PDF (exit 0 only when all are intact, "
                            "unchanged since signing and trusted)")
    verify.add_argument("pdf", type=Path)
    verify.add_argument("--trust", type=Path, action="append", default=[], metavar="CERT",
                        help="an office certificate (.pem or .der) to trust; may be given more than once")
    verify.set_defaults(run=_verify)


def _add_documents(sub: SubParsers) -> None:
    documents = _sub(sub, "documents", "export every signed document stored in a case file, byte for byte")
    documents.add_argument("--out", type=Path, required=True, metavar="DIR", help="the folder to write them in")
    documents.set_defaults(run=_documents)


def _add_letters(sub: SubParsers) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "letters", help="draft the section 6 letters for every eligible person (and sign them with --sign)")
    parser.add_argument("db", type=case_file_target, metavar="DB",
                        help="the case file, or a database server's address postgresql://ROLE@HOST:PORT/DATABASE")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="the folder to write the letters in")
    parser.add_argument("--sign", action="store_true",
                        help="also sign every draft as --user (who needs signing authority for letters)")
    parser.add_argument("--docx", action="store_true", help="also write each letter as .docx, for a word processor")
    parser.add_argument("--case", metavar="NUMBER", help="only this case")
    defense = parser.add_argument_group("a defense office (with --case)")
    defense.add_argument("--client", action="append", default=[], metavar="PERSON",
                         help="record this person of the case (their id) as a client of the office; may be given "
                              "more than once (the case's clients are then exactly these)")
    defense.add_argument("--prosecuting-office", metavar="NAME", help="the prosecuting office the case is before")
    adopted = defense.add_mutually_exclusive_group()
    adopted.add_argument("--adopted", action="store_true", default=None,
                         help="the case records that the prosecuting office adopted the policy")
    adopted.add_argument("--not-adopted", dest="adopted", action="store_false",
                         help="the case does not record that it adopted the policy (the documents name the model "
                              "policy)")
    defense.add_argument("--document", choices=("screening_memo", "policy_exhibit", "client_summary"),
                         help="draft this document for a client (--person, or the case's one client) instead of "
                              "the record letters")
    defense.add_argument("--person", metavar="PERSON", help="the client a --document is for (their id in the case)")
    _as_user(parser)
    parser.set_defaults(run=_letters)


# -------------------------------------------------------------------------------------------------- letters


def _progress_line(progress: Progress) -> None:
    if sys.stderr.isatty() and progress.text:
        print(f"\r{progress.text}", end="", file=sys.stderr, flush=True)


@case_file_command
def _letters(args: argparse.Namespace) -> int:
    from casereview.progress import Progress
    from casereview.services import letters

    out: Path = args.out
    if (args.client or args.prosecuting_office is not None or args.adopted is not None or args.document
            or args.person) and not args.case:
        print("Give --case NUMBER with --client, --prosecuting-office, --adopted, --document or --person.",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    with acting(args) as user:
        if args.client or args.prosecuting_office is not None or args.adopted is not None:
            _record_defense(user, args)
        if args.document:
            return _one_document(user, args, out)
        report = letters.draft_letters(user, case_numbers=[args.case] if args.case else None)
        print(f"Drafted {len(report.drafted)} letter(s); brought {len(report.updated)} draft(s) up to date; "
              f"{len(report.unchanged)} draft(s) unchanged; {report.already_signed} already signed.", file=sys.stderr)
        for held in report.held:
            print(f"No letter yet for {held.person}, case {held.case_number} (charge "
                  f"{', '.join(held.charges)}): find out {'; '.join(held.find_out)}.", file=sys.stderr)
        for held in report.incomplete:  # drafted, but nothing is signed with a gap
            print(f"Letter for {held.person}, case {held.case_number}, is held: find out "
                  f"{'; '.join(held.find_out)}.", file=sys.stderr)
        if report.not_clients:
            print(f"{report.not_clients} person(s) with eligible records are not recorded as clients of the office: "
                  "no request was drafted for them.", file=sys.stderr)
        drafts = [r.id for r in letters.list_letters(user, status="draft", case_number=args.case)
                  if r.kind in letters.RECORD_KINDS and not r.find_out]
        if args.sign and drafts:
            progress = Progress()
            signed = letters.sign_letters(user, drafts, progress=progress)
            _progress_line(progress)
            print(f"Signed {len(signed.signed)} letter(s).", file=sys.stderr)
            for letter_id, why in signed.refused:
                print(f"Letter {letter_id} was not signed: {why}", file=sys.stderr)
        rows = [r.id for r in letters.list_letters(user, case_number=args.case) if r.kind in letters.RECORD_KINDS]
        written, left_out = letters.write_letters(user, out, rows, docx=args.docx)
    print(f"Wrote {len(written)} file(s) to {out}.", file=sys.stderr)
    if left_out:
        print(f"{len(left_out)} signed letter(s) not written: a {user.role.value} may not export signed documents "
              "(a supervisor or prosecutor writes them, or `documents` exports every signed document).",
              file=sys.stderr)
    return EXIT_OK


def _record_defense(user: Any, args: argparse.Namespace) -> None:
    """Record the case's clients and prosecuting office (those options given; the others stay as they are)."""
    from dataclasses import replace

    from casereview.services import cases as casework

    details = casework.read_defense(user, args.case)
    if args.client:
        details = replace(details, clients=frozenset(args.client))
    if args.prosecuting_office is not None:
        details = replace(details, prosecuting_office=args.prosecuting_office)
    if args.adopted is not None:
        details = replace(details, adopted=args.adopted)
    casework.set_defense(user, args.case, details)
    print(f"Case {args.case}: clients {', '.join(sorted(details.clients)) or 'none'}; prosecuting office "
          f"{details.prosecuting_office or 'not recorded'}{' (adopted the policy)' if details.adopted else ''}.",
          file=sys.stderr)


def _one_document(user: Any, args: argparse.Namespace, out: Path) -> int:
    """Draft one defense document for a client (and sign it with --sign), and write it into `out`."""
    from casereview.documents.letters import KIND_LABELS
    from casereview.services import letters

    person = args.person or (args.client[0] if len(args.client) == 1 else None)
    letter_id = letters.draft_letter(user, args.case, args.document, person)
    row, _texts, _relief = letters.letter_fields(user, letter_id)
    print(f"Drafted the {KIND_LABELS[args.document].lower()} (letter {letter_id}) for {row.person}, case "
          f"{args.case}.", file=sys.stderr)
    if row.find_out:
        print(f"It is held: find out {'; '.join(row.find_out)}.", file=sys.stderr)
    elif args.sign:
        signed = letters.sign_letters(user, [letter_id])
        for _letter, why in signed.refused:
            print(f"It was not signed: {why}", file=sys.stderr)
    written, _left_out = letters.write_letters(user, out, [letter_id], docx=args.docx)
    print(f"Wrote {len(written)} file(s) to {out}.", file=sys.stderr)
    return EXIT_OK


# ------------------------------------------------------------------------------------------------ documents


@case_file_command
def _documents(args: argparse.Namespace) -> int:
    from casereview.services import exception_requests as exceptions

    with acting(args) as user:
        written = exceptions.export_documents(user, args.out)
    print(f"Wrote {len(written)} signed document(s) to {args.out}, exactly as they were signed.", file=sys.stderr)
    return EXIT_OK


# --------------------------------------------------------------------------------------------------- verify


class _NotACertificate(ValueError):
    pass


def _certificate_der(path: Path) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from casereview.store.lock import refuse_case_file_part

    refuse_case_file_part(path)
    data = path.read_bytes()
    try:
        if b"-----BEGIN" in data:
            found = x509.load_pem_x509_certificates(data)
            if len(found) != 1:
                raise _NotACertificate(f"{path} holds {len(found)} certificates: give the office certificate alone")
            cert = found[0]
        else:
            cert = x509.load_der_x509_certificate(data)
    except ValueError as exc:
        if isinstance(exc, _NotACertificate):
            raise
        raise _NotACertificate(f"{path} is not a certificate file (.pem or .der)") from None
    return cert.public_bytes(serialization.Encoding.DER)


def _verify(args: argparse.Namespace) -> int:
    return run_verify(args.pdf, args.trust)


def run_verify(pdf: Path, trust: list[Path]) -> int:
    """Check every signature of `pdf` against the certificates in `trust`: a report per signature and a verdict on
    standard output; exit 0 only when every signature checks out, 1 when any does not (or there is none), 2 when
    the PDF or a certificate cannot be read. Never a traceback."""
    from casereview.documents.signing import verify_pdf
    from casereview.store.lock import refuse_case_file_part

    roots = []
    for path in trust:
        try:
            roots.append(_certificate_der(path))
        except OSError as exc:
            print(f"The certificate to trust, {path}, cannot be read ({exc.strerror or exc}). Nothing was checked.",
                  file=sys.stderr)
            return EXIT_BAD_INPUT
        except _NotACertificate as exc:
            print(f"{exc}. Give the office certificate exported from CaseReview (python -m casereview office "
                  "certificate DB OFFICE.pem). Nothing was checked.", file=sys.stderr)
            return EXIT_BAD_INPUT
    try:
        refuse_case_file_part(pdf)
        data = pdf.read_bytes()
    except OSError as exc:
        print(f"{pdf} cannot be read ({exc.strerror or exc}). Nothing was checked.", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        reports = verify_pdf(data, roots)
    except Exception as exc:
        print(f"{pdf} cannot be read as a PDF ({type(exc).__name__}): it is damaged, or not a PDF. Nothing was "
              "checked.", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not reports:
        print(f"{pdf} has no signatures: it is not a signed document.")
        return EXIT_FAILED
    for n, r in enumerate(reports, 1):
        when = r.signed_at.astimezone().isoformat(timespec="seconds") if r.signed_at else "no time given"
        print(f"Signature {n} ({r.field}): {r.signer}, signed {when}")
        print(f"  intact: {'yes' if r.intact else 'NO — the signed content was changed'}")
        print(f"  changed after signing: {'YES, in a way this signature does not allow' if r.modified_after else 'no'}")
        trusted = "yes (this office's certificate)" if r.trusted else \
            "NO — not issued by an office certificate you trust" + ("" if roots else " (give one with --trust)")
        print(f"  trusted: {trusted}")
    if all(r.ok for r in reports):
        print(f"Valid: {'every signature is' if len(reports) > 1 else 'the signature is'} intact, unchanged since "
              "signing, and from an office certificate you trust.")
        return EXIT_OK
    print(f"NOT VALID: {_why_not(reports, bool(roots))}")
    return EXIT_FAILED


def _why_not(reports: list[Any], trusted_given: bool) -> str:
    """The one sentence that says why the document does not check out (the first reason that applies)."""
    if any(not r.intact for r in reports):
        return ("the document was changed after it was signed (the signed content is not what was signed): do not "
                "rely on it; ask the office for the document as it signed it.")
    if any(r.modified_after for r in reports):
        return "the document was changed after a signature in a way that signature does not allow."
    if not trusted_given:
        return "no office certificate was given to check it against: give the office's with --trust."
    if any(not r.trusted for r in reports):
        return ("it was not signed with a certificate issued by the office certificate given (another office's "
                "certificate, or the wrong file?).")
    return "a signer's certificate does not check out (its key usage does not allow signing, or it is not valid)."


_ADDERS = {"verify": _add_verify, "documents": _add_documents, "letters": _add_letters}
