"""Records → Import records…: a wizard a paralegal follows to bring a state's or a court's extract of past records
(CSV or Excel, one row per charge) into the case file.

1. **The file** — chosen with the application's file dialog (`ui.shared.file_dialogs`); for a workbook, the sheet.
   A mapping saved earlier can be loaded as a preset here (or on the Columns page).
2. **Preview** — the first rows as they were read.
3. **Columns** — which column holds which field, a list for each field, filled in when the file's column names are
   the case format's or a preset names them; the fields every row needs are marked.
4. **Dates** — how the file writes dates (common ways, or another), checked at once on the preview rows.
5. **Statutes and dispositions** — those neither the mapping nor the office's statute catalog places, each with
   how many rows and cases have it: the user says what each one charges (offense and role) or means (status).
6. **Check** — a dry run: every row read, checked and screened as the import will, nothing stored; its report.
   **Import** stores the cases (in the background, with a progress window and Cancel).
7. **Report** — what the import did; save the report (PDF and CSV) and the rejected rows (CSV); decide the matches
   of people; import again to carry on.

The mapping is saved and loaded as a preset: the JSON file the command line's ``--mapping`` takes. Reading the file,
the check and the import run in the background (`ui.shared.worker`); the services do the work
(`casereview.services.records`) and check the user's role.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QCloseEvent, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from casereview.policy.case import AROSE_FROM_EXCHANGE_OFFENSES, OFFENSES, ROLES, STATUSES
from casereview.progress import Progress
from casereview.records.mapping import (
    DEFAULT_ROLES,
    ROLE_NEEDED,
    MappingError,
    StatuteEntry,
    fold_text,
    format_words,
    load_mapping,
)
from casereview.records.reading import RecordsFileError
from casereview.records.report import ImportReport, ReportFiles, ToPlace
from casereview.services import records
from casereview.services import statutes as catalog
from casereview.services.session import UserSession
from casereview.store.lock import refuse_case_file_part
from casereview.store.safe_write import write_private
from ui.records.report_view import ReportView, plural
from ui.records.setup import (
    DATE_FIELDS,
    DATE_FORMATS,
    FIELD_GROUPS,
    FIELD_HELP,
    FIELD_WORDS,
    PREVIEW_ROWS,
    REQUIRED,
    Choices,
    FileRead,
    cell_text,
    check_format,
    columns_in,
    date_cells,
    example,
    guess_date_format,
    guessed_columns,
    read_preview,
)
from ui.shared import file_dialogs
from ui.shared.problems import show_problem
from ui.shared.worker import Task, run_task

FILE, PREVIEW, COLUMNS, DATES, PLACE, CHECK, REPORT = range(7)
FILE_FILTER = "Records (*.csv *.xlsx *.txt *.tsv);;All files (*)"
PRESET_FILTER = "Mapping presets (*.json);;All files (*)"
FRAME_ALLOWANCE = 40  # a window manager's title bar and borders (as ui/main_window.py)
NOT_READ = QColor(255, 228, 225)
Index = QModelIndex | QPersistentModelIndex


def words(value: str) -> str:
    """"third_party" -> "third party"."""
    return value.replace("_", " ")


def offense_words(offense: str) -> str:
    return words(offense).capitalize()


def expected(exc: BaseException) -> bool:
    """A problem with the file or the mapping (the message says what to do); nothing was imported."""
    return isinstance(exc, (RecordsFileError, MappingError))


class Note(QLabel):
    """A problem said on a page, under what it is about; hidden while there is none. The text says what is wrong
    and what to do, so nothing depends on its colour."""

    def __init__(self, about: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setObjectName("problem")
        self.setAccessibleName(f"Problem with {about}")
        self.setStyleSheet("font-weight: bold;")
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def say(self, message: str) -> None:
        self.setText(f"⚠ {message}")
        self.setAccessibleDescription(message)
        self.show()

    def clear_note(self) -> None:
        self.clear()
        self.setAccessibleDescription("")
        self.hide()


def wrapped(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    return label


def button(text: str, name: str, slot: Callable[[], object], parent: QWidget) -> QPushButton:
    made = QPushButton(text, parent)
    made.setAccessibleName(name)
    made.setAutoDefault(False)
    made.clicked.connect(lambda _=False: slot())
    return made


# ======================================================================================================== wizard


class ImportWizard(QWizard):
    """Signals: `cases_changed()` after an import ran (whole, cancelled or failed part way: what was stored is
    kept), so the case list and its counts follow at once."""

    cases_changed = Signal()

    def __init__(self, session: UserSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.read: FileRead | None = None
        self.choices = Choices()
        self.preset_name = ""
        self.preset_sheet: str | None = None  # the sheet a loaded preset names
        self.check: ImportReport | None = None  # the last dry run
        self.check_key: tuple[str, tuple[int, int], str | None, str] | None = None  # what it checked: the file
        # (its name, size and time of change), the sheet, the mapping
        self.report: ImportReport | None = None  # the last import
        self.task: Task[Any] | None = None
        self.batch = records.BATCH  # cases per transaction (a test makes it small)
        self._close_when_done = False
        self.catalog = {fold_text(s.code): s.offense for s in catalog.list_statutes(session)}
        self.setWindowTitle("Import records")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Import")
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Close")
        self.file_page = FilePage(self)
        self.preview_page = PreviewPage(self)
        self.columns_page = ColumnsPage(self)
        self.dates_page = DatesPage(self)
        self.place_page = PlacePage(self)
        self.check_page = CheckPage(self)
        self.report_page = ReportPage(self)
        for page_id, page in enumerate((self.file_page, self.preview_page, self.columns_page, self.dates_page,
                                        self.place_page, self.check_page, self.report_page)):
            self.setPage(page_id, page)
        self._fit_to_screen(1120, 720)

    def _fit_to_screen(self, width: int, height: int) -> None:
        screen = self.screen()
        if screen is not None:
            free = screen.availableGeometry()
            width, height = min(width, free.width()), min(height, free.height() - FRAME_ALLOWANCE)
        self.resize(width, height)

    # ------------------------------------------------------------------------------------------ background

    def busy(self) -> bool:
        return self.task is not None and self.task.running()

    def run(self, title: str, work: Callable[[Progress], Any], on_done: Callable[[Any], None],
            on_failed: Callable[[BaseException | None], None]) -> None:
        """Run `work` in the background (one thing at a time); `on_failed(None)` when the user cancelled it."""
        if self.busy():
            return

        def done(result: Any) -> None:
            self.task = None
            try:
                on_done(result)
            finally:
                self._ended()

        def failed(exc: BaseException | None) -> None:
            self.task = None
            try:
                on_failed(exc)
            finally:
                self._ended()

        self.task = run_task(self, title, work, on_done=done, on_error=failed)
        self.task.cancelled.connect(lambda: failed(None))
        self._changed()

    def _ended(self) -> None:
        """After the result is shown: the pages' buttons follow (Next, Import), or the wizard closes when the user
        asked it to meanwhile."""
        if self._close_when_done:
            super().reject()
            return
        self._changed()

    def _changed(self) -> None:
        page = self.currentPage()
        if page is not None:
            page.completeChanged.emit()

    def reject(self) -> None:
        """Cancel (or Escape, or the close button) while something runs in the background stops it first."""
        if self.busy():
            assert self.task is not None
            self._close_when_done = True
            self.task.progress.cancel()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.busy():
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)

    # ------------------------------------------------------------------------------------------ the mapping

    def sheet(self) -> str | None:
        return self.read.sheet if self.read is not None and self.read.kind == "xlsx" else None

    def key(self) -> tuple[str, tuple[int, int], str | None, str]:
        assert self.read is not None
        return str(self.read.path), self.read.stamp, self.sheet(), self.choices.preset_text(self.sheet())

    def checked(self) -> bool:
        """A check (dry run) of the file as it is mapped now has been made."""
        return self.check is not None and self.check_key == self.key()

    def dry_run(self, on_done: Callable[[ImportReport], None], on_failed: Callable[[str], None]) -> None:
        """Check the file with the mapping as it is now (nothing is stored)."""
        assert self.read is not None
        try:
            mapping = self.choices.mapping(self.sheet())
        except MappingError as exc:
            on_failed(str(exc))
            return
        key, path, sheet, session = self.key(), self.read.path, self.sheet(), self.session

        def work(progress: Progress) -> ImportReport:
            return records.import_records(session, path, mapping, sheet=sheet, dry_run=True, progress=progress)

        def done(report: ImportReport) -> None:
            self.check, self.check_key = report, key
            on_done(report)

        def failed(exc: BaseException | None) -> None:
            if exc is None:
                on_failed("The check was cancelled. Press Check again to check the file.")
            elif expected(exc):
                on_failed(f"{exc} Correct it (or the file), then check again.")
            else:
                on_failed("The check stopped.")
                show_problem(self, "The check stopped", exc)

        self.run(f"Checking {path.name}", work, done, failed)

    def start_import(self, on_done: Callable[[ImportReport], None], on_failed: Callable[[str], None]) -> None:
        """Import the file: the cases go in batches, each screened as it is stored. Cancel stops before the next
        batch; the batches stored are kept."""
        assert self.read is not None
        try:
            mapping = self.choices.mapping(self.sheet())
        except MappingError as exc:
            on_failed(str(exc))
            return
        path, sheet, session, batch = self.read.path, self.sheet(), self.session, self.batch

        def work(progress: Progress) -> ImportReport:
            return records.import_records(session, path, mapping, sheet=sheet, progress=progress, batch=batch)

        def done(report: ImportReport) -> None:
            self.report = report
            self.cases_changed.emit()
            on_done(report)

        def failed(exc: BaseException | None) -> None:
            self.cases_changed.emit()  # (batches stored before a failure are kept: the list shows them)
            if exc is None:
                on_failed("Cancelled before any case was stored: nothing was imported.")
            elif expected(exc):
                on_failed(f"{exc} Correct it (or the file), then import again.")
            else:
                on_failed("The import stopped. The cases stored before it stopped are kept: import the same file "
                          "again to carry on where it stopped (no case is stored twice).")
                show_problem(self, "The import stopped", exc)

        self.run(f"Importing {path.name}", work, done, failed)

    def set_preset(self, path: Path) -> str:
        """Load a mapping preset (its columns, date format, statutes and dispositions); returns what to tell the
        user about it. `MappingError` when it cannot be used."""
        mapping = load_mapping(path)
        self.choices.take_preset(mapping)
        self.preset_name, self.preset_sheet = path.name, mapping.sheet
        self.place_page.forget()
        told = f"Preset {path.name} loaded"
        if self.read is None:
            return told + "."
        found, missing = columns_in(self.choices.columns, self.read.header)
        self.choices.columns = found
        if missing:
            names = ", ".join(f"{mapping.columns[f]!r} ({FIELD_WORDS[f].lower()})" for f in missing)
            return (f"{told}, but this file has no column {names}. Choose the column for "
                    f"{'it' if len(missing) == 1 else 'them'} on the Columns page.")
        return told + "."

    def load_preset(self, parent: QWidget) -> str:
        """Ask for a preset file and load it; "" when the user chose none."""
        start = str(self.read.path.parent) if self.read is not None else ""
        chosen = file_dialogs.get_open_file_name(parent, "Load a mapping preset", start, PRESET_FILTER)
        return self.set_preset(Path(chosen)) if chosen else ""

    def save_preset(self, parent: QWidget) -> str:
        """Ask where, then save the mapping as it is now as a preset; returns what to tell the user ("" when the
        user chose nowhere)."""
        folder = self.read.path.parent if self.read is not None else Path()
        stem = self.read.path.stem if self.read is not None else "records"
        chosen = file_dialogs.get_save_file_name(parent, "Save the mapping as a preset",
                                                 str(folder / f"{stem}-mapping.json"), PRESET_FILTER)
        if not chosen:
            return ""
        path = Path(chosen)
        if not path.suffix:
            path = path.with_suffix(".json")
        try:
            refuse_case_file_part(path)
            write_private(path, self.choices.preset_text(self.sheet()).encode("utf-8"))
        except OSError as exc:
            show_problem(parent, "The preset was not saved", exc)
            return ""
        self.preset_name = path.name
        return (f"Saved as {path}. Load it next time, or give it to the command line: records import … --mapping "
                f"{path.name}.")

    def save_report(self, report: ImportReport, parent: QWidget, said: Callable[[str], None]) -> None:
        """Ask for a folder, then write the report (PDF and CSV) and the rejected rows (CSV) there, readable only
        by this account (they name people); the writing is audited."""
        start = str(self.read.path.parent) if self.read is not None else ""
        folder = file_dialogs.get_existing_directory(parent, "Save the report into which folder?", start)
        if not folder:
            return
        session = self.session

        def work(_progress: Progress) -> ReportFiles:
            return records.write_report(session, report, Path(folder))

        def done(files: ReportFiles) -> None:
            said(f"Saved {files.pdf.name}, {files.csv.name} and {files.rejects.name} (the rejected rows, to correct "
                 f"and import again) in {files.pdf.parent}. Only your account on this computer can open them.")

        def failed(exc: BaseException | None) -> None:
            if exc is not None:
                show_problem(parent, "The report was not saved", exc)

        self.run("Saving the report", work, done, failed)

    def open_matches(self, parent: QWidget, on_decided: Callable[[], None]) -> None:
        from ui.records.matches_dialog import MatchesDialog

        try:
            dialog = MatchesDialog(self.session, parent)
        except Exception as exc:
            show_problem(parent, "The matches cannot be shown", exc)
            return
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: on_decided() if dialog.decisions else None)
        self.matches_dialog = dialog
        dialog.open()


# ========================================================================================================= pages


class Page(QWizardPage):
    def __init__(self, wizard: ImportWizard, title: str, subtitle: str) -> None:
        super().__init__(wizard)
        self.setTitle(title)
        self.setSubTitle(subtitle)
        self.w = wizard
        self.note = Note(title.lower(), self)

    def isComplete(self) -> bool:
        return not self.w.busy()


# ------------------------------------------------------------------------------------------------ 1. the file


class FilePage(Page):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard, "The file", "Choose the file of past records: a CSV file or an Excel workbook "
                         "(.xlsx), one row per charge, its first line naming the columns.")
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.path = QLineEdit(self)
        self.path.setAccessibleName("The records file")
        self.path.setPlaceholderText("No file chosen")
        self.path.setReadOnly(True)
        row.addWidget(QLabel("File:", self))
        row.addWidget(self.path, 1)
        self.choose = button("&Choose…", "Choose the records file", self.choose_file, self)
        row.addWidget(self.choose)
        layout.addLayout(row)
        sheet_row = QHBoxLayout()
        self.sheet_label = QLabel("&Sheet:", self)
        self.sheet = QComboBox(self)
        self.sheet.setAccessibleName("The workbook's sheet")
        self.sheet.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.sheet_label.setBuddy(self.sheet)
        self.sheet.activated.connect(lambda _i: self.read_file())
        sheet_row.addWidget(self.sheet_label)
        sheet_row.addWidget(self.sheet)
        sheet_row.addStretch(1)
        layout.addLayout(sheet_row)
        self.sheet_label.hide()
        self.sheet.hide()
        self.what = wrapped("", self)
        self.what.setObjectName("whatWasRead")
        self.what.setAccessibleName("What was read")
        layout.addWidget(self.what)
        layout.addWidget(self.note)
        layout.addSpacing(12)
        preset = QGroupBox("A mapping saved earlier (optional)", self)
        box = QVBoxLayout(preset)
        box.addWidget(wrapped("Files of the same kind (the same state's or court's extract) map the same way. Load "
                              "the preset saved after an earlier import, and the next steps are filled in from it. "
                              "A preset is the JSON file the command line takes with --mapping.", preset))
        preset_row = QHBoxLayout()
        preset_row.addWidget(button("&Load a preset…", "Load a mapping preset", self.load_preset, preset))
        self.preset = QLabel(preset)
        self.preset.setObjectName("presetLoaded")
        self.preset.setWordWrap(True)
        preset_row.addWidget(self.preset, 1)
        box.addLayout(preset_row)
        layout.addWidget(preset)
        layout.addStretch(1)

    def isComplete(self) -> bool:
        return super().isComplete() and self.w.read is not None and str(self.w.read.path) == self.path.text()

    def choose_file(self) -> None:
        start = self.path.text() or ""
        chosen = file_dialogs.get_open_file_name(self, "Choose the records file", start, FILE_FILTER)
        if chosen:
            self.use_file(Path(chosen))

    def use_file(self, path: Path) -> None:
        """Read `path` (in the background) for the next steps."""
        if self.w.busy():
            return
        self.path.setText(str(path))
        self.sheet.clear()
        self.read_file()

    def read_file(self) -> None:
        if not self.path.text():
            return
        path = Path(self.path.text())
        sheet = (self.sheet.currentText() or None) if self.sheet.count() else None
        self.note.clear_note()
        self.what.setText(f"Reading {path.name}…")

        def work(progress: Progress) -> FileRead:
            read = read_preview(path, sheet)
            progress.check()
            return read

        self.w.run(f"Reading {path.name}", work, self._read, self._not_read)

    def _read(self, read: FileRead) -> None:
        before = self.w.read
        self.w.read = read
        if before is None or before.header != read.header:
            if self.w.preset_name and self.w.choices.columns:
                found, missing = columns_in(self.w.choices.columns, read.header)
                self.w.choices.columns = found
                if missing:
                    self.preset.setText(f"{self.w.preset_name}: this file has no column for "
                                        f"{', '.join(FIELD_WORDS[f].lower() for f in missing)}; choose "
                                        f"{'it' if len(missing) == 1 else 'them'} on the Columns page.")
            else:
                self.w.choices.columns = guessed_columns(read.header)
            if not self.w.preset_name:
                self.w.choices.date_format_chosen = False
            self.w.place_page.forget()
        self.what.setText(read.describe())
        if read.kind == "xlsx":
            self.sheet.clear()
            self.sheet.addItems(list(read.sheets))
            self.sheet.setCurrentText(read.sheet or "")
        self.sheet_label.setVisible(read.kind == "xlsx")
        self.sheet.setVisible(read.kind == "xlsx")
        if not read.rows:
            self.note.say(f"{read.path.name} has no records under its first line. Choose the file with the records "
                          "(or, in a workbook, the sheet that has them).")

    def _not_read(self, exc: BaseException | None) -> None:
        self.w.read = None
        self.what.clear()
        if exc is None:
            self.note.say("Reading was cancelled. Choose the file again to read it.")
        elif expected(exc) or isinstance(exc, OSError):
            said = exc.strerror or str(exc) if isinstance(exc, OSError) else str(exc)
            self.note.say(f"{said} Choose another file, or save this one again from the program that made it (as "
                          "CSV UTF-8 or an Excel workbook), then choose it.")
        else:
            show_problem(self, "The file could not be read", exc)

    def load_preset(self) -> None:
        try:
            told = self.w.load_preset(self)
        except MappingError as exc:
            self.preset.setText(f"⚠ {exc} Choose another preset, or go on without one.")
            return
        if not told:
            return
        self.preset.setText(told)
        read = self.w.read
        if read is not None and read.kind == "xlsx" and self.w.preset_sheet in read.sheets and \
                self.w.preset_sheet != read.sheet:
            self.sheet.setCurrentText(self.w.preset_sheet or "")
            self.read_file()  # (the preset's sheet)

    def validatePage(self) -> bool:
        return self.w.read is not None and bool(self.w.read.rows)


# ------------------------------------------------------------------------------------------------ 2. preview


class PreviewModel(QAbstractTableModel):
    """The first rows of the file, as read: the file's line, then its columns."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.read: FileRead | None = None

    def set_read(self, read: FileRead) -> None:
        self.beginResetModel()
        self.read = read
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() or self.read is None else len(self.read.preview)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() or self.read is None else len(self.read.header) + 1

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole or self.read is None:
            return None
        return "Line" if section == 0 else self.read.header[section - 1] or f"(column {section}, unnamed)"

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.read is None or role not in (Qt.ItemDataRole.DisplayRole,
                                                                     Qt.ItemDataRole.ToolTipRole):
            return None
        row = self.read.preview[index.row()]
        return str(row.line) if index.column() == 0 else cell_text(row, index.column() - 1)


