"""What a production process refuses to start without: the checks, with words an operator acts on.

Two moments: :func:`refuse_unsafe_production` when an app is built (every process: web, worker,
``flask`` commands), and :func:`serving_problems` when gunicorn starts, the only place that knows
how many processes will share the rate-limit counters.
"""

from collections.abc import Mapping

from flask import Flask

MEMORY_STORAGE = "memory://"


class ProductionSettingsError(RuntimeError):
    """A production setting is missing or unsafe: the process refuses to start."""


def is_production(config: Mapping) -> bool:
    """Production unless YORISOI_ENV=development; test apps are never held to production rules."""
    return config.get("YORISOI_ENV") == "production" and not config.get("TESTING")


def secret_key_problem(config: Mapping) -> str | None:
    """Why SECRET_KEY is unfit for production, or None."""
    if not is_production(config) or config.get("SECRET_KEY"):
        return None
    return (
        "SECRET_KEY is not set. It signs sign-in cookies and one-tap links and must be the same "
        "in every process and kept secret; make one with "
        "`python -c 'import secrets; print(secrets.token_hex(32))'` and set SECRET_KEY=…"
    )


def rate_limit_problem(config: Mapping, processes: int) -> str | None:
    """Why the rate-limit storage is unfit for ``processes`` production processes, or None.

    ``memory://`` keeps counters in each process: with four gunicorn workers a "5 sign-in
    attempts per minute" limit becomes 20, and which worker answers is chance.
    """
    if not is_production(config) or processes <= 1:
        return None
    storage = config.get("RATELIMIT_STORAGE_URI") or MEMORY_STORAGE
    if not storage.startswith(MEMORY_STORAGE):
        return None
    return (
        f"RATELIMIT_STORAGE_URI is {storage!r} (each process counts alone) but {processes} "
        "processes would serve: sign-in and form limits would multiply. Set "
        "RATELIMIT_STORAGE_URI=redis://localhost:6379/1 (shared by every process), or serve "
        "with one process (WEB_CONCURRENCY=1)."
    )


def startup_problems(config: Mapping, base_url_problem: str | None = None) -> list[str]:
    """Every reason an app with ``config`` must not start, in the order an operator fixes them."""
    problems = [secret_key_problem(config), base_url_problem]
    return [problem for problem in problems if problem]


def serving_problems(config: Mapping, processes: int) -> list[str]:
    """Every reason gunicorn with ``processes`` workers must not start."""
    from supporters.links import DEVELOPMENT_BASE_URL, base_url_problem

    base = _ConfigView(config, DEVELOPMENT_BASE_URL)
    problems = startup_problems(config, base_url_problem(base))
    rate = rate_limit_problem(config, processes)
    return problems + ([rate] if rate else [])


def refuse_unsafe_production(app: Flask) -> None:
    """Raise :class:`ProductionSettingsError` naming every missing production setting.

    BASE_URL alone is left to ``links.init_app`` (its own error type); it is named here too when
    SECRET_KEY is also missing, so the operator fixes both at once.
    """
    from supporters.links import base_url_problem

    if not secret_key_problem(app.config):
        return
    problems = startup_problems(app.config, base_url_problem(app))
    raise ProductionSettingsError(format_problems(problems))


def format_problems(problems: list[str]) -> str:
    """The refusal as printed: one problem per line."""
    lines = "\n".join(f"  - {problem}" for problem in problems)
    return (
        "Yorisoi refuses to start in production:\n"
        f"{lines}\n"
        "(On a developer's machine, YORISOI_ENV=development relaxes these.)"
    )


class _ConfigView:
    """Just enough of a Flask app for ``links.base_url_problem`` to judge a plain config."""

    def __init__(self, config: Mapping, default_base_url: str):
        self.config = {"BASE_URL": default_base_url, **config}
        self.testing = bool(config.get("TESTING"))
