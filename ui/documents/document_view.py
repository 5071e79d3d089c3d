"""A signed PDF shown inside CaseReview: its pages (QtPdf), its signatures checked against the office's
certificate and said in plain words, Print and Save as.

Printing is an export: the Print button works only where the caller gave a way to print (`print_export`), which
checks the role (the same permission as saving a copy), asks for the password again when needed, and writes an audit
record like the export's; a print to a file is written owner-only (0600). `ask_to_sign` is the one question every
signing action asks before the password prompt: what will be signed, and as whom.

`DocumentPane` is the widget (the requests queue embeds it); `DocumentView` is the window around it, made from a
title, the PDF's bytes and, optionally, how to save a copy — the same viewer serves exception requests and letters.
`show_stored_document` opens a document kept in the case file, saved through the services (an audited export).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from enum import Enum
from pathlib import Path

import shiboken6
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap, QResizeEvent
from PySide6.QtPdf import QPdfDocument, QPdfDocumentRenderOptions
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from casereview.documents.display import display_copy
from casereview.documents.signing import SignatureReport, verify_pdf
from casereview.services import exception_requests as exceptions
from casereview.services.access import Op
from casereview.services.accounts import my_names
from casereview.services.identities import no_name_message, office_trust_roots
from casereview.services.session import UserSession
from casereview.store.lock import refuse_case_file_part
from ui.access.reauth import confirm_for
from ui.shared import file_dialogs
from ui.shared.problems import is_expected, show_problem
from ui.shared.screen import fit_to_screen
from ui.shared.worker import Task, run_task

ZOOM_STEP = 1.25
MAX_PRINT_DPI = 300  # a letter page at 300 dpi is 2550 × 3300 pixels (32 MB); at 1200 dpi it would be 16 times that

SaveCopy = Callable[[Path], object]
# How a pane prints: given the printing itself (which returns the pages printed), it checks and records it, and
# returns the pages printed (None when the user stopped at the password).
PrintGuard = Callable[[Callable[[], int]], int | None]


def ask_to_sign(parent: QWidget | None, what: str, session: UserSession, title: str = "Sign") -> bool:
    """Ask once, before the password prompt, whether to sign what the action signs, naming the signer as the
    signature will: "Sign 41 letters as Jordan Avery, Chief Deputy District Attorney?". An account without a full
    name cannot sign: that is said instead (and False returned)."""
    names = my_names(session)
    if not names.full_name:
        QMessageBox.warning(parent, "Your full name is needed to sign", no_name_message(session.username))
        return False
    answer = QMessageBox.question(
        parent, title, f"{what} as {names.signed_as()}?\n\nYour signature names you, with your signing certificate; "
        "a signed document cannot be changed afterwards.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def print_export(session: UserSession, op: Op, action: str, object_id: str,
                 parent: QWidget | None) -> PrintGuard | None:
    """How a document is printed: as an export. None when the user's role may not `op` (no printing); otherwise
    the password is asked again when needed, and the printing is recorded in the audit trail (`action`,
    `object_id`, as its export is), or recorded as failed when the printer fails."""
    if not session.may(op):
        return None

    def guard(work: Callable[[], int]) -> int | None:
        if not confirm_for(session, op, parent):
            return None
        with session.acting(op, action, object_id):
            return work()

    return guard


def signature_words(report: SignatureReport) -> str:
    """One signature in plain words: who, when, and each check passed or failed."""
    when = report.signed_at.astimezone().strftime("%Y-%m-%d %H:%M") if report.signed_at else "at a time not given"
    checks = ["the signed content is intact" if report.intact else "the signed content was CHANGED (not intact)",
              "nothing was changed afterwards" if not report.modified_after
              else "the document was CHANGED after this signature",
              "the certificate is valid" if report.valid else "the certificate does NOT check out",
              "issued by this office (trusted)" if report.trusted else "NOT issued by an office you trust"]
    mark = "✔" if report.ok else "✘"
    return f"{mark} Signed by {report.signer} on {when}: {'; '.join(checks)}."


def with_annotations() -> QPdfDocumentRenderOptions:
    """Render options that draw a page's annotations: the signatures' stamps and the filled form fields (the
    supervisor's decision) are annotations, and QtPdf leaves them out unless asked."""
    options = QPdfDocumentRenderOptions()
    options.setRenderFlags(QPdfDocumentRenderOptions.RenderFlag.Annotations)
    return options


def _on_white(image: QImage) -> QImage:
    """A rendered page (transparent where nothing is drawn) on white paper."""
    paper = QImage(image.size(), QImage.Format.Format_RGB32)
    paper.fill(QColor("white"))
    painter = QPainter(paper)
    painter.drawImage(0, 0, image)
    painter.end()
    return paper


class PageView(QScrollArea):
    """The pages one under the other, each rendered by QtPdf with its annotations (QPdfView cannot be asked to draw
    them, and a signed document's stamps and filled-in decision are annotations). Fits the width, or zooms."""

    class ZoomMode(Enum):
        FitToWidth = 0
        Custom = 1

    SPACING = 8

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._document: QPdfDocument | None = None
        self._mode, self._factor = PageView.ZoomMode.FitToWidth, 1.0
        self.setWidgetResizable(True)
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.setBackgroundRole(self.backgroundRole().Dark)
        self._body = QWidget(self)
        self._layout = QVBoxLayout(self._body)
        self._layout.setSpacing(self.SPACING)
        self._layout.setContentsMargins(self.SPACING, self.SPACING, self.SPACING, self.SPACING)
        self._layout.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.setWidget(self._body)
        self.labels: list[QLabel] = []

    def setDocument(self, document: QPdfDocument) -> None:
        self._document = document
        document.statusChanged.connect(self._status_changed)
        self.refresh()

    def _status_changed(self, _status: QPdfDocument.Status) -> None:
        if shiboken6.isValid(self) and self._document is not None and shiboken6.isValid(self._document):
            self.refresh()  # (a document being deleted says so once more)

    def zoomMode(self) -> PageView.ZoomMode:
        return self._mode

    def setZoomMode(self, mode: PageView.ZoomMode) -> None:
        self._mode = mode
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff if mode == PageView.ZoomMode.FitToWidth
                                          else Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.refresh()

    def zoomFactor(self) -> float:
        return self._factor

    def setZoomFactor(self, factor: float) -> None:
        self._factor = factor
        self.refresh()

    def _page_width(self, page: int) -> int:
        """The width (logical pixels) a page is shown at."""
        assert self._document is not None
        points = self._document.pagePointSize(page)
        if self._mode == PageView.ZoomMode.FitToWidth:  # no sideways scrolling: the page fits the width
            return max(50, self.viewport().width() - 2 * self.SPACING - 2)
        return max(50, round(points.width() * self.logicalDpiX() / 72 * self._factor))

    def refresh(self) -> None:
        document = self._document if self._document is not None and shiboken6.isValid(self._document) else None
        count = document.pageCount() if document is not None else 0
        while len(self.labels) > count:
            self.labels.pop().deleteLater()
        while len(self.labels) < count:
            label = QLabel(self._body)
            label.setAccessibleName(f"Page {len(self.labels) + 1}")
            self._layout.addWidget(label)
            self.labels.append(label)
        if document is None:
            return
        ratio = self.devicePixelRatioF()
        options = with_annotations()
        for page, label in enumerate(self.labels):
            points = document.pagePointSize(page)
            width = self._page_width(page)
            height = round(width * points.height() / points.width()) if points.width() else width
            image = _on_white(document.render(page, QSize(round(width * ratio), round(height * ratio)), options))
            image.setDevicePixelRatio(ratio)
            label.setPixmap(QPixmap.fromImage(image))
            label.setFixedSize(width, height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._mode == PageView.ZoomMode.FitToWidth and event.size().width() != event.oldSize().width():
            self.refresh()


def _shown(pdf: bytes) -> bytes:
    """What the pane loads: the display copy, whose signature stamps and filled-in fields QtPdf draws (the original
    bytes are what is checked and saved); the original itself when it cannot be read that way."""
    if not pdf:
        return pdf
    try:
        return display_copy(pdf)
    except Exception:  # a damaged file: QtPdf shows what it can, and the signature check says what is wrong
        return pdf


def print_pdf(document: QPdfDocument, printer: QPrinter) -> int:
    """Print the document's pages (those the printer's range names, or all) on `printer`, each page scaled to the
    paper; returns how many pages were printed. Pages are rendered at the printer's resolution, at most
    MAX_PRINT_DPI (plenty for text, and a page never takes more than a few tens of megabytes)."""
    count = document.pageCount()
    first, last = 1, count
    if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
        first, last = printer.fromPage(), min(printer.toPage() or count, count)
    if count == 0 or first > last:
        return 0
    printer.setFullPage(True)  # the document has its own margins
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("The printer could not be started. Check that it is connected and try again.")
    try:
        dpi = min(printer.resolution(), MAX_PRINT_DPI)
        area = QRectF(painter.viewport())
        for n, page in enumerate(range(first - 1, last)):
            if n and not printer.newPage():
                raise OSError(f"The printer stopped after page {page}.")
            points = document.pagePointSize(page)
            image = document.render(page, QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72)),
                                    with_annotations())
            scale = min(area.width() / image.width(), area.height() / image.height())
            target = QRectF(area.x() + (area.width() - image.width() * scale) / 2, area.y(),
                            image.width() * scale, image.height() * scale)
            painter.drawImage(target, image)
    finally:
        painter.end()
    return last - first + 1


