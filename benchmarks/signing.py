"""Benchmark signing: signatures per second of ``casereview.documents.signing.sign_pdf`` on a request document.

Usage (from the project root)::

    python benchmarks/signing.py [--signatures N] [--naive N] [--processes P]

The section 8 request document is rendered once (``render_request``), then signed N times (the requester's
signature, each time on the unsigned document) with

1. an ECDSA P-256 identity the office authority issued, and
2. an RSA-3072 identity imported from a PKCS#12 file (``identities.import_pkcs12``, a root CA of its own),

both as the services hand them out (``identities.signing_identity``, from an encrypted case file in a temporary
folder). Then the same with one process per core (P processes signing at once; the total). For comparison, a naive
pyHanko set-up (``SimpleSigner.load_pkcs12_data`` and ``sign_pdf`` as the documentation shows them: the key loaded,
and for RSA validated, on every signature, and the signature's size estimated with a trial signature) signs the same
document ``--naive`` times with each key. Target: at least 30 signatures/s per core with ECDSA. The last signature of
each kind is checked against the office's trust roots.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: E402
from cryptography.hazmat.primitives.serialization import pkcs12  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

from casereview.documents.exception_request import ChargeLine, Quoted, RequestText, render_request  # noqa: E402
from casereview.documents.signing import Identity, sign_pdf, verify_pdf  # noqa: E402
from casereview.policy.profile import load_builtin  # noqa: E402
from casereview.services import accounts, identities  # noqa: E402
from casereview.services.access import OfficeType, Role  # noqa: E402
from casereview.store.database import create_case_file, unlock  # noqa: E402
from casereview.store.keys import TEST_KDF  # noqa: E402

PASSWORD = "benchmark password here"
P12_PASSWORD = b"benchmark p12 password"
TARGET = 30.0


def _request() -> bytes:
    profile = load_builtin()
    return render_request(RequestText(
        office_name="Lane County District Attorney", office_lines=("125 E 8th Ave, Eugene", "(541) 555-0100"),
        case_number="26-CR-0103", reference="Office case 26-CR-0103; docket 26CR10311",
        charges=(ChargeLine("1", "Thị Lan Nguyễn", "solicitation", "ORS 167.007", "pending", "Lane County Circuit "
                            "Court", "26CR10311", "decline — section 1(b), presumptively",
                            (Quoted(profile.quote("1(b)"), "Sex Work: Model Policy, section 1(b)"),)),),
        section_8=Quoted(profile.quote("8"), "Sex Work: Model Policy, section 8"),
        ground="Section 8: situations in which “charges would have a direct impact on preventing trafficking”.",
        public_safety="Public safety requires it.", justification="The charge concerns the person's own conduct.",
        evidence="Detective Ruiz's report of 2026-03-10; phone records.", affirmation="I affirm it.",
        section_2=Quoted(profile.quote("2"), "Sex Work: Model Policy, section 2"), requester="Pat Lee",
        requester_lines=("Deputy District Attorney",), requested_on="March 10, 2026"))


def _rsa_pkcs12() -> bytes:
    """An RSA-3072 signing certificate from a root CA that is not the office's, as a PKCS#12 file."""
    now = datetime.now(UTC)

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])

    root_key = ec.generate_private_key(ec.SECP256R1())
    root = (x509.CertificateBuilder().subject_name(name("Benchmark Root CA")).issuer_name(name("Benchmark Root CA"))
            .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(root_key, hashes.SHA256()))
    key = rsa.generate_private_key(65537, 3072)
    cert = (x509.CertificateBuilder().subject_name(name("Pat (RSA-3072)")).issuer_name(root.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(root_key, hashes.SHA256()))
    return pkcs12.serialize_key_and_certificates(b"pat", key, cert, [root],
                                                 serialization.BestAvailableEncryption(P12_PASSWORD))


def _rate(pdf: bytes, identity: Identity, authority: bytes, count: int) -> tuple[float, bytes]:
    sign_pdf(pdf, identity, authority, field_name="Requester", reason="warm-up")
    signed = b""
    start = time.perf_counter()
    for _ in range(count):
        signed = sign_pdf(pdf, identity, authority, field_name="Requester", reason="Exception requested")
    return count / (time.perf_counter() - start), signed


def _naive_rate(pdf: bytes, p12: bytes, count: int) -> float:
    """pyHanko as its documentation sets it up: a SimpleSigner from the PKCS#12 file, sign_pdf without a size."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load_pkcs12_data(p12, other_certs=[], passphrase=P12_PASSWORD)
    assert signer is not None
    meta = signers.PdfSignatureMetadata(field_name="Requester", reason="Exception requested", md_algorithm="sha256")
    start = time.perf_counter()
    for _ in range(count):
        signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False), meta, signer=signer,
                         output=io.BytesIO())
    return count / (time.perf_counter() - start)


def _worker(pdf: bytes, identity: Identity, authority: bytes, count: int, barrier: Any, results: Any) -> None:
    sign_pdf(pdf, identity, authority, field_name="Requester", reason="warm-up")
    barrier.wait()
    start = time.time()
    for _ in range(count):
        sign_pdf(pdf, identity, authority, field_name="Requester", reason="Exception requested")
    results.put((start, time.time()))


def _parallel_rate(pdf: bytes, identity: Identity, authority: bytes, count: int, processes: int) -> float:
    """Signatures per second, all processes together (each signs `count`, all at once)."""
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(processes), context.Queue()
    workers = [context.Process(target=_worker, args=(pdf, identity, authority, count, barrier, results))
               for _ in range(processes)]
    for worker in workers:
        worker.start()
    spans: list[tuple[float, float]] = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    return processes * count / (max(end for _s, end in spans) - min(start for start, _e in spans))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signatures", type=int, default=200, help="signatures of each kind (default 200)")
    parser.add_argument("--naive", type=int, default=20, help="signatures with the naive set-up (default 20)")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                        help="processes signing at once (default: one per core)")
    args = parser.parse_args(argv)

    pdf = _request()
    p12 = _rsa_pkcs12()
    with tempfile.TemporaryDirectory(prefix="casereview-bench-") as folder:
        path = Path(folder) / "bench.db"
        case_file, _recovery = create_case_file(path, PASSWORD, kdf=TEST_KDF)
        try:
            ws = accounts.workspace_for(case_file, unlock(path, PASSWORD))
            accounts.set_up_office(ws, OfficeType.PROSECUTOR, "admin", PASSWORD, kdf=TEST_KDF)
            admin = accounts.login(ws, "admin", PASSWORD)
            for name in ("pat", "sam"):
                accounts.create_user(admin, name, Role.PROSECUTOR, PASSWORD, kdf=TEST_KDF)
            issued = identities.signing_identity(accounts.login(ws, "pat", PASSWORD))
            sam = accounts.login(ws, "sam", PASSWORD)
            root = pkcs12.load_key_and_certificates(p12, P12_PASSWORD)[2][-1]  # an administrator trusts it first
            identities.trust_certificate(admin, root.public_bytes(serialization.Encoding.DER))
            identities.import_pkcs12(sam, p12, P12_PASSWORD)
            imported = identities.signing_identity(sam)
            assert imported.certificate.public_key().key_size == 3072  # type: ignore[union-attr]
            authority = identities.authority_certificate(ws)
            roots = identities.office_trust_roots(ws)
        finally:
            case_file.close()

    print(f"Signing a {len(pdf) // 1024} KB request document ({args.signatures} signatures of each kind, "
          f"{args.processes} process(es) at once for the totals):")
    rates = {}
    for label, identity in (("ECDSA P-256, issued by the office", issued),
                            ("RSA-3072, imported from PKCS#12", imported)):
        rate, signed = _rate(pdf, identity, authority, args.signatures)
        [report] = verify_pdf(signed, roots)
        assert report.ok, report.summary
        total = _parallel_rate(pdf, identity, authority, args.signatures, args.processes)
        rates[label] = rate
        print(f"  {label}: {rate:.1f}/s on one core; {total:.1f}/s in {args.processes} processes "
              f"({total / args.processes:.1f}/s per process); {len(signed) - len(pdf)} bytes added")
    if args.naive:
        print(f"The naive pyHanko set-up, for comparison ({args.naive} signatures each):")
        ec_p12 = pkcs12.serialize_key_and_certificates(
            b"pat", serialization.load_der_private_key(issued.key_der, None),  # type: ignore[arg-type]
            issued.certificate, [x509.load_der_x509_certificate(authority)],
            serialization.BestAvailableEncryption(P12_PASSWORD))
        for label, data in (("ECDSA P-256", ec_p12), ("RSA-3072", p12)):
            print(f"  {label}: {_naive_rate(pdf, data, args.naive):.1f}/s on one core")
    ecdsa = rates["ECDSA P-256, issued by the office"]
    print(f"Target: at least {TARGET:.0f}/s per core with ECDSA: {'met' if ecdsa >= TARGET else 'NOT met'}.")
    return 0 if ecdsa >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
