"""The content policy, enforced: no notification carries special-care data.

Every kind of notification (``messages.KINDS``) is rendered in every language it can be sent in
— the twelve supporter languages for supporters and for staff (who read Japanese or English, but
the rest costs little), the residents' form languages for residents — through every channel's
formatter: the e-mail as sent (subject, body and one-tap links), the Web Push payload, the SMS
text and the LINE messages. The facts are a hospital request's with a resident's name, a need, a
place and a phone number. None of those may appear; the area and the link that needs sign-in must.
"""

import json
from email import policy
from email.parser import BytesParser

import pytest
from flask_babel import force_locale

from supporters.i18n import PUBLIC_LOCALES, SUPPORTER_LOCALES
from supporters.models import OutboxMessage
from supporters.notify import messages

NAME = "Phạm Thị Quyên"
NEED = "Follow-up of diabetes at internal medicine, bring the insulin notebook"
PLACE = "古河赤十字病院"
ADDRESS = "茨城県古河市下山町1150"
CONTACT = "080-1111-2222"
# Never in a message, whatever the language: the person, the need, the place, the contact.
ALWAYS_SECRET = (
    NAME,
    "Phạm",
    "Quyên",
    NEED,
    "diabetes",
    "insulin",
    "internal medicine",
    PLACE,
    "赤十字",
    ADDRESS,
    "下山",
    "1150",
    CONTACT,
    "1111-2222",
    "11112222",
)

SUPPORTER, STAFF, RESIDENT = "supporter", "staff", "resident"
# Who receives each kind. A new kind must be added here, so it cannot skip the policy.
AUDIENCE = {
    "offer_new": SUPPORTER,
    "offer_withdrawn": SUPPORTER,
    "offer_expired": SUPPORTER,
    "continuation_check": SUPPORTER,
    "assignment_confirm": SUPPORTER,
    "supporters_check_availability": SUPPORTER,
    "supporters_contact_office": SUPPORTER,
    "request_assigned": STAFF,
    "request_unfilled": STAFF,
    "assignment_unconfirmed": STAFF,
    "stipends_to_close": STAFF,
    "weekly_digest": STAFF,
    "public_form_ceiling": STAFF,
    "lent_offer_sent": STAFF,
    "resident_reminder": RESIDENT,
}
LOCALES = {
    SUPPORTER: [locale.babel for locale in SUPPORTER_LOCALES],
    # Staff read the console in Japanese or English; every supporter language costs little more.
    STAFF: [locale.babel for locale in SUPPORTER_LOCALES],
    RESIDENT: [locale.babel for locale in PUBLIC_LOCALES],
}
CASES = [(kind, locale) for kind, who in AUDIENCE.items() for locale in LOCALES[who]]
BASE_URL = "https://yorisoi.example.jp"


def test_every_kind_has_an_audience():
    assert set(AUDIENCE) == set(messages.KINDS)
    assert len(LOCALES[SUPPORTER]) == len(LOCALES[STAFF]) == 12 and len(LOCALES[RESIDENT]) == 9


@pytest.fixture
def world(app, db, make_request, make_supporter, make_user):
    """A hospital request offered to a supporter: the real facts its messages carry."""
    from supporters.help_requests import offers

    app.config["BASE_URL"] = BASE_URL
    supporter = make_supporter(name="Nguyễn Thị Lan", email="lan@example.jp", home="08204")
    supporter_user = make_user("supporter", email="lan-account@example.jp", supporter=supporter)
    coordinator = make_user("coordinator")
    request = make_request(
        category="hospital",
        name=NAME,
        need=NEED,
        place_name=PLACE,
        place_address=ADDRESS,
        contact=CONTACT,
    )
    (offer,) = offers.send_offers(request, [supporter.id], coordinator)
    db.session.commit()
    return {
        "request": request,
        "facts": offers.message_facts(request),
        SUPPORTER: (supporter_user.id, f"/me/offers/{offer.id}"),
        STAFF: (coordinator.id, f"/requests/{request.id}"),
        RESIDENT: (None, "/help/"),
    }


def _message(world, kind: str, locale: str) -> OutboxMessage:
    who = AUDIENCE[kind]
    user_id, link = world[who]
    if kind == "assignment_confirm":
        link = f"/me/assignments/{world['request'].id}"
    params = dict(world["facts"])
    if kind in ("weekly_digest", "stipends_to_close"):
        params.update(unfilled=2, late=1, unconfirmed=1, idle_supporters=3, month="2026-10")
    return OutboxMessage(
        kind=kind, link=link, locale=locale, params=params, user_id=user_id, recipient="x"
    )


