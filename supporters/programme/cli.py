"""``flask programme init | show``: start a prefecture's programme from the command line."""

import sys

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_babel import force_locale

from supporters.extensions import db

# --option → the setting it gives (the rest keep their defaults or current values).
OPTIONS = (
    ("--name-ja", "name_ja", str, "Programme name in Japanese (default: 〇〇県母国語サポーター)."),
    ("--name-en", "name_en", str, "Programme name in English."),
    ("--certificate-prefix", "certificate_prefix", str, "Certificate prefix, e.g. GNCS."),
    ("--certificate-issuer", "certificate_issuer", str, "Who signs certificates (群馬県知事)."),
    ("--target-supporters", "target_supporters", int, "Certified supporters aimed at."),
    ("--target-fiscal-year", "target_fiscal_year", int, "By the end of this fiscal year."),
    ("--stipend-yen", "stipend_default_yen", int, "Monthly stipend before any dated rule."),
    ("--contact-phone", "contact_phone", str, "Phone number shown to residents."),
    ("--contact-email", "contact_email", str, "E-mail address shown to residents."),
    ("--referral-service", "referral_service", str, "Outside service when nobody qualifies."),
    ("--travel-radius-km", "travel_radius_km", float, "Travel radius for in-person help."),
    ("--offer-answer-hours", "offer_answer_hours", int, "Hours to answer an offer."),
)


@click.group("programme")
def programme_group():
    """The programme: its prefecture, names and settings."""


def _with_setting_options(command):
    for flag, key, kind, text in reversed(OPTIONS):
        command = click.option(flag, key, type=kind, default=None, help=text)(command)
    return command


@programme_group.command("init")
@click.option("--prefecture", required=True, help="JIS prefecture code (10) or name (群馬県).")
@_with_setting_options
def init_command(prefecture, **typed):
    """Start the programme: the prefecture's municipalities, languages, mapping and settings.

    Safe to run again for the same prefecture (only what is given changes); another
    prefecture is refused. Names not given are asked for at a terminal, else made from the
    prefecture's name.
    """
    from supporters.help_requests.candidates import forget_centroids
    from supporters.programme import service
    from supporters.programme.settings import the_programme
    from supporters.reference import shipped
    from supporters.refusals import Refused

    code = shipped.prefecture_code(prefecture)
    if code is None:
        raise click.BadParameter(f"{prefecture!r} is not a prefecture of Japan (1–47).")
    draft = service.draft_for_prefecture(code, **typed)
    if sys.stdin.isatty() and the_programme() is None:
        for key in ("name_ja", "name_en"):
            if not typed.get(key):
                typed[key] = click.prompt(key.replace("_", " "), default=getattr(draft, key))
        draft = service.draft_for_prefecture(code, **typed)
    with force_locale("en"):
        try:
            started = service.start_programme(draft, None)
        except Refused as refusal:
            db.session.rollback()
            problems = "; ".join(f"{k}: {m}" for k, m in refusal.field_messages().items())
            raise click.ClickException(problems) from None
    db.session.commit()
    forget_centroids()
    programme, loaded = started.programme, started.reference
    click.echo(
        f"{loaded.prefecture.name_en} ({programme.prefecture_code}): programme "
        f"{'started' if started.created else 'already started, settings kept'} — "
        f"{programme.name_ja} / {programme.name_en}; {loaded.municipalities.created} "
        f"municipalities, {loaded.languages} languages and {loaded.nationality_languages} "
        "nationality → language pairs added."
    )


@programme_group.command("add")
@click.option("--prefecture", required=True, help="JIS prefecture code (10) or name (群馬県).")
@_with_setting_options
def add_command(prefecture, **typed):
    """Add another prefecture's programme to this installation ([6/6]).

    Its records are its own: its people see nothing of the other programmes' (and they nothing
    of its). Give it its first administrator with
    ``flask users create --programme NN --role admin …``.
    """
    from supporters.help_requests.candidates import forget_centroids
    from supporters.programme import service
    from supporters.reference import shipped
    from supporters.refusals import Refused

    code = shipped.prefecture_code(prefecture)
    if code is None:
        raise click.BadParameter(f"{prefecture!r} is not a prefecture of Japan (1–47).")
    with force_locale("en"):
        try:
            added = service.add_programme(service.draft_for_prefecture(code, **typed), None)
        except Refused as refusal:
            db.session.rollback()
            problems = "; ".join(f"{k}: {m}" for k, m in refusal.field_messages().items())
            raise click.ClickException(problems) from None
    db.session.commit()
    forget_centroids()
    programme, loaded = added.programme, added.reference
    click.echo(
        f"{loaded.prefecture.name_en} ({programme.prefecture_code}): programme added — "
        f"{programme.name_ja} / {programme.name_en}; {loaded.municipalities.created} "
        "municipalities added."
    )


@programme_group.command("national-report")
@click.option("--from", "first", required=True, help="First month, YYYY-MM.")
@click.option("--to", "last", help="Last month, YYYY-MM (default: the first).")
@with_appcontext
def national_report_command(first, last):
    """National aggregates, one CSV row per programme and a total: cases, people reached,
    requests received and certified supporters ([6/6]). No personal data; small counts are
    hidden as for officials (REPORT_SUPPRESS_BELOW)."""
    import csv

    from flask import current_app

    from supporters.programme.national import national_rows
    from supporters.stipends.months import parse_month

    try:
        first_month = parse_month(first)
        last_month = parse_month(last) if last else first_month
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    if last_month < first_month:
        raise click.BadParameter("--to is before --from")
    threshold = current_app.config.get("REPORT_SUPPRESS_BELOW", 3)
    writer = csv.writer(sys.stdout)
    for row in national_rows(first_month, last_month, threshold):
        writer.writerow(row)


@programme_group.command("show")
def show_command():
    """Print the programme's settings."""
    from supporters.programme.settings import SETTING_FIELDS, settings_of, the_programme

    programme = the_programme()
    if programme is None:
        click.echo("No programme yet: flask programme init --prefecture NN")
        return
    settings = settings_of(programme)
    for key in SETTING_FIELDS:
        click.echo(f"{key}: {getattr(settings, key)}")


def init_app(app: Flask) -> None:
    """Register the ``programme`` command group."""
    app.cli.add_command(programme_group)
