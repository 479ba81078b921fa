"""Forms of the import pages: the upload (step 1) and the confirmation (step 2).

They only read the request; what the file and its options must be is the importers' and their
services' to say (``Refused``, shown on the form).
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Optional

from supporters.formkit import options
from supporters.imports.kinds import LABELS


class UploadForm(FlaskForm):
    """The kind of data and the file; the next page is a preview (nothing saved)."""

    kind = SelectField(
        _l("What the file holds"),
        choices=options(LABELS.items()),
        validators=[InputRequired(_l("Choose what the file holds."))],
    )
    file = FileField(
        _l("CSV or Excel file (XLSX)"),
        validators=[FileRequired(_l("Choose a file."))],
        render_kw={"accept": ".csv,.xlsx,text/csv"},
    )
    sheet = StringField(
        _l("Sheet (Excel only; the first sheet if empty)"), render_kw={"maxlength": 100}
    )
    as_of = DateField(_l("Figures as of (resident figures only)"), validators=[Optional()])
    source = StringField(_l("Source (resident figures only)"), render_kw={"maxlength": 200})
    submit = SubmitField(_l("Check the file"))


class ConfirmForm(FlaskForm):
    """The checked file travels back in a hidden field and is checked again."""

    kind = HiddenField(validators=[InputRequired()])
    content = HiddenField(validators=[InputRequired()])
    as_of = HiddenField()
    source = HiddenField()
    sheet = HiddenField()
    submit = SubmitField(_l("Import all rows"))
