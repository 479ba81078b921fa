"""Forms of the coverage pages: the nationality mapping and yearly targets.

They only read the request into the services' drafts; the rules (ranges, known languages, two
letters, a pair not already listed) are ``targets.check_target`` and ``mapping.check_pair``.
Resident figures are imported on the one import page (``supporters/imports``).
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional

from supporters.coverage.mapping import PairDraft
from supporters.coverage.targets import MAX_NOTE, TargetDraft
from supporters.formkit import MultiCheckboxField


class MappingAddForm(FlaskForm):
    nationality = StringField(
        _l("Nationality (ISO code, e.g. VN)"), render_kw={"maxlength": 2, "required": True}
    )
    language = SelectField(_l("Language"), validate_choice=False)
    submit = SubmitField(_l("Add"))

    def draft(self) -> PairDraft:
        """The pair as typed."""
        return PairDraft(self.nationality.data or "", self.language.data or "")


class MappingRemoveForm(FlaskForm):
    nationality = HiddenField()
    language = HiddenField()
    submit = SubmitField(_l("Remove"))

    def draft(self) -> PairDraft:
        """The pair of the row whose button was pressed."""
        return PairDraft(self.nationality.data or "", self.language.data or "")


def _number(label):
    # Optional() only lets a blank field through as None: the service says what it must be.
    return IntegerField(label, validators=[Optional()], render_kw={"required": True, "min": 0})


class TargetForm(FlaskForm):
    fiscal_year = IntegerField(
        _l("Fiscal year"),
        validators=[Optional()],
        render_kw={"required": True, "min": 2000, "max": 2100},
    )
    certified_supporters = _number(_l("Certified supporters"))
    cases_per_year = _number(_l("Cases per year"))
    coverage_min_residents = _number(
        _l("Residents of a language group that need a supporter in reach")
    )
    languages = MultiCheckboxField(_l("Languages to cover"), validate_choice=False)
    note = TextAreaField(_l("Note"), render_kw={"maxlength": MAX_NOTE})
    submit = SubmitField(_l("Save the targets"))

    def draft(self) -> TargetDraft:
        """The targets as typed."""
        return TargetDraft(
            fiscal_year=self.fiscal_year.data,
            certified_supporters=self.certified_supporters.data,
            cases_per_year=self.cases_per_year.data,
            coverage_min_residents=self.coverage_min_residents.data,
            languages=list(self.languages.data or []),
            note=self.note.data or "",
        )
