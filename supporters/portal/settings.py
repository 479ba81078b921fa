"""Supporter settings: profile and language, availability and the pause switch."""

from supporters.portal.routes import bp  # noqa: F401
