"""Running in production: start-up refusals, health checks, structured logs, backups.

``init_app`` is called first thing by ``create_app`` (after the configuration), so a production
app missing its SECRET_KEY refuses to start before anything else is built.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    """Refuse unsafe production settings; install request ids and logs, health checks, commands."""
    from supporters.ops import cli, health, logs, settings

    settings.refuse_unsafe_production(app)
    logs.init_app(app)
    app.register_blueprint(health.bp)
    cli.init_app(app)
