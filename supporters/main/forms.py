"""The language switcher shown on every page."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SubmitField
from wtforms.validators import DataRequired

from supporters.formkit import options
from supporters.i18n import LOCALE_NAMES


class LanguageForm(FlaskForm):
    """Pick a UI language; ``next`` brings the user back to the page they were on."""

    language = SelectField(
        _l("Language"), choices=options(LOCALE_NAMES.items()), validators=[DataRequired()]
    )
    next = HiddenField()
    submit = SubmitField(_l("Change"))
