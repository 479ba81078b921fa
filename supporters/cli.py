"""``flask`` commands: demo data, user accounts and their API tokens."""

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import select, update

from supporters.auth.passwords import hash_password, password_problems, user_inputs_of
from supporters.extensions import db
from supporters.models import Municipality, Role, Supporter, User
from supporters.textrules import name_problem


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="Load the demo even though YORISOI_ENV=production.")
@with_appcontext
def seed_demo_command(force):
    """Load the demo programme (Ibaraki): municipalities, languages, sample supporters and demo
    accounts. Refused in production unless --force; outside development the accounts get
    random passwords, printed once."""
    from flask import current_app

    from supporters.demo.seed import DEMO_ACCOUNTS, DEMO_PASSWORD, seed_demo
    from supporters.ops.settings import is_production
    from supporters.refusals import Refused

    if is_production(current_app.config) and not force:
        raise click.ClickException(
            "YORISOI_ENV is production: the demo would add sample people and accounts to a real "
            "programme's database. Run it on a development database, or add --force."
        )
    try:
        counts = seed_demo()
    except Refused as refusal:
        db.session.rollback()
        with force_locale("en"):
            raise click.ClickException(str(refusal.message)) from None
    db.session.commit()
    click.echo(
        f"Demo data ready: {counts['municipalities']} municipalities, "
        f"{counts['languages']} languages, {counts['new_supporters']} new sample supporters, "
        f"{counts['new_requests']} new requests, {counts['new_history_cases']} past cases "
        "(the sample history: FY2025 onwards)."
    )
    passwords = counts["account_passwords"]
    if passwords and set(passwords.values()) == {DEMO_PASSWORD}:
        click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    elif passwords:
        click.echo("New demo logins (random passwords, shown only now — note them):")
    else:
        click.echo("Demo logins (accounts already existed; passwords unchanged):")
    for account in DEMO_ACCOUNTS:
        shown = passwords.get(account.email, "")
        if shown == DEMO_PASSWORD:
            shown = ""
        click.echo(f"  {account.role.value:<18} {account.email}  {shown}".rstrip())


