"""Words that mean what they say: the Japanese UI review's wrong meanings stay fixed.

Catalogue checks read ``translations/ja/.../messages.po``; page checks render in Japanese (the
default language) through the real app. See /shared/reviews/japanese-ui.md (W-, C-, N- items).
"""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from supporters.config import ROOT
from supporters.training import service
from supporters.training.service import CohortDraft, SessionDraft


def _catalogue(locale: str = "ja"):
    path = Path(ROOT, "translations", locale, "LC_MESSAGES", "messages.po")
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _pairs(locale: str = "ja"):
    for message in _catalogue(locale):
        if not message.id:
            continue
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        yield message.context, msgid, " ".join(strings)


# --- The catalogue ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "word",
    [
        "符号付き",  # N-07: programming vocabulary for plus/minus adjustment lines
        "営業日",  # N-01: public bodies count office days (開庁日)
        "謝金",  # W-16: the payment is an activity expense, not an honorarium
        "ルール",  # N-04: the payment criteria are 支給基準
        "カバー",  # N-03: 空白 is the administrative word
        "銀行コード",  # N-16: 金融機関コード covers 信金・JA・ゆうちょ
    ],
)
def test_no_message_uses_a_word_the_review_rejected(word):
    found = [msgid for _c, msgid, text in _pairs() if word in text]
    assert not found, f"{word} still in: {found[:5]}"


def test_unfilled_is_never_not_yet_handled():
    """W-04: 未対応 reads as "neglected" to officials; one term for every unfilled string."""
    found = [
        msgid for _c, msgid, text in _pairs() if "unfilled" in msgid.lower() and "未対応" in text
    ]
    assert not found, found


def test_an_offer_to_a_supporter_is_not_called_a_request():
    """W-05 / C-01: 依頼 is the resident's request; what a supporter is sent is 打診."""
    offer = re.compile(r"\boffer", re.IGNORECASE)
    found = [
        msgid
        for _c, msgid, text in _pairs()
        if offer.search(msgid) and "request" not in msgid.lower() and "依頼" in text
    ]
    assert not found, found


def test_one_english_word_two_meanings_has_a_context_each():
    """Appendix A: month ranges, a closed stipend month, a cohort's name, an unread badge."""
    texts = {(context, msgid): text for context, msgid, text in _pairs()}
    assert texts[("month range", "From")] == "開始月"
    assert texts[("month range", "To")] == "終了月"
    assert texts[("stipend month", "Closed")] == "締め済み"
    assert "氏名" not in texts[("cohort", "Name")]
    assert texts[("notification", "New")] == "未読"
    # The time-of-day and person meanings keep their words.
    assert texts[(None, "From")] == "開始時刻"
    assert texts[(None, "Name")] == "氏名"


# --- Pages, in Japanese -----------------------------------------------------------------------


def test_coverage_period_is_picked_by_month_not_by_clock_time(client, auth, users):
    auth.login("coordinator@example.jp")
    html = client.get("/coverage/matrix").get_data(as_text=True)
    assert "開始月" in html and "終了月" in html
    assert "開始時刻" not in html


def test_fiscal_years_carry_the_reiwa_year_in_japanese(app):
    from supporters.wareki import fiscal_year_text, reiwa_year

    assert reiwa_year(2019) == "元" and reiwa_year(2026) == "8" and reiwa_year(2018) is None
    with app.test_request_context():
        assert fiscal_year_text(2026) == "2026年度（令和8年度）"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert fiscal_year_text(2026) == "FY2026"


def test_targets_page_does_not_print_fy_beside_nendo(client, auth, users):
    auth.login("coordinator@example.jp")
    html = client.get("/coverage/targets?fy=2026").get_data(as_text=True)
    assert "FY20" not in html


def test_new_cohort_form_asks_for_a_cohort_name_not_a_person(client, auth, users):
    auth.login("coordinator@example.jp")
    html = client.get("/training/new").get_data(as_text=True)
    label = re.search(r'<label for="name"[^>]*>([^<]*)</label>', html)
    assert label is not None
    assert "氏名" not in label.group(1) and "名称" in label.group(1)


