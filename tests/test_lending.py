"""A rare language across programmes: Ibaraki's Khmer phone request, Gunma's Khmer speaker ([6/6]).

User story: "As Ibaraki's coordinator, when nobody of ours speaks Khmer, I am shown a Khmer
speaker Gunma lends for phone help — with why ('Khmer, native, Gunma programme, phone') — and I
offer them the request; they accept on their phone; the case counts in Ibaraki's report, and
nothing else of either programme becomes visible to the other."
"""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from supporters import tenancy
from supporters.auth.passwords import hash_password
from supporters.extensions import db
from supporters.lending import service as lending
from supporters.models import (
    Activity,
    HelpRequest,
    LanguageLevel,
    Offer,
    RequestStatus,
    Role,
    Supporter,
    User,
)
from supporters.models.programme import Programme
from supporters.programme.settings import NEUTRAL, SETTING_FIELDS
from supporters.refusals import Refused
from supporters.registry import operations
from supporters.registry.operations import SupporterProfile
from tests.conftest import PASSWORD, Auth, csrf_token, jst_at, make_app

KOGA = "08204"


def _programme(prefecture: str, name_ja: str, name_en: str) -> Programme:
    values = {key: getattr(NEUTRAL, key) for key in SETTING_FIELDS}
    values.update(prefecture_code=prefecture, name_ja=name_ja, name_en=name_en)
    return Programme(**values)


def _supporter(name, email, languages, modes) -> Supporter:
    profile = SupporterProfile(
        display_name=name,
        email=email,
        phone="090-1111-2222",
        home_municipality_code=KOGA,
        served_municipality_codes=[],
        languages=[(code, LanguageLevel.NATIVE) for code in languages],
        japanese_level="N2",
        origins=["KH"],
        modes=modes,
        gender=None,
        monthly_case_cap=4,
        training_cohort="",
        notes="",
    )
    supporter = operations.register_supporter(profile, date(2025, 4, 1), by=None)
    operations.certify(supporter, f"T-{supporter.id:04d}", date(2025, 5, 1), by=None)
    return supporter


def _account(email, role, supporter=None) -> User:
    user = User(email=email, name=email, role=role, password_hash=hash_password(PASSWORD))
    if supporter is not None:
        user.supporter_id = supporter.id
    db.session.add(user)
    db.session.flush()
    return user


def _khmer_phone_request():
    from supporters.help_requests.intake import ConsentGiven, RequestDraft, take_request
    from supporters.models import ConsentChannel, Mode, RequestCategory, RequestSource

    draft = RequestDraft(
        category=RequestCategory.LABOR,
        mode=Mode.PHONE,
        language_code="km",
        municipality_code=KOGA,
        starts_at=jst_at(5, 10),
        ends_at=jst_at(5, 11),
        duration_minutes=60,
        requester_name="Chan Sophea",
        requester_contact="080-5555-6666",
        source=RequestSource.RESIDENT,
    )
    return take_request(draft, ConsentGiven("2026-04", "km", ConsentChannel.PHONE), None)


@pytest.fixture
def two(tmp_path):
    app = make_app(tmp_path)
    with app.app_context():
        ibaraki = _programme("08", "茨城県母国語サポーター", "Ibaraki programme")
        gunma = _programme("10", "群馬県母国語サポーター", "Gunma programme")
        db.session.add_all([ibaraki, gunma])
        db.session.commit()
        ids = {"ibaraki": ibaraki.id, "gunma": gunma.id}
        with tenancy.using(gunma.id):
            dara = _supporter("Sok Dara", "dara@example.jp", ["km"], ["phone"])
            _account("dara@example.jp", Role.SUPPORTER, dara)
            gunma_coordinator = _account("coordinator.gunma@example.jp", Role.COORDINATOR)
            lending.lend(dara, "km", gunma_coordinator)
            ids["dara"] = dara.id
        with tenancy.using(ibaraki.id):
            _account("coordinator.ibaraki@example.jp", Role.COORDINATOR)
            _supporter("Trần Văn Hùng", "hung@example.jp", ["vi"], ["phone"])
            ids["request"] = _khmer_phone_request().id
        db.session.commit()
    yield app, ids
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _signed_in(app, email):
    client = app.test_client()
    assert Auth(client).login(email).status_code == 302
    return client


