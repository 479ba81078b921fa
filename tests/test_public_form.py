"""The residents' request form, in their languages.

User story: "As a foreign resident without an account, I can ask for a supporter in my own
language, I see what will be done with my data before anything is stored, and I leave with a
reference number and know what happens next."
"""

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from supporters.clock import JST
from supporters.config import ROOT
from supporters.extensions import db as _db
from supporters.i18n import PUBLIC_LOCALES
from supporters.models import (
    Consent,
    ConsentChannel,
    HelpRequest,
    Language,
    Mode,
    Municipality,
    RequestCategory,
    RequestSource,
)
from tests.conftest import make_app, post_form
from tests.i18n_reach import reach

CODES = [locale.code for locale in PUBLIC_LOCALES]
LANG_ATTR = re.compile(r'<html lang="([^"]+)"')
REFERENCE = re.compile(r"R-[A-Z2-9]{4}-[A-Z2-9]{4}")


def in_days(days: int) -> str:
    return (datetime.now(JST).date() + timedelta(days=days)).isoformat()


def request_data(**changes) -> dict:
    """A complete request as a resident would fill it in (a week ahead, in Koga)."""
    data = {
        "category": "government_office",
        "mode": "in_person",
        "language": "vi",
        "on": in_days(7),
        "time_from": "09:30",
        "time_to": "12:00",
        "duration": "60",
        "municipality": "08204",
        "place_name": "古河市役所",
        "name": "Nguyễn Thị Mai",
        "contact": "０９０ー１２３４ー５６７８",
        "nationality": "VN",
        "preferred_gender": "female",
        "need": "Đăng ký địa chỉ mới",
        "consent": "y",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def page(response) -> str:
    return response.get_data(as_text=True)


def lang_of(response) -> str:
    return LANG_ATTR.search(page(response)).group(1)


def count(model) -> int:
    _db.session.expire_all()
    return _db.session.scalar(select(func.count()).select_from(model))


def translate(locale_babel: str, msgid: str) -> str:
    with force_locale(locale_babel):
        return gettext(msgid)


def babel_of(code: str) -> str:
    return next(locale.babel for locale in PUBLIC_LOCALES if locale.code == code)


# --- submitting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "language", "words"),
    [
        ("vi", "vi", "Yêu cầu của bạn đã được gửi"),
        ("ne", "ne", "तपाईंको अनुरोध पठाइयो"),
        ("ja-x-easy", "none", "もうしこみを うけつけました"),
        ("fil", "tl", "Naipadala na ang iyong kahilingan"),
        ("pt-BR", "pt", "Seu pedido foi enviado"),
    ],
)
def test_resident_sends_a_request_in_their_language(app, client, db, code, language, words):
    """The form, the confirmation and the consent record all speak the resident's language."""
    response = post_form(client, f"/help/?lang={code}", request_data(language=language))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/help/sent?lang={code}"

    sent = client.get(response.headers["Location"])
    assert sent.status_code == 200
    assert words in page(sent)
    assert lang_of(sent) == ("ja" if code == "ja-x-easy" else code)
    reference = REFERENCE.search(page(sent)).group(0)
    assert "119" in page(sent)

    stored = db.session.scalar(select(HelpRequest).where(HelpRequest.reference == reference))
    assert stored.source == RequestSource.RESIDENT
    assert stored.created_by_id is None
    assert stored.language_code == (None if language == "none" else language)
    assert stored.category == RequestCategory.GOVERNMENT_OFFICE and not stored.sensitive
    assert stored.mode == Mode.IN_PERSON
    assert stored.municipality_code == "08204"
    assert stored.requester_contact == "090-1234-5678"  # full-width digits and ー normalised
    assert stored.requester_nationality == "VN"
    assert stored.preferred_gender == "female"
    assert stored.duration_minutes == 60
    assert stored.starts_at.astimezone(JST).strftime("%Y-%m-%d %H:%M") == f"{in_days(7)} 09:30"
    assert stored.ends_at.astimezone(JST).strftime("%H:%M") == "12:00"

    consent = stored.consent
    assert consent.language_shown == code
    assert consent.channel == ConsentChannel.WEB_FORM
    assert consent.notice_version == app.config["PRIVACY_NOTICE_VERSION"]
    assert consent.recorded_by_id is None