def _email(message: OutboxMessage) -> str:
    """The e-mail exactly as the SMTP channel builds it (subject decoded, body, one-tap links)."""
    from supporters.notify.smtp import build_email

    rendered = messages.render_message(message.kind, message.link, message.locale, message.params)
    message.subject, message.body = rendered.subject, rendered.body
    raw = build_email(message, "Yorisoi <no-reply@yorisoi.example.jp>").as_bytes()
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    return f"{parsed['Subject']}\n{parsed.get_content()}"


def _push(message: OutboxMessage) -> str:
    from supporters.notify.webpush import payload

    return json.dumps(payload(message), ensure_ascii=False)


def _sms(message: OutboxMessage) -> str:
    from supporters.notify.sms import sms_text

    return sms_text(message)


def _line(message: OutboxMessage) -> str | None:
    """LINE's messages as JSON, if the LINE module exposes its formatter (``line_messages``)."""
    from supporters.notify import line

    formatter = getattr(line, "line_messages", None)
    if formatter is None:
        return None
    return json.dumps([m.to_dict() for m in formatter(message)], ensure_ascii=False)


FORMATTERS = {"email": _email, "webpush": _push, "sms": _sms, "line": _line}


def _forbidden(locale: str) -> list[str]:
    """The special-care words in ``locale``: the hospital category as the app labels it."""
    from supporters.labels import CATEGORY_LABELS
    from supporters.models import ActivityCategory, RequestCategory
    from supporters.public.forms import CATEGORY_CHOICES

    with force_locale(locale):
        labels = [str(CATEGORY_LABELS[ActivityCategory.HOSPITAL])]
        labels += [
            str(label) for code, label in CATEGORY_CHOICES if code == RequestCategory.HOSPITAL
        ]
    return [*labels, "病院", *ALWAYS_SECRET]


@pytest.mark.parametrize("kind, locale", CASES, ids=[f"{k}-{loc}" for k, loc in CASES])
def test_no_message_carries_special_care_data(app, world, kind, locale):
    from supporters.help_requests.labels import municipality_label

    forbidden = _forbidden(locale)
    with force_locale(locale):
        area = municipality_label(world["request"].municipality_code)
    checked = 0
    for channel, formatter in FORMATTERS.items():
        message = _message(world, kind, locale)
        text = formatter(message)
        if text is None:
            continue
        checked += 1
        found = [word for word in forbidden if word.casefold() in text.casefold()]
        assert "hospital" not in text.casefold(), (channel, text)
        assert not found, f"{kind} in {locale} on {channel} says {found}: {text}"
        assert area in text, f"{kind} in {locale} on {channel} lacks the area {area!r}: {text}"
        assert BASE_URL + message.link in text, (channel, text)  # a page that needs sign-in
    assert checked == len(FORMATTERS), "LINE's formatter (line_messages) is missing"


def test_the_offer_says_when_where_and_which_language(app, world):
    """What a supporter needs to decide from the notification itself."""
    rendered = messages.render_message("offer_new", "/me/offers/1", "en", world["facts"])
    assert [label for label, _ in rendered.facts] == ["When", "Area", "Language", "How"]
    assert dict(rendered.facts)["Area"] == "Koga"
    assert dict(rendered.facts)["Language"] == "Vietnamese"


def test_the_outbox_refuses_anything_but_facts(app):
    for key in ("category", "need", "requester_name", "place_name", "place_address", "note"):
        with pytest.raises(ValueError):
            messages.check_params({"starts_at": "2026-12-01T10:00:00+09:00", key: "x"})
        with pytest.raises(ValueError):
            messages.render_message("offer_new", "/me/offers/1", "en", {key: NEED})


def test_the_stored_outbox_rows_carry_only_facts(db, world):
    """The offer's real outbox row: its params, subject and body hold no special-care data."""
    from sqlalchemy import select

    (row,) = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "offer_new"))
    assert set(row.params) <= messages.FACT_KEYS
    stored = json.dumps(row.params, ensure_ascii=False) + row.subject + row.body
    for word in _forbidden(row.locale):
        assert word.casefold() not in stored.casefold(), word