class PreviewPage(Page):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard, "Preview", "The first rows of the file, as they were read.")
        layout = QVBoxLayout(self)
        self.what = wrapped("", self)
        self.what.setObjectName("previewSaid")
        layout.addWidget(self.what)
        self.model = PreviewModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("preview")
        self.table.setAccessibleName("The first rows of the file")
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        layout.addWidget(self.table, 1)
        layout.addWidget(wrapped("If the values look shifted or all sit in one column, the file is not the CSV it "
                                 "seems: open it in Excel or LibreOffice, save it as CSV (UTF-8) or as a workbook "
                                 "(.xlsx), and choose that file.", self))

    def initializePage(self) -> None:
        read = self.w.read
        assert read is not None
        self.model.set_read(read)
        shown = min(PREVIEW_ROWS, read.rows)
        self.what.setText(f"The first {plural(shown, 'record')} of the {read.rows:,} of {read.where()}, as they "
                          f"were read ({read.how()}).")
        chars = self.fontMetrics().averageCharWidth()
        self.table.resizeColumnsToContents()
        for column in range(self.model.columnCount()):
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), 28 * chars))


# ------------------------------------------------------------------------------------------------ 3. columns


class ColumnsPage(Page):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard, "Columns", "Which column of the file holds each field. Fields without a column are "
                         "left empty; the columns no field uses are left out.")
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.said = wrapped("", self)
        self.said.setObjectName("presetSaid")
        top.addWidget(self.said, 1)
        top.addWidget(button("&Load a preset…", "Load a mapping preset", self.load_preset, self))
        top.addWidget(button("Sa&ve as a preset…", "Save the mapping as a preset", self.save_preset, self))
        layout.addLayout(top)
        grid = QGridLayout()
        self.combos: dict[str, QComboBox] = {}
        groups: list[QGroupBox] = []
        for title, fields in FIELD_GROUPS:
            group = QGroupBox(title, self)
            form = QFormLayout(group)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            form.setVerticalSpacing(4)
            for f in fields:
                combo = QComboBox(group)
                combo.setObjectName(f"column-{f}")
                combo.setAccessibleName(f"The column for {FIELD_WORDS[f].lower()}")
                combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
                combo.setMinimumContentsLength(18)
                combo.currentIndexChanged.connect(lambda _i, f=f: self._chosen(f))
                label = QLabel(f"{FIELD_WORDS[f]}{' ✱' if f in REQUIRED else ''}:", group)
                label.setBuddy(combo)
                help_ = FIELD_HELP.get(f)
                if help_:
                    label.setToolTip(help_)
                    combo.setToolTip(help_)
                form.addRow(label, combo)
                self.combos[f] = combo
            groups.append(group)
        left = QVBoxLayout()
        left.addWidget(groups[0])
        left.addWidget(groups[1])
        left.addStretch(1)
        grid.addLayout(left, 0, 0)
        grid.addWidget(groups[2], 0, 1, Qt.AlignmentFlag.AlignTop)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        layout.addWidget(wrapped("✱ Every row needs a case number, a statute or an offense, and a name or a person "
                                 "key. Each list shows a column's name and its first value.", self))
        self.unused = wrapped("", self)
        self.unused.setObjectName("unusedColumns")
        layout.addWidget(self.unused)
        layout.addWidget(self.note)
        layout.addStretch(1)
        self._filling = False

    def initializePage(self) -> None:
        self.fill()

    def fill(self) -> None:
        """The lists for this file, set to the columns chosen so far."""
        read = self.w.read
        assert read is not None
        self._filling = True
        try:
            for f, combo in self.combos.items():
                combo.clear()
                combo.addItem("(not in the file)", None)
                for i, name in enumerate(read.header):
                    if not name:
                        continue
                    first = example(read, i)
                    first = first if len(first) <= 24 else first[:23] + "…"
                    combo.addItem(f"{name}  —  {first}" if first else name, name)
                at = combo.findData(self.w.choices.columns.get(f))
                combo.setCurrentIndex(max(0, at))
        finally:
            self._filling = False
        self._show_unused()
        self.note.clear_note()

    def _chosen(self, field_name: str) -> None:
        if self._filling:
            return
        column = self.combos[field_name].currentData()
        if column is None:
            self.w.choices.columns.pop(field_name, None)
        else:
            self.w.choices.columns[field_name] = column
        self.note.clear_note()
        self._show_unused()

    def _show_unused(self) -> None:
        read = self.w.read
        if read is None:
            return
        used = set(self.w.choices.columns.values())
        unused = [h for h in read.header if h and h not in used]
        self.unused.setText(f"Left out (no field uses them): {', '.join(unused)}." if unused else
                            "Every column of the file is used.")

    def choose(self, field_name: str, column: str | None) -> None:
        """Choose `column` for `field_name` (None: not in the file), as the user picking it in the list."""
        combo = self.combos[field_name]
        combo.setCurrentIndex(max(0, combo.findData(column)))

    def load_preset(self) -> None:
        try:
            told = self.w.load_preset(self)
        except MappingError as exc:
            self.note.say(f"{exc} Choose another preset, or choose the columns here.")
            return
        if told:
            self.fill()
            self.said.setText(told)
            self.w.file_page.preset.setText(told)

    def save_preset(self) -> None:
        told = self.w.save_preset(self)
        if told:
            self.said.setText(told)

    def validatePage(self) -> bool:
        read = self.w.read
        assert read is not None
        try:
            self.w.choices.check_columns(read)
        except MappingError as exc:
            self.note.say(f"{exc} Choose the columns above, then press Next.")
            return False
        return True


