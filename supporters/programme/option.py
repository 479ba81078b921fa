"""``--programme NN``: which programme a command works on, in an installation of several ([6/6]).

A command that reads or writes one programme's records (closing a month, writing a report,
importing a file) takes ``--programme`` — the prefecture's JIS code or name, or the
``YORISOI_PROGRAMME`` environment variable for a cron line — and runs in that programme's
context (``tenancy.using``). With one programme (or none) it may be left out, as before. With
several, leaving it out is refused: a month closed or a file imported into the wrong prefecture
cannot be undone by a later run.
"""

import functools

import click

from supporters import tenancy
from supporters.extensions import db

HELP = "The programme's prefecture (JIS code or name); needed when several programmes run."


def chosen_programme(prefecture: str | None) -> int | None:
    """The programme id for ``prefecture`` (None: the only programme, or none yet).

    Raises :class:`click.UsageError` for an unknown prefecture, or when several programmes run
    and none is named.
    """
    from supporters.programme.service import programme_for

    if prefecture:
        programme = programme_for(prefecture)
        if programme is None:
            raise click.BadParameter(
                f"no programme for the prefecture {prefecture!r}", param_hint="--programme"
            )
        return programme.id
    count = tenancy.programme_count(db.session)
    if count > 1:
        raise click.UsageError(
            f"This installation runs {count} programmes: name one with --programme "
            "(the prefecture's JIS code, e.g. --programme 08) or YORISOI_PROGRAMME."
        )
    return None


def programme_option(command):
    """Give ``command`` the ``--programme`` option and run it in that programme's context."""

    @click.option("--programme", "prefecture", envvar="YORISOI_PROGRAMME", default=None, help=HELP)
    @functools.wraps(command)
    def wrapped(*args, prefecture=None, **kwargs):
        with tenancy.using(chosen_programme(prefecture)):
            return command(*args, **kwargs)

    return wrapped
