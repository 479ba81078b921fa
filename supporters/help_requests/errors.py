"""The one error type of the help-request services, carrying a stable code and field messages."""


class RequestError(Exception):
    """A service refused an action; ``code`` is stable (for JSON), ``message`` is for people."""

    def __init__(self, code: str, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}
