"""Sign-in and password forms."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo


class SignInForm(FlaskForm):
    """Email address and password."""

    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[DataRequired(message="Enter your email address")],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[DataRequired(message="Enter your password")],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ChangePasswordForm(FlaskForm):
    """The current password and a new one, twice."""

    current = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[DataRequired(message="Enter your current password")],
    )
    new = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        validators=[DataRequired(message="Enter a new password")],
    )
    confirm = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[
            DataRequired(message="Enter your new password again"),
            EqualTo("new", message="The passwords do not match"),
        ],
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())


class SignOutForm(FlaskForm):
    """Signing out is a POST, so it carries a CSRF token."""

    submit = SubmitField("Sign out")
