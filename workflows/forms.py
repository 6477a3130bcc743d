"""The proposal forms: written for people with low literacy, one question a page where it helps."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from content.forms import GovDateField, choices
from workflows.models import CREDITS, KINDS, RECOMMENDATIONS, VOTES

SAY_LESS = "Keep this under 20,000 characters"


class StepForm(FlaskForm):
    """Every step of the proposal form can continue, or be saved to finish later."""

    next = SubmitField("Continue", widget=GovSubmitInput())
    later = SubmitField("Save and come back later", widget=GovSubmitInput())


class KindForm(FlaskForm):
    """What the person wants to suggest, and (staff only) who for."""

    kind = RadioField(
        "What do you want to suggest?", widget=GovRadioInput(), choices=choices(KINDS.items()),
        validators=[InputRequired("Choose what you want to suggest")],
    )  # fmt: skip
    person_name = StringField(
        "If you are sending this for a person on probation, their name",
        widget=GovTextInput(), validators=[Optional(), Length(max=200)],
    )  # fmt: skip
    next = SubmitField("Continue", widget=GovSubmitInput())


class ModuleForm(StepForm):
    """Which module the idea is about."""

    module_slug = SelectField(
        "Which module is your idea about?", widget=GovSelect(), validate_choice=False,
        validators=[InputRequired("Choose the module your idea is about")],
    )  # fmt: skip


class TitleForm(StepForm):
    """A short name for the idea, with a check for similar modules and proposals."""

    title = StringField(
        "Give your idea a short name", widget=GovTextInput(),
        validators=[InputRequired("Give your idea a short name"), Length(max=300)],
    )  # fmt: skip
    check = SubmitField("Check for similar ideas", widget=GovSubmitInput())


class NewModuleForm(StepForm):
    """What a new module would be."""

    summary = TextAreaField(
        "In one or two sentences, what is it?", widget=GovTextArea(),
        validators=[InputRequired("Say in a sentence or two what it is"), Length(max=2000)],
    )  # fmt: skip
    description = TextAreaField(
        "What would happen in it?", widget=GovTextArea(),
        validators=[Optional(), Length(max=20_000, message=SAY_LESS)],
    )  # fmt: skip
    pathways = SelectMultipleField(
        "What is it about?", widget=GovCheckboxesInput(), validate_choice=False
    )


class ChangeForm(StepForm):
    """The module's words, to change."""

    module_title = StringField(
        "Module name", widget=GovTextInput(),
        validators=[InputRequired("The module needs a name"), Length(max=200)],
    )  # fmt: skip
    summary = TextAreaField(
        "Summary", widget=GovTextArea(),
        validators=[InputRequired("The module needs a summary"), Length(max=2000)],
    )  # fmt: skip
    description = TextAreaField(
        "What happens in it", widget=GovTextArea(),
        validators=[Optional(), Length(max=20_000, message=SAY_LESS)],
    )  # fmt: skip


class SessionForm(StepForm):
    """A new session for a module."""

    session_title = StringField(
        "Name of the session", widget=GovTextInput(),
        validators=[InputRequired("Give the new session a name"), Length(max=200)],
    )  # fmt: skip
    objectives = TextAreaField(
        "What will people learn or do?", widget=GovTextArea(),
        validators=[Optional(), Length(max=20_000, message=SAY_LESS)],
    )  # fmt: skip
    duration_minutes = IntegerField(
        "How long would it take, in minutes?", widget=GovTextInput(),
        validators=[InputRequired("Enter how many minutes, as a number"),
                    NumberRange(5, 600, "Enter a number of minutes from 5 to 600")],
    )  # fmt: skip
    participant_materials = TextAreaField(
        "What would people need? (optional)", widget=GovTextArea(),
        validators=[Optional(), Length(max=20_000, message=SAY_LESS)],
    )  # fmt: skip


class ReasonForm(StepForm):
    """Why the idea is needed."""

    reason = TextAreaField(
        "Why is this needed?", widget=GovTextArea(),
        validators=[InputRequired("Say why this is needed"), Length(max=20_000, message=SAY_LESS)],
    )  # fmt: skip