def test_request_window_and_duration_read_as_one_statement(client, auth, users, make_request):
    """Item 11: "9:00 – 12:00 (約90分)" contradicted itself; now "…の間に 約…分"."""
    request = make_request(hours=(9, 12))
    auth.login("coordinator@example.jp")
    html = client.get(f"/requests/{request.id}").get_data(as_text=True)
    window = re.search(r'data-testid="request-window">(.*?)</dd>', html, re.S).group(1)
    assert "の間に" in window and "約" in window
    assert "(" not in re.sub(r"<[^>]+>", "", window)


def test_offers_table_is_outside_the_narrow_columns(
    app, client, auth, users, make_request, make_supporter, db
):
    from supporters.help_requests import offers

    request = make_request()
    supporter = make_supporter(name="Lê Văn Nam")
    offers.send_offers(request, [supporter.id], users["coordinator"])
    db.session.commit()
    auth.login("coordinator@example.jp")
    html = client.get(f"/requests/{request.id}").get_data(as_text=True)
    columns = html[html.index('<div class="columns">') : html.index('data-testid="offers"')]
    assert columns.count("<div") - columns.count("</div>") <= 0  # the columns are closed first
    assert "打診" in html


def _trainee(db, make_supporter, required: str, attended: str | None):
    """A supporter of cohort 2026 spring (``required`` hours), certified after attending."""
    from supporters.registry import operations

    cohort = service.create_cohort(
        CohortDraft("2026 spring", date(2026, 4, 1), date(2026, 6, 30), Decimal(required)), None
    )
    service.add_session(cohort, SessionDraft(date(2026, 4, 5), "Ethics", Decimal("7")), None)
    supporter = make_supporter(
        name="Phạm Văn An", training_cohort="2026 spring", status="applicant"
    )
    if attended is not None:
        service.record_attendance(cohort.sessions[0], {supporter.id: Decimal(attended)}, None)
    operations.certify(supporter, "TEST-CERT-1", date(2026, 11, 23), by=None)
    db.session.commit()
    return supporter


def _certificate_body(app, supporter) -> str:
    from flask import render_template

    from supporters.training.certificate import hours_text, training_hours_completed

    with app.test_request_context():
        hours = training_hours_completed(supporter)
        return render_template(
            "training/certificate.html",
            supporter=supporter,
            training_hours=hours_text(hours) if hours is not None else None,
            certified_on="令和8年11月23日",
            retired_on=None,
            retired=False,
            programme="いばらき母国語コミュニケーションサポーター",
            issuer="茨城県",
        )


def test_certificate_claims_no_training_when_none_was_attended(app, db, make_supporter):
    """Item 11: certified with 0 training hours, the certificate must not say 研修を修了."""
    supporter = _trainee(db, make_supporter, required="0", attended=None)
    body = _certificate_body(app, supporter)
    assert "養成研修を修了" not in body
    assert "として認定されたことを証します" in body


def test_certificate_names_the_hours_of_a_finished_course(app, db, make_supporter):
    supporter = _trainee(db, make_supporter, required="7", attended="7")
    body = _certificate_body(app, supporter)
    assert "所定の養成研修（7時間）を修了し" in body


@pytest.mark.parametrize(
    "url", ["/reports/monthly/{month}", "/dashboard/", "/coverage/targets", "/stipends/"]
)
def test_target_and_fiscal_years_read_in_reiwa_on_officials_pages(client, auth, users, url):
    """Review N-14: the certificate said 令和, the report and dashboard only 西暦."""
    from supporters.clock import today_jst

    auth.login("coordinator@example.jp")
    html = client.get(url.format(month=f"{today_jst():%Y-%m}")).get_data(as_text=True)
    assert re.search(r"20\d\d年度（令和(\d+|元)年度）", html), url
    assert "FY20" not in html and "年度年度" not in html
