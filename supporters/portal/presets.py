"""Availability presets: "weekday mornings", "evenings"… fill the weekly slots in one tap.

A preset is only a quick way to fill the week; the slots are written by the availability
service (``portal/availability.replace_weekly_slots``: checked, audited), and the detailed
editor below stays for anything else. Chosen presets replace the whole week.
"""

from datetime import time

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField

from supporters.access import supporter_required
from supporters.formkit import MultiCheckboxField, options
from supporters.portal import availability as service
from supporters.portal.routes import _own_supporter, bp
from supporters.refusals import Refused

WEEKDAYS, WEEKEND, EVERY_DAY = range(5), (5, 6), range(7)
LUNCH_END = time(13)  # mornings and afternoons together are one range across the lunch hour
# name → (label, days, from, until); Japan time.
PRESETS = {
    "weekday_mornings": (_l("Weekday mornings (9:00–12:00)"), WEEKDAYS, time(9), time(12)),
    "weekday_afternoons": (_l("Weekday afternoons (13:00–17:00)"), WEEKDAYS, time(13), time(17)),
    "evenings": (_l("Evenings (18:00–21:00)"), EVERY_DAY, time(18), time(21)),
    "weekends": (_l("Weekends (9:00–17:00)"), WEEKEND, time(9), time(17)),
}


class PresetForm(FlaskForm):
    """The presets a supporter ticks."""

    presets = MultiCheckboxField(
        _l("When can you usually help?"),
        choices=options((name, label) for name, (label, *_rest) in PRESETS.items()),
        validate_choice=False,
    )
    submit = SubmitField(_l("Use these times"))


def slots_for(names: list[str]) -> list[service.SlotDraft]:
    """The weekly ranges of the chosen presets, a day's touching or overlapping ranges merged
    (weekday mornings and afternoons become one 9:00–17:00 across the lunch hour)."""
    by_day: dict[int, list[tuple[time, time]]] = {}
    for name in names:
        if name not in PRESETS:
            continue
        _label, days, starts, ends = PRESETS[name]
        for day in days:
            by_day.setdefault(day, []).append((starts, ends))
    drafts = []
    for day, ranges in sorted(by_day.items()):
        merged: list[list[time]] = []
        for starts, ends in sorted(ranges):
            last = merged[-1][1] if merged else None
            if last is not None and (
                starts <= last or (starts <= LUNCH_END and _minutes(starts) - _minutes(last) <= 60)
            ):
                merged[-1][1] = max(last, ends)
            else:
                merged.append([starts, ends])
        drafts += [
            service.SlotDraft(f"d{day}_{row}", day, starts, ends)
            for row, (starts, ends) in enumerate(merged, start=1)
        ]
    return drafts


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


@bp.app_context_processor
def preset_helpers():
    """``preset_form()`` for the availability page."""
    return {"preset_form": lambda: PresetForm(formdata=None)}


@bp.post("/availability/presets")
@supporter_required
def use_presets():
    """Replace the weekly slots with the chosen presets."""
    supporter = _own_supporter()
    form = PresetForm()
    if not form.validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
        return redirect(url_for("portal.availability"))
    chosen = [name for name in form.presets.data or [] if name in PRESETS]
    if not chosen:
        flash(_("Tick at least one of the times."), "error")
        return redirect(url_for("portal.availability"))
    try:
        service.replace_weekly_slots(supporter, slots_for(chosen))
    except Refused as refusal:  # presets never overlap after merging; kept for safety
        flash(str(refusal.message), "error")
        return redirect(url_for("portal.availability"))
    flash(_("Your weekly times were saved. You can change single days below."), "ok")
    return redirect(url_for("portal.availability"))