def test_a_khmer_phone_request_goes_to_gunmas_consenting_supporter(two):
    app, ids = two
    ibaraki = _signed_in(app, "coordinator.ibaraki@example.jp")
    page = ibaraki.get(f"/requests/{ids['request']}", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-kind="lent"' in text
    assert "Sok Dara — Khmer, Native, Gunma programme, Phone" in text
    assert "dara@example.jp" not in text and "090-1111-2222" not in text  # no contact details

    sent = ibaraki.post(
        f"/requests/{ids['request']}/offers",
        data={"csrf_token": csrf_token(ibaraki, "/no-such-page"), "supporter_ids": ids["dara"]},
    )
    assert sent.status_code == 302
    with app.app_context():
        offer = db.session.scalar(tenancy.across_programmes(select(Offer)))
        assert (offer.supporter_id, offer.programme_id) == (ids["dara"], ids["ibaraki"])
        offer_id = offer.id

    dara = _signed_in(app, "dara@example.jp")
    assert dara.get(f"/me/offers/{offer_id}").status_code == 200
    accepted = dara.post(
        f"/me/offers/{offer_id}/accept",
        data={"csrf_token": csrf_token(dara, "/no-such-page")},
    )
    assert accepted.status_code in (302, 303)
    with app.app_context(), tenancy.using(None):
        request = db.session.get(HelpRequest, ids["request"])
        assert request.status == RequestStatus.ASSIGNED
        assert request.assigned_supporter_id == ids["dara"]
        assert request.programme_id == ids["ibaraki"]  # still Ibaraki's request
        assert {e.programme_id for e in request.events} == {ids["ibaraki"]}

    # Gunma's coordinator lent the supporter; Ibaraki's request stays Ibaraki's.
    gunma = _signed_in(app, "coordinator.gunma@example.jp")
    assert gunma.get(f"/requests/{ids['request']}").status_code == 404
    assert "Chan Sophea" not in gunma.get("/requests/").get_data(as_text=True)

    # The offer went through both coordinators' view: Gunma's coordinator was told (in-app and by
    # message, with when, language and how only) and sees it on the supporter's record.
    english = {"Accept-Language": "en"}
    told = gunma.get("/notifications/", headers=english).get_data(as_text=True)
    assert "Another programme sent an offer to your supporter" in told
    assert f"/supporters/{ids['dara']}" in told
    record = gunma.get(f"/supporters/{ids['dara']}", headers=english).get_data(as_text=True)
    assert 'data-testid="lent-offers"' in record
    row = record.split('data-testid="lent-offers"')[1].split("</table>")[0]
    assert "Ibaraki programme" in row and "Khmer" in row and "Phone" in row
    assert "Accepted" in row and "labour" not in row and "Chan Sophea" not in row
    with app.app_context(), tenancy.using(None):
        from supporters.models import Notification, OutboxMessage

        (notice,) = db.session.scalars(
            select(Notification).where(Notification.kind == "lent_offer_sent")
        )
        assert notice.programme_id == ids["gunma"]
        messages = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "lent_offer_sent")
        ).all()
        assert messages and {m.programme_id for m in messages} == {ids["gunma"]}
        assert set(messages[0].params) == {"starts_at", "ends_at", "language_code", "mode"}
    ibaraki_told = ibaraki.get("/notifications/", headers=english).get_data(as_text=True)
    assert "Another programme sent an offer" not in ibaraki_told


