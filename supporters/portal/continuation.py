"""The supporter's answer to the yearly question: do you continue as a supporter?"""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField, TextAreaField

from supporters.access import is_supporter_account, supporter_required
from supporters.continuation import service
from supporters.formkit import options
from supporters.models import ContinuationAnswer
from supporters.portal.routes import _own_supporter, bp
from supporters.refusals import Refused, form_status, show_on_form

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
        validate_choice=False,  # an unknown or missing answer is the service's to refuse
    )
    comment = TextAreaField(_l("Note (optional)"), render_kw={"maxlength": service.COMMENT_LENGTH})
    submit = SubmitField(_l("Save"))


@bp.app_context_processor
def continuation_notice():
    """``continuation_pending()`` for the portal home: a question is waiting for an answer."""
    return {"continuation_pending": _pending}


def _pending() -> bool:
    if not current_user.is_authenticated or not is_supporter_account(current_user):
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
        reply = form.answer.data
        known = {answer.value for answer in ContinuationAnswer}
        try:
            service.answer(
                check,
                ContinuationAnswer(reply) if reply in known else None,
                (form.comment.data or "").strip(),
                current_user,
            )
        except Refused as refusal:
            show_on_form(form, refusal)
        else:
            flash(_("Saved. Thank you!"), "ok")
            return redirect(url_for("portal.me"))
    return render_template(
        "portal/continue.html", check=check, form=form, question=QUESTION
    ), form_status(form)
