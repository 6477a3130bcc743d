"""The correction form: the Practice Development Manager's direct, minor fix to a module."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import HiddenField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice

from modules.models import AUDIENCES, STATUSES

# Form field -> the content field path a service problem names.
FIELD_PATHS = {
    "title": "title",
    "summary": "summary",
    "description": "description",
    "referral_route": "referral.route",
    "referral_contact": "referral.contact",
    "areas": "areas",
    "outcomes": "outcomes",
    "status": "status",
    "review_date": "review_date",
    "change_note": "change_note",
}


class CorrectionForm(FlaskForm):
    """The fields a correction may change, and why."""

    title = StringField("Title", widget=GovTextInput())
    summary = TextAreaField("Summary", widget=GovTextArea())
    description = TextAreaField(
        "Full description", description="Markdown: ## for headings, * for lists.",
        widget=GovTextArea(),
    )  # fmt: skip
    referral_route = StringField("How to refer", widget=GovTextInput())
    referral_contact = StringField("Referral contact", widget=GovTextInput())
    areas = TextAreaField(
        "Areas where it runs", description="One area a line.", widget=GovTextArea()
    )
    outcomes = TextAreaField(
        "Outcomes it aims at", description="One outcome a line.", widget=GovTextArea()
    )
    status = RadioField(
        "Status", choices=[SelectChoice(k, v) for k, v in STATUSES.items()], widget=GovRadioInput()
    )
    review_date = StringField(
        "Next review date", description="As year-month-day, for example 2027-06-30.",
        widget=GovTextInput(),
    )  # fmt: skip
    change_note = TextAreaField(
        "What did you correct, and why?",
        description="This is shown in the module's history, labelled as a correction.",
        widget=GovTextArea(),
    )
    expected_version = HiddenField()
    submit = SubmitField("Publish the correction", widget=GovSubmitInput())

    def fill(self, content: dict, version: int) -> None:
        """Show the current content."""
        self.title.data, self.summary.data = content["title"], content["summary"]
        self.description.data = content["description"]
        self.referral_route.data = content["referral"]["route"]
        self.referral_contact.data = content["referral"]["contact"]
        self.areas.data = "\n".join(content["areas"])
        self.outcomes.data = "\n".join(content["outcomes"])
        self.status.data, self.review_date.data = content["status"], content["review_date"]
        self.expected_version.data = str(version)

    def corrected(self, content: dict) -> dict:
        """The content with this form's changes applied."""
        lines = lambda text: [x.strip() for x in (text or "").splitlines() if x.strip()]  # noqa: E731
        return {
            **content,
            "title": self.title.data or "",
            "summary": self.summary.data or "",
            "description": self.description.data or "",
            "referral": {
                "route": self.referral_route.data or "",
                "contact": self.referral_contact.data or "",
            },
            "areas": lines(self.areas.data),
            "outcomes": lines(self.outcomes.data),
            "status": self.status.data or "",
            "review_date": (self.review_date.data or "").strip(),
        }

    def show_problems(self, problems) -> None:
        """Put the service's problems against the fields they concern."""
        by_path = {path: name for name, path in FIELD_PATHS.items()}
        for problem in problems:
            name = by_path.get(problem.field)
            message = problem.message if name else f"{problem.field}: {problem.message}"
            field = getattr(self, name or "summary")
            field.errors = [*list(field.errors or []), message]


class SessionFileForm(FlaskForm):
    """Upload a file for one session, for participants or for facilitators only."""

    file = FileField("Upload a file", widget=GovFileInput())
    audience = RadioField(
        "Who is the file for?",
        choices=[SelectChoice(k, v) for k, v in AUDIENCES.items()],
        default="participants",
        widget=GovRadioInput(),
    )
    expected_version = HiddenField()
    submit = SubmitField("Upload", widget=GovSubmitInput())
