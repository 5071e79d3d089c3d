"""``python -m casereview verify FILE.pdf --trust OFFICE.pem``: every signature of a PDF, checked offline.

For each signature: the signer, the time they gave, whether the signed bytes are intact, whether the document was
changed after signing in a way that signature does not allow, and whether the signer's certificate chains to a
trusted office certificate. Exit 0 only when every signature passes all of these; 1 when any does not (or there
is none); 2 when the file cannot be read.
"""

from __future__ import annotations

import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from casereview.store.lock import refuse_case_file_part

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _certificate_der(path: Path) -> bytes:
    refuse_case_file_part(path)
    data = path.read_bytes()
    cert = x509.load_pem_x509_certificate(data) if b"-----BEGIN" in data else x509.load_der_x509_certificate(data)
    return cert.public_bytes(serialization.Encoding.DER)


def run_verify(pdf: Path, trust: list[Path]) -> int:
    from casereview.documents.signing import verify_pdf

    try:
        roots = [_certificate_der(path) for path in trust]
    except (OSError, ValueError) as exc:
        print(f"The certificate to trust cannot be read ({exc}). Give an office certificate exported from "
              "CaseReview (.pem or .der).", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        refuse_case_file_part(pdf)
        data = pdf.read_bytes()
        reports = verify_pdf(data, roots)
    except OSError as exc:
        print(f"{pdf} cannot be read ({exc.strerror or exc}).", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:
        print(f"{pdf} cannot be read as a PDF ({type(exc).__name__}). Nothing was checked.", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not reports:
        print(f"{pdf} has no signatures.")
        return EXIT_FAILED
    for n, r in enumerate(reports, 1):
        when = r.signed_at.isoformat(timespec="seconds") if r.signed_at else "no time given"
        print(f"Signature {n} ({r.field}): {r.signer}, signed {when}")
        print(f"  intact: {'yes' if r.intact else 'NO — the signed content was changed'}")
        print(f"  changed after signing: {'YES, in a way this signature does not allow' if r.modified_after else 'no'}")
        trusted = "yes (this office's certificate)" if r.trusted else \
            "NO — not issued by an office certificate you trust" + ("" if roots else " (give one with --trust)")
        print(f"  trusted: {trusted}")
    return EXIT_OK if all(r.ok for r in reports) else EXIT_FAILED
