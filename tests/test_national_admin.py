"""The national administrator ([6/6]): creates programmes and reads national aggregates only.

User story: "As the national administrator, I add Tokyo's programme beside Ibaraki's and Gunma's
and read this year's figures per programme and in total — without ever seeing a supporter, a
resident, a request or a case, and with small counts hidden as officials see them."
"""

import pytest
from sqlalchemy import select

from supporters import tenancy
from supporters.extensions import db as _db
from supporters.models import AuditEvent, Role, User
from supporters.models.programme import Programme
from supporters.programme.service import add_programme, draft_for_prefecture
from tests.conftest import PASSWORD, Auth, post_form

EMAIL = "national@example.jp"
ENGLISH = {"Accept-Language": "en"}
# What the national administrator may open besides the national pages: their own account's
# pages and what anyone may open (the residents' form, the API's description, the app's files).
OWN_ACCOUNT = {
    "static", "main.home", "main.set_language", "ops.healthz", "ops.readyz", "auth.login",
    "auth.logout", "auth.two_factor", "auth.second_factor", "auth.second_factor_setup",
    "notifications.index", "accounts.tokens", "credentials.change_password",
    "credentials.email_change", "credentials.forgot_password", "credentials.forgot_sent",
    "public.request_form", "public.status", "portal.manifest", "portal.service_worker",
    "api-docs.openapi_json", "api_docs.docs",
}  # fmt: skip


@pytest.fixture
def national(app, db, set_programme, make_supporter):
    """Ibaraki (one certified supporter: a small count) and Gunma, and a national administrator
    created as the README says."""
    set_programme()
    make_supporter(name="Lê Thị Hoa")
    add_programme(draft_for_prefecture("10"), None)
    db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", EMAIL, "--password", PASSWORD, "--role",
              "national_admin", "--name", "National Admin"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    client = app.test_client()
    assert Auth(client).login(EMAIL).status_code == 302
    return client


def test_the_account_belongs_to_no_programme(app, national):
    with tenancy.using(None):
        user = _db.session.scalar(select(User).where(User.email == EMAIL))
    assert user.role == Role.NATIONAL_ADMIN and user.programme_id is None
    refused = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "n2@example.jp", "--password", PASSWORD, "--role",
              "national_admin", "--name", "N", "--programme", "08"]
    )  # fmt: skip
    assert refused.exit_code == 2 and "belongs to no programme" in refused.output


def test_programmes_and_national_figures_with_small_counts_hidden(national):
    assert national.get("/").headers["Location"] == "/national/"
    page = national.get("/national/", headers=ENGLISH).get_data(as_text=True)
    listed = page.split('data-testid="programmes"')[1].split("</table>")[0]
    assert "IBARAKI" in listed and "Gunma" in listed

    figures = national.get("/national/?first=2026-10&last=2026-11", headers=ENGLISH)
    assert figures.status_code == 200
    table = figures.get_data(as_text=True).split('data-testid="national-figures"')[1]
    table = table.split("</table>")[0]
    assert "Certified supporters" in table and ">X<" in table  # the total of one supporter
    assert "Lê Thị Hoa" not in figures.get_data(as_text=True)

    csv = national.get("/national/aggregates.csv?first=2026-10&last=2026-11", headers=ENGLISH)
    assert csv.headers["Content-Type"].startswith("text/csv")
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Prefecture code,Programme name,Cases")
    assert [line.split(",")[0] for line in lines[1:]] == ["08", "10", ""]  # each, then the total
    # Officials' reports give the number of certified supporters exactly (it names nobody);
    # a total below the threshold (here 1) is hidden as any small count.
    assert lines[1].split(",")[5] == "1" and lines[-1].split(",")[5] == "X"

    wrong = national.get("/national/?first=2026-13", headers=ENGLISH)
    assert wrong.status_code == 422 and "YYYY-MM" in wrong.get_data(as_text=True)


def test_adding_a_programme_and_a_prefecture_only_once(national):
    added = post_form(
        national, "/national/programmes/new", {"prefecture_code": "13"}, headers=ENGLISH
    )
    assert added.status_code == 302 and added.headers["Location"] == "/national/"
    with tenancy.using(None):
        tokyo = _db.session.scalar(select(Programme).where(Programme.prefecture_code == "13"))
        assert tokyo is not None and tokyo.name_ja.startswith("東京都")
        started = _db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "programme_started", AuditEvent.programme_id == tokyo.id
            )
        )
        assert started is not None
    again = post_form(
        national, "/national/programmes/new", {"prefecture_code": "10"}, headers=ENGLISH
    )
    assert again.status_code == 422
    assert "This prefecture already has a programme." in again.get_data(as_text=True)


def test_every_other_page_is_refused(app, national):
    """Generated from the URL map: every page without a record in its address, and every page
    naming record 1, answers the national administrator with a refusal (or a redirect), never
    with a page — apart from the national pages and their own account's."""
    opened = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in OWN_ACCOUNT:
            continue
        if rule.endpoint.startswith("national."):
            continue
        values = {name: 1 for name in rule.arguments}
        if "month" in rule.arguments:
            values["month"] = "2026-10"
        if "action" in rule.arguments or "fmt" in rule.arguments:
            continue  # formats are covered by the route without them
        try:
            with app.test_request_context():
                from flask import url_for

                path = url_for(rule.endpoint, **values)
        except Exception:  # a converter this loop does not fill
            continue
        answer = national.get(path)
        if answer.status_code == 200:
            opened.append((rule.endpoint, path))
    assert opened == []


def test_the_api_refuses_a_national_administrators_token(app, national):
    """An API token of their own gives the national administrator nothing of a programme's."""
    from supporters.api.tokens import issue_token

    with tenancy.using(None):
        user = _db.session.scalar(select(User).where(User.email == EMAIL))
        _row, token = issue_token(user, "national", 30)
        _db.session.commit()
    client = app.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    reports = ("/api/v1/reports/monthly/2026-10", "/api/v1/reports/coverage")
    for path in ("/api/v1/supporters", "/api/v1/requests", "/api/v1/activities", *reports):
        assert client.get(path, headers=bearer).status_code == 403, path
