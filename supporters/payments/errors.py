"""Errors of the payments area, each with a message fit to show the coordinator."""


class PaymentError(Exception):
    """Something the payments area refuses, with a translated message (and a field, if any)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class BankDetailsError(PaymentError):
    """Bank details that cannot be used; ``char`` is the offending character, when there is one."""

    def __init__(self, message, field: str | None = None, char: str | None = None):
        super().__init__(message, field)
        self.char = char
