"""The residents' form against abuse, without getting in a resident's way.

User stories: "As a coordinator, I do not want a bot, or one person with many addresses, to fill
the request list with junk — and when the form takes more than we can handle in a day, I want to
be told, not to find out later." — "As a resident, I am never silently dropped: if the form cannot
take my request, it tells me so in my language and gives me the programme's phone number."
"""

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from supporters.clock import JST
from supporters.config import ROOT
from supporters.extensions import db as _db
from supporters.models import AuditEvent, HelpRequest, Notification, OutboxMessage, PublicFormDay
from supporters.public import abuse
from tests.conftest import CSRF_RE

STARTED_RE = re.compile(r'name="started" type="hidden" value="([^"]+)"')
REFERENCE = re.compile(r"R-[A-Z2-9]{4}-[A-Z2-9]{4}")
PHONE = "029-301-0000"


def request_data(**changes) -> dict:
    """A complete request as a resident fills it in (a week ahead, in Koga)."""
    day = (datetime.now(JST).date() + timedelta(days=7)).isoformat()
    data = {
        "category": "government_office",
        "mode": "in_person",
        "language": "vi",
        "on": day,
        "time_from": "09:30",
        "time_to": "12:00",
        "duration": "60",
        "municipality": "08204",
        "name": "Nguyễn Thị Mai",
        "contact": "090-1234-5678",
        "consent": "y",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def open_form(client, address: str, lang: str = "en") -> dict:
    """Load the form as a browser at ``address`` does: the hidden fields it will send back."""
    page = client.get(f"/help/?lang={lang}", environ_base={"REMOTE_ADDR": address})
    text = page.get_data(as_text=True)
    return {
        "csrf_token": CSRF_RE.search(text).group(1),
        "started": STARTED_RE.search(text).group(1),
    }


def send(client, address: str, hidden: dict | None = None, lang: str = "en", **changes):
    """Fill in and send the form from ``address`` (loading it first unless ``hidden`` is given)."""
    hidden = hidden or open_form(client, address, lang)
    return client.post(
        f"/help/?lang={lang}",
        data={**hidden, **request_data(**changes)},
        environ_base={"REMOTE_ADDR": address},
    )


def stored() -> int:
    _db.session.expire_all()
    return _db.session.scalar(select(func.count()).select_from(HelpRequest))


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def later(monkeypatch):
    """Move the form's clock forward, as if the resident had taken that long to fill it in."""
    real = abuse.now

    def move(seconds: float):
        monkeypatch.setattr(abuse, "now", lambda: real() + seconds)

    return move


# --- bots: nothing stored, a neutral answer, counted for the coordinators ----------------------


def test_a_filled_in_honeypot_stores_nothing_but_looks_like_success(app, client, db):
    """The bot gets the same redirect as a resident; nothing is stored; the trap is counted."""
    response = send(client, "203.0.113.7", website="https://spam.example")
    assert response.status_code == 302
    assert response.headers["Location"] == "/help/sent?lang=en"
    assert stored() == 0

    thanks = client.get("/help/sent?lang=en")
    assert thanks.status_code == 200
    assert "Thank you for your message" in text_of(thanks)
    assert not REFERENCE.search(text_of(thanks))  # no number that would not exist

    day = db.session.scalar(select(PublicFormDay))
    assert (day.trapped, day.stored) == (1, 0)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "public_form_trapped"))
    assert event.detail == "honeypot 203.0.113.0/24"  # the network, not the person's address


def test_a_form_sent_back_too_fast_stores_nothing(app, client, db):
    """Nobody reads and fills in the form in under three seconds."""
    app.config["PUBLIC_MIN_FILL_SECONDS"] = 3
    response = send(client, "203.0.113.7")
    assert response.status_code == 302 and stored() == 0
    assert db.session.scalar(select(AuditEvent.detail)) == "too_fast 203.0.113.0/24"


@pytest.mark.parametrize("started", [None, "", "1700000000.0", "MTcwMDAwMDAwMC4w.forged"])
def test_a_missing_or_forged_start_time_stores_nothing(app, client, db, started):
    """The start time is signed with the app's secret: a bot cannot make one up."""
    app.config["PUBLIC_MIN_FILL_SECONDS"] = 3
    hidden = open_form(client, "203.0.113.7")
    hidden.pop("started")
    if started is not None:
        hidden["started"] = started
    assert send(client, "203.0.113.7", hidden).status_code == 302
    assert stored() == 0
    assert db.session.scalar(select(AuditEvent.detail)).startswith("no_start ")


def test_a_resident_who_takes_their_time_is_not_affected(app, client, db, later):
    """With every guard on, a person who spent a minute on the form gets their reference."""
    app.config.update(PUBLIC_MIN_FILL_SECONDS=3, PUBLIC_DAILY_CEILING=50)
    hidden = open_form(client, "198.51.100.20", lang="vi")
    later(60)
    response = send(client, "198.51.100.20", hidden, lang="vi")
    assert response.headers["Location"] == "/help/sent?lang=vi"
    assert REFERENCE.search(text_of(client.get("/help/sent?lang=vi")))
    assert stored() == 1
    assert db.session.scalar(select(PublicFormDay.trapped)) == 0


def test_the_honeypot_is_hidden_from_people_and_screen_readers(client):
    """Off-screen by a CSS class (no inline style), out of the tab order, skipped by readers."""
    text = text_of(client.get("/help/?lang=en"))
    trap = text.split('<div class="trap" aria-hidden="true">', 1)[1].split("</div>", 1)[0]
    assert '<label for="website">Leave this field empty</label>' in trap
    assert re.search(r'<input autocomplete="off" id="website" name="website" tabindex="-1"', trap)
    css = (ROOT / "static" / "css" / "public.css").read_text(encoding="utf-8")
    assert re.search(r"\.trap \{[^}]*left: -10000px", css)


