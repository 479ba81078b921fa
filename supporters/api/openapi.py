"""What the OpenAPI document says about every operation beyond its own decorators.

Each operation gets an ``operationId`` (its view's name: ``accept_offer``) so generated clients
have stable function names, and the error answers every protected operation can give, all with
the shared ``Error`` body: 401 (no valid token), 403 (a role that may not call it), 404 (an
id or month in the path that names nothing the caller may see), 400 / 413 / 422 (a body that is
not JSON, too large, or refused field by field; 422 also for a query or a NUL character),
429 (rate limit, with ``Retry-After``). A view declares the answers only it gives itself —
409 with its codes — with ``@bp.alt_response(409, schema=ErrorSchema, description=…)``.
"""

from flask_smorest import Blueprint

BAD_REQUEST = "BAD_REQUEST"
UNAUTHORIZED = "UNAUTHORIZED"
FORBIDDEN = "FORBIDDEN"
NOT_FOUND = "NOT_FOUND"
CONFLICT = "CONFLICT"
TOO_LARGE = "REQUEST_ENTITY_TOO_LARGE"
INVALID = "UNPROCESSABLE_ENTITY"
TOO_MANY = "TOO_MANY_REQUESTS"

# The shared error answers (components/responses), each with the Error body.
RESPONSES = {
    BAD_REQUEST: "The body is not JSON in UTF-8, or nests too deeply (code ``invalid_json``).",
    UNAUTHORIZED: "No token, or one that is unknown, revoked or expired, or an account that may "
    "not be used now (codes ``unauthorized``, ``token_expired``, ``deactivated``, "
    "``supporter_suspended``, ``supporter_retired``).",
    FORBIDDEN: "The token's user may not call this operation (code ``forbidden``).",
    NOT_FOUND: "Nothing the caller may see has this id (code ``not_found``).",
    CONFLICT: "The input is fine but the state of things refuses it (code ``conflict`` or a "
    "narrower one the operation names).",
    TOO_LARGE: "The body is larger than the limit (code ``request_entity_too_large``).",
    INVALID: "The input is wrong; ``fields`` names each wrong field (code ``invalid``). "
    "Messages and field errors are in one language: Accept-Language (ja or en), else the "
    "token owner's, else Japanese.",
    TOO_MANY: "Too many calls with this token; try again after ``Retry-After`` seconds "
    "(code ``too_many_requests``).",
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before calling again.",
        "schema": {"type": "integer", "minimum": 1},
    }
}
BODY_LOCATIONS = {"json", "form", "files"}
# Blueprints whose every operation any signed-in role may call (no 403).
EVERY_ROLE = {"api_reference"}


class ApiBlueprint(Blueprint):
    """A resource blueprint whose operations are documented with their id and error answers."""

    def add_url_rule(self, rule, endpoint=None, view_func=None, *args, **kwargs):
        """Register the view, then complete its documentation (see the module's doc)."""
        super().add_url_rule(rule, endpoint, view_func, *args, **kwargs)
        endpoint = self._endpoints[-1]
        for method, doc in self._docs[endpoint].items():
            if method == "parameters":
                continue
            doc.setdefault("manual_doc", {}).setdefault("operationId", endpoint)
            responses = doc.setdefault("response", {}).setdefault("responses", {})
            for status, name in self._errors(rule, doc):
                responses.setdefault(status, [name])

    def _errors(self, rule: str, doc: dict) -> list[tuple[int, str]]:
        locations = {p.get("in") for p in doc.get("arguments", {}).get("parameters", [])}
        errors = [(401, UNAUTHORIZED), (422, INVALID), (429, TOO_MANY)]
        if self.name not in EVERY_ROLE:
            errors.append((403, FORBIDDEN))
        if "<" in rule:
            errors.append((404, NOT_FOUND))
        if locations & BODY_LOCATIONS:
            errors += [(400, BAD_REQUEST), (413, TOO_LARGE)]
        return sorted(errors)
