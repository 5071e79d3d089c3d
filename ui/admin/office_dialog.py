"""The office profile: letterhead details (with the e-mail address and the office's time zone), how court documents
are made (the caption style, the date of birth in letters, a certificate of service), the state's record-relief
terms, the policy as the office adopted it (its title and adoption date) and its option, the idle limit and the
backup folder. Everyone may look; only an administrator saves (after giving the password again).

Saving is all or nothing: every value is checked before anything is stored, a refused value is named beside its
field, and when another administrator saved the profile meanwhile nothing is overwritten (the user may reload).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from casereview.documents.motions import DISMISSAL_LABELS
from casereview.policy.profile import (
    PolicyFileError,
    PolicyProfile,
    builtin_policy_ids,
    load_builtin,
    load_profile_file,
)
from casereview.services.access import OfficeType, Op
from casereview.services.office import (
    RELIEF_KINDS,
    RELIEF_LABELS,
    FieldProblem,
    OfficeProfile,
    check_profile,
    office_policy,
    read_office,
    update_office,
    use_policy_file,
)
from casereview.services.session import MAX_IDLE_MINUTES, UserSession
from casereview.store.cases import CaseConflict
from ui.access.reauth import confirm_for
from ui.admin import AdminDialog, FieldNote, buddy_label
from ui.admin.office_fields import (
    DISMISSAL_TIP,
    WARRANT_LABELS,
    WARRANT_TIP,
    AdoptionDate,
    CaptionChooser,
    ChoiceCombo,
    DobCombo,
    TimeZoneCombo,
)
from ui.shared import file_dialogs
from ui.shared.problems import is_expected, show_problem

_OFFICE_WORDS = {OfficeType.PROSECUTOR: "Prosecutor's office", OfficeType.DEFENSE: "Defense office"}
_ADMIN_ONLY = "Only an administrator can change the office profile."


class OfficeDialog(AdminDialog):
    """Edits the office profile. `office_saved(profile)` tells the window the new profile after a save."""

    office_saved = Signal(object)

    def __init__(self, session: UserSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Office profile")
        self._profile = read_office(session)
        self._pending_file: tuple[Path, PolicyProfile] | None = None  # chosen, stored when the user saves
        self.notes: dict[str, FieldNote] = {}
        self._fields: dict[str, QWidget] = {}

        columns = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(self._letterhead_box())
        left.addWidget(self._documents_box())
        left.addStretch(1)
        columns.addLayout(left, 1)
        right = QVBoxLayout()
        right.addWidget(self._relief_box())
        right.addWidget(self._policy_box())
        right.addWidget(self._security_box())
        right.addStretch(1)
        columns.addLayout(right, 1)

        self.problem = FieldNote("the office profile", self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setAccessibleName("Save the office profile")
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        self.read_only = not session.may(Op.OFFICE_SETTINGS)
        self.read_only_note = QLabel(f"{_ADMIN_ONLY} You can read it here.", self)
        self.read_only_note.setWordWrap(True)
        self.read_only_note.setVisible(self.read_only)

        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QVBoxLayout.SizeConstraint.SetMinimumSize)  # grows when a note appears
        layout.addWidget(self.read_only_note)
        layout.addLayout(columns)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self._show(self._profile)
        if self.read_only:
            self._make_read_only()
        self.name.setFocus()

    def _make_read_only(self) -> None:
        """For a role that may not change the profile: the values can be read (and copied), not edited."""
        for text in (*self._lines().values(), *self.relief_word.values(), self.backup_folder):
            text.setReadOnly(True)
        self.address.setReadOnly(True)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Close")
        self.policy_title.setReadOnly(True)
        for control in (self.save_button, self.choose_policy_file, self.browse, self.policy, self.presumptive,
                        self.idle_limit, *self.relief_has.values(), self.time_zone, self.caption.combo,
                        self.dob_in_letters, self.certificate_of_service, self.adopted, self.dismissal_style,
                        self.warrant_term):
            control.setEnabled(False)
            control.setToolTip(_ADMIN_ONLY)

    # ------------------------------------------------------------------------------------------------ building

    def _note(self, key: str, about: str, parent: QWidget) -> FieldNote:
        note = FieldNote(about, parent)
        self.notes[key] = note
        return note

    def _with_note(self, key: str, field: QWidget, about: str, parent: QWidget) -> QWidget:
        """`field` with its problem note under it, as one cell of a form."""
        self._fields[key] = field
        cell = QWidget(parent)
        box = QVBoxLayout(cell)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(field)
        box.addWidget(self._note(key, about, cell))
        cell.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        return cell

    def _line(self, key: str, label: str, group: QGroupBox, form: QFormLayout) -> QLineEdit:
        field = QLineEdit(group)
        field.setMinimumWidth(field.fontMetrics().averageCharWidth() * 40)
        plain = label.replace("&", "").rstrip(":")
        field.setAccessibleName(plain)
        form.addRow(buddy_label(label, field, group), self._with_note(key, field, plain.lower(), group))
        return field

    def _letterhead_box(self) -> QGroupBox:
        group = QGroupBox("Letterhead", self)
        form = QFormLayout(group)
        kind = QLabel(_OFFICE_WORDS.get(self.session.office_type, str(self.session.office_type)), group)
        kind.setAccessibleName("Office type")
        kind.setToolTip("The office type is chosen when the case file is made and cannot be changed.")
        kind.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(buddy_label("Office type:", kind, group), kind)
        self.name = self._line("name", "Office &name:", group, form)
        self.address = QPlainTextEdit(group)
        self.address.setTabChangesFocus(True)  # Tab moves on, as in every other field
        self.address.setFixedHeight(self.address.fontMetrics().lineSpacing() * 4 + 12)
        self.address.setAccessibleName("Address")
        form.addRow(buddy_label("&Address:", self.address, group),
                    self._with_note("address", self.address, "the address", group))
        self.phone = self._line("phone", "&Phone:", group, form)
        self.email = self._line("email", "E-&mail:", group, form)
        self.head_name = self._line("head_name", "&Head of office:", group, form)
        self.head_title = self._line("head_title", "Head's &title:", group, form)
        self.county = self._line("county", "Count&y:", group, form)
        self.state = self._line("state", "Stat&e:", group, form)
        self.phone.setPlaceholderText("for example (503) 555-0100")
        self.email.setPlaceholderText("for example records@lanecountyor.gov")
        self.head_title.setPlaceholderText("for example District Attorney")
        self.state.setPlaceholderText("for example Oregon")
        self.time_zone = TimeZoneCombo(group)
        form.addRow(buddy_label("Time &zone:", self.time_zone, group),
                    self._with_note("time_zone", self.time_zone, "the time zone", group))
        return group

    def _documents_box(self) -> QGroupBox:
        group = QGroupBox("Letters and court documents", self)
        form = QFormLayout(group)
        self.caption = CaptionChooser(group)
        form.addRow(buddy_label("&Caption:", self.caption.combo, group),
                    self._with_note("caption_style", self.caption, "the caption style", group))
        self._fields["caption_style"] = self.caption.combo
        self.state.textChanged.connect(self.caption.set_state)
        self.dob_in_letters = DobCombo(group)
        form.addRow(buddy_label("Date of &birth:", self.dob_in_letters, group),
                    self._with_note("dob_in_letters", self.dob_in_letters, "the date of birth in letters", group))
        self.certificate_of_service = QCheckBox("Letters carry a certificate of ser&vice", group)
        self.certificate_of_service.setAccessibleName("Letters carry a certificate of service")
        self.certificate_of_service.setToolTip("A certificate of service at the end of each letter, saying who it "
                                               "was served on and how, for courts that ask for one.")
        self._fields["certificate_of_service"] = self.certificate_of_service
        form.addRow(self.certificate_of_service)
        self.dismissal_style = ChoiceCombo(DISMISSAL_LABELS, "Motions ending a charge", DISMISSAL_TIP, group)
        self.warrant_term = ChoiceCombo(WARRANT_LABELS, "Motions on warrants", WARRANT_TIP, group)
        if self._profile.office_type == "prosecutor":  # (motions are the prosecutor's to file)
            form.addRow(buddy_label("Motions end a c&harge by:", self.dismissal_style, group),
                        self._with_note("dismissal_style", self.dismissal_style, "how a charge is ended", group))
            form.addRow(buddy_label("A &warrant is:", self.warrant_term, group),
                        self._with_note("warrant_term", self.warrant_term, "the word for a warrant", group))
        else:
            self.dismissal_style.hide()
            self.warrant_term.hide()
        return group

    def _relief_box(self) -> QGroupBox:
        group = QGroupBox("Record relief in this state", self)
        grid = QGridLayout(group)
        intro = QLabel("Tick each kind of record relief the state offers and give the state's own word for it.",
                       group)
        intro.setWordWrap(True)
        grid.addWidget(intro, 0, 0, 1, 3)
        self.relief_has: dict[str, QCheckBox] = {}
        self.relief_word: dict[str, QLineEdit] = {}
        for i, kind in enumerate(RELIEF_KINDS):
            label = RELIEF_LABELS[kind]
            has = QCheckBox(f"{label}", group)
            has.setAccessibleName(f"{label}: this state has it")
            has.setToolTip(f"Tick when this state offers {label.lower()}.")
            word = QLineEdit(group)
            word.setAccessibleName(f"{label}: the state's word for it")
            word.setPlaceholderText("the state's word, e.g. expunction" if kind == "expungement"
                                    else "the state's word for it")
            has.toggled.connect(word.setEnabled)
            self.relief_has[kind], self.relief_word[kind] = has, word
            row = 1 + 2 * i
            grid.addWidget(has, row, 0)
            grid.addWidget(buddy_label("called:", word, group), row, 1)
            grid.addWidget(word, row, 2)
            key = f"relief_terms.{kind}"
            self._fields[key] = word
            grid.addWidget(self._note(key, f"the word for {label.lower()}", group), row + 1, 0, 1, 3)
        self._fields["relief_terms"] = self.relief_has[RELIEF_KINDS[0]]
        grid.addWidget(self._note("relief_terms", "record relief", group), 1 + 2 * len(RELIEF_KINDS), 0, 1, 3)
        grid.setColumnStretch(2, 1)
        return group

    def _policy_box(self) -> QGroupBox:
        group = QGroupBox("Policy", self)
        form = QFormLayout(group)
        self.policy = QComboBox(group)
        self.policy.setAccessibleName("Policy profile")
        self.choose_policy_file = QPushButton("Use an office policy &file…", group)
        self.choose_policy_file.setAccessibleName("Use an office policy file")
        self.choose_policy_file.setToolTip("Choose a policy file (.json) written for this office. It becomes the "
                                           "office's policy when you save.")
        self.choose_policy_file.clicked.connect(self._choose_policy_file)
        cell = QWidget(group)
        box = QVBoxLayout(cell)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(self.policy)
        box.addWidget(self.choose_policy_file, 0, Qt.AlignmentFlag.AlignLeft)
        box.addWidget(self._note("policy_id", "the policy", cell))
        self.notes["policy_file"] = self.notes["policy_id"]
        self._fields["policy_id"] = self._fields["policy_file"] = self.policy
        form.addRow(buddy_label("Policy p&rofile:", self.policy, group), cell)
        self.policy_title = QLineEdit(group)
        self.policy_title.setAccessibleName("The policy's title as the office adopted it")
        self.policy_title.setPlaceholderText("as the office adopted it, e.g. Sex Work Non-Prosecution Policy")
        self.policy_title.setToolTip("Letters name the policy by this title and its adoption date.")
        form.addRow(buddy_label("T&itle as adopted:", self.policy_title, group),
                    self._with_note("policy_title", self.policy_title, "the policy's title", group))
        self.adopted = AdoptionDate(group)
        self._fields["policy_adopted_on"] = self.adopted.edit
        form.addRow(buddy_label("Adopted &on:", self.adopted.known, group),
                    self._with_note("policy_adopted_on", self.adopted, "the adoption date", group))
        self.presumptive = QCheckBox("State declines as pres&umptive", group)
        self.presumptive.setAccessibleName("State declines as presumptive")
        self.presumptive.setToolTip("Write that the office will “presumptively” not file a declined charge.")
        self._fields["presumptive"] = self.presumptive
        form.addRow(self.presumptive)
        return group

    def _security_box(self) -> QGroupBox:
        group = QGroupBox("Locking and backups", self)
        form = QFormLayout(group)
        self.idle_limit = QSpinBox(group)
        self.idle_limit.setRange(1, MAX_IDLE_MINUTES)
        self.idle_limit.setSuffix(" minutes")
        self.idle_limit.setAccessibleName("Idle limit in minutes")
        self.idle_limit.setToolTip("The window locks after this long without use; the password opens it again.")
        form.addRow(buddy_label("&Lock after idle:", self.idle_limit, group),
                    self._with_note("idle_limit_minutes", self.idle_limit, "the idle limit", group))
        self.backup_folder = QLineEdit(group)
        self.backup_folder.setAccessibleName("Backup folder")
        self.backup_folder.setPlaceholderText("the folder backups are saved in")
        self.browse = browse = QPushButton("Bro&wse…", group)
        browse.setAccessibleName("Choose the backup folder")
        browse.clicked.connect(self._browse_backup_folder)
        row = QWidget(group)
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.backup_folder, 1)
        line.addWidget(browse)
        cell = QWidget(group)
        box = QVBoxLayout(cell)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(row)
        box.addWidget(self._note("backup_folder", "the backup folder", cell))
        self._fields["backup_folder"] = self.backup_folder
        form.addRow(buddy_label("Backup fol&der:", self.backup_folder, group), cell)
        return group

    # --------------------------------------------------------------------------------------------- the values

    def _show(self, profile: OfficeProfile) -> None:
        """Put `profile` in the fields (on opening, and when the user reloads after a conflict)."""
        self._profile = profile
        self._pending_file = None
        for key, field in self._lines().items():
            field.setText(getattr(profile, key) or "")
            field.setCursorPosition(0)  # a long name shows its beginning
        self.address.setPlainText(profile.address or "")
        self.time_zone.set_zone(profile.time_zone)
        self.caption.set_style(profile.caption_style, by_hand=bool(profile.state))  # a new profile's is a default
        self.caption.set_state(profile.state or "")
        self.dob_in_letters.set_choice(profile.dob_in_letters)
        self.certificate_of_service.setChecked(profile.certificate_of_service)
        self.dismissal_style.set_choice(profile.dismissal_style)
        self.warrant_term.set_choice(profile.warrant_term)
        self.policy_title.setText(profile.policy_title or "")
        self.policy_title.setCursorPosition(0)
        self.adopted.set_value(profile.policy_adopted_on)
        for kind in RELIEF_KINDS:
            word = profile.relief_term(kind)
            self.relief_has[kind].setChecked(bool(word))
            self.relief_word[kind].setText(word)
            self.relief_word[kind].setEnabled(bool(word))
        self.policy.clear()
        for policy_id in builtin_policy_ids():
            self.policy.addItem(load_builtin(policy_id).title, f"builtin:{policy_id}")
        if profile.policy_hash is not None:
            own, _presumptive = office_policy(self.session.workspace)
            self.policy.addItem(f"{own.title} (the office's own policy file)", f"office:{profile.policy_hash}")
            self.policy.setCurrentIndex(self.policy.count() - 1)
        else:
            self.policy.setCurrentIndex(max(0, self.policy.findData(f"builtin:{profile.policy_id}")))
        self.presumptive.setChecked(profile.presumptive)
        self.idle_limit.setValue(profile.idle_limit_minutes)
        self.backup_folder.setText(profile.backup_folder or "")
        self._clear_notes()

    def _lines(self) -> dict[str, QLineEdit]:
        return {"name": self.name, "phone": self.phone, "email": self.email, "head_name": self.head_name,
                "head_title": self.head_title, "county": self.county, "state": self.state}

    def missing_relief_words(self) -> dict[str, str]:
        """A note for each relief kind ticked without the state's word for it (by field key)."""
        return {f"relief_terms.{kind}": f"Give the word this state uses for {RELIEF_LABELS[kind].lower()}, or "
                                        "untick it."
                for kind in RELIEF_KINDS
                if self.relief_has[kind].isChecked() and not self.relief_word[kind].text().strip()}

    def edited_profile(self) -> OfficeProfile:
        """The profile as the fields now say (a relief kind ticked without its word is left out)."""
        terms = {kind: self.relief_word[kind].text() for kind in RELIEF_KINDS if self.relief_has[kind].isChecked()}
        kind_of, _, value = str(self.policy.currentData()).partition(":")
        policy_id, policy_hash = self._profile.policy_id, self._profile.policy_hash
        if kind_of == "builtin":
            policy_id, policy_hash = value, None
        elif kind_of == "pending" and self._pending_file is not None:
            policy_id, policy_hash = self._pending_file[1].id, self._pending_file[1].content_hash
        return replace(self._profile, name=self.name.text(), address=self.address.toPlainText(),
                       phone=self.phone.text(), head_name=self.head_name.text(), head_title=self.head_title.text(),
                       county=self.county.text(), state=self.state.text(), relief_terms=terms, policy_id=policy_id,
                       policy_hash=policy_hash, presumptive=self.presumptive.isChecked(),
                       idle_limit_minutes=self.idle_limit.value(), backup_folder=self.backup_folder.text(),
                       email=self.email.text(), time_zone=self.time_zone.zone() or None,
                       caption_style=self.caption.chosen(), dob_in_letters=self.dob_in_letters.choice(),
                       certificate_of_service=self.certificate_of_service.isChecked(),
                       dismissal_style=self.dismissal_style.choice(), warrant_term=self.warrant_term.choice(),
                       policy_title=self.policy_title.text(), policy_adopted_on=self.adopted.value())

    # ------------------------------------------------------------------------------------------------- notes

    def _clear_notes(self) -> None:
        for note in {id(n): n for n in [*self.notes.values(), self.problem]}.values():
            note.clear_note()

    def _say(self, key: str, message: str) -> None:
        note = self.notes.get(key)
        if note is None:
            self.problem.say(message)
            return
        note.say(message)
        field = self._fields.get(key)
        if field is not None:
            field.setFocus()

    # ------------------------------------------------------------------------------------------------- slots

    def _browse_backup_folder(self) -> None:
        folder = file_dialogs.get_existing_directory(self, "Choose the backup folder", self.backup_folder.text())
        if folder:
            self.backup_folder.setText(folder)

    def _choose_policy_file(self) -> None:
        path = file_dialogs.get_open_file_name(self, "Choose the office's policy file", "",
                                               "Policy files (*.json);;All files (*)")
        if path:
            self.use_policy_file_at(Path(path))

    def use_policy_file_at(self, path: Path) -> None:
        """Read a policy file and offer it in the list; it becomes the office's policy when the user saves."""
        self.notes["policy_file"].clear_note()
        try:
            chosen = load_profile_file(path)
        except PolicyFileError as exc:
            self._say("policy_file", f"That file cannot be used as a policy: {exc}")
            return
        self._pending_file = (path, chosen)
        at = self.policy.findData(f"pending:{path}")
        if at < 0:
            for i in range(self.policy.count() - 1, -1, -1):
                if str(self.policy.itemData(i)).startswith("pending:"):
                    self.policy.removeItem(i)
            self.policy.addItem(f"{chosen.title} (from {path.name}, used once you save)", f"pending:{path}")
            at = self.policy.count() - 1
        self.policy.setCurrentIndex(at)

    def _save(self) -> None:
        self._clear_notes()
        profile = self.edited_profile()
        problems = self.missing_relief_words()
        try:
            check_profile(profile)  # every value is checked before anything is stored
        except FieldProblem as exc:
            problems = {exc.field: str(exc), **problems}
        if problems:
            for key, message in reversed(problems.items()):  # the focus ends on the first field named
                self._say(key, message)
            return
        if not confirm_for(self.session, Op.OFFICE_SETTINGS, self):
            return
        try:
            saved = self._store(profile)
        except FieldProblem as exc:
            self._say(exc.field, str(exc))
            return
        except CaseConflict as exc:
            self._offer_reload(str(exc))
            return
        except Exception as exc:
            if not is_expected(exc):
                raise
            show_problem(self, "The office profile was not saved", exc)
            return
        self.office_saved.emit(saved)
        self.accept()

    def _store(self, profile: OfficeProfile) -> OfficeProfile:
        pending = self._pending_file if str(self.policy.currentData()).startswith("pending:") else None
        if pending is not None:
            # The policy file is stored first (its own service); so that nothing is half saved, the conflict
            # check update_office makes is made here first too.
            if read_office(self.session).version != profile.version:
                raise CaseConflict("Another administrator changed the office profile since you opened it. Nothing "
                                   "was saved: open it again to see their changes.")
            chosen = use_policy_file(self.session, pending[0])
            profile = replace(profile, policy_id=chosen.id, policy_hash=chosen.content_hash,
                              version=read_office(self.session).version)
        return update_office(self.session, profile)

    def _offer_reload(self, message: str) -> None:
        answer = QMessageBox.question(
            self, "Changed by another administrator",
            f"{message}\n\nLoad the profile as it is saved now? What you typed in this window will be replaced.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes)
        if answer == QMessageBox.StandardButton.Yes:
            self._show(read_office(self.session))
        else:
            self.problem.say(message)
