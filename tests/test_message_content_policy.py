"""No message carries special-care data, in any kind, language or channel.

Every notification kind is written in every supporter language through every channel's own
formatter — the e-mail's subject and body, the SMS text, the Web Push payload and the LINE
messages — with the facts of a hospital visit whose resident, need and place are known, and
none of those may appear: not the category (in the language of the message, nor as 病院 or
"hospital"), not the resident's name or contact, not the need, not the place or address.
"""

import json

import pytest
from flask_babel import force_locale

from supporters.help_requests.offers import message_facts
from supporters.i18n import SUPPORTER_LOCALES
from supporters.labels import REQUEST_CATEGORY_LABELS
from supporters.models import OutboxMessage, RequestCategory
from supporters.notify.line import line_messages
from supporters.notify.messages import KINDS, render_message
from supporters.notify.sms import sms_text
from supporters.notify.webpush import payload

LOCALES = [locale.babel for locale in SUPPORTER_LOCALES]
RESIDENT = "Phạm Thị Mai"
CONTACT = "mai.pham@example.jp"
NEED = "Internal medicine, blood test results"
PLACE = "Koga Red Cross Hospital"
ADDRESS = "2-1-1 Honcho, Koga"


@pytest.fixture
def hospital_visit(db, make_request):
    return make_request(
        category="hospital",
        name=RESIDENT,
        contact=CONTACT,
        need=NEED,
        place_name=PLACE,
        place_address=ADDRESS,
    )


def _forbidden(locale: str) -> list[str]:
    with force_locale(locale):
        category = str(REQUEST_CATEGORY_LABELS[RequestCategory.HOSPITAL])
    return [category, "病院", "hospital", "Hospital", RESIDENT, CONTACT, NEED, PLACE, ADDRESS]


def _params(kind: str, request) -> dict:
    if kind == "weekly_digest":
        return {"unfilled": 2, "late": 1, "unconfirmed": 0, "month": "2026-11"}
    if kind == "stipends_to_close":
        return {"month": "2026-10"}
    facts = message_facts(request)
    if kind == "resident_reminder":
        facts.pop("language_code"), facts.pop("mode")
    return facts


@pytest.mark.parametrize("locale", LOCALES)
def test_no_kind_in_any_channel_carries_special_care_data(app, hospital_visit, locale):
    app.config["BASE_URL"] = "https://yorisoi.example.jp"
    for kind in sorted(KINDS):
        link = "/me/offers/1" if kind != "resident_reminder" else "/help/"
        params = _params(kind, hospital_visit)
        rendered = render_message(kind, link, locale, params)
        message = OutboxMessage(kind=kind, link=link, locale=locale, params=params, id=1)
        written = {
            "e-mail subject": rendered.subject,
            "e-mail body": rendered.body,
            "SMS": sms_text(message),
            "Web Push": json.dumps(payload(message), ensure_ascii=False),
            "LINE": json.dumps([m.to_dict() for m in line_messages(message)], ensure_ascii=False),
        }
        for channel, text in written.items():
            for word in _forbidden(locale):
                assert word not in text, f"{kind} in {locale} by {channel} says {word!r}"


def test_the_offer_says_when_where_and_which_language(app, hospital_visit):
    """What a supporter needs to decide from the notification itself."""
    rendered = render_message("offer_new", "/me/offers/1", "en", message_facts(hospital_visit))
    labels = [label for label, _ in rendered.facts]
    assert labels == ["When", "Area", "Language", "How"]
    assert dict(rendered.facts)["Area"] == "Koga"
    assert dict(rendered.facts)["Language"] == "Vietnamese"


def test_a_message_cannot_be_given_other_facts(app):
    with pytest.raises(ValueError):
        render_message("offer_new", "/me/offers/1", "en", {"need": NEED})