def test_hospital_requests_are_flagged_sensitive(client, db):
    """Health data (APPI "special care-required"): a hospital request is marked sensitive."""
    post_form(client, "/help/?lang=vi", request_data(category="hospital"))
    post_form(client, "/help/?lang=vi", request_data(category="daily_life", contact="a@b.example"))
    flags = dict(db.session.execute(select(HelpRequest.category, HelpRequest.sensitive)).all())
    assert flags == {RequestCategory.HOSPITAL: True, RequestCategory.DAILY_LIFE: False}


def test_unknown_duration_is_guessed_within_the_window(client, db):
    """A resident who does not know how long it takes still gets through (two hours at most)."""
    post_form(client, "/help/?lang=en", request_data(duration="", time_to="10:30"))
    assert db.session.scalar(select(HelpRequest.duration_minutes)) == 60


def test_the_reference_stays_on_reload_and_the_page_needs_one(client, db):
    """Reloading the confirmation shows the same number; without a request there is none."""
    assert client.get("/help/sent").headers["Location"] == "/help/"
    post_form(client, "/help/?lang=vi", request_data())
    first = REFERENCE.search(page(client.get("/help/sent"))).group(0)
    assert REFERENCE.search(page(client.get("/help/sent?lang=ne"))).group(0) == first


# --- consent and mistakes -----------------------------------------------------------------------


@pytest.mark.parametrize("code", ["vi", "ne", "ja-x-easy", "fil", "pt-BR"])
def test_without_consent_nothing_is_stored(client, db, code):
    """No consent, no personal data: the form comes back, in the same language, as typed."""
    response = post_form(client, f"/help/?lang={code}", request_data(consent=None))
    assert response.status_code == 422  # refused: nothing half-written can be committed
    text = page(response)
    message = "Please agree to the privacy notice. Without it we cannot take your request."
    assert translate(babel_of(code), message) in text
    assert translate(babel_of(code), message) != message
    assert "Nguyễn Thị Mai" in text and "Đăng ký địa chỉ mới" in text
    assert count(HelpRequest) == 0 and count(Consent) == 0


def test_a_date_in_the_past_is_refused_next_to_the_date(client, db):
    """The error sits by the field, in the resident's language, and nothing typed is lost."""
    yesterday = in_days(-1)
    response = post_form(client, "/help/?lang=vi", request_data(on=yesterday))
    text = page(response)
    assert response.status_code == 422
    assert '<p class="error" id="on-error">Hãy chọn hôm nay hoặc một ngày sau đó.</p>' in text
    assert f'value="{yesterday}"' in text
    assert 'value="Nguyễn Thị Mai"' in text and 'value="古河市役所"' in text
    assert '<option selected value="08204">' in text
    assert re.search(
        r'<input checked id="category-\d" name="category" type="radio" value="gov', text
    )
    assert count(HelpRequest) == 0


@pytest.mark.parametrize(
    ("changes", "field", "msgid"),
    [
        ({"on": in_days(200)}, "on", "Choose a date within the next six months."),
        ({"on": "14/05/2026"}, "on", "Enter the date like 2026-05-14."),
        ({"time_to": "09:40"}, "time_to",
         "The end time must be at least 30 minutes after the start time."),
        ({"duration": "240"}, "duration", "This is longer than the time between start and end."),
        ({"contact": "12"}, "contact", "Enter a phone number like 090-1234-5678."),
        ({"contact": "mai@"}, "contact", "This e-mail address does not look right."),
        ({"municipality": "99999"}, "municipality", "Choose your city, town or village."),
        ({"category": None}, "category", "Choose what you need help with."),
        ({"language": ""}, "language", "Choose your language."),
    ],
)  # fmt: skip
def test_each_mistake_is_named_at_its_field(client, db, changes, field, msgid):
    """Every check speaks the resident's language (here Nepali), at the field concerned."""
    response = post_form(client, "/help/?lang=ne", request_data(**changes))
    message = translate("ne", msgid)
    assert message != msgid
    assert f'id="{field}-error">{message}</p>' in page(response)
    assert count(HelpRequest) == 0


