"""The one way a service says no: :class:`Refused`, and how each channel shows it.

Every write in Yorisoi goes through its area's service, and the service is the only place that
validates. When it refuses, it raises ``Refused`` with a message per field (``fields``) and a
machine-readable ``code``. The channels never re-check; they only translate the refusal:

- a web form: :func:`show_on_form` puts each message next to its field (the rest is flashed) and
  the view answers **422**, so the request's transaction rolls back (``create_app``);
- the API: ``supporters.api.errors.refused`` answers 422 with ``fields`` (or 404 / 409 for a
  refusal about the state of things rather than the input);
- an import: ``supporters.imports.reading.row_error`` turns it into the row's error.

``code`` is one of a few words the API documents: ``invalid`` (the input is wrong; ``fields``
says where), ``conflict`` (the input is fine but the state of things refuses it — a closed month,
a transition not allowed now), ``not_found``, ``busy``, or a narrower word an area documents
(``expired``, ``taken`` …). Messages are lazy translations, rendered in the viewer's language.
"""

from __future__ import annotations

from collections.abc import Mapping

FORM = "_"  # the key of a message that belongs to the whole form rather than one field

INVALID = "invalid"
CONFLICT = "conflict"
NOT_FOUND = "not_found"


class Refused(Exception):
    """A write the service refuses: one message per field and a code.

    ``Refused(message, field="email")`` is the short form for one field;
    ``Refused(fields={"email": …, "phone": …})`` for several; ``Refused(message, code=CONFLICT)``
    for a refusal about the state of things rather than a field.
    """

    def __init__(
        self,
        message=None,
        field: str | None = None,
        *,
        fields: Mapping[str, object] | None = None,
        code: str | None = None,
    ):
        collected = dict(fields or {})
        if message is not None and field:
            collected.setdefault(field, message)
        if message is None and collected:
            message = next(iter(collected.values()))
        super().__init__(str(message) if message is not None else "")
        self.message = message if message is not None else ""
        self.fields: dict[str, object] = collected
        self.code = code or INVALID

    @property
    def field(self) -> str | None:
        """The first field the refusal names (``None`` for a refusal of the whole thing)."""
        return next((name for name in self.fields if name != FORM), None)

    @property
    def is_about_input(self) -> bool:
        """Whether the input is wrong (422) rather than the state of things (409 / 404)."""
        return self.code == INVALID

    def field_messages(self) -> dict[str, str]:
        """``{field: message}`` rendered in the current language (for JSON and tests)."""
        return {name: str(text) for name, text in self.fields.items()}

    def __repr__(self) -> str:
        return f"Refused(code={self.code!r}, fields={self.field_messages()!r})"


def refuse_if(problems: Mapping[str, object], code: str = INVALID) -> None:
    """Raise :class:`Refused` for every field in ``problems`` that has a message."""
    found = {name: text for name, text in problems.items() if text}
    if found:
        raise Refused(fields=found, code=code)


def show_on_form(form, refusal: Refused, names: Mapping[str, str] | None = None) -> None:
    """Put each of ``refusal``'s messages next to its field on a WTForms ``form``.

    ``names`` maps a service's field name to the form's where they differ. A message whose field
    is not on the form is flashed, so nothing the service said is lost. The view then answers
    with :func:`form_status` (422), which rolls the request's transaction back.
    """
    from flask import flash

    names = names or {}
    for name, message in (refusal.fields or {FORM: refusal.message}).items():
        field = getattr(form, names.get(name, name), None) if name != FORM else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, str(message)]
        else:
            flash(str(message), "error")
    form.refusal = refusal


def form_status(form=None) -> int:
    """The status of a page that shows ``form``: 422 after a refused or invalid POST, else 200.

    One rule for every view: a refused form answers 422, and the after-request hook rolls back
    whatever the view had written, so no view calls ``rollback()``.
    """
    from flask import request

    if request.method in ("GET", "HEAD"):
        return 200
    if form is None or getattr(form, "refusal", None) is not None or form.errors:
        return 422
    return 200
