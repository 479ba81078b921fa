"""List pages: a page number nonsense cannot break, and filters that set aside bad values.

``?page=1e20``, ``?page=-3`` or a page beyond :data:`MAX_PAGE` show the first page (the link
was mistyped or forged; a list that long does not exist). A filter value the form refuses
(``?status=zzz``) is ignored — the list is shown unfiltered on that field, and the form marks
the field with its error, so the person sees why. The API refuses both with a 422 field error
instead (``api.schemas.PageArgsSchema``): a script should hear about its mistake.
"""

from collections.abc import Mapping

from flask import current_app, request
from flask_sqlalchemy.pagination import Pagination
from flask_wtf import FlaskForm
from sqlalchemy import Select

from supporters.extensions import db

MAX_PAGE = 100_000


def page_number(args: Mapping[str, str]) -> int:
    """``args["page"]`` as a page number from 1 to MAX_PAGE; 1 for anything else."""
    text = (args.get("page") or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_PAGE)):
        return 1
    number = int(text)
    return number if 1 <= number <= MAX_PAGE else 1


def paginate(stmt: Select) -> Pagination:
    """The page of ``stmt`` that ``?page=`` asks for, PAGE_SIZE rows long."""
    return db.paginate(
        stmt,
        page=page_number(request.args),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )


def usable_filters(form: FlaskForm) -> FlaskForm:
    """Validate a GET filter form; a field that fails keeps its error but filters nothing."""
    if not form.validate():
        for name in form.errors:
            form[name].data = ""
    return form