# ------------------------------------------------------------------------------------------------ 4. dates


class DatesPage(Page):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard, "Dates", "How the file writes its dates. Dates written YYYY-MM-DD and a workbook's "
                         "date cells are read whatever you choose.")
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.formats = QComboBox(self)
        self.formats.setObjectName("dateFormat")
        self.formats.setAccessibleName("How dates are written")
        for fmt, said, shown in DATE_FORMATS:
            self.formats.addItem(f"{said}   (for example {shown})", fmt)
        self.formats.addItem("Another way…", "")
        self.formats.currentIndexChanged.connect(lambda _i: self._format_chosen())
        label = QLabel("&Dates are written:", self)
        label.setBuddy(self.formats)
        row.addWidget(label)
        row.addWidget(self.formats)
        self.custom = QLineEdit(self)
        self.custom.setObjectName("customFormat")
        self.custom.setAccessibleName("Another date format")
        self.custom.setPlaceholderText("for example %d.%m.%y")
        self.custom.setMinimumWidth(24 * self.fontMetrics().averageCharWidth())
        self.custom.textChanged.connect(lambda _t: self.recheck())
        row.addWidget(self.custom)
        row.addStretch(1)
        layout.addLayout(row)
        self.custom_help = wrapped("Write the format with %d for the day, %m the month as a number, %b its name "
                                   "(Mar), %Y the year in four digits, %y in two; anything else as the file writes "
                                   "it. For example %d.%m.%y for 14.03.19.", self)
        layout.addWidget(self.custom_help)
        self.result = wrapped("", self)
        self.result.setObjectName("datesRead")
        self.result.setAccessibleName("How the preview's dates read")
        layout.addWidget(self.result)
        self.table = QTableWidget(self)
        self.table.setObjectName("dateCheck")
        self.table.setAccessibleName("The preview's dates as read")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)

    def fmt(self) -> str:
        chosen = self.formats.currentData()
        return str(chosen) if chosen else self.custom.text().strip()

    def set_format(self, fmt: str) -> None:
        at = self.formats.findData(fmt)
        if at < 0:
            self.formats.setCurrentIndex(self.formats.count() - 1)
            self.custom.setText(fmt)
        else:
            self.formats.setCurrentIndex(at)
        self._format_chosen()

    def initializePage(self) -> None:
        choices, read = self.w.choices, self.w.read
        assert read is not None
        if not choices.date_format_chosen:
            choices.date_format = guess_date_format(read, choices.columns)
        self.formats.blockSignals(True)
        self.set_format(choices.date_format)
        self.formats.blockSignals(False)
        self._format_chosen()

    def _format_chosen(self) -> None:
        other = not self.formats.currentData()
        self.custom.setVisible(other)
        self.custom_help.setVisible(other)
        if other and self.isVisible():
            self.custom.setFocus()
        self.recheck()

    def recheck(self) -> None:
        """Read the preview's date columns in the format chosen, and say which rows read."""
        read, choices = self.w.read, self.w.choices
        if read is None:
            return
        fmt = self.fmt()
        self.note.clear_note()
        problem = check_format(fmt) if fmt else "Write the format (or choose a common one)."
        if problem:
            self.note.say(problem)
            self.table.setRowCount(0)
            self.result.clear()
            return
        choices.date_format = fmt
        fields = [f for f in DATE_FIELDS if choices.columns.get(f) in read.header]
        if not fields:
            self.table.setColumnCount(0)
            self.table.setRowCount(0)
            self.result.setText("No date column is chosen. A case needs an incident date or an offense date (ages "
                                "are taken on it): without either, its rows are rejected. Go back to Columns to "
                                "choose them.")
            return
        rows = date_cells(read, choices.columns, fmt)
        self.table.setColumnCount(len(fields) + 1)
        self.table.setHorizontalHeaderLabels(["Line", *(f"{FIELD_WORDS[f]} ({choices.columns[f]})"
                                                        for f in fields)])
        self.table.setRowCount(len(rows))
        bad: list[str] = []
        for r, (line, cells) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(str(line)))
            for c, cell in enumerate(cells, 1):
                if cell.problem:
                    item = QTableWidgetItem(f"✗ {cell.problem}")
                    item.setBackground(QBrush(NOT_READ))
                elif cell.read:
                    item = QTableWidgetItem(f"✓ {cell.text} → {cell.read}" if cell.text != cell.read else
                                            f"✓ {cell.read}")
                else:
                    item = QTableWidgetItem("(empty)")
                item.setToolTip(item.text())
                self.table.setItem(r, c, item)
            if any(cell.problem for cell in cells):
                bad.append(str(line))
        header = self.table.horizontalHeader()  # the line, then the date columns sharing the width: no scrolling
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        for c in range(1, len(fields) + 1):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.Stretch)
        how = format_words(fmt)
        if not bad:
            self.result.setText(f"Every date of the {plural(len(rows), 'preview row')} reads as {how}.")
        else:
            verb = "has" if len(bad) == 1 else "have"
            self.result.setText(f"{plural(len(bad), 'preview row')} of {len(rows)} {verb} a date that does not "
                                f"read as {how} (line{'' if len(bad) == 1 else 's'} "
                                f"{', '.join(bad[:12])}{'…' if len(bad) > 12 else ''}). If most do not, choose "
                                "another way; rows whose dates do not read are rejected, each named with its line "
                                "and column.")

    def validatePage(self) -> bool:
        fmt = self.fmt()
        problem = check_format(fmt) if fmt else "Write the format (or choose a common one)."
        if problem:
            self.note.say(f"{problem} Choose one of the common ways, or write the format, then press Next.")
            return False
        self.w.choices.date_format, self.w.choices.date_format_chosen = fmt, True
        return True


