"""WSGI entry point: ``flask --app app.py run`` or any WSGI server pointing at ``app:app``."""

from supporters import create_app

app = create_app()