def test_an_expired_form_comes_back_with_the_answers(client, db):
    """A form left open too long is not lost: it comes back filled in, to send again."""
    client.get("/help/?lang=vi")
    response = client.post("/help/?lang=vi", data={**request_data(), "csrf_token": "stale"})
    assert response.status_code == 400
    text = page(response)
    assert "Biểu mẫu đã hết hạn." in text
    assert 'value="Nguyễn Thị Mai"' in text
    assert count(HelpRequest) == 0


# --- rate limit ---------------------------------------------------------------------------------


def test_too_many_requests_get_a_clear_page_in_the_resident_language(tmp_path):
    """Past the limit a 429 explains itself in Vietnamese; typing mistakes do not count."""
    app = make_app(tmp_path, PUBLIC_REQUEST_RATE_LIMIT="2 per hour")
    try:
        client = app.test_client()
        for _ in range(3):  # mistakes cost nothing
            assert (
                post_form(client, "/help/?lang=vi", request_data(consent=None)).status_code == 422
            )
        for _ in range(2):
            assert post_form(client, "/help/?lang=vi", request_data()).status_code == 302
        response = post_form(client, "/help/?lang=vi", request_data())
        assert response.status_code == 429
        assert lang_of(response) == "vi"
        assert "Bạn đã gửi nhiều yêu cầu từ kết nối này." in page(response)
        assert client.get("/help/?lang=vi").status_code == 200  # reading the form is never limited
        with app.app_context():
            assert count(HelpRequest) == 2
    finally:
        with app.app_context():
            _db.session.remove()
            _db.drop_all()
            _db.engine.dispose()


# --- languages ----------------------------------------------------------------------------------


def test_switcher_offers_every_language_named_in_itself(client):
    """Nine links, each language in its own words and tagged with its language."""
    text = page(client.get("/help/?lang=vi"))
    nav = text.split('<nav class="languages"', 1)[1].split("</nav>", 1)[0]
    for locale in PUBLIC_LOCALES:
        link = f'href="/help/?lang={locale.code}" lang="{locale.html_lang}"'
        assert link in nav, locale.code
        assert f">{locale.name}</a>" in nav
    assert 'aria-current="true">Tiếng Việt</a>' in nav
    assert nav.count("aria-current") == 1


def test_switcher_on_the_confirmation_keeps_the_reference(client):
    """Switching language on the confirmation page shows the same number in the new language."""
    post_form(client, "/help/?lang=vi", request_data())
    text = page(client.get("/help/sent?lang=vi"))
    assert 'href="/help/sent?lang=ne"' in text
    reference = REFERENCE.search(text).group(0)
    nepali = client.get("/help/sent?lang=ne")
    assert lang_of(nepali) == "ne" and reference in page(nepali)


@pytest.mark.parametrize("code", CODES)
def test_every_public_language_has_its_page(client, db, code):
    """Each language gets the right <html lang> and its own words."""
    response = client.get(f"/help/?lang={code}")
    assert response.status_code == 200
    expected = {"ja-x-easy": "ja"}.get(code, code)
    assert lang_of(response) == expected
    title = translate(babel_of(code), "Ask for a language supporter")
    assert f"<h1>{title}</h1>" in page(response)


