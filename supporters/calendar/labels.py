"""The calendar's words: a clash, said in the viewer's language from its stored facts."""

from flask_babel import gettext as _

from supporters.calendar.clashes import OVERLAP, Clash


def clash_text(clash: Clash) -> str:
    """ "Overlaps another assignment" or "Not enough time to travel: …" for one clash."""
    if clash.kind == OVERLAP:
        return _("Overlaps another assignment of the same supporter.")
    return _(
        "Not enough time to travel: %(km)s km needs about %(needed)s minutes, "
        "but there are %(gap)s minutes between the assignments.",
        km=f"{clash.km:g}",
        needed=clash.needed_minutes,
        gap=clash.gap_minutes,
    )