# ------------------------------------------------------------------------------------------------ 5. place


class PlacePage(Page):
    """The statutes and dispositions to place, from a check of the file. Items stay listed once seen (placed ones
    too, so a choice can be changed) until another file is chosen or a preset loaded."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard, "Statutes and dispositions", "Those the file has that neither the mapping nor "
                         "the office's statute catalog places. Say what each one is.")
        self.items: dict[tuple[str, str], ToPlace] = {}
        layout = QVBoxLayout(self)
        self.said = wrapped("", self)
        self.said.setObjectName("placeSaid")
        self.said.setAccessibleName("What there is to place")
        layout.addWidget(self.said)
        self.statutes_box = QGroupBox("Statutes: what each one charges", self)
        box = QVBoxLayout(self.statutes_box)
        self.statutes = self._table(self.statutes_box, "Statutes to place",
                                    ("Statute", "Rows", "Cases", "Offense", "Role of the person charged",
                                     "Arose from an exchange"))
        box.addWidget(self.statutes)
        layout.addWidget(self.statutes_box, 3)
        self.dispositions_box = QGroupBox("Dispositions: what each one means", self)
        box = QVBoxLayout(self.dispositions_box)
        self.dispositions = self._table(self.dispositions_box, "Dispositions to place",
                                        ("Disposition", "Rows", "Cases", "Status"))
        box.addWidget(self.dispositions)
        layout.addWidget(self.dispositions_box, 2)
        layout.addWidget(wrapped("One left unplaced keeps its cases waiting (they are not imported) until it is "
                                 "placed: here, at the next import, or — for a statute — by an administrator in the "
                                 "office's statute catalog.", self))
        layout.addWidget(self.note)

    def _table(self, parent: QWidget, name: str, columns: tuple[str, ...]) -> QTableWidget:
        table = QTableWidget(0, len(columns), parent)
        table.setAccessibleName(name)
        table.setHorizontalHeaderLabels(list(columns))
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(max(30, self.fontMetrics().height() + 12))
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # the text takes what is left
        chars = self.fontMetrics().averageCharWidth()
        widths = {1: 7, 2: 7, 3: 26, 4: 34, 5: 22} if len(columns) > 4 else {1: 7, 2: 7, 3: 24}
        for c in range(1, len(columns)):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.Interactive)
            table.setColumnWidth(c, max(widths[c] * chars, header.sectionSizeHint(c)))
        return table

    def forget(self) -> None:
        self.items.clear()
        self.statutes.setRowCount(0)
        self.dispositions.setRowCount(0)

    def isComplete(self) -> bool:
        return super().isComplete() and self.w.check is not None

    def initializePage(self) -> None:
        self.note.clear_note()
        if self.w.checked():
            assert self.w.check is not None
            self._checked(self.w.check)
            return
        self.said.setText("Checking the file for statutes and dispositions to place…")
        self.w.dry_run(self._checked, self._not_checked)

    def _not_checked(self, why: str) -> None:
        self.said.clear()
        self.note.say(why)

    def _checked(self, report: ImportReport) -> None:
        for item in report.to_place:
            self.items[(item.kind, fold_text(item.text))] = item
        statutes = [i for i in self.items.values() if i.kind == "statute"]
        dispositions = [i for i in self.items.values() if i.kind == "disposition"]
        self._fill_statutes(statutes)
        self._fill_dispositions(dispositions)
        self.statutes_box.setVisible(bool(statutes))
        self.dispositions_box.setVisible(bool(dispositions))
        if not self.items:
            self.said.setText("Every statute and disposition of the file is placed (by the mapping or the office's "
                              "statute catalog). Press Next to check the whole file.")
        else:
            left = len(report.to_place)
            self.said.setText(f"{plural(len(statutes), 'statute')} and {plural(len(dispositions), 'disposition')} "
                              "the office's catalog and the mapping do not place"
                              + (f" ({left:,} still to place)." if left != len(self.items) else ".")
                              + " Choose for each; the counts are the file's rows and cases that have it.")

    def _fill_statutes(self, items: list[ToPlace]) -> None:
        table, choices = self.statutes, self.w.choices
        table.setRowCount(len(items))
        for r, item in enumerate(items):
            placed = choices.statutes.get(fold_text(item.text))
            entry = placed[1] if placed is not None else None
            known = self.w.catalog.get(fold_text(item.text))  # the catalog's offense (its role is to give)
            self._texts(table, r, item)
            offense = QComboBox(table)
            offense.setObjectName(f"offense-{item.text}")
            offense.setAccessibleName(f"The offense {item.text} charges")
            offense.addItem("— choose —", None)
            for o in OFFENSES:
                offense.addItem(offense_words(o), o)
            offense.setCurrentIndex(max(0, offense.findData(entry.offense if entry else known)))
            role = QComboBox(table)
            role.setObjectName(f"role-{item.text}")
            role.setAccessibleName(f"The role {item.text} implies")
            role.addItem("", None)
            for r_ in ROLES:
                role.addItem(words(r_).capitalize(), r_)
            role.setCurrentIndex(max(0, role.findData(entry.role if entry else None)))
            arose = QCheckBox(table)
            arose.setObjectName(f"arose-{item.text}")
            arose.setAccessibleName(f"{item.text} arose from an exchange")
            arose.setChecked(bool(entry and entry.arose_from_exchange))
            for widget in (offense, role):
                widget.currentIndexChanged.connect(lambda _i, r=r, text=item.text: self._statute(r, text))
            arose.toggled.connect(lambda _b, r=r, text=item.text: self._statute(r, text))
            table.setCellWidget(r, 3, offense)
            table.setCellWidget(r, 4, role)
            table.setCellWidget(r, 5, arose)
            self._statute(r, item.text)

    def _fill_dispositions(self, items: list[ToPlace]) -> None:
        table, choices = self.dispositions, self.w.choices
        table.setRowCount(len(items))
        for r, item in enumerate(items):
            placed = choices.dispositions.get(fold_text(item.text))
            self._texts(table, r, item)
            status = QComboBox(table)
            status.setObjectName(f"status-{item.text}")
            status.setAccessibleName(f"The status {item.text} means")
            status.addItem("— choose —", None)
            for s in STATUSES:
                status.addItem(words(s).capitalize(), s)
            status.setCurrentIndex(max(0, status.findData(placed[1] if placed else None)))
            status.currentIndexChanged.connect(
                lambda _i, box=status, text=item.text: self.w.choices.place_disposition(text, box.currentData()))
            table.setCellWidget(r, 3, status)

    @staticmethod
    def _texts(table: QTableWidget, r: int, item: ToPlace) -> None:
        text = QTableWidgetItem(item.text)
        text.setToolTip(f"{item.text} — column {item.column}; to give: {item.need}")
        table.setItem(r, 0, text)
        for c, value in ((1, item.rows), (2, item.cases)):
            cell = QTableWidgetItem(f"{value:,}")
            cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, cell)

    def _statute(self, r: int, text: str) -> None:
        """A statute's row changed: place it (or, without an offense, leave it to place)."""
        offense_box = self.statutes.cellWidget(r, 3)
        role_box = self.statutes.cellWidget(r, 4)
        arose_box = self.statutes.cellWidget(r, 5)
        if not (isinstance(offense_box, QComboBox) and isinstance(role_box, QComboBox)
                and isinstance(arose_box, QCheckBox)):
            return
        offense, role = offense_box.currentData(), role_box.currentData()
        implied = DEFAULT_ROLES.get(offense) if offense else None
        role_box.setItemText(0, "— choose (seller or buyer) —" if offense in ROLE_NEEDED else
                             f"As the offense implies ({words(implied)})" if implied else
                             "As the offense implies (other)" if offense else "")
        arose_box.setEnabled(offense in AROSE_FROM_EXCHANGE_OFFENSES)
        if offense not in AROSE_FROM_EXCHANGE_OFFENSES and arose_box.isChecked():
            arose_box.setChecked(False)
            return  # (toggling it placed the statute again)
        if offense is None or (offense in ROLE_NEEDED and role is None):
            self.w.choices.place_statute(text, None)
        else:
            self.w.choices.place_statute(text, StatuteEntry(offense, role, arose_box.isChecked()))
        self.note.clear_note()

    def choose_statute(self, text: str, offense: str, role: str | None = None, arose: bool = False) -> None:
        """Place a statute as the user choosing its offense and role in its row would."""
        for r in range(self.statutes.rowCount()):
            item = self.statutes.item(r, 0)
            if item is not None and fold_text(item.text()) == fold_text(text):
                for c, value in ((3, offense), (4, role)):
                    box = self.statutes.cellWidget(r, c)
                    assert isinstance(box, QComboBox)
                    box.setCurrentIndex(max(0, box.findData(value)))
                check = self.statutes.cellWidget(r, 5)
                assert isinstance(check, QCheckBox)
                check.setChecked(arose)
                return
        raise KeyError(text)

    def choose_status(self, text: str, status: str) -> None:
        for r in range(self.dispositions.rowCount()):
            item = self.dispositions.item(r, 0)
            if item is not None and fold_text(item.text()) == fold_text(text):
                box = self.dispositions.cellWidget(r, 3)
                assert isinstance(box, QComboBox)
                box.setCurrentIndex(max(0, box.findData(status)))
                return
        raise KeyError(text)

    def validatePage(self) -> bool:
        for r in range(self.statutes.rowCount()):
            offense_box, role_box = self.statutes.cellWidget(r, 3), self.statutes.cellWidget(r, 4)
            item = self.statutes.item(r, 0)
            if isinstance(offense_box, QComboBox) and isinstance(role_box, QComboBox) and item is not None and \
                    offense_box.currentData() in ROLE_NEEDED and role_box.currentData() is None:
                self.note.say(f"Give the role for {item.text()}: a {words(offense_box.currentData())} charge may be "
                              "brought against a seller or a buyer, and the rules need to know which. (Or set its "
                              "offense back to “— choose —” to leave it to place.)")
                return False
        return True