def print_privately(document: QPdfDocument, printer: QPrinter) -> int:
    """`print_pdf`, with a print to a file written owner-only (0600): the printer writes a temporary file made
    owner-only beside the one chosen, which then takes its place (a copy of a document is as private as the case
    file's own)."""
    out = printer.outputFileName()
    if not out:
        return print_pdf(document, printer)
    target = Path(out)
    refuse_case_file_part(target)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)  # mode 0600
    os.close(fd)
    try:
        printer.setOutputFileName(temporary)
        pages = print_pdf(document, printer)
        os.chmod(temporary, 0o600)
        os.replace(temporary, target)
    finally:
        printer.setOutputFileName(out)
        Path(temporary).unlink(missing_ok=True)
    return pages


class DocumentPane(QWidget):
    """A PDF's pages, a strip with its signatures, and the buttons Zoom out / Fit width / Zoom in, Print and
    Save as. `signatures_checked(reports)` when the signatures have been checked."""

    signatures_checked = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pdf = b""
        self.file_name = "document.pdf"
        self.save_copy: SaveCopy | None = None
        self.print_guard: PrintGuard | None = None
        self.reports: list[SignatureReport] | None = None
        self.check_task: Task[list[SignatureReport]] | None = None
        self._buffer: QBuffer | None = None  # QPdfDocument reads from it for as long as the document is shown
        self.document = QPdfDocument(self)
        self.document.pageCountChanged.connect(self._page_count_changed)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.zoom_out = self._button("Zoom &out", "Zoom out", self.zoom_out_once, bar)
        self.fit = self._button("&Fit width", "Fit the page to the width", self.fit_width, bar)
        self.zoom_in = self._button("Zoom &in", "Zoom in", self.zoom_in_once, bar)
        self.pages = QLabel(self)
        self.pages.setObjectName("pageCount")
        self.pages.setAccessibleName("Pages")
        bar.addWidget(self.pages)
        bar.addStretch(1)
        self.print_button = self._button("&Print…", "Print the document", self.print_document, bar)
        self.save_button = self._button("&Save as…", "Save a copy of the document", self.save_as, bar)
        layout.addLayout(bar)

        self.view = PageView(self)
        self.view.setAccessibleName("Document pages")
        self.view.setDocument(self.document)
        self.view.setZoomMode(PageView.ZoomMode.FitToWidth)
        layout.addWidget(self.view, 1)

        self.strip = QFrame(self)
        self.strip.setObjectName("signatures")
        self.strip.setFrameShape(QFrame.Shape.StyledPanel)
        strip_layout = QVBoxLayout(self.strip)
        strip_layout.setContentsMargins(8, 6, 8, 6)
        self.verdict = QLabel(self.strip)
        self.verdict.setObjectName("signatureVerdict")
        self.verdict.setWordWrap(True)
        self.verdict.setStyleSheet("font-weight: bold;")
        self.verdict.setAccessibleName("Do the signatures check out")
        strip_layout.addWidget(self.verdict)
        self.signatures = QLabel(self.strip)
        self.signatures.setObjectName("signatureReport")
        self.signatures.setWordWrap(True)
        self.signatures.setAccessibleName("Signatures")
        self.signatures.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        strip_layout.addWidget(self.signatures)
        layout.addWidget(self.strip)
        self.show_pdf(b"")

    def _button(self, text: str, accessible: str, slot: Callable[[], object], bar: QHBoxLayout) -> QPushButton:
        button = QPushButton(text, self)
        button.setAccessibleName(accessible)
        button.setAutoDefault(False)
        button.clicked.connect(lambda _checked=False: slot())
        bar.addWidget(button)
        return button

    # ------------------------------------------------------------------------------------------ the document

    def show_pdf(self, pdf: bytes, *, file_name: str = "document.pdf", save_copy: SaveCopy | None = None,
                 trust_roots: Sequence[bytes] | None = None) -> None:
        """Show `pdf` (nothing when empty); its signatures are checked in the background against `trust_roots`
        (not at all when None). `save_copy(path)` writes a copy for Save as (no Save as without it)."""
        self.document.close()
        self.pdf, self.file_name, self.save_copy, self.reports = pdf, file_name, save_copy, None
        buffer = QBuffer(self)
        buffer.setData(QByteArray(_shown(pdf)))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        old, self._buffer = self._buffer, buffer
        if pdf:
            self.document.load(buffer)
        if old is not None:
            old.close()
            old.deleteLater()
        for button in (self.zoom_out, self.fit, self.zoom_in):
            button.setEnabled(bool(pdf))
        self.set_save_copy(save_copy)
        self.set_print_guard(None)
        self.fit_width()
        self._show_count()
        self.signatures.clear()
        if not pdf or trust_roots is None:
            self.strip.setVisible(bool(pdf))
            self.verdict.setText("The signatures were not checked." if pdf else "")
            return
        self.strip.show()
        self.verdict.setText("Checking the signatures…")
        roots = list(trust_roots)

        def done(reports: list[SignatureReport]) -> None:
            if shiboken6.isValid(self):  # (the window may have been closed meanwhile)
                self._checked(pdf, reports)

        def failed(exc: BaseException) -> None:
            if shiboken6.isValid(self):
                self._check_failed(pdf, exc)

        # No parent: the check finishes even when the pane is closed before it does.
        self.check_task = run_task(None, "Checking the signatures", lambda _p: verify_pdf(pdf, roots),
                                   on_done=done, on_error=failed)

    def set_save_copy(self, save_copy: SaveCopy | None, *, why_not: str = "") -> None:
        """How Save as writes a copy (None: no Save as, with `why_not` as the reason shown)."""
        self.save_copy = save_copy
        self.save_button.setEnabled(bool(self.pdf) and save_copy is not None)
        self.save_button.setToolTip("" if save_copy is not None or not self.pdf else
                                    why_not or "This document cannot be saved from here.")

    def set_print_guard(self, guard: PrintGuard | None, *, why_not: str = "") -> None:
        """How Print checks and records the printing (`print_export`); None: no Print, with `why_not` shown."""
        self.print_guard = guard
        self.print_button.setEnabled(bool(self.pdf) and guard is not None)
        self.print_button.setToolTip("" if guard is not None or not self.pdf else
                                     why_not or "This document cannot be printed from here.")

    def _checked(self, shown: bytes, reports: list[SignatureReport]) -> None:
        if shown is not self.pdf:
            return  # another document is shown by now
        self.reports = reports
        if not reports:
            self.verdict.setText("This document has no signatures.")
        elif all(r.ok for r in reports):
            self.verdict.setText({1: "The signature checks out.", 2: "Both signatures check out."}.get(
                len(reports), "Every signature checks out."))
        else:
            self.verdict.setText("⚠ Not every signature checks out: do not rely on this document as it is.")
        self.signatures.setText("\n".join(signature_words(r) for r in reports))
        self.signatures.setAccessibleDescription(self.signatures.text())
        self.signatures_checked.emit(reports)

    def _check_failed(self, shown: bytes, exc: BaseException) -> None:
        if shown is not self.pdf:
            return
        self.reports = []
        self.verdict.setText(f"⚠ The signatures could not be checked: this file is not a PDF that can be "
                                f"read ({type(exc).__name__}).")
        self.signatures_checked.emit([])

    def _page_count_changed(self, _count: int) -> None:
        if shiboken6.isValid(self.document):  # (it says 0 pages once more while it is being deleted)
            self._show_count()

    def _show_count(self) -> None:
        count = self.document.pageCount()
        self.pages.setText("" if not self.pdf else f"{count} page{'s' if count != 1 else ''}")

    # ------------------------------------------------------------------------------------------ zoom

    def fit_width(self) -> None:
        self.view.setZoomMode(PageView.ZoomMode.FitToWidth)

    def _zoom(self, factor: float) -> None:
        current = self.view.zoomFactor()
        if self.view.zoomMode() != PageView.ZoomMode.Custom:
            # the factor the fitted view uses: the view's width over the page's width (in pixels at 100 %)
            points = self.document.pagePointSize(0)
            width = points.width() * self.logicalDpiX() / 72 if points.width() else 0
            current = self.view.viewport().width() / width if width else 1.0
        self.view._factor = max(0.25, min(current * factor, 6.0))
        self.view.setZoomMode(PageView.ZoomMode.Custom)

    def zoom_in_once(self) -> None:
        self._zoom(ZOOM_STEP)

    def zoom_out_once(self) -> None:
        self._zoom(1 / ZOOM_STEP)

    # ------------------------------------------------------------------------------------------ print, save

    def print_document(self) -> None:
        if self.print_guard is None:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(Path(self.file_name).stem)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print the document")
        dialog.setMinMax(1, max(1, self.document.pageCount()))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.print_to(printer)

    def print_to(self, printer: QPrinter) -> int:
        """Print on a printer already set up (the Print dialog's, or a PDF file's), through the print guard when the
        pane has one (role, password, audit record); problems are shown. A print to a file is written owner-only.
        Returns the pages printed (0 when nothing was)."""
        def work() -> int:
            return print_privately(self.document, printer)

        try:
            printed = work() if self.print_guard is None else self.print_guard(work)
        except OSError as exc:
            show_problem(self, "The document was not printed", exc)
            return 0
        except Exception as exc:
            if not is_expected(exc):
                raise
            show_problem(self, "The document was not printed", exc)
            return 0
        return printed or 0

    def save_as(self) -> Path | None:
        """Ask where to save a copy, then save it through `save_copy` (the exact bytes as kept)."""
        if self.save_copy is None:
            return None
        chosen = file_dialogs.get_save_file_name(self, "Save a copy of the document", self.file_name,
                                                 "PDF documents (*.pdf)")
        if not chosen:
            return None
        path = Path(chosen)
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        try:
            if self.save_copy(path) is False:
                return None  # the user stopped (did not confirm their password)
        except Exception as exc:
            show_problem(self, "The copy was not saved", exc)
            return None
        return path


