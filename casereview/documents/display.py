"""A copy of a PDF for showing and printing inside CaseReview, never for keeping or sending.

QtPdf draws a page's annotations but not its form widgets, and a signed document's visible parts beyond the text —
the signature stamps and the supervisor's filled-in decision — are form widgets. The display copy turns each widget
that has an appearance into a stamp annotation with the same appearance, which QtPdf draws. The signed bytes are
untouched: signatures are always checked, saved and exported from the original.
"""

from __future__ import annotations

import io
from typing import Any


def display_copy(pdf: bytes) -> bytes:
    """`pdf` with every form widget that has an appearance shown as a stamp annotation (see the module)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    changed = False
    pages: Any = writer.root["/Pages"]
    for index in range(int(pages["/Count"])):
        page_ref, _resources = writer.find_page_for_modification(index)
        page = page_ref.get_object()
        annots = page.get("/Annots")
        if annots is None:
            continue
        for item in annots.get_object() if isinstance(annots, generic.IndirectObject) else annots:
            annot = item.get_object()
            if annot.get("/Subtype") == "/Widget" and "/AP" in annot:
                annot["/Subtype"] = generic.NameObject("/Stamp")
                changed = True
                if isinstance(item, generic.IndirectObject):
                    writer.mark_update(item)
        writer.mark_update(page_ref)
    if not changed:
        return pdf
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
