"""Authenticator secrets are encrypted at rest.

User story: "As the programme's security officer, I know that a stolen database backup does not
let anyone make a coordinator's sign-in codes — and that changing the key locks the second step
shut instead of switching it off."
"""

import pyotp
from sqlalchemy import text

from supporters.auth import twofactor
from supporters.extensions import db as _db
from supporters.models import User


def _enrol(user: User) -> tuple[str, list[str]]:
    row = twofactor.begin_enrolment(user)
    secret = row.pending_secret
    codes = twofactor.confirm_enrolment(user, pyotp.TOTP(secret).now())
    _db.session.commit()
    return secret, codes


def test_the_database_holds_no_authenticator_secret_in_clear(app, db, users):
    user = users["coordinator"]
    secret, _ = _enrol(user)
    stored = _db.session.execute(text("SELECT secret FROM two_factor")).scalar_one()
    assert secret not in stored and len(stored) > len(secret)
    _db.session.expire_all()
    assert twofactor.authenticator(user).secret == secret  # the app reads it back


def test_a_changed_key_locks_the_second_step_instead_of_skipping_it(app, db, users):
    user = users["coordinator"]
    secret, codes = _enrol(user)
    app.config["DATA_ENCRYPTION_KEY"] = "a different key altogether"
    _db.session.expire_all()
    assert twofactor.is_enrolled(user)  # still asks for a code
    assert twofactor.verify(user, pyotp.TOTP(secret).now()) is None  # which cannot match
    assert twofactor.verify(user, codes[0]) == "recovery"  # a recovery code still gets in