def test_the_chosen_language_is_remembered(client):
    """?lang= sets the cookie, which beats the browser's language on the next visit."""
    client.get("/help/?lang=ne")
    assert lang_of(client.get("/help/", headers={"Accept-Language": "vi"})) == "ne"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [("vi-VN,vi;q=0.9", "vi"), ("tl-PH", "fil"), ("fil", "fil"), ("zh-CN", "zh-Hans"),
     ("pt-BR", "pt-BR"), ("ne-NP", "ne"), ("id", "id"), ("ja-JP", "ja"), ("fr, de", "ja")],
)  # fmt: skip
def test_browser_language_is_honoured(client, accept, expected):
    """Without a choice the browser decides; Japanese browsers get Japanese, not Easy Japanese."""
    assert lang_of(client.get("/help/", headers={"Accept-Language": accept})) == expected


def test_console_stays_in_japanese_and_english(client):
    """A public language in the cookie does not change the console, whose switcher has two."""
    client.get("/help/?lang=vi")
    response = client.get("/login", headers={"Accept-Language": "vi"})
    assert lang_of(response) == "ja"
    options = re.findall(r'<option value="(\w+)" lang=', page(response))
    assert sorted(options) == ["en", "ja"]


def test_easy_japanese_never_leaks_into_japanese(app):
    """``ja@easy`` has its own catalogue; plain ``ja`` never falls back to it."""
    with app.test_request_context():
        assert translate("ja", "Your name") == "お名前"
        assert translate("ja@easy", "Your name") == "なまえ"


def test_easy_japanese_shows_japanese_names_with_readings(client, db):
    """Municipalities and languages are named in Japanese, municipalities with their kana."""
    text = page(client.get("/help/?lang=ja-x-easy"))
    assert "水戸市（みとし）" in text
    assert db.session.get(Municipality, "08201").name("ja@easy") == "水戸市"
    assert db.session.get(Language, "vi").name("ja@easy") == "ベトナム語"


def test_the_form_suggests_the_language_of_the_page(client):
    """Reading in Tagalog, the interpreter language starts on Tagalog (it can be changed)."""
    assert '<option selected value="tl">' in page(client.get("/help/?lang=fil"))
    assert '<option selected value="">' in page(client.get("/help/?lang=ja"))


# --- catalogues ---------------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


# What a resident reaches is derived (tests/i18n_reach.py): the public blueprint's modules and
# templates, and every name they import, followed to where it is defined — the intake service's
# check (one rule, one place), the country and municipality words, the form's own fields.
# Left out: the messages of what they reach that the public form cannot provoke.
NOT_FOR_RESIDENTS = {
    "Please correct the marked fields.",  # the summary: each field's message is shown instead
    "Expected duration must be 10 to 720 minutes.",  # the form offers 30 minutes to 4 hours
    "The time window must be within one day.",  # the form has one date
    "Choose a country from the list.",  # the form checks its own list first
}


def _public_msgids() -> set:
    # The ceiling alert the form raises goes to coordinators (console languages): not followed.
    reached = reach(["supporters/public/*.py"], folders=["public"], stop=["supporters/notify"])
    return {message for message in reached.messages if message[1] not in NOT_FOR_RESIDENTS}


PUBLIC_MSGIDS = _public_msgids()


@pytest.mark.parametrize("locale", [locale.babel for locale in PUBLIC_LOCALES])
def test_every_public_message_is_translated(locale):
    """Every word of the public pages exists in every public language, placeholders intact."""
    path = Path(ROOT, "translations", locale, "LC_MESSAGES", "messages.po")
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale=locale)
    assert len(PUBLIC_MSGIDS) > 50
    problems = []
    for context, msgid in sorted(PUBLIC_MSGIDS, key=lambda m: (m[1], m[0] or "")):
        message = catalogue.get(msgid, context=context)
        strings = () if message is None else message.string
        strings = strings if isinstance(strings, tuple) else (strings,)
        if message is None or message.fuzzy or not all(s.strip() for s in strings):
            problems.append(f"untranslated: {msgid!r}")
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        expected = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        problems += [
            f"placeholders: {s!r}" for s in strings if set(PLACEHOLDER.findall(s)) != expected
        ]
    assert not problems, f"{locale}: {problems[:10]} ({len(problems)} in all)"