def test_the_case_counts_for_the_requests_programme(two):
    """The lent supporter's case is the requesting programme's: in its report, not the lender's."""
    from flask import g

    from supporters.activities.log import ActivityEntry, log_activity
    from supporters.clock import JST
    from supporters.extensions import login_manager
    from supporters.models import ActivityCategory, ActivityOutcome, Mode
    from supporters.reports.monthly import build_report

    app, ids = two
    ibaraki = _signed_in(app, "coordinator.ibaraki@example.jp")
    token = csrf_token(ibaraki, "/no-such-page")
    ibaraki.post(
        f"/requests/{ids['request']}/offers",
        data={"csrf_token": token, "supporter_ids": ids["dara"]},
    )
    dara_phone = _signed_in(app, "dara@example.jp")
    with app.app_context():
        offer_id = db.session.scalar(tenancy.across_programmes(select(Offer.id)))
    dara_phone.post(
        f"/me/offers/{offer_id}/accept", data={"csrf_token": csrf_token(dara_phone, "/x")}
    )
    with app.test_request_context():
        with tenancy.using(None):  # the appointment is over
            request = db.session.get(HelpRequest, ids["request"])
            assert request.assigned_supporter_id == ids["dara"]
            request.starts_at -= timedelta(days=30)
            request.ends_at -= timedelta(days=30)
            day = request.starts_at.astimezone(JST).date()
            db.session.commit()
        db.session.expunge_all()
        # Dara logs the case from their phone: Gunma's supporter, signed in.
        user = db.session.scalar(
            tenancy.across_programmes(select(User).where(User.email == "dara@example.jp"))
        )
        login_manager._update_request_context_with_user(user)
        entry = ActivityEntry(
            happened_on=day,
            duration_minutes=60,
            category=ActivityCategory.LABOR,
            mode=Mode.PHONE,
            municipality_code=KOGA,
            language_code="km",
            outcome=ActivityOutcome.RESOLVED,
            people_reached=1,
            client_token="lent-case-1",
            request_id=ids["request"],
        )
        logged = log_activity(db.session.get(Supporter, ids["dara"]), entry, user)
        db.session.commit()
        assert logged.activity.programme_id == ids["ibaraki"]
        g.pop("_login_user")
        month = day.replace(day=1)
        db.session.expunge_all()
        with tenancy.using(ids["ibaraki"]):
            ibaraki = build_report(month, month, live=True)
            assert ibaraki["cases"]["total"] == 1
            assert ibaraki["help_given"] == {"cases": 0, "people": 0}
        db.session.expunge_all()
        with tenancy.using(ids["gunma"]):
            gunma = build_report(month, month, live=True)
            assert gunma["cases"]["total"] == 0
            assert gunma["help_given"]["cases"] == 1  # the help Gunma gave
            assert db.session.scalar(select(Activity.id)) is None
            from supporters.reports.suppression import suppressed

            assert (
                suppressed(gunma, 3)["help_given"]["cases"] == "X"
            )  # small: hidden from officials
    # Gunma's coordinator reads it on the report page.
    gunma_coordinator = _signed_in(app, "coordinator.gunma@example.jp")
    gunma_page = gunma_coordinator.get(
        f"/reports/monthly/{month:%Y-%m}", headers={"Accept-Language": "en"}
    )
    assert 'data-testid="help-given"' in gunma_page.get_data(as_text=True)
    # … and in the CSV download, one row for the cases and one for the people helped.
    csv = gunma_coordinator.get(
        f"/reports/monthly/{month:%Y-%m}.csv", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    given = [line for line in csv.splitlines() if "help_given" in line]
    assert [line.split(",")[2] for line in given] == ["help_given_cases", "help_given_people"]
    assert given[0].startswith("Help given to other programmes,Cases,")
    assert given[0].endswith(",1") and given[1].endswith(",0")  # a phone case, not an event
    ibaraki_csv = _signed_in(app, "coordinator.ibaraki@example.jp").get(
        f"/reports/monthly/{month:%Y-%m}.csv", headers={"Accept-Language": "en"}
    )
    assert "help_given" not in ibaraki_csv.get_data(as_text=True)  # Ibaraki lent nobody


def test_consent_is_per_language_spoken_and_can_be_withdrawn(two):
    app, ids = two
    with app.app_context(), tenancy.using(ids["gunma"]):
        dara = db.session.get(Supporter, ids["dara"])
        with pytest.raises(Refused):
            lending.lend(dara, "vi", None)  # not a language Dara speaks
        assert lending.withdraw(dara, "km", None)
        assert not lending.withdraw(dara, "km", None)
        db.session.commit()
    with app.app_context(), tenancy.using(ids["ibaraki"]):
        request = db.session.get(HelpRequest, ids["request"])
        assert lending.proposals(request) == []


def test_the_coordinator_records_and_withdraws_consent_on_the_record(two):
    """Gunma's coordinator sees the lending section (two programmes run) and changes it."""
    app, ids = two
    gunma = _signed_in(app, "coordinator.gunma@example.jp")
    page = gunma.get(f"/supporters/{ids['dara']}", headers={"Accept-Language": "en"})
    assert 'data-testid="lending"' in page.get_data(as_text=True)
    token = csrf_token(gunma, "/no-such-page")
    url = f"/supporters/{ids['dara']}/lending"
    assert gunma.post(url, data={"csrf_token": token, "language": "km", "action": "withdraw"})
    with app.app_context(), tenancy.using(ids["gunma"]):
        assert lending.live_consents(db.session.get(Supporter, ids["dara"])) == {}
    refused = gunma.post(
        url,
        data={"csrf_token": token, "language": "vi", "action": "lend"},
        headers={"Accept-Language": "en"},
        follow_redirects=True,
    )
    assert "The supporter does not speak this language." in refused.get_data(as_text=True)
    gunma.post(url, data={"csrf_token": token, "language": "km", "action": "lend"})
    with app.app_context(), tenancy.using(ids["gunma"]):
        assert set(lending.live_consents(db.session.get(Supporter, ids["dara"]))) == {"km"}
    # Ibaraki's coordinator cannot touch Gunma's supporter.
    ibaraki = _signed_in(app, "coordinator.ibaraki@example.jp")
    other = ibaraki.post(
        url, data={"csrf_token": csrf_token(ibaraki, "/x"), "language": "km", "action": "withdraw"}
    )
    assert other.status_code == 404


def test_the_national_report_gives_counts_per_programme_only(two):
    """National aggregates: a row per programme and a total, small counts hidden, no names."""
    from supporters.models import ActivityCategory, Mode

    app, ids = two
    with app.app_context(), tenancy.using(ids["ibaraki"]):
        for n in range(4):
            db.session.add(
                Activity(
                    supporter_id=db.session.scalar(select(Supporter.id)),
                    happened_on=date(2026, 5, 10),
                    duration_minutes=60,
                    category=ActivityCategory.LABOR,
                    mode=Mode.PHONE,
                    municipality_code=KOGA,
                    client_token=f"national-{n}",
                )
            )
        db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["programme", "national-report", "--from", "2026-05"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("prefecture_code,programme,cases")
    assert lines[1].startswith("08,Ibaraki programme,4,")
    assert lines[2].startswith("10,Gunma programme,0,")
    assert lines[3].startswith(",total,4,")
    for private in ("Chan Sophea", "Sok Dara", "Trần Văn Hùng", "080-5555-6666"):
        assert private not in result.output
    bad = app.test_cli_runner().invoke(args=["programme", "national-report", "--from", "May"])
    assert bad.exit_code != 0


def test_the_request_page_reads_the_lent_supporters_once(two, monkeypatch):
    """The page names the lent supporters from the matching's own reading of them."""
    app, ids = two
    ibaraki = _signed_in(app, "coordinator.ibaraki@example.jp")
    calls = []
    real = lending.proposals

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(lending, "proposals", counted)
    for query in ("", "?candidates=all"):
        calls.clear()
        page = ibaraki.get(f"/requests/{ids['request']}{query}", headers={"Accept-Language": "en"})
        assert "Sok Dara — Khmer, Native, Gunma programme, Phone" in page.get_data(as_text=True)
        assert len(calls) == 1, query