@click.group("users")
def users_group():
    """Manage user accounts."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", required=True)
@click.option("--supporter", "supporter_id", type=int, help="Supporter id for a supporter account.")
@click.option("--municipality", "municipalities", multiple=True, help="JIS code (repeatable).")
@click.option(
    "--programme",
    "prefecture",
    help="The programme's prefecture (JIS code or name); default: the first programme.",
)
@with_appcontext
def create_user(email, password, role, name, supporter_id, municipalities, prefecture):
    """Create an account (in the programme of --programme)."""
    from supporters import tenancy
    from supporters.programme.service import programme_for

    programme_id = None
    if role == Role.NATIONAL_ADMIN.value and prefecture:
        raise click.BadParameter(
            "a national administrator belongs to no programme", param_hint="--programme"
        )
    if prefecture:
        programme = programme_for(prefecture)
        if programme is None:
            raise click.BadParameter("no programme for this prefecture", param_hint="--programme")
        programme_id = programme.id
    with tenancy.using(programme_id):
        _create_user(email, password, role, name, supporter_id, municipalities)


def _create_user(email, password, role, name, supporter_id, municipalities):
    role = Role(role)
    with force_locale("en"):  # the same policy as every other way of choosing a password
        problems = password_problems(password, user_inputs_of(email, name))
    if problems:
        raise click.BadParameter(" ".join(problems), param_hint="--password")
    anyone = select(User.id).where(User.email == email.lower())  # addresses sign in anywhere
    if db.session.scalar(anyone.execution_options(all_programmes=True)):
        raise click.BadParameter("an account with this e-mail exists", param_hint="--email")
    if name_problem(name):
        raise click.BadParameter(str(name_problem(name)), param_hint="--name")
    user = User(email=email.lower(), name=name, role=role, password_hash=hash_password(password))
    if role == Role.SUPPORTER:
        supporter = db.session.get(Supporter, supporter_id) if supporter_id else None
        if supporter is None:
            raise click.BadParameter("a supporter account needs an existing --supporter ID")
        user.supporter = supporter
    if role == Role.MUNICIPAL_OFFICER:
        found = list(
            db.session.scalars(select(Municipality).where(Municipality.code.in_(municipalities)))
        )
        if not found or len(found) != len(set(municipalities)):
            raise click.BadParameter("give each --municipality as a known JIS code")
        user.municipalities = found
    db.session.add(user)
    if role == Role.NATIONAL_ADMIN:  # no programme (new rows get the first one's otherwise)
        db.session.flush()
        db.session.execute(update(User).where(User.id == user.id).values(programme_id=None))
    db.session.commit()
    click.echo(f"Created {role.value} account {user.email} (id {user.id}).")


def _refusal_text(error) -> str:
    """A service's refusal as one line: each field's message, with the option it is about."""
    if not error.fields:
        return str(error.message)
    return "; ".join(f"--{name}: {text}" for name, text in error.field_messages().items())


def _user_by_email(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email.lower()))
    if user is None:
        raise click.BadParameter("no account with this e-mail", param_hint="EMAIL")
    return user


@users_group.command("token")
@click.argument("email")
@click.option("--name", default="", help="What the token is for, e.g. the system using it.")
@click.option(
    "--days",
    type=int,
    default=None,
    help="How many days the token works, 1 to 365 (default: API_TOKEN_DAYS, 90).",
)
@with_appcontext
def create_token(email, name, days):
    """Make an API token for an account; it is printed once, on the last line."""
    from supporters.api.tokens import issue_token
    from supporters.refusals import Refused

    user = _user_by_email(email)
    try:
        row, token = issue_token(user, name, days)
    except Refused as error:
        with force_locale("en"):
            raise click.ClickException(_refusal_text(error)) from error
    db.session.commit()
    click.echo(
        f"API token {row.prefix}… for {user.email} ({user.role.value}), valid until "
        f"{row.expires_at:%Y-%m-%d %H:%M} UTC; keep it secret:"
    )
    click.echo(token)


@users_group.command("deactivate")
@click.argument("email")
@click.option("--reason", default="flask users deactivate", help="Why (kept in the audit trail).")
@with_appcontext
def deactivate_user(email, reason):
    """Deactivate an account: no sign-in; its sessions end and its API tokens are revoked."""
    from supporters.accounts.service import deactivate
    from supporters.refusals import Refused

    user = _user_by_email(email)
    try:
        closed = deactivate(user, reason, None)
    except Refused as error:
        with force_locale("en"):
            raise click.ClickException(_refusal_text(error)) from error
    db.session.commit()
    click.echo(
        f"Deactivated {user.email}: {closed.sessions} session(s) ended, {closed.tokens} "
        f"token(s) revoked, {closed.offers} open offer(s) withdrawn."
    )


@users_group.command("activate")
@click.argument("email")
@click.option("--reason", default="flask users activate", help="Why (kept in the audit trail).")
@with_appcontext
def activate_user(email, reason):
    """Reactivate a deactivated account (its owner signs in again)."""
    from supporters.accounts.service import activate
    from supporters.accounts.standing import refusal
    from supporters.refusals import Refused

    user = _user_by_email(email)
    try:
        activate(user, reason, None)
    except Refused as error:
        with force_locale("en"):
            raise click.ClickException(_refusal_text(error)) from error
    db.session.commit()
    click.echo(f"Activated {user.email}.")
    if (still := refusal(user)) is not None:
        click.echo(f"It still cannot be used ({still}): the supporter registry decides that.")


@users_group.command("revoke-token")
@click.argument("email")
@click.option("--prefix", default="", help="Revoke only the token starting with this.")
@with_appcontext
def revoke_token(email, prefix):
    """Revoke an account's API tokens (all of them, or the one with --prefix)."""
    from supporters.api.tokens import revoke_tokens

    revoked = revoke_tokens(_user_by_email(email), prefix or None)
    db.session.commit()
    if not revoked:
        raise click.ClickException("no live token matched")
    click.echo(f"Revoked {len(revoked)} token(s): " + ", ".join(r.prefix for r in revoked))


@users_group.command("reset-two-factor")
@click.argument("email")
@with_appcontext
def reset_two_factor(email):
    """Remove an account's authenticator and recovery codes (lost phone and codes)."""
    from supporters.auth.twofactor import is_enrolled, reset

    user = _user_by_email(email)
    if not is_enrolled(user):
        raise click.ClickException(f"{user.email} has no two-factor sign-in")
    reset(user, by=None)
    db.session.commit()
    click.echo(f"Two-factor sign-in removed for {user.email}; they set it up again at sign-in.")


def init_app(app: Flask) -> None:
    """Register the commands on the app."""
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(users_group)
