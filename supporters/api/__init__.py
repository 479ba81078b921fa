"""The JSON API under /api/v1: flask-smorest blueprints, bearer tokens, one error shape.

``init_app`` builds the OpenAPI document from the views and schemas (served at
/api/v1/openapi.json, readable at /api/v1/docs), exempts the API from CSRF (it never reads the
session; see ``auth``) and rate-limits it per token.
"""

import threading

from flask import Flask
from flask_smorest import Api

from supporters.api.common import ErrorSchema


class YorisoiApi(Api):
    """flask-smorest's Api with the app's own error body documented and produced, and the
    OpenAPI document written when it is first read rather than when the app starts.

    Describing ~50 operations through apispec is two thirds of building the app; a worker (or a
    test) that never serves /api/v1/openapi.json or /api/v1/docs never pays for it. The
    blueprints themselves are registered at once, so routing and validation do not change.
    """

    ERROR_SCHEMA = ErrorSchema

    def __init__(self, *args, **kwargs):
        self._undocumented: list[tuple] = []
        self._documenting = threading.Lock()
        super().__init__(*args, **kwargs)

    @property
    def spec(self):
        """The OpenAPI document, completed with every blueprint registered so far."""
        spec = self.__dict__.get("_spec")
        if self.__dict__.get("_undocumented"):
            with self._documenting:
                pending, self._undocumented = self._undocumented, []
                for blueprint, name, parameters in pending:
                    blueprint.register_views_in_doc(
                        self, self._app, spec, name=name, parameters=parameters
                    )
                    spec.tag({"name": name, "description": blueprint.description})
        return spec

    @spec.setter
    def spec(self, value) -> None:
        self.__dict__["_spec"] = value

    def register_blueprint(self, blp, *, parameters=None, **options):
        """Register ``blp`` on the app now; describe it in the document when that is read."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name, parameters))

    def _register_responses(self):
        """smorest's shared answers per status, with the app's own words for the errors every
        operation declares (``api/openapi.py``) and ``Retry-After`` on 429."""
        from flask_smorest.utils import prepare_response

        from supporters.api.openapi import RESPONSES, RETRY_AFTER, TOO_MANY

        super()._register_responses()
        for name, description in RESPONSES.items():
            response = {"description": description, "schema": self.ERROR_SCHEMA}
            if name == TOO_MANY:
                response["headers"] = RETRY_AFTER
            prepare_response(response, self.spec, self.DEFAULT_RESPONSE_CONTENT_TYPE)
            self.spec.components.response(name, response, lazy=True)

    def _register_error_handlers(self):
        """Do not install smorest's handler: the app's handler answers every error (pages and
        API alike) and writes ``{"error": {"code", "message", "fields"}}`` for API callers."""


def init_app(app: Flask) -> None:
    """Register the API's blueprints and the documentation on the app."""
    from supporters.api import (
        activities,
        docs,
        imports,
        offers,
        reference,
        registry,
        reports,
        stipends,
    )
    from supporters.api import requests as help_requests
    from supporters.api.auth import API_PREFIX
    from supporters.stipends.months import MonthConverter

    app.config.setdefault("API_TITLE", "Yorisoi API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = YorisoiApi(
        spec_kwargs={
            "info": {
                "description": "Coordinate native-language supporters: registry, help "
                "requests and offers, the case log, stipends and reports. Every call acts "
                "with the token's user, with the same role and scope as in the web pages."
            },
            "servers": [{"url": "/"}],
            "security": [{"bearerAuth": []}],
        }
    )
    api.init_app(app)
    api.spec.components.security_scheme(
        "bearerAuth",
        {"type": "http", "scheme": "bearer", "description": "flask users token EMAIL"},
    )
    api.register_converter(
        MonthConverter, lambda converter: {"type": "string", "pattern": r"^\d{4}-\d{2}$"}
    )
    modules = (reference, registry, help_requests, offers, activities, stipends, reports, imports)
    for module in modules:
        api.register_blueprint(module.bp)
    app.register_blueprint(docs.bp)
    app.extensions["yorisoi_api"] = api
