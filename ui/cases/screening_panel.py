"""The screening panel: beside the case, each charge's decision as a badge with a word (the color is never the
only signal), the section cited and its quoted text, the reasons, and — for `review` — what to find out, as a
button that leads to the field to fill in. A person the record shows may be a victim is said to be one on each of
their cards; a past record's card gives its record relief and, for "do not contest", its ground in plain words.
A charge on which a section 8 exception may be requested (a pending or filed decline of someone who is not a
possible victim) offers "Request an exception…"; a decline that may not, or a charge whose request cannot apply,
says why instead; a charge with requests lists them, each with a link to its signed document.

Above the cards, in a place of its own that does not scroll with them: a notice when the case's saved screening
(the one the case list shows) was made under older screening rules than the ones the panel shows, with a button to
screen the case again under the current rules; the case in one line ("3 charges: 1 protect, 1 charge, 1 review —
find out the age (date of birth) of Ana Cruz (A)"); and, while the form has a field to complete, a line saying the
cards are not up to date and which field it is. The cards of the last screening stay on screen, greyed out, until
the case can be screened again: a user completing a new fact keeps the case's screening in view, and nothing greyed
can be acted on.

Dates (of requests, of a saved screening) are the office's local dates, in its time zone (Office profile), never UTC
ones."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from casereview.policy.case import Case
from casereview.policy.engine import ChargeDecision, Screening
from casereview.policy.profile import DECISIONS, PolicyProfile
from casereview.policy.words import need_words
from casereview.services.exception_requests import RequestInfo, waiting_charges
from casereview.services.office import OfficeProfile, office_zone
from casereview.services.session import Workspace
from casereview.store.screenings import StoredScreening

# Where the office's time zone is read: the open case file (read again when it is needed: an administrator may
# change it), an office profile, a zone name, or None for this computer's own zone.
OfficeSource = Workspace | OfficeProfile | str | None

# Background and text colors chosen for contrast in light and dark palettes; the word carries the meaning.
BADGES = {
    "decline": ("DECLINE", "#1b5e20", "#ffffff"),
    "protect": ("PROTECT", "#0d47a1", "#ffffff"),
    "charge": ("CHARGE", "#b71c1c", "#ffffff"),
    "discretion": ("DISCRETION", "#6a1b9a", "#ffffff"),
    "review": ("NEEDS REVIEW", "#e65100", "#ffffff"),
}


# The ground of a "do not contest" record relief, in plain words (spec, "Record relief"). The office's own record:
# documents never state it about the person in a public filing.
RELIEF_GROUNDS = {
    ("6",): "the charge arose solely from a consensual exchange, or its solicitation",
    ("2",): "the person was the victim of a crime in the exchange",
    ("3",): "the person was trafficked",
    ("4",): "the person was under 18",
    ("4", "6"): "the person's age is not known; under 18 or an adult, the office would not contest",
}
GUIDE_GROUND = "the guide asks offices to expunge related convictions"
RELIEF_OUTCOMES = {"do_not_contest": "do not contest", "not_eligible": "not eligible", "review": "needs review"}


def relief_text(profile: PolicyProfile, relief: str, sections: Sequence[str]) -> str:
    """A past record's relief as the card says it: "Record relief: do not contest — section 4 (the person was
    under 18)"."""
    words = RELIEF_OUTCOMES.get(relief, relief.replace("_", " "))
    if not sections:
        return f"Record relief: {words}"
    why = RELIEF_GROUNDS.get(tuple(sections))
    if why is None and all(s.startswith("guide: ") for s in sections):
        why = GUIDE_GROUND
    return f"Record relief: {words} — {profile.cite(tuple(sections))}" + (f" ({why})" if why else "")


def decision_words(decision: str, sections: Sequence[str]) -> str:
    """A decision and its sections, short: "Decline, section 1(b)"."""
    word = badge_text(decision).capitalize()
    if not sections:
        return word
    if all(not s.startswith("guide: ") for s in sections):
        return f"{word}, section{'s' if len(sections) > 1 else ''} {', '.join(sections)}"
    return f"{word}, " + ", ".join(f"the guide's “{s[7:]}”" if s.startswith("guide: ") else f"section {s}"
                                   for s in sections)


def badge_text(decision: str) -> str:
    return BADGES.get(decision, (decision.upper(), "#424242", "#ffffff"))[0]