# ------------------------------------------------------------------------------------------------ 6. check


class CheckPage(Page):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard, "Check", "Every row read, checked and screened as the import will do it — nothing "
                         "is stored yet. Import stores the cases that are ready.")
        self.setCommitPage(True)
        self._imported = False
        layout = QVBoxLayout(self)
        self.view = ReportView(self)
        self.view.setObjectName("checkReport")
        layout.addWidget(self.view, 1)
        self.again = self.view.button("Check &again", "Check the file again", self.check_again)
        self.view.button("Sa&ve the mapping as a preset…", "Save the mapping as a preset", self.save_preset)
        self.view.button("Save this &report…", "Save the check's report", self.save_report)
        self.view.buttons.addStretch(1)
        self.said = wrapped("", self)
        self.said.setObjectName("checkSaid")
        layout.addWidget(self.said)
        layout.addWidget(self.note)

    def isComplete(self) -> bool:
        return super().isComplete() and self.w.checked()

    def initializePage(self) -> None:
        self._imported = False
        self.note.clear_note()
        if self.w.checked():
            assert self.w.check is not None
            self._checked(self.w.check)
        else:
            self.check_again()

    def check_again(self) -> None:
        self.note.clear_note()
        self.said.setText("Checking the whole file…")
        self.w.dry_run(self._checked, self._not_checked)

    def _not_checked(self, why: str) -> None:
        self.said.clear()
        self.note.say(why)

    def _checked(self, report: ImportReport) -> None:
        self.view.show_report(report)
        notes = []
        if report.to_place:
            notes.append(f"{plural(len(report.to_place), 'statute or disposition', 'statutes and dispositions')} "
                         "still to place: their cases wait (go Back to place them)")
        if report.matches:
            notes.append(f"{plural(len(report.matches), 'possible match', 'possible matches')} of people: after the "
                         "import you decide them (Records → Matches to decide…), and their cases wait until then")
        self.said.setText(("; ".join(notes) + ". " if notes else "") + "Press Import to store the cases.")

    def save_preset(self) -> None:
        told = self.w.save_preset(self)
        if told:
            self.said.setText(told)

    def save_report(self) -> None:
        if self.w.check is not None:
            self.w.save_report(self.w.check, self, self.said.setText)

    def validatePage(self) -> bool:
        if self._imported:
            return True
        self.note.clear_note()
        self.said.setText("Importing…")
        self.w.start_import(self._done, self._not_imported)
        return False

    def _done(self, _report: ImportReport) -> None:
        self._imported = True
        self.w.next()

    def _not_imported(self, why: str) -> None:
        self.said.clear()
        self.note.say(why)


