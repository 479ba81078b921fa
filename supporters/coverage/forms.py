"""Forms of the coverage pages: resident import, the nationality mapping, yearly targets."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Regexp

from supporters.formkit import MultiCheckboxField


class ResidentUploadForm(FlaskForm):
    """Step 1: the file and its as-of date; the next page is a preview (nothing saved)."""

    file = FileField(_l("CSV file"), validators=[FileRequired()])
    as_of = DateField(_l("Figures as of"), validators=[InputRequired()])
    source = StringField(_l("Source (e.g. the prefecture's table)"), validators=[Length(max=200)])
    submit = SubmitField(_l("Check the file"))


class ResidentConfirmForm(FlaskForm):
    """Step 2: the checked file travels back in a hidden field and is checked again."""

    content = HiddenField(validators=[InputRequired()])
    as_of = HiddenField(validators=[InputRequired()])
    source = HiddenField(validators=[Length(max=200)])
    submit = SubmitField(_l("Import these figures"))


class MappingAddForm(FlaskForm):
    nationality = StringField(
        _l("Nationality (ISO code, e.g. VN)"),
        validators=[InputRequired(), Regexp(r"^[A-Za-z]{2}$", message=_l("Two letters."))],
    )
    language = SelectField(_l("Language"), validators=[InputRequired()])
    submit = SubmitField(_l("Add"))


class MappingRemoveForm(FlaskForm):
    nationality = HiddenField(validators=[InputRequired()])
    language = HiddenField(validators=[InputRequired()])
    submit = SubmitField(_l("Remove"))


class TargetForm(FlaskForm):
    fiscal_year = IntegerField(
        _l("Fiscal year"), validators=[InputRequired(), NumberRange(min=2000, max=2100)]
    )
    certified_supporters = IntegerField(
        _l("Certified supporters"), validators=[InputRequired(), NumberRange(min=0, max=100_000)]
    )
    cases_per_year = IntegerField(
        _l("Cases per year"), validators=[InputRequired(), NumberRange(min=0, max=10_000_000)]
    )
    coverage_min_residents = IntegerField(
        _l("Residents of a language group that need a supporter in reach"),
        validators=[InputRequired(), NumberRange(min=0, max=1_000_000)],
    )
    languages = MultiCheckboxField(_l("Languages to cover"))
    note = TextAreaField(_l("Note"), validators=[Length(max=1000)])
    submit = SubmitField(_l("Save the targets"))
