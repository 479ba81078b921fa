"""What each kind of notification says, rendered in the recipient's language.

The words live here as gettext messages (``babel.cfg`` extracts Python and ``.html`` templates,
not ``.txt``); the plain-text templates under ``templates/mail/`` lay them out. Every message
says what happened and where to look, and nothing else: no names, health or residence details.
"""

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import force_locale, format_date, format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from supporters.links import absolute_link
from supporters.models import User

DEFAULT_LOCALE = "ja"


@dataclass(frozen=True)
class KindText:
    """The title (subject line) and the one sentence that tell a recipient what happened."""

    title: object
    lead: object


_TEXTS = {
    "offer_new": KindText(
        # Translators: a coordinator asks the supporter whether they can take a resident's
        # request (Japanese 打診); not a sale or job offer.
        _l("New offer"),
        _l("You have a new offer. Please open it in Yorisoi and answer."),
    ),
    "offer_withdrawn": KindText(
        _l("Offer withdrawn"),
        _l(
            "An offer sent to you has been withdrawn, for example because someone else took it. "
            "You do not need to answer it."
        ),
    ),
    "offer_expired": KindText(
        _l("Offer expired"),
        _l("The time to answer an offer sent to you has passed."),
    ),
    # To the coordinators of a supporter their programme lends ([6/6]): which programme is
    # not said here (the supporter's record names it), nor anything of the request but the facts.
    "lent_offer_sent": KindText(
        _l("Another programme sent an offer to your supporter"),
        _l(
            "Another programme has offered a phone or video request to a supporter you lend. "
            "You can see it on the supporter's page."
        ),
    ),
    "request_assigned": KindText(
        _l("Request assigned"),
        _l("A supporter has been assigned to a request."),
    ),
    "request_unfilled": KindText(
        _l("Request unfilled"),
        _l("No supporter accepted a request. It needs your attention."),
    ),
    "continuation_check": KindText(
        _l("Continuing as a supporter"),
        _l("Please tell us whether you will continue as a supporter this year."),
    ),
    # Before an assignment (supporters/help_requests/reminders.py).
    "assignment_confirm": KindText(
        _l("Please confirm your assignment"),
        _l("You are assigned to help soon. Please confirm that you will come."),
    ),
    "assignment_unconfirmed": KindText(
        _l("Assignment not confirmed"),
        _l(
            "The supporter has not confirmed an assignment that starts soon. Please check it, "
            "and release it if they cannot come."
        ),
    ),
    # To the resident, the day before (no account: written in the public form's languages).
    "resident_reminder": KindText(
        _l("Reminder: your appointment tomorrow"),
        _l("A supporter will meet you tomorrow. If you cannot come, please phone us."),
    ),
    # To coordinators, by the calendar (supporters/digest.py): counts only, never a person.
    "stipends_to_close": KindText(
        _l("Last month's stipends are not closed"),
        _l(
            "Last month's stipends have not been closed yet. Please check them and close the month."
        ),
    ),
    "weekly_digest": KindText(
        _l("Weekly summary"),
        _l("What needs attention this week. The details are on the dashboard."),
    ),
    # To coordinators, once a day (supporters/public/ceiling.py).
    "public_form_ceiling": KindText(
        _l("Residents' form: today's limit reached"),
        _l(
            "The residents' form has taken today's maximum number of requests. Residents who "
            "send the form today are asked to phone instead. Please check today's requests."
        ),
    ),
    # From coordinators to selected supporters (supporters/help_requests/bulk.py): fixed words,
    # never a request's or a resident's details.
    "supporters_check_availability": KindText(
        _l("Please check your availability"),
        _l("The coordinators ask you to check your available times in Yorisoi and update them."),
    ),
    "supporters_contact_office": KindText(
        _l("Message from the coordinators"),
        _l("The coordinators ask you to contact the office. Please phone or e-mail them."),
    ),
}

KINDS = frozenset(_TEXTS)


@dataclass(frozen=True)
class RenderedMessage:
    """A message in the recipient's words: the e-mail's subject and body, and its parts.

    ``title``, ``lead``, ``facts`` (``[(label, value), ...]``: when, area, language, how) and
    ``url`` are what the other channels lay out in their own formats (a LINE bubble, a push
    notification, a short SMS).
    """

    subject: str
    body: str
    title: str = ""
    lead: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    url: str = ""


def kind_title(kind: str) -> str:
    """The short title of a notification kind in the current language (for the in-app list)."""
    return str(_TEXTS[kind].title) if kind in _TEXTS else kind


def check_kind_and_link(kind: str, link: str) -> None:
    """Refuse an unknown kind, or a link that is not a path inside the app (``/me/offers/12``)."""
    if kind not in _TEXTS:
        raise ValueError(f"unknown notification kind {kind!r}; known: {sorted(KINDS)}")
    if not link.startswith("/") or link.startswith("//") or any(c in link for c in "\\\r\n\t "):
        raise ValueError(f"notification link must be an app path like /me/offers/12: {link!r}")