# ------------------------------------------------------------------------------------------------ 7. report


class ReportPage(Page):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard, "Report", "What the import did. The case list shows the cases stored.")
        self.setFinalPage(True)
        layout = QVBoxLayout(self)
        self.view = ReportView(self)
        self.view.setObjectName("importReport")
        layout.addWidget(self.view, 1)
        self.save = self.view.button("&Save the report and the rejected rows…", "Save the report", self.save_report)
        self.decide = self.view.button("&Decide the matches…", "Decide the matches of people", self.decide_matches)
        self.again = self.view.button("Import a&gain", "Import the file again", self.import_again)
        self.again.setToolTip("Carries on a cancelled import, and stores the cases that waited for matches decided "
                              "since. Nothing is stored twice.")
        self.view.buttons.addStretch(1)
        self.said = wrapped("", self)
        self.said.setObjectName("reportSaid")
        layout.addWidget(self.said)
        layout.addWidget(self.note)

    def initializePage(self) -> None:
        assert self.w.report is not None
        self.show_report(self.w.report)

    def show_report(self, report: ImportReport) -> None:
        self.view.show_report(report)
        self.decide.setEnabled(any(mt.id is not None for mt in report.matches))
        if report.matches:
            self.said.setText(f"{plural(len(report.matches), 'match', 'matches')} of people to decide: their cases "
                              "wait. Decide them, then import again to store those cases.")
        elif report.cancelled:
            self.said.setText("Import again to carry on where it stopped.")
        else:
            self.said.clear()

    def save_report(self) -> None:
        if self.w.report is not None:
            self.w.save_report(self.w.report, self, self.said.setText)

    def decide_matches(self) -> None:
        self.w.open_matches(self, lambda: self.said.setText("Decisions kept. Press Import again to store the cases "
                                                            "they held."))

    def import_again(self) -> None:
        self.note.clear_note()
        self.said.setText("Importing again…")
        self.w.start_import(self.show_report, self._not_imported)

    def _not_imported(self, why: str) -> None:
        self.said.clear()
        self.note.say(why)

    def isComplete(self) -> bool:
        return super().isComplete()
