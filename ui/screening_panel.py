"""The screening panel: beside the case, each charge's decision as a badge with a word (the color is never the
only signal), the section cited and its quoted text, the reasons, and — for `review` — what to find out, as a
button that leads to the field to fill in."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from casereview.policy.case import Case
from casereview.policy.engine import ChargeDecision, Screening
from casereview.policy.profile import PolicyProfile

# Background and text colors chosen for contrast in light and dark palettes; the word carries the meaning.
BADGES = {
    "decline": ("DECLINE", "#1b5e20", "#ffffff"),
    "protect": ("PROTECT", "#0d47a1", "#ffffff"),
    "charge": ("CHARGE", "#b71c1c", "#ffffff"),
    "discretion": ("DISCRETION", "#6a1b9a", "#ffffff"),
    "review": ("NEEDS REVIEW", "#e65100", "#ffffff"),
}
NEED_WORDS = {
    "age": "the age (date of birth) of {who}",
    "with": "who the other person in this charge was (the counterparty)",
    "aggressor": "whether {who} was the aggressor",
    "trafficking_status": "whether {who} is a victim of trafficking",
    "trafficking_conduct": "whether {who} took part in trafficking",
    "minor_evidence": "whether there is evidence that {who} knew the other person was a minor",
}


def badge_text(decision: str) -> str:
    return BADGES.get(decision, (decision.upper(), "#424242", "#ffffff"))[0]


class ScreeningPanel(QScrollArea):
    """Shows a screening. `find_out(charge_id, person_id, need)` is emitted when the user asks to go to the field
    that would answer a `review`."""

    find_out = Signal(str, str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # the text wraps instead
        self.setAccessibleName("Screening")
        self.setMinimumWidth(320)
        self._body = QWidget(self)
        self._layout = QVBoxLayout(self._body)
        self._layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.setWidget(self._body)
        self.show_message("Open or add a case to see how the policy screens each charge.")

    def _follow(self, href: str) -> None:
        charge, person, need = href.split("|")
        self.find_out.emit(charge, person, need)

    def _clear(self) -> None:
        while self._layout.count():
            item = self._layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()

    def show_message(self, text: str) -> None:
        self._clear()
        label = QLabel(text, self._body)
        label.setWordWrap(True)
        label.setObjectName("screeningMessage")
        self._layout.addWidget(label)
        self.summary = text

    def show_screening(self, case: Case, screening: Screening, profile: PolicyProfile) -> None:
        self._clear()
        mode = "declines stated as presumptive" if screening.presumptive else "declines stated plainly"
        head = QLabel(f"<b>{profile.title}</b><br>version {profile.version}, {mode}", self._body)
        head.setWordWrap(True)
        self._layout.addWidget(head)
        charges = {c.id: c for c in case.charges}
        lines = []
        for decision in screening.charges:
            charge = charges[decision.charge]
            self._layout.addWidget(self._card(case, decision, charge.offense, charge.statute, profile))
            lines.append(f"Charge {decision.charge}: {badge_text(decision.decision)}")
        self.summary = "; ".join(lines)
        self.setAccessibleDescription(self.summary)

    def _card(self, case: Case, d: ChargeDecision, offense: str, statute: str | None,
              profile: PolicyProfile) -> QFrame:
        card = QFrame(self._body)
        card.setFrameShape(QFrame.Shape.StyledPanel)
        card.setObjectName(f"charge-{d.charge}")
        layout = QVBoxLayout(card)
        word, background, foreground = BADGES.get(d.decision, (d.decision.upper(), "#424242", "#ffffff"))
        holder = case.person(d.person).label()
        title = QLabel(f"<b>Charge {d.charge}</b>: {offense.replace('_', ' ')}"
                       f"{', ' + statute if statute else ''} — {holder}", card)
        title.setWordWrap(True)
        layout.addWidget(title)
        badge = QLabel(word, card)
        badge.setObjectName("badge")
        badge.setAccessibleName(f"Decision for charge {d.charge}: {word}")
        badge.setStyleSheet(f"QLabel {{ background: {background}; color: {foreground}; font-weight: bold; "
                            "padding: 3px 8px; border-radius: 3px; }")
        bold = badge.font()
        bold.setBold(True)
        badge.setFont(bold)
        badge.setFixedWidth(QFontMetrics(bold).horizontalAdvance(word) + 24)
        layout.addWidget(badge)
        sections = ", ".join(d.sections)
        section = profile.sections[d.sections[0]]
        cited = QLabel(f"Section {sections} — {section.title}", card)
        cited.setWordWrap(True)
        layout.addWidget(cited)
        if d.exception_allowed:
            layout.addWidget(QLabel("A section 8 exception may be requested.", card))
        if d.record_relief is not None:
            layout.addWidget(QLabel(f"Record relief (section 6): {d.record_relief.replace('_', ' ')}", card))
        reasons = QLabel("<br>".join(f"• {r}" for r in d.reasons), card)
        reasons.setWordWrap(True)
        reasons.setTextFormat(Qt.TextFormat.RichText)
        reasons.setAccessibleName(f"Reasons for charge {d.charge}")
        layout.addWidget(reasons)
        for need in d.missing:
            who = case.person(need.person).label()
            text = NEED_WORDS.get(need.need, need.need.replace("_", " ")).format(who=who)
            link = QLabel(f'<a href="{need.charge}|{need.person}|{need.need}">Find out {text} →</a>', card)
            link.setWordWrap(True)
            link.setTextFormat(Qt.TextFormat.RichText)
            link.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                         | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
            link.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            link.setAccessibleName(f"Find out {text}")
            link.setObjectName("findOut")
            link.linkActivated.connect(self._follow)
            layout.addWidget(link)
        quote = QLabel(f"“{d.quote}”", card)
        quote.setWordWrap(True)
        quote.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        quote.setStyleSheet("font-style: italic;")
        quote.setAccessibleName(f"Policy text, section {section.id}")
        layout.addWidget(quote)
        return card
