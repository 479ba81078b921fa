"""A bare Flask app with one route: the yardstick ``bench/pages.py`` measures pages against.

Served by the same gunicorn command as Yorisoi (``gunicorn bare:app`` from ``bench/``), so the
ratio of a page's throughput to this one's is what the application itself costs.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    """A short text, nothing else: no database, no template, no session."""
    return "ok"
