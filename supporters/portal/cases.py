"""The supporter's work: assignments, the case log, stipends."""

from supporters.portal.routes import bp  # noqa: F401