class DocumentView(QDialog):
    """A window showing one PDF: `DocumentView(title, pdf, save_copy=…)`; `pane` holds the pages, the
    signatures, Print and Save as."""

    def __init__(self, title: str, pdf: bytes, save_copy: SaveCopy | None = None, *, file_name: str = "document.pdf",
                 trust_roots: Sequence[bytes] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        fit_to_screen(self, 860, 960)  # at 1366x768 too, with the signature strip and Close in view
        layout = QVBoxLayout(self)
        self.pane = DocumentPane(self)
        layout.addWidget(self.pane)
        self.pane.show_pdf(pdf, file_name=file_name, save_copy=save_copy, trust_roots=trust_roots)
        close = QPushButton("Close", self)
        close.setAutoDefault(False)
        close.clicked.connect(lambda _checked=False: self.close())
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)


def stored_copy(session: UserSession, doc_id: int, parent: QWidget | None) -> SaveCopy | None:
    """How a stored document is saved: the password asked again when needed, then the service writes the exact
    bytes (owner-only, audited as an export); the save returns False when the user did not confirm. None when the
    user's role may not export (see `no_copy_reason`)."""
    if not session.may(Op.EXPORT):
        return None

    def save(path: Path) -> object:
        if not confirm_for(session, Op.EXPORT, parent):
            return False
        return exceptions.save_document(session, doc_id, path)

    return save


