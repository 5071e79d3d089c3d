"""Rendering and signing documents in helper processes, one per core (see `casereview.services.letters`).

Kept apart from the services so that a helper process imports only what rendering and signing need (ReportLab,
pyHanko), not the database layer: each starts about a second sooner. The signer's identity is handed to each helper
once, in memory, for the length of the run, with the office's time zone (the stamp's time is the office's).
"""

from __future__ import annotations

from datetime import tzinfo

from casereview.documents import fonts
from casereview.documents.layout import SIGNATURE_FIELD, Document, SignatureBlock, render_for_signing
from casereview.documents.signing import Identity, sign_pdf

_identity: tuple[Identity, bytes, tzinfo | None] | None = None


def init_worker(identity: Identity, authority: bytes, time_zone: str | None = None) -> None:
    """Run once in each helper process (and in this one when no helpers are used). `time_zone`: the office's IANA
    time zone name (None: this computer's own)."""
    global _identity
    zone: tzinfo | None = None
    if time_zone:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(time_zone)
    _identity = (identity, authority, zone)
    fonts.register()


def render_and_sign(doc: Document, reason: str) -> bytes:
    """`doc` rendered and signed in its signature block by the identity `init_worker` was given; the stamp names
    the signer with the title the document prints under the signature."""
    assert _identity is not None, "init_worker first"
    identity, authority, zone = _identity
    pdf, place = render_for_signing(doc)
    title = next((b.title for b in doc.blocks if isinstance(b, SignatureBlock) and b.name and b.title), None)
    return sign_pdf(pdf, identity, authority, field_name=SIGNATURE_FIELD, reason=reason, new_field=place,
                    time_zone=zone, signer_title=title)
