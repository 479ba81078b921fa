"""The language switcher shown on every page."""

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SubmitField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired

from supporters.formkit import options
from supporters.i18n import LOCALE_NAMES, SUPPORTER_LOCALES, is_supporter


def language_choices() -> list[SelectChoice]:
    """The languages the signed-in person may choose: twelve for a supporter, else ja/en.

    Values are Babel locales (what ``User.locale`` stores); each option is named in its own
    language and carries its ``lang`` so screen readers pronounce it right.
    """
    if is_supporter(current_user):
        return [
            SelectChoice(locale.babel, locale.name, render_kw={"lang": locale.html_lang})
            for locale in SUPPORTER_LOCALES
        ]
    return options(LOCALE_NAMES.items())


class LanguageForm(FlaskForm):
    """Pick a UI language; ``next`` brings the user back to the page they were on."""

    language = SelectField(_l("Language"), validators=[DataRequired()])
    next = HiddenField()
    submit = SubmitField(_l("Change"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices()
