"""``flask reference load-municipalities | apply-update | load-languages``."""

import click
from flask import Flask
from flask_babel import force_locale

from supporters.extensions import db


@click.group("reference")
def reference_group():
    """Reference data: municipalities of Japan and languages."""


@reference_group.command("load-municipalities")
@click.option("--prefecture", "prefecture", help="JIS prefecture code (10) or name (群馬県).")
@click.option("--all", "everything", is_flag=True, help="Every municipality of Japan.")
@click.option("--refresh", is_flag=True, help="Also overwrite names and coordinates.")
def load_municipalities_command(prefecture, everything, refresh):
    """Load one prefecture's municipalities (or all of Japan) from the shipped file."""
    from supporters.help_requests.candidates import forget_centroids
    from supporters.reference import shipped
    from supporters.reference.municipalities import load_municipalities

    if bool(prefecture) == everything:
        raise click.UsageError("Give --prefecture NN or --all.")
    code = None
    if prefecture:
        code = shipped.prefecture_code(prefecture)
        if code is None:
            raise click.BadParameter(
                f"{prefecture!r} is not a prefecture.", param_hint="--prefecture"
            )
    result = load_municipalities(code, refresh=refresh)
    db.session.commit()
    forget_centroids()
    where = shipped.prefectures()[code].name_en if code else "Japan"
    click.echo(
        f"{where}: {result.created} added, {result.updated} updated, "
        f"{result.completed} completed with their 6-digit code, {result.unchanged} unchanged."
    )


@reference_group.command("apply-update")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check and show what would change; write nothing.")
@click.option("--lang", default="en", help="Language of the messages (ja or en).")
def apply_update_command(path, dry_run, lang):
    """Apply a municipal update file (new codes, mergers): old codes are kept and marked."""
    from supporters.help_requests.candidates import forget_centroids
    from supporters.reference.municipalities import apply_update, read_update
    from supporters.refusals import Refused

    with open(path, encoding="utf-8-sig") as file:
        text = file.read()
    with force_locale(lang):
        try:
            result = apply_update(read_update(text))
        except Refused as refusal:
            db.session.rollback()
            for where, message in refusal.field_messages().items():
                click.echo(f"{where}: {message}", err=True)
            raise SystemExit(1) from None
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
        forget_centroids()
    for old, new in result.merged:
        click.echo(f"merged {old} → {new}")
    click.echo(
        f"{'Would apply' if dry_run else 'Applied'}: {len(result.created)} new, "
        f"{len(result.renamed)} renamed, {len(result.merged)} merged, "
        f"{len(result.skipped)} about prefectures not loaded here, {result.unchanged} unchanged."
    )


@reference_group.command("load-languages")
@click.option("--code", "codes", multiple=True, help="Add these ISO 639 codes instead.")
def load_languages_command(codes):
    """Add the default languages (names from CLDR) and nationality → language pairs."""
    from supporters.reference.languages import load_languages
    from supporters.refusals import Refused

    with force_locale("en"):
        try:
            languages, pairs = load_languages(list(codes))
        except Refused as refusal:
            db.session.rollback()
            raise click.ClickException("; ".join(refusal.field_messages().values())) from None
    db.session.commit()
    click.echo(f"{languages} languages and {pairs} nationality → language pairs added.")


@reference_group.command("init")
@click.option("--prefecture", required=True, help="JIS prefecture code (10) or name (群馬県).")
def init_command(prefecture):
    """A new programme's reference data: the prefecture, the languages, the default mapping."""
    from supporters.help_requests.candidates import forget_centroids
    from supporters.reference.start import load_for_prefecture
    from supporters.refusals import Refused

    with force_locale("en"):
        try:
            started = load_for_prefecture(prefecture)
        except Refused as refusal:
            raise click.BadParameter(str(refusal.message), param_hint="--prefecture") from None
    db.session.commit()
    forget_centroids()
    click.echo(
        f"{started.prefecture.name_en}: {started.municipalities.created} municipalities, "
        f"{started.languages} languages and {started.nationality_languages} nationality → "
        "language pairs added."
    )


def init_app(app: Flask) -> None:
    """Register the ``reference`` command group."""
    app.cli.add_command(reference_group)