def test_bots_count_against_the_limits_too(app, client, db):
    """A bot that keeps tripping the trap is slowed down like anyone sending too much."""
    app.config["PUBLIC_REQUEST_RATE_LIMIT"] = "2 per hour"
    for _ in range(2):
        assert send(client, "203.0.113.7", website="x").status_code == 302
    assert send(client, "203.0.113.7", website="x").status_code == 429
    assert db.session.scalar(select(PublicFormDay.trapped)) == 2


# --- limits per network ---------------------------------------------------------------------------


def test_seven_addresses_in_one_ipv4_network_share_its_limit(app, db):
    """One person cycling through a /24 is limited like one connection; the next /24 is not."""
    app.config["PUBLIC_NETWORK_RATE_LIMIT"] = "3 per hour"
    answers = [send(app.test_client(), f"203.0.113.{n}").status_code for n in range(1, 8)]
    assert answers == [302, 302, 302, 429, 429, 429, 429]
    assert stored() == 3
    assert send(app.test_client(), "203.0.114.1").status_code == 302
    assert stored() == 4


def test_seven_addresses_in_one_ipv6_network_share_its_limit(app, db):
    """An IPv6 connection gets a whole /64: it is one network, whatever the last 64 bits."""
    app.config["PUBLIC_NETWORK_RATE_LIMIT"] = "3 per hour"
    addresses = [f"2001:db8:1:2::{n:x}" for n in (1, 2, 0xBEEF, 0xCAFE, 7, 8, 9)]
    answers = [send(app.test_client(), address).status_code for address in addresses]
    assert answers == [302, 302, 302, 429, 429, 429, 429]
    assert send(app.test_client(), "2001:db8:1:3::1").status_code == 302
    assert stored() == 4


def test_the_network_limit_explains_itself_and_gives_the_phone(app, set_programme):
    """A resident who shares a network with someone sending a lot is told what to do instead."""
    set_programme(contact_phone=PHONE)
    app.config.update(PUBLIC_NETWORK_RATE_LIMIT="1 per hour")
    send(app.test_client(), "203.0.113.1")
    response = send(app.test_client(), "203.0.113.2")
    assert response.status_code == 429
    text = text_of(response)
    assert "Many requests have been sent recently from your network" in text
    assert "Your last answers were not sent." in text
    assert PHONE in text


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("::ffff:203.0.113.77", "203.0.113.0/24"),  # IPv4 seen through an IPv6 socket
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
    ],
)
def test_networks_are_counted_by_prefix(app, address, network):
    with app.test_request_context(environ_base={"REMOTE_ADDR": address}):
        assert abuse.network() == network
        assert abuse.network_key() == f"net:{network}"


# --- the daily ceiling ---------------------------------------------------------------------------


def test_the_daily_ceiling_alerts_coordinators_once_and_residents_get_the_phone(
    app, db, make_user, set_programme
):
    """Past the ceiling a request is not stored; the resident is told and given the phone; the
    coordinators hear about it once that day, in the app and by e-mail."""
    coordinator = make_user("coordinator")
    make_user("coordinator", email="away@example.jp").active = False
    make_user("admin")
    db.session.commit()
    set_programme(contact_phone=PHONE)
    app.config.update(PUBLIC_DAILY_CEILING=2)
    # Two more residents are filling in the form while the last places go.
    third, fourth = app.test_client(), app.test_client()
    third_form, fourth_form = open_form(third, "198.51.100.3"), open_form(fourth, "198.51.100.4")

    assert send(app.test_client(), "198.51.100.1").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
    assert send(app.test_client(), "198.51.100.2").status_code == 302  # takes the last place
    assert stored() == 2

    refused = send(third, "198.51.100.3", third_form)
    again = send(fourth, "198.51.100.4", fourth_form)
    assert (refused.status_code, again.status_code) == (429, 429)
    assert int(refused.headers["Retry-After"]) <= 24 * 3600
    text = text_of(refused)
    assert "The form is closed for today" in text
    assert "Your last answers were not sent." in text
    assert f"Please call the coordinators instead: {PHONE}." in text
    assert 'href="tel:0293010000"' in text
    assert stored() == 2

    db.session.expire_all()
    notes = db.session.scalars(select(Notification)).all()
    assert [(n.user_id, n.kind, n.link) for n in notes] == [
        (coordinator.id, "public_form_ceiling", "/requests/")
    ]
    mails = db.session.scalars(select(OutboxMessage)).all()
    assert [(m.recipient, m.kind) for m in mails] == [
        ("coordinator@example.jp", "public_form_ceiling")
    ]
    day = db.session.scalar(select(PublicFormDay))
    assert (day.stored, day.refused, day.alerted_at is not None) == (2, 2, True)

    # Anyone opening the form now is told before typing anything.
    closed = app.test_client().get("/help/?lang=en")
    assert closed.status_code == 200
    assert "The form is closed for today" in text_of(closed)
    assert 'name="name"' not in text_of(closed)


def test_without_a_ceiling_the_form_keeps_taking_requests(app, db):
    app.config["PUBLIC_DAILY_CEILING"] = 0
    for n in range(3):
        assert send(app.test_client(), f"198.51.100.{n + 1}").status_code == 302
    assert db.session.scalar(select(PublicFormDay.stored)) == 3
