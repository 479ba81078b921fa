"""Forms of the continuation console: start the check, retire chosen lapsed supporters."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from supporters.formkit import MultiCheckboxField, options


class StartCheckForm(FlaskForm):
    """The button that asks every certified supporter this fiscal year's question."""

    submit = SubmitField(_l("Ask all certified supporters"))


class RetireLapsedForm(FlaskForm):
    """Checkboxes of the lapse list and the one reason recorded for each retirement."""

    supporters = MultiCheckboxField(
        _l("Supporters to retire"),
        coerce=int,
        validators=[DataRequired(_l("Choose at least one supporter."))],
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(_l("Give a reason.")),
            Length(max=1000, message=_l("At most %(max)d characters.")),
        ],
    )
    submit = SubmitField(_l("Retire selected"))

    def set_choices(self, supporter_ids) -> None:
        """Only supporters on the list now can be chosen."""
        self.supporters.choices = options((sid, str(sid)) for sid in supporter_ids)
        self.supporters.pre_validate = self._only_listed

    def _only_listed(self, form) -> None:
        from wtforms.validators import ValidationError

        allowed = {choice.value for choice in self.supporters.choices}
        if any(value not in allowed for value in self.supporters.data or []):
            raise ValidationError(
                _l("Someone chosen is no longer on the lapse list. Check the list and try again.")
            )
