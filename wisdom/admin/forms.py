"""Forms an administrator uses to manage accounts."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovPasswordInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from wisdom.access import ROLES


def role_choices() -> list[SelectChoice]:
    """Every role as a checkbox choice (WTForms 3.3 deprecates tuples)."""
    return [SelectChoice(key, role.label) for key, role in ROLES.items()]


class UserDetailsForm(FlaskForm):
    """Name, email, roles and clearance."""

    name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[DataRequired(message="Enter the person's full name")],
    )
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[DataRequired(message="Enter an email address")],
    )
    roles = SelectMultipleField(
        "Roles", widget=GovCheckboxesInput(), choices=role_choices(), validate_choice=True
    )
    cleared = BooleanField(
        "Grant confidential clearance to this person by name", widget=GovCheckboxInput()
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class NewUserForm(UserDetailsForm):
    """A new account needs a first password, which the person must change."""

    password = PasswordField(
        "Temporary password",
        widget=GovPasswordInput(),
        validators=[DataRequired(message="Enter a temporary password")],
    )
    submit = SubmitField("Create account", widget=GovSubmitInput())


class ResetPasswordForm(FlaskForm):
    """A temporary password the person must change at their next sign-in."""

    password = PasswordField(
        "Temporary password",
        widget=GovPasswordInput(),
        validators=[DataRequired(message="Enter a temporary password")],
    )
    submit = SubmitField("Reset password", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    """A button that confirms an action (disable or enable an account)."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())
