"""The item form, built for each kind from the shared core and the kind's own fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import Optional

from content.kinds import FIELDS, Field
from content.models import CLASSIFICATIONS


class GovDateField(DateField):
    """A date from the three boxes of a GOV.UK date input.

    The widget needs exactly three values to show the form again; a request that sends fewer
    (no browser does, but anyone can) would otherwise be a server error, not a clear message.
    """

    def process(self, formdata, data=unset_value, extra_filters=None):
        """Read the boxes, padding or trimming to day, month and year."""
        super().process(formdata, data, extra_filters)
        if self.raw_data is not None and len(self.raw_data) != 3:
            self.raw_data = ([*self.raw_data, "", "", ""])[:3]


def choices(pairs) -> list[SelectChoice]:
    """Choices for a select, radios or checkboxes."""
    return [SelectChoice(value, label) for value, label in pairs]


class ItemFormBase(FlaskForm):
    """The fields every kind of item shares."""

    title = StringField("Title", widget=GovTextInput())
    summary = TextAreaField("Summary", widget=GovTextArea())
    body = TextAreaField("Text", widget=GovTextArea())
    classification = RadioField("Who can read this", widget=GovRadioInput(), validate_choice=False)
    pathways = SelectMultipleField("Pathways", widget=GovCheckboxesInput(), validate_choice=False)
    tags = StringField("Tags", widget=GovTextInput())
    owner_id = SelectField("Owner", widget=GovSelect(), validate_choice=False)
    review_by = GovDateField(
        "Review by", widget=GovDateInput(), format="%d %m %Y", validators=[Optional()]
    )
    change_note = StringField("What did you change and why?", widget=GovTextInput())
    lock_version = HiddenField()
    preview = SubmitField("Preview", widget=GovSubmitInput())
    save = SubmitField("Save", widget=GovSubmitInput())

    def setup(self, pathways, owners) -> ItemFormBase:
        """Fill the choices that come from the database."""
        self.classification.choices = choices(
            (k, f"{label} – {CLASSIFICATION_HINTS[k]}") for k, label in CLASSIFICATIONS.items()
        )
        self.pathways.choices = choices((p.slug, p.name) for p in pathways)
        self.owner_id.choices = [SelectChoice("", "No owner")] + choices(
            (str(u.id), u.name) for u in owners
        )
        return self

    def kind_values(self, kind: str) -> dict:
        """The kind's own fields as submitted."""
        return {f.key: getattr(self, f"field_{f.key}").data for f in FIELDS[kind]}


CLASSIFICATION_HINTS = {
    "open": "everyone signed in, including people on probation",
    "staff": "staff only",
    "confidential": "only staff with confidential clearance, and people it is shared with",
}


def item_form_class(kind: str) -> type[ItemFormBase]:
    """A form class for one kind of item."""
    attrs = {f"field_{f.key}": _field(f) for f in FIELDS[kind]}
    return type(f"{kind.title()}Form", (ItemFormBase,), attrs)


def _field(spec: Field):
    """A WTForms field for one of a kind's own fields."""
    description = spec.hint
    if spec.type == "long":
        return TextAreaField(spec.label, widget=GovTextArea(), description=description)
    if spec.type == "date":
        return GovDateField(
            spec.label,
            widget=GovDateInput(),
            format="%d %m %Y",
            validators=[Optional()],
            description=description,
        )
    if spec.type == "choice":
        return RadioField(
            spec.label,
            widget=GovRadioInput(),
            choices=choices(spec.choices),
            validate_choice=False,
            description=description,
        )
    if spec.type == "bool":
        return BooleanField(spec.label, widget=GovCheckboxInput(), description=description)
    return StringField(spec.label, widget=GovTextInput(), description=description)


REASONS = (
    ("case", "Supervising or reviewing a case"),
    ("qa", "Quality assurance or audit"),
    ("review", "Serious Further Offence review or inspection"),
    ("panel", "Service Development Panel business"),
    ("other", "Another reason"),
)


class ReasonForm(FlaskForm):
    """Why a cleared reader is opening confidential content (asked once a session)."""

    reason = RadioField(
        "Why are you opening this?",
        widget=GovRadioInput(),
        choices=choices(REASONS),
        validate_choice=True,
    )
    other = StringField("Give the reason", widget=GovTextInput())
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    """A single button for restore, archive and similar actions."""

    lock_version = HiddenField()
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class AttachmentForm(FlaskForm):
    """Upload a file to an item."""

    file = FileField("Upload a file", widget=GovFileInput())
    lock_version = HiddenField()
    submit = SubmitField("Upload", widget=GovSubmitInput())


class ActionForm(FlaskForm):
    """An action agreed on a finding."""

    description = TextAreaField("What will be done", widget=GovTextArea())
    owner_id = SelectField("Owner", widget=GovSelect(), validate_choice=False)
    due = GovDateField(
        "Due date", widget=GovDateInput(), format="%d %m %Y", validators=[Optional()]
    )
    submit = SubmitField("Add action", widget=GovSubmitInput())


class ActionProgressForm(FlaskForm):
    """Move an action on."""

    status = RadioField(
        "Status",
        widget=GovRadioInput(),
        choices=choices(
            (("open", "Not started"), ("in_progress", "In progress"), ("done", "Done"))
        ),
        validate_choice=False,
    )
    evidence = TextAreaField("Evidence", widget=GovTextArea())
    answered_by = StringField(
        "Guidance or module that answered it (web address name)", widget=GovTextInput()
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class PathwayForm(FlaskForm):
    """A new pathway in the taxonomy."""

    name = StringField("Name", widget=GovTextInput())
    description = TextAreaField("Description", widget=GovTextArea())
    submit = SubmitField("Add pathway", widget=GovSubmitInput())


class ImportForm(FlaskForm):
    """Upload a .zip of the library to import."""

    archive = FileField("Upload a .zip file", widget=GovFileInput())
    dry_run = BooleanField(
        "Check the file and report, but change nothing", widget=GovCheckboxInput()
    )
    submit = SubmitField("Import", widget=GovSubmitInput())
