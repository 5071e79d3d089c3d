"""The office profile's fields for court documents, shared by Administration's office profile and the first-run
wizard: the time zone (a searchable list of every IANA zone, the computer's own by default), the caption style
with an example line that follows the state, the date of birth in letters, and the policy's adoption date (a date
edit: an impossible date cannot be typed, a future one cannot be chosen)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from casereview.services.office import (
    CAPTION_LABELS,
    CAPTION_STYLES,
    DOB_CHOICES,
    DOB_LABELS,
    OfficeProfile,
    caption,
    computer_zone_name,
    suggested_caption_style,
    time_zone_names,
)

EXAMPLE_PERSON = "Dana Roe"


def computer_zone_words() -> str:
    named = computer_zone_name()
    return f"This computer's time zone ({named})" if named else "This computer's time zone"


class TimeZoneCombo(QComboBox):
    """Every IANA time zone, searchable by any part of its name ("los_an", "Chicago"); the first entry is the
    computer's own zone (stored as none). `zone()` is the name typed or chosen ("" for the computer's)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(16)
        self.addItem(computer_zone_words(), "")
        for name in time_zone_names():
            self.addItem(name, name)
        completer = QCompleter(self.model(), self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)
        self.setAccessibleName("Time zone")
        self.setToolTip("Letters and requests are dated in the office's time zone. Type part of a name to find it, "
                        "such as Los_Angeles or New_York.")
        line = self.lineEdit()
        if line is not None:
            line.setPlaceholderText("type to search, e.g. Los_Angeles")
            line.setAccessibleName("Time zone")
        self.setMinimumContentsLength(24)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)

    def zone(self) -> str:
        text = self.currentText().strip()
        if not text or text == self.itemText(0):
            return ""
        return text

    def set_zone(self, name: str | None) -> None:
        at = self.findData(name or "")
        if at >= 0:
            self.setCurrentIndex(at)
        else:
            self.setEditText(name or "")


class CaptionChooser(QWidget):
    """The caption style, with an example of the caption it gives for the state typed ("State of Oregon v. Dana
    Roe"). `style_changed` when the user chooses another."""

    style_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox(self)
        self.combo.setAccessibleName("Caption style")
        for style in CAPTION_STYLES:
            self.combo.addItem(CAPTION_LABELS[style], style)
        self.example = QLabel(self)
        self.example.setObjectName("captionExample")
        self.example.setAccessibleName("Example caption")
        self.example.setWordWrap(True)
        self.example.setTextFormat(Qt.TextFormat.PlainText)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(self.combo)
        box.addWidget(self.example)
        self._state = ""
        self._chosen_by_hand = False
        self.combo.currentIndexChanged.connect(self._changed)
        self.combo.activated.connect(self._by_hand)
        self.show_example()

    def chosen(self) -> str:
        return str(self.combo.currentData())

    def set_style(self, style: str, *, by_hand: bool = True) -> None:
        self.combo.setCurrentIndex(max(0, self.combo.findData(style)))
        self._chosen_by_hand = by_hand

    def set_state(self, state: str) -> None:
        """The state typed: the example follows it, and so does the style until the user chooses one."""
        self._state = state
        if not self._chosen_by_hand and state.strip():
            self.combo.setCurrentIndex(max(0, self.combo.findData(suggested_caption_style(state))))
        self.show_example()

    def _by_hand(self, _index: int) -> None:
        self._chosen_by_hand = True

    def _changed(self, _index: int) -> None:
        self.show_example()
        self.style_changed.emit(self.chosen())

    def show_example(self) -> None:
        if not self._state.strip():
            text = "For example: State of … v. Dana Roe (fill in the state to see the caption)"
        else:
            text = "For example: " + caption(OfficeProfile("prosecutor", state=self._state,
                                                           caption_style=self.chosen()), EXAMPLE_PERSON)
        self.example.setText(text)
        self.combo.setAccessibleDescription(text)


class DobCombo(QComboBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        for choice in DOB_CHOICES:
            self.addItem(DOB_LABELS[choice], choice)
        self.setAccessibleName("Date of birth in letters")
        self.setToolTip("Whether letters to the court show the person's date of birth. Many courts' redaction rules "
                        "ask for none, or the year only.")

    def choice(self) -> str:
        return str(self.currentData())

    def set_choice(self, choice: str) -> None:
        self.setCurrentIndex(max(0, self.findData(choice)))


class ChoiceCombo(QComboBox):
    """One of a few fixed choices (`labels`: value → words shown), e.g. the state's word for a dismissal."""

    def __init__(self, labels: dict[str, str], name: str, tip: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        for value, label in labels.items():
            self.addItem(label, value)
        self.setAccessibleName(name)
        self.setToolTip(tip)

    def choice(self) -> str:
        return str(self.currentData())

    def set_choice(self, choice: str) -> None:
        self.setCurrentIndex(max(0, self.findData(choice)))


DISMISSAL_TIP = ("How the state's prosecutors end a charge in court, for the motions to dismiss (Records → Motions): "
                 "a motion to dismiss, leave to enter a nolle prosequi, or leave to withdraw the charge.")
WARRANT_TIP = "The state's word for what a court does with an outstanding warrant, for the motions on warrants."
WARRANT_LABELS = {"vacate": "Vacate the warrant", "quash": "Quash the warrant", "recall": "Recall the warrant"}


class AdoptionDate(QWidget):
    """The date the office adopted its policy: a tick box (no date known yet when unticked) and a date edit with a
    calendar. The date edit cannot hold an impossible date (30 February), and refuses one after today."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.known = QCheckBox("&Known:", self)
        self.known.setAccessibleName("The adoption date is known")
        self.edit = QDateEdit(self)
        self.edit.setAccessibleName("Date the office adopted the policy")
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("d MMMM yyyy")
        self.edit.setMinimumDate(QDate(1990, 1, 1))
        self.edit.setMaximumDate(QDate.currentDate())
        self.edit.setDate(QDate.currentDate())
        self.edit.setEnabled(False)
        inner = self.edit.findChild(QLineEdit)
        if inner is not None:
            inner.setAccessibleName("Date the office adopted the policy")
        self.known.toggled.connect(self.edit.setEnabled)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.known)
        row.addWidget(self.edit, 1)

    def value(self) -> date | None:
        if not self.known.isChecked():
            return None
        chosen = self.edit.date()
        return date(chosen.year(), chosen.month(), chosen.day())

    def set_value(self, day: date | None) -> None:
        self.edit.setMaximumDate(QDate.currentDate())
        self.known.setChecked(day is not None)
        if day is not None:
            self.edit.setDate(QDate(day.year, day.month, day.day))
        self.edit.setEnabled(day is not None)
