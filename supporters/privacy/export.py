"""A resident's data for the resident (APPI Art. 33): JSON, and a readable Japanese page / PDF.

One dict (``as_dict``) holds codes and ISO times, for machines; the printable page renders the
same file in Japanese whatever the coordinator's UI language. Supporters' and staff members'
names and addresses are not the resident's data and are left out, except the name of the
supporter who was assigned (the resident met them).
"""

import warnings
from datetime import datetime
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale

from supporters.clock import JST, utcnow
from supporters.models import HelpRequest
from supporters.privacy.records import ResidentFile
from supporters.programme.settings import current as programme_settings

FORMAT = "yorisoi-resident-data/1"


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _value(value) -> str | None:
    return getattr(value, "value", value)


def _request_dict(item: HelpRequest, file: ResidentFile) -> dict:
    return {
        "reference": item.reference,
        "created_at": _iso(item.created_at),
        "status": _value(item.status),
        "category": _value(item.category),
        "mode": _value(item.mode),
        "language_code": item.language_code,
        "municipality_code": item.municipality_code,
        "starts_at": _iso(item.starts_at),
        "ends_at": _iso(item.ends_at),
        "duration_minutes": item.duration_minutes,
        "urgency": _value(item.urgency),
        "source": _value(item.source),
        "sensitive": item.sensitive,
        "anonymised_at": _iso(item.anonymised_at),
        "personal": {
            "name": item.requester_name,
            "contact": item.requester_contact,
            "nationality": item.requester_nationality,
            "residence_status": item.residence_status,
            "need": item.need,
            "place_name": item.place_name,
            "place_address": item.place_address,
        },
        "referred_to": item.referred_to,
        "assigned_supporter": (
            item.assigned_supporter.display_name if item.assigned_supporter else None
        ),
        "consent": {
            "notice_version": item.consent.notice_version,
            "language_shown": item.consent.language_shown,
            "channel": _value(item.consent.channel),
            "given_at": _iso(item.consent.given_at),
            "recorded_by_staff": item.consent.recorded_by_id is not None,
        },
        "history": [
            {
                "from": _value(event.from_status),
                "to": _value(event.to_status),
                "at": _iso(event.at),
                "note": event.note,
                "code": event.code,
            }
            for event in item.events
        ],
        "offers": [
            {
                "status": _value(offer.status),
                "sent_at": _iso(offer.sent_at),
                "answered_at": _iso(offer.answered_at),
            }
            for offer in item.offers
        ],
        "case_logs": [
            {
                "happened_on": _iso(activity.happened_on),
                "duration_minutes": activity.duration_minutes,
                "category": _value(activity.category),
                "mode": _value(activity.mode),
                "outcome": _value(activity.outcome),
                "follow_up_needed": activity.follow_up_needed,
                "notes": activity.notes,
            }
            for activity in file.activities
            if activity.request_id == item.id
        ],
    }


def as_dict(file: ResidentFile, now: datetime | None = None) -> dict:
    """Everything held about the resident, as a JSON-able dict of codes and ISO times."""
    return {
        "format": FORMAT,
        "exported_at": _iso(now or utcnow()),
        "references": file.references,
        "requests": [_request_dict(item, file) for item in file.requests],
        "notifications": [
            {"kind": note.kind, "link": note.link, "created_at": _iso(note.created_at)}
            for note in file.notifications
        ],
        "messages": [
            {
                "kind": message.kind,
                "status": _value(message.status),
                "created_at": _iso(message.created_at),
                "sent_at": _iso(message.sent_at),
            }
            for message in file.outbox
        ],
    }


def jst_text(value) -> str:
    """An instant as Japanese text in JST: ``2026年11月28日 10:30``."""
    if value is None:
        return "—"
    local = value.astimezone(JST)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def disclosure_html(file: ResidentFile, stylesheet_url: str | None = None) -> str:
    """The readable page in Japanese (the same template makes the PDF)."""
    from supporters.help_requests import event_labels, labels
    from supporters.notify.messages import kind_title
    from supporters.portal.labels import CATEGORY_LABELS, OUTCOME_LABELS
    from supporters.registry.labels import MODE_LABELS
    from supporters.training.certificate import japanese_date

    with force_locale("ja"):
        return render_template(
            "privacy/disclosure.html",
            file=file,
            data=as_dict(file),
            now=utcnow(),
            jst_text=jst_text,
            japanese_date=japanese_date,
            stylesheet_url=stylesheet_url,
            programme=programme_settings().name_ja,
            REQUEST_CATEGORY_LABELS=labels.CATEGORY_LABELS,
            REQUEST_STATUS_LABELS=labels.REQUEST_STATUS_LABELS,
            history_line=event_labels.history_line,
            OFFER_STATUS_LABELS=labels.OFFER_STATUS_LABELS,
            CONSENT_CHANNEL_LABELS=labels.CONSENT_CHANNEL_LABELS,
            SOURCE_LABELS=labels.SOURCE_LABELS,
            ACTIVITY_CATEGORY_LABELS=CATEGORY_LABELS,
            OUTCOME_LABELS=OUTCOME_LABELS,
            MODE_LABELS=MODE_LABELS,
            language_label=labels.language_label,
            municipality_label=labels.municipality_label,
            kind_title=kind_title,
        )


def disclosure_pdf(file: ResidentFile) -> bytes:
    """The readable page as an A4 PDF (WeasyPrint, local fonts, nothing fetched)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "HarfBuzz-Subset", DeprecationWarning)
        from weasyprint import CSS, HTML

    stylesheet = CSS(filename=str(Path(current_app.static_folder) / "css" / "disclosure.css"))
    return HTML(string=disclosure_html(file)).write_pdf(stylesheets=[stylesheet])
