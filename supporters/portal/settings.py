"""Supporter settings: profile and language, weekly availability, days away, the pause switch."""

import unicodedata
from datetime import date, datetime, time

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, SubmitField
from wtforms.validators import DataRequired
from wtforms.widgets import DateInput, TimeInput

from supporters.access import supporter_required
from supporters.clock import today_jst
from supporters.i18n import SUPPORTER_LOCALES, current_locale, html_lang
from supporters.portal import availability as service
from supporters.portal.labels import WEEKDAY_LABELS, labels
from supporters.portal.routes import bp
from supporters.refusals import Refused, form_status, show_on_form

RANGES_PER_DAY = 2
# The supporter's tab bar. Its words are the programme's key terms; the comments reach
# translators through the catalogue (``pybabel extract -c Translators:``, docs/glossary.md).
NAV = (
    ("portal.me", _l("Home")),
    # Translators: an "offer" is the coordinator ASKING a volunteer supporter whether they can take
    # one resident's request (go to the hospital with them, etc.); the supporter accepts or
    # declines. Not a sale, discount or job offer. Japanese uses 打診.
    ("portal.offers", _l("Offers")),
    # Translators: the "case log" is the supporter's record of help they gave (date, kind of help,
    # outcome), one entry per case. Not a medical or police record.
    ("portal.log", _l("Case log")),
    ("portal.calendar", _l("Calendar")),
    ("portal.availability", _l("Availability")),
    # Translators: the "stipend" is a small flat monthly amount (2,000 yen) paid to volunteer
    # supporters for their activity costs. It is not a wage or salary. Japanese uses 活動費.
    ("portal.stipends", _l("Stipends")),
    ("portal.profile", _l("Profile")),
)


@bp.app_context_processor
def portal_layout():
    """What ``templates/portal/base.html`` needs: the nav (only pages that exist), <html lang>."""
    return {"portal_nav": _portal_nav, "html_lang": html_lang}


def _portal_nav() -> list[tuple[str, str]]:
    from flask import current_app

    return [(endpoint, label) for endpoint, label in NAV if endpoint in current_app.view_functions]


def _own_supporter():
    supporter = current_user.supporter
    if supporter is None:  # an account not (yet) linked to a supporter record
        abort(404)
    return supporter


# --- Parsing what phones send ---------------------------------------------------------------------


def _parse_time(raw: str) -> time:
    """``09:30`` (what ``<input type=time>`` sends), also ``9:30``, ``0930`` or ``９:３０``."""
    text = unicodedata.normalize("NFKC", raw).strip()
    for pattern in ("%H:%M", "%H:%M:%S", "%H%M"):
        try:
            return datetime.strptime(text, pattern).time()
        except ValueError:
            continue
    raise ValueError(raw)


def _parse_date(raw: str) -> date:
    """``2026-05-01`` (what ``<input type=date>`` sends), also ``2026/5/1``."""
    text = unicodedata.normalize("NFKC", raw).strip().replace("/", "-")
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError as error:
        raise ValueError(raw) from error


class DateText(StringField):
    """A date typed or picked; our own message when it cannot be read (WTForms' is English).

    Only parsed here: ``parsed`` is the date, or None when the box was left empty (the service
    says whether a date is needed and which dates will do).
    """

    widget = DateInput()
    parsed: date | None = None

    def post_validate(self, form, validation_stopped):
        self.parsed = None
        if self.data and not self.errors and not validation_stopped:
            try:
                self.parsed = _parse_date(self.data)
            except ValueError:
                self.errors.append(_("Enter a date like 2026-05-01."))


# --- Forms ------------------------------------------------------------------------------------