def no_copy_reason(session: UserSession) -> str:
    return f"Your role ({session.role.value}) may not {Op.EXPORT.value}: saving a copy is an export."


def stored_print(session: UserSession, doc_id: int, parent: QWidget | None) -> PrintGuard | None:
    """How a stored document is printed: an export of it (role-checked, the password, an audit record)."""
    return print_export(session, Op.EXPORT, "export", f"document:{doc_id}:printed", parent)


def document_title(doc: exceptions.DocumentInfo) -> str:
    stage = "signed by the requester" if doc.stage == "submitted" else "with the supervisor's decision"
    return f"Case {doc.case_number} — exception request {doc.request_id}, {stage}"


def show_stored_document(session: UserSession, doc: exceptions.DocumentInfo, parent: QWidget | None) -> DocumentView:
    """Open a signed document kept in the case file in its own window (not modal: the case stays usable)."""
    view = DocumentView(document_title(doc), exceptions.document_bytes(session, doc.id), parent=parent,
                        file_name=doc.file_name, trust_roots=office_trust_roots(session.workspace))
    view.pane.set_save_copy(stored_copy(session, doc.id, view), why_not=no_copy_reason(session))
    view.pane.set_print_guard(stored_print(session, doc.id, view), why_not=no_copy_reason(session))
    view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    view.show()
    return view
