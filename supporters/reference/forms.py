"""Forms of the languages console (parse only: the rules are in ``languages.py``)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField

from supporters.reference.languages import NAME_LENGTH, LanguageDraft


def _name(label, required: bool) -> StringField:
    return StringField(
        label,
        render_kw={"maxlength": NAME_LENGTH, "required": required}
        if required
        else {"maxlength": NAME_LENGTH},
    )


class LanguageAddForm(FlaskForm):
    """A new language by its ISO 639 code; names left blank come from CLDR."""

    code = StringField(_l("ISO 639 code"), render_kw={"maxlength": 16, "required": True})
    name_ja = _name(_l("Name (Japanese)"), required=False)
    name_en = _name(_l("Name (English)"), required=False)
    name_native = _name(_l("Name in the language itself"), required=False)
    submit = SubmitField(_l("Add"))

    def draft(self) -> LanguageDraft:
        """The language as typed."""
        return LanguageDraft(
            self.code.data or "", self.name_en.data or "", self.name_ja.data or "",
            self.name_native.data or "",
        )  # fmt: skip


class LanguageRenameForm(FlaskForm):
    """A language's three names (the code never changes)."""

    name_ja = _name(_l("Name (Japanese)"), required=True)
    name_en = _name(_l("Name (English)"), required=True)
    name_native = _name(_l("Name in the language itself"), required=True)
    submit = SubmitField(_l("Save"))

    def draft(self, code: str) -> LanguageDraft:
        """The names as typed, for the language ``code``."""
        return LanguageDraft(
            code, self.name_en.data or "", self.name_ja.data or "", self.name_native.data or ""
        )


class LanguageButtonForm(FlaskForm):
    """Retire or reinstate: a button (CSRF only)."""

    submit = SubmitField()