def local_day(moment: datetime | None, zone: tzinfo | None = None) -> str:
    """A stored UTC time (naive, as stored) as the local date in `zone` (None: this computer's own zone)."""
    if moment is None:
        return "an unknown date"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).date().isoformat()


def request_words(request: RequestInfo, zone: tzinfo | None = None) -> str:
    """Where a request stands, in a sentence: "Exception request 3: approved by sue on 2026-11-22" (the office's
    local date when `zone` is its time zone)."""
    head = f"Exception request {request.id}"
    if request.status == "draft":
        return f"{head}: a draft by {request.requester}, not signed or submitted yet"
    if request.status == "submitted":
        return (f"{head}: submitted by {request.requester} on {local_day(request.submitted_at, zone)}, waiting "
                "for a supervisor's decision")
    return f"{head}: {request.status} by {request.supervisor} on {local_day(request.decided_at, zone)}"


def case_summary(case: Case, screening: Screening) -> str:
    """The case in one line: how many charges, how many of each decision, and — when one needs review — the first
    thing to find out: "3 charges: 1 protect, 1 charge, 1 review — find out the age (date of birth) of Ana Cruz
    (A)"."""
    counts = Counter(d.decision for d in screening.charges)
    total = len(screening.charges)
    parts = [f"{counts[d]} {d}" for d in DECISIONS if counts[d]]
    parts += [f"{n} {d}" for d, n in counts.items() if d not in DECISIONS]
    text = f"{total} charge{'' if total == 1 else 's'}: {', '.join(parts)}"
    need = next((m for d in screening.charges if d.decision == "review" for m in d.missing), None)
    if need is not None:
        text += f" — find out {need_words(need.need, case.person(need.person).label())}"
    return text


