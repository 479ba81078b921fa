"""Coverage's rules live once, in its services, and every channel shows the same refusal.

User story: "As a coordinator I get the same answer for the same mistake, whether I type the
targets or the nationality mapping on the page or a script calls the service, and whether I
import resident figures on the page or with ``flask import residents``."
"""

import html
import io
import re
from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from supporters.coverage import mapping, targets
from supporters.coverage.forms import MappingAddForm, TargetForm
from supporters.imports.forms import UploadForm
from supporters.imports.kinds import import_file
from supporters.models import NationalityLanguage, ProgrammeTarget, ResidentCount
from supporters.refusals import Refused
from supporters.tenancy import get_keyed
from tests.conftest import csrf_token, post_form

ENGLISH = {"Accept-Language": "en"}

BAD_TARGET = {
    "fiscal_year": 1999,
    "certified_supporters": -1,
    "cases_per_year": 20_000_000,
    "coverage_min_residents": 100,
    "languages": ["vi", "xx"],
    "note": "n" * 1001,
}
BAD_TARGET_FIELDS = {
    "fiscal_year": "Enter a fiscal year between 2000 and 2100.",
    "certified_supporters": "Enter a whole number of 0 or more.",
    "cases_per_year": "Enter a number between 0 and 10000000.",
    "languages": "Unknown language: xx",
    "note": "At most 1000 characters.",
}
BAD_PAIR_FIELDS = {"nationality": "Two letters.", "language": "Unknown language."}
BAD_RESIDENTS = (
    "市町村コード,国籍,人数\n"
    "08201,ベトナム,120\n"  # 2: fine
    "08999,VN,10\n"  # 3: unknown municipality
    "08202,Atlantis,ten\n"  # 4: unknown nationality and not a number
    "08201,VN,3\n"  # 5: the same municipality and nationality as line 2
    "08205,VN\n"  # 6: a value missing
).encode("cp932")


def page_errors(response) -> dict[str, str]:
    """``{field: message}`` of the errors a page shows next to its fields."""
    found = re.findall(r'<p class="error" id="([\w-]+)-error">(.*?)</p>', response.text, re.S)
    return {name: html.unescape(message) for name, message in found}


def service_refusal(call) -> dict[str, str]:
    with pytest.raises(Refused) as refused:
        call()
    return refused.value.field_messages()


# --- Targets --------------------------------------------------------------------------------------


def test_a_bad_target_gets_the_same_fields_on_the_page_and_from_the_service(
    client, auth, users, db
):
    with force_locale("en"):
        draft = targets.TargetDraft(**BAD_TARGET)
        assert service_refusal(lambda: targets.save_target(draft, None)) == BAD_TARGET_FIELDS

    auth.login("admin@example.jp")
    response = post_form(client, "/coverage/targets", BAD_TARGET, headers=ENGLISH)
    assert response.status_code == 422
    assert page_errors(response) == BAD_TARGET_FIELDS
    assert get_keyed(ProgrammeTarget, 1999) is None


def test_blank_target_numbers_are_refused_by_the_service(client, auth, users, db):
    auth.login("admin@example.jp")
    blank = {"fiscal_year": "", "certified_supporters": "", "cases_per_year": "0"}
    response = post_form(client, "/coverage/targets", blank, headers=ENGLISH)
    assert response.status_code == 422
    assert page_errors(response) == {
        "fiscal_year": "Enter a fiscal year between 2000 and 2100.",
        "certified_supporters": "Enter a whole number of 0 or more.",
        "coverage_min_residents": "Enter a whole number of 0 or more.",
    }


def test_the_target_form_only_parses(app):
    """Ranges, known languages and the note's length are the service's alone."""
    with app.test_request_context(method="POST", data={**BAD_TARGET, "languages": ["xx"]}):
        form = TargetForm(meta={"csrf": False})
        form.languages.choices = []
        assert form.validate(), form.errors
        assert form.draft() == targets.TargetDraft(**{**BAD_TARGET, "languages": ["xx"]})
    with app.test_request_context(method="POST", data={"fiscal_year": "twenty"}):
        form = TargetForm(meta={"csrf": False})
        assert not form.validate()  # a number that is not one is the form's (a parse error)
        assert list(form.errors) == ["fiscal_year"]


# --- The nationality mapping ----------------------------------------------------------------------