class CreditForm(StepForm):
    """How the proposer is credited, and (when sent for someone) their consent."""

    credit_choice = RadioField(
        "How should we thank you when your idea is used?", widget=GovRadioInput(),
        choices=choices(CREDITS.items()),
        validators=[InputRequired("Choose how you want to be credited")],
    )  # fmt: skip
    consent_given = BooleanField(
        "The person agreed to me sending this for them, and chose how they are credited",
        widget=GovCheckboxInput(),
    )


class SendForm(FlaskForm):
    """The button on the check-your-answers page."""

    send = SubmitField("Send my idea", widget=GovSubmitInput())


class CommentForm(FlaskForm):
    """A message in the discussion or the Panel's notes."""

    body = TextAreaField(
        "Your message", widget=GovTextArea(),
        validators=[InputRequired("Write your message"), Length(max=20_000, message=SAY_LESS)],
    )  # fmt: skip
    send = SubmitField("Send message", widget=GovSubmitInput())


class WithdrawForm(FlaskForm):
    """Taking a proposal back."""

    comment = TextAreaField(
        "Why are you withdrawing it? (optional)", widget=GovTextArea(),
        validators=[Optional(), Length(max=20_000, message=SAY_LESS)],
    )  # fmt: skip
    confirm = SubmitField("Withdraw my proposal", widget=GovSubmitInput())


def _long(label: str) -> TextAreaField:
    return TextAreaField(
        label, widget=GovTextArea(), validators=[Optional(), Length(max=20_000, message=SAY_LESS)]
    )


class EvaluationForm(FlaskForm):
    """The PDM's evaluation and what happens next."""

    need = _long("Need: who needs this and how many")
    evidence = _long("Evidence: what shows it works or is wanted")
    pathway_fit = _long("Fit with pathways")
    feasibility = _long("Feasibility: who could deliver it, and where")
    cost = _long("Cost")
    risk = _long("Risk")
    recommendation = RadioField(
        "What happens next?", widget=GovRadioInput(), choices=choices(RECOMMENDATIONS.items()),
        validators=[InputRequired("Choose what happens next")],
    )  # fmt: skip
    comment = _long("Message to the proposer, in plain words")
    save = SubmitField("Save evaluation", widget=GovSubmitInput())


class VoteForm(FlaskForm):
    """A Panel member's vote."""

    vote = RadioField(
        "Your vote", widget=GovRadioInput(), choices=choices(VOTES.items()),
        validators=[InputRequired("Choose your vote")],
    )  # fmt: skip
    comment = _long("Comment for the Panel (optional)")
    cast = SubmitField("Record my vote", widget=GovSubmitInput())


class DecisionForm(FlaskForm):
    """The chair's record of the Panel's decision."""

    outcome = RadioField(
        "The Panel's decision", widget=GovRadioInput(), choices=choices(VOTES.items()),
        validators=[InputRequired("Choose the Panel's decision")],
    )  # fmt: skip
    reasons = _long("Reasons, in plain words for the proposer")
    conditions = _long("Conditions (if approved with conditions)")
    review_date = GovDateField(
        "Review the decision on", widget=GovDateInput(), format="%d %m %Y",
        validators=[Optional()],
    )  # fmt: skip
    meeting_date = GovDateField(
        "Date of the Panel meeting", widget=GovDateInput(), format="%d %m %Y",
        validators=[Optional()],
    )  # fmt: skip
    record = SubmitField("Record the decision", widget=GovSubmitInput())


class PublishForm(FlaskForm):
    """What the PDM checks before publishing a new module."""

    delivered_by = StringField(
        "Delivered by", widget=GovTextInput(), validators=[Optional(), Length(max=200)]
    )
    areas = StringField("Areas (separate with commas)", widget=GovTextInput())
    referral_route = StringField("How to refer", widget=GovTextInput())
    referral_contact = StringField("Referral contact", widget=GovTextInput())
    pathways = SelectMultipleField("Pathways", widget=GovCheckboxesInput(), validate_choice=False)
    publish = SubmitField("Publish", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    """A single confirming button."""

    confirm = SubmitField("Confirm", widget=GovSubmitInput())
