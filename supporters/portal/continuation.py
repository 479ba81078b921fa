"""The supporter's answer to the yearly question: do you continue as a supporter?"""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from supporters.access import supporter_required
from supporters.continuation import service
from supporters.formkit import options
from supporters.models import ContinuationAnswer, Role
from supporters.portal.routes import _own_supporter, bp

QUESTION = _l("Continuing as a supporter")


class ContinueForm(FlaskForm):
    """Continue or stop, and an optional note for the coordinators."""

    answer = RadioField(
        _l("Please tell us whether you will continue as a supporter this year."),
        choices=options(
            [
                (ContinuationAnswer.CONTINUE.value, _l("I will continue")),
                (ContinuationAnswer.STOP.value, _l("I will stop")),
            ]
        ),
        validators=[DataRequired(message=_l("Choose one."))],
    )
    comment = TextAreaField(
        _l("Note (optional)"),
        validators=[Length(max=1000, message=_l("At most %(max)d characters."))],
    )
    submit = SubmitField(_l("Save"))


@bp.app_context_processor
def continuation_notice():
    """``continuation_pending()`` for the portal home: a question is waiting for an answer."""
    return {"continuation_pending": _pending}


def _pending() -> bool:
    if not current_user.is_authenticated or current_user.role != Role.SUPPORTER:
        return False
    supporter = current_user.supporter
    check = service.open_question(supporter) if supporter is not None else None
    return check is not None and check.answer is None


@bp.route("/continue", methods=["GET", "POST"])
@supporter_required
def continuation():
    """Answer (or change the answer to) the latest question; nothing to do if not asked."""
    supporter = _own_supporter()
    check = service.open_question(supporter)
    if check is None:
        return render_template("portal/continue.html", check=None, form=None, question=QUESTION)
    saved = {"answer": check.answer.value if check.answer else None, "comment": check.comment}
    form = ContinueForm(data=saved)
    if form.validate_on_submit():
        service.answer(
            check,
            ContinuationAnswer(form.answer.data),
            (form.comment.data or "").strip(),
            current_user,
        )
        flash(_("Saved. Thank you!"), "ok")
        return redirect(url_for("portal.me"))
    return render_template(
        "portal/continue.html", check=check, form=form, question=QUESTION
    ), 422 if form.errors else 200