def test_a_bad_pair_gets_the_same_fields_on_the_page_and_from_the_service(client, auth, users, db):
    with force_locale("en"):
        draft = mapping.PairDraft("V1", "xx")
        assert service_refusal(lambda: mapping.add_pair(draft, None)) == BAD_PAIR_FIELDS

    auth.login("coordinator@example.jp")
    bad = {"nationality": "V1", "language": "xx"}
    response = post_form(client, "/coverage/mapping/add", bad, headers=ENGLISH)
    assert response.status_code == 422
    assert page_errors(response) == BAD_PAIR_FIELDS


def test_a_pair_already_listed_is_refused_once(client, auth, users, db):
    db.session.add(NationalityLanguage(nationality="VN", language_code="vi"))
    db.session.commit()
    with force_locale("en"):
        refusal = service_refusal(lambda: mapping.add_pair(mapping.PairDraft("vn", "vi"), None))
    assert refusal == {"nationality": "This pair is already in the list."}

    auth.login("coordinator@example.jp")
    response = post_form(
        client, "/coverage/mapping/add", {"nationality": "vn", "language": "vi"}, headers=ENGLISH
    )
    assert response.status_code == 422
    assert page_errors(response) == refusal
    gone = {"nationality": "BR", "language": "pt"}
    response = post_form(client, "/coverage/mapping/remove", gone, token_from="/coverage/mapping")
    assert response.status_code == 422  # not in the list: flashed, nothing removed
    count = db.session.scalar(select(func.count()).select_from(NationalityLanguage))
    assert count == 1


def test_the_mapping_form_only_parses(app):
    with app.test_request_context(method="POST", data={"nationality": "V1", "language": "xx"}):
        form = MappingAddForm(meta={"csrf": False})
        form.language.choices = []
        assert form.validate(), form.errors
        assert form.draft() == mapping.PairDraft("V1", "xx")


# --- Resident figures: one import, through the page and the CLI -----------------------------------


def test_the_page_and_the_cli_list_the_same_row_errors(app, client, auth, users, db, tmp_path):
    auth.login("coordinator@example.jp")
    upload = {
        "csrf_token": csrf_token(client, "/imports/?kind=residents"),
        "kind": "residents",
        "file": (io.BytesIO(BAD_RESIDENTS), "residents.csv"),
        "as_of": "2026-06-30",
    }
    page = client.post("/imports/preview", data=upload, headers=ENGLISH)
    assert page.status_code == 422
    rows = re.findall(
        r'<tr><td class="num">(\d+)</td><td>(.*?)</td></tr>',
        page.text.split('data-testid="row-errors"')[1].split("</table>")[0],
    )
    on_page = {int(line): html.unescape(message) for line, message in rows}

    path = tmp_path / "residents.csv"
    path.write_bytes(BAD_RESIDENTS)
    run = app.test_cli_runner().invoke(
        args=["import", "residents", str(path), "--as-of", "2026-06-30", "--lang", "en"]
    )
    assert run.exit_code == 1
    from_cli = {int(line): message for line, message in re.findall(r"line (\d+): (.*)", run.output)}

    with force_locale("en"):
        direct = import_file("residents", BAD_RESIDENTS, None, as_of=date(2026, 6, 30))
    from_service = {error.line: error.message for error in direct.errors}

    assert on_page == from_cli == from_service
    assert on_page == {
        3: "Unknown municipality “08999”.",
        4: "Unknown nationality “Atlantis”. “ten” is not a number of residents.",
        5: "Same municipality and nationality as line 2.",
        6: "2 values instead of 3.",
    }
    assert db.session.scalar(select(func.count()).select_from(ResidentCount)) == 0


def test_a_missing_date_is_refused_by_the_import_on_the_page_and_the_cli(
    app, client, auth, db, tmp_path
):
    with app.test_request_context(method="POST", data={"kind": "residents"}):
        form = UploadForm(meta={"csrf": False})
        form.validate()
        assert "as_of" not in form.errors  # the form does not know the rule
    path = tmp_path / "residents.csv"
    path.write_bytes(BAD_RESIDENTS)
    run = app.test_cli_runner().invoke(args=["import", "residents", str(path), "--lang", "en"])
    assert run.exit_code == 1 and "Give the date of the figures." in run.output


def test_there_is_no_second_resident_import(app, client, auth, db):
    """The coverage console's own upload and ``flask coverage import-residents`` are gone."""
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert "/coverage/residents/preview" not in rules
    assert "/coverage/residents/import" not in rules
    run = app.test_cli_runner().invoke(args=["coverage", "import-residents", "x.csv"])
    assert run.exit_code != 0 and "No such command" in run.output