def recipient_locale(user: User | None) -> str:
    """The language to write to someone in: their account's language if supported, else ``ja``."""
    supported = set(current_app.config.get("SUPPORTED_LOCALES", [DEFAULT_LOCALE]))
    if user is not None and user.supporter_id is not None:
        # Supporters read Yorisoi in any of the twelve supporter languages, mail included.
        from supporters.i18n import SUPPORTER_LOCALES

        supported |= {locale.babel for locale in SUPPORTER_LOCALES}
    if user is not None and user.locale in supported:
        return user.locale
    return DEFAULT_LOCALE


# The facts a message may carry (``OutboxMessage.params``): enough to decide from the message,
# never special-care data — no category, resident, need, place name or address.
FACT_KEYS = frozenset({"starts_at", "ends_at", "municipality_code", "language_code", "mode"})


def check_params(params: dict | None) -> dict:
    """``params`` if every key is an allowed fact (else ValueError: a programming error)."""
    params = dict(params or {})
    unknown = set(params) - FACT_KEYS - COUNT_KEYS
    if unknown:
        raise ValueError(f"messages carry only {sorted(FACT_KEYS | COUNT_KEYS)}: {sorted(unknown)}")
    return params


# Figures a digest may carry: counts only.
COUNT_KEYS = frozenset(
    {
        "unfilled",
        "late",
        "unconfirmed",
        "certifications_due",
        "continuation_due",
        "idle_supporters",
        "uncovered_municipalities",
        "uncovered_languages",
        "month",
    }
)


def render_message(
    kind: str, link: str, locale: str, params: dict | None = None
) -> RenderedMessage:
    """A ``kind`` notification pointing at ``link`` with its ``params``, written in ``locale``."""
    check_kind_and_link(kind, link)
    params = check_params(params)
    text = _TEXTS[kind]
    env = current_app.jinja_env
    with force_locale(locale):
        facts = fact_lines(params)
        context = {
            "title": str(text.title),
            "lead": str(text.lead),
            "facts": facts,
            "url": absolute_link(link),  # from BASE_URL, never the request's Host
            "open_label": _("Open Yorisoi:"),
            "footer": _("This message was sent automatically by Yorisoi. Replies are not read."),
        }
        context["subject_line"] = _("Yorisoi: %(title)s", title=context["title"])
        subject = env.get_template("mail/subject.txt").render(context)
        body = env.get_template("mail/body.txt").render(context)
    # A header is one line; a template's stray newline must not become a header break.
    return RenderedMessage(
        subject=" ".join(subject.split()),
        body=body.strip() + "\n",
        title=context["title"],
        lead=context["lead"],
        facts=facts,
        url=context["url"],
    )


def fact_lines(params: dict) -> list[tuple[str, str]]:
    """``params`` as (label, value) lines in the current language: when, area, language, how."""
    from supporters.help_requests.labels import MODE_LABELS, language_label, municipality_label
    from supporters.models import Mode

    lines = []
    if "starts_at" in params:
        starts = datetime.fromisoformat(params["starts_at"])
        when = f"{format_date(starts, 'medium')} {format_time(starts, 'short')}"
        if "ends_at" in params:
            when += f"–{format_time(datetime.fromisoformat(params['ends_at']), 'short')}"
        lines.append((_("When"), when))
    if params.get("municipality_code"):
        lines.append((_("Area"), municipality_label(params["municipality_code"])))
    if "language_code" in params:
        lines.append((_("Language"), language_label(params["language_code"])))
    if params.get("mode"):
        lines.append((_("How"), str(MODE_LABELS.get(Mode(params["mode"]), params["mode"]))))
    if params.get("month"):
        lines.append((_("Month"), str(params["month"])))
    lines.extend((count_label(key), str(params[key])) for key in COUNT_LABELS if key in params)
    return lines


# The digest's figures, in the order a coordinator reads them (supporters/digest.py).
COUNT_LABELS = {
    "unfilled": _l("Unfilled requests"),
    "late": _l("Requests still without a supporter, starting within 3 days"),
    "unconfirmed": _l("Assignments not confirmed by the supporter"),
    "certifications_due": _l("Trainees who completed training, not yet certified"),
    "continuation_due": _l("Continuation answers still awaited"),
    "idle_supporters": None,  # names its number of days: count_label
    "uncovered_municipalities": _l("Municipalities with a language nobody covers"),
    "uncovered_languages": _l("Languages without cover in some municipality"),
}


def count_label(key: str) -> str:
    """The label of a digest figure in the current language."""
    if key == "idle_supporters":
        return _(
            "Certified supporters without a case for %(days)s days",
            days=int(current_app.config.get("IDLE_AFTER_DAYS", 90)),
        )
    return str(COUNT_LABELS[key])
