"""The floor: a signed-in page built from the required stack and nothing of Yorisoi's own.

``bench/pages.py`` serves it under the same gunicorn command as Yorisoi and ``bare.py`` and
reports its throughput beside theirs, to show what a page costs before the application adds
anything: Flask's signed cookie session, Flask-Login loading the user through Flask-SQLAlchemy
(one ORM statement), one more statement (a count), a Jinja template from a loader (compiled
once) with a Flask-WTF CSRF token, and a commit after the request. No programme scoping, no
translations, no security headers, no request log, no rate limit, no idle timeout.

``FLOOR_DATABASE_URL`` names its database (default: an SQLite file beside this script);
``create()`` makes its two tables and one user before the server starts, so that two workers
do not race to create them. ``GET /login`` signs that user in (a benchmark only: no password).
"""

import os
from pathlib import Path

from flask import Flask, render_template, session
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from jinja2 import DictLoader
from sqlalchemy import func, select

DEFAULT_URL = f"sqlite:///{Path(__file__).resolve().parent / 'floor.db'}"

app = Flask(__name__)
app.config.update(
    SECRET_KEY=os.environ.get("FLOOR_SECRET_KEY", "floor-" + "0" * 26),
    SQLALCHEMY_DATABASE_URI=os.environ.get("FLOOR_DATABASE_URL", DEFAULT_URL),
)
db = SQLAlchemy(app)
CSRFProtect(app)
login_manager = LoginManager(app)

# About the size of the supporter home's frame: a header, a heading, a few lines, a form.
PAGE = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>Home</title></head><body>
<header><a href="/">Yorisoi</a></header>
<main><h1>Hello, {{ current_user.name }}</h1><p>{{ count }} notes</p>
{% for line in range(12) %}<p>Line {{ line }}: {{ filler }}</p>{% endfor %}</main>
<footer><form method="post" action="/logout">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}"><button>Sign out</button>
</form></footer></body></html>"""
app.jinja_loader = DictLoader({"home.html": PAGE})


class User(UserMixin, db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80), nullable=False)


class Note(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, nullable=False, index=True)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


@app.get("/login")
def login():
    """Sign the one user in (no password: this app only serves a benchmark)."""
    login_user(db.session.get(User, 1))
    session.permanent = True
    return "signed in"


@app.get("/")
@login_required
def home():
    """The page measured: one count, one template."""
    count = db.session.scalar(
        select(func.count()).select_from(Note).where(Note.user_id == current_user.id)
    )
    return render_template("home.html", count=count, filler="x" * 240)


@app.after_request
def commit(response):
    db.session.commit()
    return response


def create() -> None:
    """The two tables and the one user with five notes (idempotent)."""
    with app.app_context():
        db.create_all()
        if db.session.get(User, 1) is None:
            db.session.add(User(id=1, name="Supporter"))
            db.session.add_all(Note(user_id=1) for _ in range(5))
            db.session.commit()
        db.engine.dispose()
