"""Rendering and signing documents in helper processes, one per core (see `casereview.services.letters`).

Kept apart from the services so that a helper process imports only what rendering and signing need (ReportLab,
pyHanko), not the database layer: each starts about a second sooner. The signer's identity is handed to each helper
once, in memory, for the length of the run.
"""

from __future__ import annotations

from casereview.documents import fonts
from casereview.documents.layout import SIGNATURE_FIELD, Document, render_for_signing
from casereview.documents.signing import Identity, sign_pdf

_identity: tuple[Identity, bytes] | None = None


def init_worker(identity: Identity, authority: bytes) -> None:
    """Run once in each helper process (and in this one when no helpers are used)."""
    global _identity
    _identity = (identity, authority)
    fonts.register()


def render_and_sign(doc: Document, reason: str) -> bytes:
    """`doc` rendered and signed in its signature block by the identity `init_worker` was given."""
    assert _identity is not None, "init_worker first"
    identity, authority = _identity
    pdf, place = render_for_signing(doc)
    return sign_pdf(pdf, identity, authority, field_name=SIGNATURE_FIELD, reason=reason, new_field=place)