class ScreeningPanel(QWidget):
    """Shows a screening. `find_out(charge_id, person_id, need)` is emitted when the user asks to go to the field
    that would answer a `review`; `exception_wanted(charge_id)` when they ask to request an exception for a
    charge; `document_wanted(document_id)` when they follow a request's link to its signed document;
    `rescreen_wanted()` when they ask to screen the case again under the current rules (the notice's button)."""

    find_out = Signal(str, str, str)
    exception_wanted = Signal(str)
    document_wanted = Signal(int)
    rescreen_wanted = Signal()

    def __init__(self, parent: QWidget | None = None, *, office: OfficeSource = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Screening")
        self.setMinimumWidth(320)
        self._office = office
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(4)
        self.notice = self._build_notice()
        outer.addWidget(self.notice)
        self.not_current = QLabel(self)
        self.not_current.setObjectName("notCurrent")
        self.not_current.setAccessibleName("The screening is not up to date")
        self.not_current.setWordWrap(True)
        self.not_current.setTextFormat(Qt.TextFormat.PlainText)
        self.not_current.setStyleSheet("QLabel#notCurrent { border: 0px; border-left: 4px solid #e65100; "
                                       "padding-left: 6px; font-weight: bold; }")
        self.not_current.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.not_current.hide()
        outer.addWidget(self.not_current)
        self.case_summary = QLabel(self)
        self.case_summary.setObjectName("caseSummary")
        self.case_summary.setAccessibleName("The case in one line")
        self.case_summary.setWordWrap(True)
        self.case_summary.setTextFormat(Qt.TextFormat.PlainText)  # (it names people: shown as written)
        self.case_summary.setStyleSheet("font-weight: bold;")
        self.case_summary.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.case_summary.hide()
        outer.addWidget(self.case_summary)
        self.cards_area = QScrollArea(self)
        self.cards_area.setWidgetResizable(True)
        self.cards_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # the text wraps instead
        outer.addWidget(self.cards_area, 1)
        self._requests: list[RequestInfo] = []
        self._offer, self._blocked = False, ""
        self._waiting: dict[str, int] = {}
        self._screened: str | None = None  # the case number of the cards on screen (None: no cards)
        self._zone: tzinfo | None = None  # the office's time zone, read for the screening on screen
        self._body = QWidget(self.cards_area)
        # (The cards are kept at the top by a stretch after them, not by aligning the layout: an aligned layout is
        # given its size hint's height, which does not count the lines of wrapped texts, and cut the cards off.)
        self._layout = QVBoxLayout(self._body)
        self.cards_area.setWidget(self._body)
        self.show_message("Open or add a case to see how the policy screens each charge.")

    # ------------------------------------------------------------------------------ saved under older rules

    def _build_notice(self) -> QFrame:
        notice = QFrame(self)
        notice.setObjectName("olderRules")
        notice.setFrameShape(QFrame.Shape.StyledPanel)
        notice.setAccessibleName("Saved screening made under older rules")
        notice.setStyleSheet("QFrame#olderRules { border: 2px solid #e65100; border-radius: 3px; }")
        layout = QVBoxLayout(notice)
        layout.setContentsMargins(8, 6, 8, 6)
        self.notice_text = QLabel(notice)
        self.notice_text.setObjectName("olderRulesText")
        self.notice_text.setWordWrap(True)
        layout.addWidget(self.notice_text)
        row = QHBoxLayout()
        self.rescreen_button = QPushButton("Screen again under the current rules", notice)
        self.rescreen_button.setObjectName("rescreen")
        self.rescreen_button.clicked.connect(lambda _checked=False: self.rescreen_wanted.emit())
        row.addWidget(self.rescreen_button)
        row.addStretch(1)
        layout.addLayout(row)
        notice.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        notice.hide()
        return notice

    def show_stored(self, stored: StoredScreening | None, profile: PolicyProfile, *, blocked: str = "") -> None:
        """Say so when the case's saved screening was made under older screening rules than `profile`'s (the
        ones the cards show); nothing otherwise. `blocked`: why the user may not screen it again now ("" when
        they may)."""
        if stored is None or stored.rules_version >= profile.screening_version:
            self.notice.hide()
            self.notice_text.clear()
            return
        text = (f"Saved screening made under the rules of version {stored.rules_version} on "
                f"{local_day(stored.screened_at, self.office_zone())}; shown here: the current rules (version "
                f"{profile.screening_version}).")
        self.notice_text.setText(text)
        self.notice.setAccessibleDescription(text)
        self.rescreen_button.setEnabled(not blocked)
        self.rescreen_button.setToolTip(blocked or "Save a new screening of the case as stored, under the current "
                                        "rules; the saved one is kept as the record of what was decided then.")
        self.notice.show()

    def office_zone(self) -> tzinfo | None:
        """The office's time zone now (None: this computer's own)."""
        return office_zone(self._office)

    # ------------------------------------------------------------------------------------------ the cards

    def _follow(self, href: str) -> None:
        charge, person, need = href.split("|")
        self.find_out.emit(charge, person, need)

    def _clear(self) -> None:
        while self._layout.count():
            item = self._layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.setParent(None)  # (out of the panel at once: nothing finds an old card)
                widget.deleteLater()

    def _current(self) -> None:
        """What is shown is the form's own screening (or message): nothing greyed out, no "not up to date"."""
        self.not_current.hide()
        self.not_current.clear()
        self.case_summary.setEnabled(True)
        self._body.setEnabled(True)

    def show_message(self, text: str) -> None:
        self._clear()
        self._current()
        self._screened = None
        self.case_summary.hide()
        self.case_summary.clear()
        label = QLabel(text, self._body)
        label.setWordWrap(True)
        label.setObjectName("screeningMessage")
        self._layout.addWidget(label)
        self._layout.addStretch(1)
        self.summary = text
        self.setAccessibleDescription(text)

    def show_incomplete(self, problem: str, case_number: str) -> None:
        """The form cannot be screened as it is: `problem` names the field to complete. The cards of the same
        case's last screening stay, greyed out, under a line saying they are not up to date; with no cards of
        that case, the panel says what to complete."""
        if self._screened is None or self._screened != case_number:
            self.show_message(f"Not screened yet — {problem}")
            return
        text = f"Not up to date — {problem}. Below: the screening before this change."
        self.not_current.setText(text)
        self.not_current.show()
        self.case_summary.setEnabled(False)
        self._body.setEnabled(False)  # (nothing on a card that is not current may be acted on)
        self.summary = text
        self.setAccessibleDescription(text)

    @property
    def is_current(self) -> bool:
        """False while the cards are an earlier screening (the form has a field to complete)."""
        return self.not_current.isHidden()

    def show_screening(self, case: Case, screening: Screening, profile: PolicyProfile, *,
                       requests: Sequence[RequestInfo] = (), offer_requests: bool = False,
                       request_blocked: str = "") -> None:
        """Show a screening. `requests`: the case's section 8 requests, listed on their charges' cards.
        `offer_requests`: a declined charge gets "Request an exception…" (disabled, with `request_blocked` as
        the reason, when that is given)."""
        self._clear()
        self._current()
        self._screened = case.case_number
        self._zone = self.office_zone() if requests else None
        self._requests, self._offer, self._blocked = list(requests), offer_requests, request_blocked
        self._waiting = waiting_charges(requests)
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
        self._layout.addStretch(1)
        self.case_summary.setText(case_summary(case, screening))
        self.case_summary.show()
        self.summary = "; ".join(lines)
        self.setAccessibleDescription(f"{self.case_summary.text()}. {self.summary}")

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
        if d.possible_victim:  # said before anything else about the charge: a reader must never miss it
            victim = QLabel(f"<b>Possible victim:</b> the record shows that {escape(holder)} may be a victim "
                            "(the reasons below say why).", card)
            victim.setObjectName("possibleVictim")
            victim.setWordWrap(True)
            victim.setTextFormat(Qt.TextFormat.RichText)
            victim.setStyleSheet("QLabel#possibleVictim { border: 0px; border-left: 4px solid #0d47a1; "
                                 "padding-left: 6px; }")  # (without "border: 0px" no border is drawn)
            victim.setAccessibleName(f"Possible victim: {holder}")
            layout.addWidget(victim)
        sections = ", ".join(d.sections)
        section = profile.sections[d.sections[0]]
        cited = QLabel(f"Section {sections} — {section.title}", card)
        cited.setWordWrap(True)
        layout.addWidget(cited)
        if d.record_relief is not None:  # a past record: what it comes to first
            relief = QLabel(relief_text(profile, d.record_relief, d.relief_sections), card)
            relief.setObjectName("recordRelief")
            relief.setWordWrap(True)
            layout.addWidget(relief)
        if d.exception_allowed:
            layout.addWidget(QLabel(f"A section {profile.exception_section} exception may be requested.", card))
        requested = [r for r in self._requests if d.charge in r.charge_ids]
        for request in requested:
            layout.addWidget(self._request_line(request, card))
        if d.exception_allowed and self._offer and d.charge not in self._waiting:
            layout.addWidget(self._request_button(d.charge, card))
        elif not d.exception_allowed and d.exception_refusal and (d.base_decision == "decline" or requested):
            # where a request would be looked for: a decline, or a charge with a request that cannot apply
            refusal = QLabel(f"No exception may be requested: {d.exception_refusal}.", card)
            refusal.setObjectName("exceptionRefusal")
            refusal.setTextFormat(Qt.TextFormat.PlainText)  # (it names the person: shown as written)
            refusal.setWordWrap(True)
            layout.addWidget(refusal)
        reasons = QLabel("<br>".join(f"• {r}" for r in d.reasons), card)
        reasons.setWordWrap(True)
        reasons.setTextFormat(Qt.TextFormat.RichText)
        reasons.setAccessibleName(f"Reasons for charge {d.charge}")
        layout.addWidget(reasons)
        for need in d.missing:
            who = case.person(need.person).label()
            text = need_words(need.need, who)
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

    def _request_line(self, request: RequestInfo, parent: QWidget) -> QLabel:
        words = request_words(request, self._zone)
        document = request.latest_document
        link = f' — <a href="{document.id}">View document</a>' if document is not None else ""
        label = QLabel(f"{escape(words)}{link}", parent)  # (names are the users' own: shown as written)
        label.setObjectName("requestLink")
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.RichText)
        if document is not None:
            label.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                          | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
            label.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            label.linkActivated.connect(lambda href: self.document_wanted.emit(int(href)))
        label.setAccessibleName(words + (" — view the signed document" if document is not None else ""))
        return label

    def _request_button(self, charge: str, parent: QWidget) -> QWidget:
        row = QWidget(parent)
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        button = QPushButton("Request an exception…", row)
        button.setObjectName("requestException")
        button.setAccessibleName(f"Request a section 8 exception for charge {charge}")
        button.setEnabled(not self._blocked)
        button.setToolTip(self._blocked)
        button.clicked.connect(lambda _checked=False: self.exception_wanted.emit(charge))
        line.addWidget(button)
        line.addStretch(1)
        return row