class LanguageChoiceForm(FlaskForm):
    """The UI language, as radio buttons each named in its own language."""

    language = RadioField(
        _l("Language of these pages"),
        validators=[DataRequired(message=_l("Choose a language."))],
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = [(loc.babel, loc.name) for loc in SUPPORTER_LOCALES]


def _week_form_class():
    """A form with a from and an until box for each of two ranges on each weekday."""
    fields = {}
    for weekday in range(7):
        for row in range(1, RANGES_PER_DAY + 1):
            key = f"d{weekday}_{row}"
            fields[f"{key}_from"] = StringField(_l("From"), widget=TimeInput())
            fields[f"{key}_until"] = StringField(_l("Until"), widget=TimeInput())
    fields["submit"] = SubmitField(_l("Save my week"))
    return type("WeekForm", (FlaskForm,), fields)


WeekForm = _week_form_class()


def _week_drafts(form) -> list[service.SlotDraft] | None:
    """The ranges entered (an empty box as None), or None after putting a message next to each
    box that cannot be read as a time."""
    drafts, ok = [], True
    for weekday in range(7):
        for row in range(1, RANGES_PER_DAY + 1):
            key = f"d{weekday}_{row}"
            start, end = form[f"{key}_from"], form[f"{key}_until"]
            if not (start.data or "").strip() and not (end.data or "").strip():
                continue
            parsed = {}
            for box in (start, end):
                if not (box.data or "").strip():
                    parsed[box.name] = None
                    continue
                try:
                    parsed[box.name] = _parse_time(box.data)
                except ValueError:
                    box.errors = [_("Enter a time like 09:30.")]
                    ok = False
            if len(parsed) == 2:
                drafts.append(service.SlotDraft(key, weekday, parsed[start.name], parsed[end.name]))
    return drafts if ok else None


class DayAwayForm(FlaskForm):
    """A day the supporter cannot help, with an optional note for the coordinator."""

    day = DateText(_l("Date"), render_kw={"required": True})
    note = StringField(_l("Note (optional)"), render_kw={"maxlength": service.NOTE_LENGTH})
    submit = SubmitField(_l("Add"))

    def draft(self) -> service.DayAwayDraft:
        """What was entered, for :func:`supporters.portal.availability.add_day_away`."""
        return service.DayAwayDraft(day=self.day.parsed, note=self.note.data or "")


class RemoveDayForm(FlaskForm):
    """The remove button next to a day away."""

    day = DateText(render_kw={"required": True})


class PauseForm(FlaskForm):
    """The pause switch: no offers up to and including a date."""

    until = DateText(_l("Not available until (inclusive)"), render_kw={"required": True})
    submit = SubmitField(_l("Pause"))


class ResumeForm(FlaskForm):
    """The "I'm available again" button."""

    submit = SubmitField(_l("I am available again"))


# --- Profile and language ---------------------------------------------------------------------


@bp.route("/profile", methods=["GET", "POST"])
@supporter_required
def profile():
    """The supporter's record, and the language of their pages (saved on their account)."""
    supporter = _own_supporter()
    form = LanguageChoiceForm(language=_saved_language())
    if form.validate_on_submit():
        from supporters.main.routes import remember_language

        response = redirect(url_for("portal.profile"))
        remember_language(response, form.language.data)
        flash(_("Saved."), "ok")
        return response
    status = 422 if form.errors else 200
    tags = {loc.babel: loc.html_lang for loc in SUPPORTER_LOCALES}
    return render_template(
        "portal/profile.html", supporter=supporter, form=form, language_tags=tags, **labels()
    ), status


def _saved_language() -> str:
    return current_user.locale or current_locale()


# --- Availability -----------------------------------------------------------------------------


def _week_initial(supporter) -> dict[str, str]:
    """The saved slots as form data: the first two ranges of each weekday."""
    data, rows = {}, {}
    for slot in service.weekly_slots(supporter):
        row = rows[slot.weekday] = rows.get(slot.weekday, 0) + 1
        if row <= RANGES_PER_DAY:
            data[f"d{slot.weekday}_{row}_from"] = slot.starts.strftime("%H:%M")
            data[f"d{slot.weekday}_{row}_until"] = slot.ends.strftime("%H:%M")
    return data


def _availability_page(supporter, status: int = 200, **forms):
    forms.setdefault("week_form", WeekForm(formdata=None, data=_week_initial(supporter)))
    forms.setdefault("day_form", DayAwayForm(formdata=None))
    forms.setdefault("pause_form", PauseForm(formdata=None))
    return render_template(
        "portal/availability.html",
        supporter=supporter,
        days=service.days_away(supporter),
        paused=service.is_paused(supporter),
        remove_form=RemoveDayForm(formdata=None),
        resume_form=ResumeForm(formdata=None),
        weekdays=list(enumerate(WEEKDAY_LABELS)),
        ranges=range(1, RANGES_PER_DAY + 1),
        today=today_jst(),
        **forms,
        **labels(),
    ), status


@bp.route("/availability", methods=["GET", "POST"])
@supporter_required
def availability():
    """Weekly times (JST), days away and the pause switch, on one page."""
    supporter = _own_supporter()
    if request.method == "GET":
        return _availability_page(supporter)
    form = WeekForm()
    drafts = _week_drafts(form) if form.validate_on_submit() else None
    if drafts is not None:
        try:
            service.replace_weekly_slots(supporter, drafts)
        except Refused as error:
            show_on_form(form, error)
        else:
            flash(_("Your weekly times are saved."), "ok")
            return redirect(url_for("portal.availability"))
    return _availability_page(supporter, form_status(form), week_form=form)


@bp.post("/availability/days")
@supporter_required
def add_day_away():
    """Add a day away (or change its note)."""
    supporter = _own_supporter()
    form = DayAwayForm()
    if form.validate_on_submit():
        try:
            service.add_day_away(supporter, form.draft())
        except Refused as error:
            show_on_form(form, error)
        else:
            flash(_("The day is added."), "ok")
            return redirect(url_for("portal.availability"))
    return _availability_page(supporter, form_status(form), day_form=form)


@bp.post("/availability/days/remove")
@supporter_required
def remove_day_away():
    """Remove a day away (removing one already gone changes nothing)."""
    supporter = _own_supporter()
    form = RemoveDayForm()
    if form.validate_on_submit():
        try:
            removed = service.remove_day_away(supporter, form.day.parsed)
        except Refused as error:
            # The button's date is a hidden input: the refusal is said above the page instead.
            flash(str(error.message), "error")
            return _availability_page(supporter, 422)
        else:
            if removed:
                flash(_("The day is removed."), "ok")
            return redirect(url_for("portal.availability"))
    return _availability_page(supporter, form_status(form))


@bp.post("/availability/pause")
@supporter_required
def pause():
    """Pause: no offers up to and including the chosen date."""
    supporter = _own_supporter()
    form = PauseForm()
    if form.validate_on_submit():
        try:
            service.pause(supporter, form.until.parsed)
        except Refused as error:
            show_on_form(form, error)
        else:
            flash(_("Paused. You will get no offers until this date."), "ok")
            return redirect(url_for("portal.availability"))
    return _availability_page(supporter, form_status(form), pause_form=form)


@bp.post("/availability/resume")
@supporter_required
def resume():
    """End the pause now."""
    supporter = _own_supporter()
    if ResumeForm().validate_on_submit():
        service.resume(supporter)
        flash(_("Welcome back! You can get offers again."), "ok")
    return redirect(url_for("portal.availability"))
