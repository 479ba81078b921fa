"""Forms of the residents' rights console: search, correct, anonymise (all POST with CSRF)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from supporters.formkit import options
from supporters.i18n import country_choices
from supporters.privacy.service import MAX_REASON, PersonalFields
from supporters.registry.forms import normalise_phone, normalise_text


class SearchForm(FlaskForm):
    """One box: a reference number, a phone number or e-mail address, or part of a name.

    Sent by POST, so a resident's name or phone number never lands in a URL, a server log or
    the browser's history.
    """

    q = StringField(
        _l("Reference number, phone, e-mail or name"),
        validators=[DataRequired(_l("Enter what to search for.")), Length(max=254)],
        filters=[normalise_text],
    )
    submit = SubmitField(_l("Search"))


def _reason_field(label) -> TextAreaField:
    """A reason: required and at most ``MAX_REASON`` characters — the service's rules."""
    return TextAreaField(label, filters=[normalise_text], render_kw={"maxlength": MAX_REASON})


class CorrectionForm(FlaskForm):
    """The resident's personal fields on one request, and why they are corrected."""

    requester_name = StringField(_l("Name"), filters=[normalise_text])
    requester_contact = StringField(_l("Phone or e-mail"), filters=[normalise_phone])
    requester_nationality = SelectField(_l("Nationality"))
    residence_status = StringField(_l("Residence status"), filters=[normalise_text])
    place_name = StringField(_l("Place (facility name)"), filters=[normalise_text])
    place_address = StringField(_l("Address"), filters=[normalise_text])
    need = TextAreaField(_l("What is needed"), filters=[normalise_text])
    reason = _reason_field(_l("Reason for the correction"))
    submit = SubmitField(_l("Save the correction"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.requester_nationality.choices = options([("", "—"), *country_choices()])

    def personal_fields(self) -> PersonalFields:
        """The submitted values (checked by the service, not here: one rule, one place)."""
        return PersonalFields(
            requester_name=self.requester_name.data or "",
            requester_contact=self.requester_contact.data or "",
            requester_nationality=self.requester_nationality.data or None,
            residence_status=self.residence_status.data or "",
            need=self.need.data or "",
            place_name=self.place_name.data or "",
            place_address=self.place_address.data or "",
        )


class AnonymiseForm(FlaskForm):
    """Anonymise everything held about the resident: a reason and an explicit confirmation."""

    reason = _reason_field(_l("Reason for anonymising"))
    confirm = BooleanField(
        _l("I understand that the resident's personal data cannot be restored afterwards"),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )
    submit = SubmitField(_l("Anonymise"))
