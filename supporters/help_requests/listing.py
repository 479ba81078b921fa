"""The request list's columns and filters: received time, resident name (staff), assignee,
language, municipality and status, sorted by appointment or by receipt.

The filter form only parses; :func:`list_statement` narrows ``queries.request_list_statement``
(which applies the user's scope). A name is matched as the header search matches it (folded, in
Python: NFKC is not SQL) and only for those who may read residents (``access.py``).
"""

from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload
from wtforms import BooleanField, DateField, StringField
from wtforms.validators import Optional

from supporters.access import can_search_residents, scope_supporters
from supporters.clock import JST
from supporters.extensions import db
from supporters.formkit import QuickSelectField, options
from supporters.help_requests.forms import RequestFilterForm
from supporters.help_requests.queries import request_list_statement
from supporters.models import HelpRequest, Supporter, SupporterStatus, User
from supporters.privacy.records import fold
from supporters.registry.forms import language_choices

SORTS = {"when": _l("Appointment time"), "received": _l("Newest received first")}
NAME_SCAN_LIMIT = 5000  # names compared per list page (newest first)
# Up to this many supporters the "Supporter" filter is a list to choose from; a programme with
# more gets a search field (a list of thousands of names is megabytes a view, and unusable).
ASSIGNEE_CHOICES_LIMIT = 300


class RequestListForm(RequestFilterForm):
    """The list's filters (GET, no CSRF): the status and municipality of the base form and more."""

    language = QuickSelectField(_l("Language"), validators=[Optional()])
    assignee = QuickSelectField(_l("Supporter"), validators=[Optional()])
    assignee_name = StringField(
        _l("Supporter (name or number)"), validators=[Optional()], render_kw={"maxlength": 100}
    )
    received_from = DateField(_l("Received from"), validators=[Optional()])
    received_to = DateField(_l("Received until"), validators=[Optional()])
    name = StringField(_l("Resident's name"), validators=[Optional()], render_kw={"maxlength": 100})
    # Names are personal: shown (and each row's look audited) only when asked for.
    names = BooleanField(_l("Show residents' names"))
    sort = QuickSelectField(_l("Order"), validators=[Optional()])

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = options([("", _l("All")), *language_choices()])
        supporters = db.session.execute(
            scope_supporters(
                select(Supporter.id, Supporter.display_name).where(
                    Supporter.status != SupporterStatus.APPLICANT
                ),
                user,
            )
            .order_by(Supporter.display_name)
            .limit(ASSIGNEE_CHOICES_LIMIT + 1)
        ).all()
        if len(supporters) > ASSIGNEE_CHOICES_LIMIT:
            del self.assignee  # too many to list: searched by name or number instead
        else:
            del self.assignee_name
            self.assignee.choices = options(
                [("", _l("All")), ("none", _l("Nobody assigned"))]
                + [(str(row.id), row.display_name) for row in supporters]
            )
        self.sort.choices = options(list(SORTS.items()))
        if not can_search_residents(user):
            del self.name
            del self.names

    def shows_names(self) -> bool:
        """Whether the list shows residents' names: asked for, or searched by name."""
        return "names" in self and bool(self.names.data or (self.name.data or "").strip())


def list_statement(form: RequestListForm, user: User) -> Select:
    """The list's statement for the form's (usable) filters, in the user's scope."""
    stmt = request_list_statement(
        form.status.data or "", form.municipality.data or "", user, labels=False
    )
    if form.language.data:
        stmt = stmt.where(HelpRequest.language_code == form.language.data)
    assignee = form.assignee.data if "assignee" in form else None
    if assignee == "none":
        stmt = stmt.where(HelpRequest.assigned_supporter_id.is_(None))
    elif (assignee or "").isdigit():
        stmt = stmt.where(HelpRequest.assigned_supporter_id == int(assignee))
    if "assignee_name" in form and (form.assignee_name.data or "").strip():
        stmt = stmt.where(_assigned_to(form.assignee_name.data.strip(), user))
    if form.received_from.data:
        stmt = stmt.where(HelpRequest.created_at >= _start_of(form.received_from.data))
    if form.received_to.data:
        stmt = stmt.where(
            HelpRequest.created_at < _start_of(form.received_to.data) + timedelta(days=1)
        )
    if "name" in form and fold(form.name.data or ""):
        stmt = stmt.where(HelpRequest.id.in_(_ids_by_name(stmt, fold(form.name.data))))
    # The supporter column names the assignee: loaded with the page, not one query per row.
    stmt = stmt.options(joinedload(HelpRequest.assigned_supporter))
    if form.sort.data == "received":
        stmt = stmt.order_by(None).order_by(HelpRequest.created_at.desc(), HelpRequest.id.desc())
    return stmt


def _assigned_to(wanted: str, user: User):
    """Requests assigned to the supporter numbered ``wanted``, or to supporters (in the user's
    scope) whose name contains it."""
    if wanted.isdigit():
        return HelpRequest.assigned_supporter_id == int(wanted)
    named = scope_supporters(
        select(Supporter.id).where(Supporter.display_name.icontains(wanted, autoescape=True)),
        user,
    )
    return HelpRequest.assigned_supporter_id.in_(named)


def _start_of(day) -> datetime:
    return datetime.combine(day, time.min, JST)


def _ids_by_name(stmt: Select, wanted: str) -> list[int]:
    """The ids among ``stmt``'s rows whose resident name contains ``wanted`` (folded)."""
    names = stmt.with_only_columns(HelpRequest.id, HelpRequest.requester_name).where(
        HelpRequest.anonymised_at.is_(None)
    )
    rows = db.session.execute(
        names.order_by(None).order_by(HelpRequest.id.desc()).limit(NAME_SCAN_LIMIT)
    )
    return [row.id for row in rows if wanted in fold(row.requester_name)] or [0]
