"""Templates to fill in, Excel workbooks, and the preview that says what each row will do.

User story: "As a coordinator I download the template in Japanese or English, fill it in Excel
and upload the workbook (any sheet I name); the preview tells me which rows are new, which
update a supporter and what changes, before anything is saved."
"""

import io

import pytest
from flask_babel import force_locale
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from supporters.extensions import db as _db
from supporters.imports import template_files
from supporters.imports.kinds import import_file
from supporters.imports.reading import ImportFileError
from supporters.models import Supporter
from tests.conftest import csrf_token

KINDS = sorted(template_files.TEMPLATES)


@pytest.fixture(autouse=True)
def in_english(request):
    """Messages are read in English here (Japanese stays the default everywhere else)."""
    if "db" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("db")
    with force_locale("en"):
        yield


def workbook(sheets: dict[str, list[list]]) -> bytes:
    """An XLSX file with the given sheets (name → rows), as Excel would save it."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def supporters_count() -> int:
    return _db.session.scalar(select(func.count()).select_from(Supporter))


@pytest.fixture
def staff(client, auth, users, make_supporter):
    """A coordinator signed in; the activities template's example supporter exists."""
    make_supporter(email=template_files.EXAMPLE_EMAIL.replace("lan@", "other@"))
    auth.login("coordinator@example.jp")
    return client


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_each_template_downloaded_and_uploaded_again_previews_one_clean_row(
    staff, make_supporter, kind, lang, file_format
):
    if kind == "activities":
        make_supporter(email=template_files.EXAMPLE_EMAIL)
    response = staff.get(f"/imports/template?kind={kind}&format={file_format}&lang={lang}")
    assert response.status_code == 200
    assert f"{kind}-template-{lang}.{file_format}" in response.headers["Content-Disposition"]
    data = response.get_data()
    page = staff.post(
        "/imports/preview",
        data={
            "csrf_token": csrf_token(staff, "/imports/"),
            "kind": kind,
            "file": (io.BytesIO(data), f"template.{file_format}"),
            # Resident figures are as of a date, given on the form.
            **({"as_of": "2025-06-30"} if kind == "residents" else {}),
        },
        headers={"Accept-Language": "en"},
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text
    assert 'data-testid="confirm-form"' in text
    expected = "1 new" if kind != "municipalities" else "1 rows"
    assert expected in text


def test_the_supporter_template_is_japanese_with_a_notes_sheet(db):
    data = template_files.template_file("supporters", "ja", "xlsx")
    book = load_workbook(io.BytesIO(data))
    first, notes = book.worksheets
    assert notes.title == "説明"
    header = [cell.value for cell in first[1]]
    assert header[:4] == ["氏名", "メール", "電話", "居住市町村"]
    assert all(cell.font.bold for cell in first[1])
    example = dict(zip(header, [cell.value for cell in first[2]], strict=True))
    assert example["居住市町村"] == "水戸市"
    assert example["言語"] == "ベトナム語:母語"
    assert [row[0].value for row in notes.iter_rows(min_row=2)] == header
    result = import_file("supporters", data, None)
    assert result.saved and result.count("create") == 1


def test_a_named_sheet_is_read_and_a_wrong_name_lists_the_sheets(db):
    header = ["氏名", "メール", "電話", "居住市町村", "言語", "日本語レベル", "対応方法"]
    data = workbook(
        {
            "表紙": [["サポーター名簿 2026年度"]],
            "名簿": [header, ["シルバ・マリア", "maria@example.jp", "09011112222", "水戸",
                              "ポルトガル語:母語", "N3", "対面"]],
        }
    )  # fmt: skip
    before = supporters_count()
    result = import_file("supporters", data, None, sheet="名簿")
    _db.session.commit()
    assert result.saved, [error.message for error in result.errors]
    assert supporters_count() == before + 1
    with pytest.raises(ImportFileError) as wrong:
        import_file("supporters", data, None, sheet="Sheet1")
    assert str(wrong.value) == "The workbook has no sheet named Sheet1 (it has: 表紙, 名簿)."
    # Without a name the first sheet is read: its "header" names no column.
    first = import_file("supporters", data, None, dry_run=True)
    assert first.errors and "Missing columns" in first.errors[0].message


def test_the_page_reads_the_named_sheet_and_confirms_it(staff):
    header = ["Name", "E-mail", "Phone", "Home municipality", "Languages", "Japanese level",
              "Ways of helping"]  # fmt: skip
    row = ["Maria Silva", "maria@example.jp", "090-1111-2222", "Mito", "Portuguese:native", "N3",
           "in person"]  # fmt: skip
    data = workbook({"Cover": [["Supporters"]], "List": [header, row]})
    upload = {
        "csrf_token": csrf_token(staff, "/imports/"),
        "kind": "supporters",
        "file": (io.BytesIO(data), "list.xlsx"),
    }
    wrong = staff.post("/imports/preview", data={**upload, "sheet": "Lsit"})
    assert wrong.status_code == 422
    assert "Cover, List" in wrong.get_data(as_text=True)  # the sheets it has
    upload["file"] = (io.BytesIO(data), "list.xlsx")
    page = staff.post("/imports/preview", data={**upload, "sheet": "List"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text
    assert 'data-action="create"' in text and "→ 08201" in text
    before = supporters_count()
    confirm = dict(
        csrf_token=csrf_token(staff, "/imports/"),
        kind="supporters",
        content=_hidden(text, "content"),
        sheet=_hidden(text, "sheet"),
        as_of="",
        source="",
    )
    assert confirm["sheet"] == "List"
    done = staff.post("/imports/confirm", data=confirm)
    assert done.status_code == 302
    assert supporters_count() == before + 1


def _hidden(page: str, name: str) -> str:
    import re

    match = re.search(rf'id="{name}" name="{name}" type="hidden" value="([^"]*)"', page)
    assert match, name
    return match.group(1)


def test_the_preview_shows_updated_rows_and_what_changes(staff, users):
    own = users["supporter"].supporter
    data = (
        "id,氏名,メール,電話,居住市町村,言語,日本語レベル,対応方法\n"
        f"{own.id},{own.display_name},{own.email},{own.phone},水戸市,ベトナム語:母語,"
        f"{own.japanese_level},対面\n"
    ).encode("utf-8-sig")  # her name is Vietnamese: Excel's "CSV UTF-8"
    page = staff.post(
        "/imports/preview",
        data={
            "csrf_token": csrf_token(staff, "/imports/"),
            "kind": "supporters",
            "file": (io.BytesIO(data), "update.csv"),
        },
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text
    assert 'data-action="update"' in text
    assert 'data-testid="changes"' in text and "home_municipality" in text


def test_the_import_page_links_every_template(staff):
    text = staff.get("/imports/").get_data(as_text=True)
    for kind in KINDS:
        for lang in ("ja", "en"):
            for file_format in ("csv", "xlsx"):
                assert f"kind={kind}&amp;format={file_format}&amp;lang={lang}" in text


def test_an_unknown_template_is_not_found(staff):
    assert staff.get("/imports/template?kind=passwords").status_code == 404
    assert staff.get("/imports/template?kind=supporters&lang=fr").status_code == 404


def test_the_cli_reads_a_named_sheet(app, tmp_path, db):
    header = ["氏名", "メール", "電話", "居住市町村", "言語", "日本語レベル", "対応方法"]
    row = ["マリア", "maria@example.jp", "090-1111-2222", "水戸", "ポルトガル語:母語", "N3", "電話"]
    path = tmp_path / "list.xlsx"
    path.write_bytes(workbook({"表紙": [["名簿"]], "名簿": [header, row]}))
    runner = app.test_cli_runner()
    wrong = runner.invoke(args=["import", "supporters", str(path), "--sheet", "x", "--lang", "en"])
    assert wrong.exit_code == 1 and "(it has: 表紙, 名簿)" in wrong.output
    done = runner.invoke(args=["import", "supporters", str(path), "--sheet", "名簿"])
    assert done.exit_code == 0, done.output
    assert db.session.scalar(select(Supporter).where(Supporter.email == "maria@example.jp"))
