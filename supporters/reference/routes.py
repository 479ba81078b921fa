"""Read-only lists of municipalities and languages."""

from flask import Blueprint, render_template
from sqlalchemy import select

from supporters.access import console_required
from supporters.extensions import db
from supporters.models import Language, Municipality

bp = Blueprint("reference", __name__, url_prefix="/reference")


@bp.get("/municipalities")
@console_required
def municipalities():
    """Every municipality with its JIS code, names and centroid."""
    rows = db.session.scalars(select(Municipality).order_by(Municipality.code)).all()
    return render_template("reference/municipalities.html", municipalities=rows)


@bp.get("/languages")
@console_required
def languages():
    """Every language with its code and names."""
    rows = db.session.scalars(select(Language).order_by(Language.name_en)).all()
    return render_template("reference/languages.html", languages=rows)
