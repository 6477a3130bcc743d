"""The thesaurus form."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField


class SynonymForm(FlaskForm):
    """A word and what it should also find."""

    term = StringField("Word or abbreviation", widget=GovTextInput())
    expansion = StringField("Also find", widget=GovTextInput())
    submit = SubmitField("Add to the thesaurus", widget=GovSubmitInput())
