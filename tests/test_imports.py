"""Importing municipalities, supporters and paper records of activities: all rows or none.

User story: "As a coordinator I load the spreadsheets the prefecture already keeps — whatever
Excel saved them as — see what would change, and either every row goes in or I get the list of
every wrong line to fix. Importing the same file twice never doubles anything."
"""

import io
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from supporters.clock import today_jst
from supporters.extensions import db as _db
from supporters.imports.kinds import import_file
from supporters.imports.reading import FileTooLarge, ImportFileError
from supporters.models import Activity, AuditEvent, Municipality, Supporter, SupporterStatus
from supporters.stipends.close import close_month
from tests.conftest import csrf_token


@pytest.fixture(autouse=True)
def in_english(request):
    """Messages are read in English here (Japanese stays the default everywhere else)."""
    if "db" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("db")
    with force_locale("en"):
        yield


def count(model) -> int:
    return _db.session.scalar(select(func.count()).select_from(model))


# --- Municipalities -------------------------------------------------------------------------------

MUNICIPALITIES = (
    "code,name_ja,name_en,kana,kind,latitude,longitude\n"
    "08201,水戸市,Mito City,みとし,city,36.3659,140.4714\n"  # update: new English name
    "０８６００,新しい町,Atarashii,あたらしいまち,,３６．１,１４０．１\n"  # new, full-width
)


def test_municipalities_are_inserted_or_updated_by_code_and_centroids_forgotten(db, app):
    from supporters.help_requests.candidates import centroids

    assert "08600" not in centroids()
    before = count(Municipality)
    result = import_file("municipalities", MUNICIPALITIES.encode(), None)
    db.session.commit()
    assert result.saved and result.errors == []
    assert (result.count("create"), result.count("update")) == (1, 1)
    assert count(Municipality) == before + 1
    new = db.session.get(Municipality, "08600")
    assert (new.kind, new.prefecture_code, new.latitude) == ("town", "08", 36.1)
    assert db.session.get(Municipality, "08201").name_en == "Mito City"
    assert centroids()["08600"] == (36.1, 140.1)  # the cache was cleared
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import_municipalities"))


def test_utf8_bom_and_cp932_read_the_same(db):
    for data in (
        MUNICIPALITIES.encode(),
        MUNICIPALITIES.encode("utf-8-sig"),
        MUNICIPALITIES.encode("cp932"),
    ):
        result = import_file("municipalities", data, None, dry_run=True)
        assert result.errors == []
        assert [row.values["name_ja"] for row in result.rows] == ["水戸市", "新しい町"]


@pytest.mark.parametrize(
    "data",
    [
        b"code,name_ja\n\x81\x20\xff\xfe\n",  # neither UTF-8 nor CP932
        "code,name_ja,name_en\n08201,水戸市,Mito\n".encode("utf-16"),  # NULs everywhere
    ],
)
def test_broken_encodings_are_refused_as_a_whole(db, data):
    with pytest.raises(ImportFileError, match="UTF-8"):
        import_file("municipalities", data, None)


def test_missing_and_extra_columns_are_named(db):
    data = "code,name_ja,latitude,longitude,population\n08201,水戸市,36.3,140.4,1\n".encode()
    result = import_file("municipalities", data, None)
    (error,) = result.errors
    assert error.line == 1
    assert "name_en" in error.message and "population" in error.message
    assert not result.saved


def test_every_bad_row_is_reported_and_nothing_changes(db):
    before = count(Municipality)
    data = (
        "code,name_ja,name_en,latitude,longitude\n"
        "08547,良い村,Good,36.1,140.1\n"  # 2: fine
        "8201,水戸市,Mito,36.3,140.4\n"  # 3: four digits
        "08548,北の町,North,140.1,36.1\n"  # 4: swapped coordinates
        "08547,良い村,Good again,36.1,140.1\n"  # 5: same code as line 2
        "08549,名前,Name,36.1\n"  # 6: a value missing
    ).encode()
    result = import_file("municipalities", data, None)
    assert not result.saved
    lines = {error.line: error.message for error in result.errors}
    assert sorted(lines) == [3, 4, 5, 6]
    assert "8201" in lines[3] and "line 2" in lines[5]
    db.session.commit()
    assert count(Municipality) == before


# --- Supporters -----------------------------------------------------------------------------------

SUPPORTER_HEADER = (
    "display_name,email,phone,home_municipality,served_municipalities,languages,"
    "japanese_level,modes,notes\n"
)


def supporter_row(name, email, home="08204", languages="vi:native", notes="", served=""):
    return f'{name},{email},090-1234-5678,{home},{served},{languages},N2,in_person,"{notes}"\n'


def test_supporters_are_registered_with_their_languages_and_municipalities(db):
    # CP932 cannot hold "ễ": the same file in UTF-8 with a BOM, as Excel saves "CSV UTF-8".
    data = (
        SUPPORTER_HEADER
        + supporter_row("Nguyễn Thị Hoa", "HOA@example.jp", served="08201；08220",
                        languages="vi：native；en：fluent",
                        notes='Says ""hello"", then\nanother line')
        + "Ｍａｒｉａ　Ｓａｎｔｏｓ,maria@example.jp,０９０－１１１１－２２２２,08201,,"
        "pt:native,N3,phone;video,\n"
    ).encode("utf-8-sig")  # fmt: skip
    result = import_file("supporters", data, None)
    db.session.commit()
    assert result.saved, result.errors
    hoa = db.session.scalar(select(Supporter).where(Supporter.email == "hoa@example.jp"))
    assert hoa.status == SupporterStatus.APPLICANT
    assert [(e.language_code, e.level.value) for e in hoa.languages] == [
        ("vi", "native"),
        ("en", "fluent"),
    ]
    assert sorted(m.code for m in hoa.served_municipalities) == ["08201", "08204", "08220"]
    assert hoa.notes == 'Says "hello", then\nanother line'
    maria = db.session.scalar(select(Supporter).where(Supporter.email == "maria@example.jp"))
    assert maria.display_name == "Maria Santos"  # full-width letters and space
    assert maria.phone == "090-1111-2222"
    assert [m.value for m in maria.modes] == ["phone", "video"]


def test_duplicate_emails_in_the_file_and_in_the_registry_are_errors(db, make_supporter):
    make_supporter(email="lan@example.jp")
    before = count(Supporter)
    data = (
        SUPPORTER_HEADER
        + supporter_row("A", "new@example.jp")  # 2
        + supporter_row("B", "NEW@example.jp")  # 3: same as line 2
        + supporter_row("C", "lan@example.jp")  # 4: already registered
        + supporter_row("D", "d@example.jp", home="08999", served="08998")  # 5: unknown codes
        + supporter_row("E", "e@example.jp", languages="vi")  # 6: no level
    ).encode()
    result = import_file("supporters", data, None)
    lines = {error.line: error.message for error in result.errors}
    assert sorted(lines) == [3, 4, 5, 6]
    assert "line 2" in lines[3]
    assert "already uses this e-mail" in lines[4]
    assert "08999" in lines[5] and "08998" in lines[5]
    db.session.commit()
    assert count(Supporter) == before


def test_a_row_with_an_id_updates_and_status_certified_certifies(db, make_supporter):
    applicant = make_supporter(name="Lê Văn Nam", status="applicant", email="nam@example.jp")
    data = (
        "id,display_name,email,phone,home_municipality,languages,japanese_level,modes,"
        "status,certificate_number,certified_on\n"
        f"{applicant.id},Lê Văn Nam,nam@example.jp,090-1234-5678,08201,vi:native,N1,in_person,"
        "certified,INCS-2026-0042,2026/4/1\n"
    ).encode()
    result = import_file("supporters", data, None)
    db.session.commit()
    assert result.saved, result.errors
    assert result.count("update") == 1
    db.session.refresh(applicant)
    assert applicant.home_municipality_code == "08201"
    assert applicant.status == SupporterStatus.CERTIFIED
    assert (applicant.certificate_number, applicant.certified_on) == (
        "INCS-2026-0042",
        date(2026, 4, 1),
    )


def test_refusals_of_the_operations_are_row_errors_too(db, make_supporter):
    """A certificate number taken in the registry is only found by ``certify`` itself."""
    make_supporter(email="holder@example.jp")  # certified as TEST-0001
    data = (
        b"display_name,email,phone,home_municipality,languages,japanese_level,modes,"
        b"status,certificate_number,certified_on\n"
        b"X,x@example.jp,090-1234-5678,08204,vi:native,N2,in_person,certified,TEST-0001,2026-04-01\n"
    )
    before = count(Supporter)
    result = import_file("supporters", data, None)
    assert [e.line for e in result.errors] == [2]
    db.session.commit()
    assert count(Supporter) == before


# --- Activities (paper records) -------------------------------------------------------------------

ACTIVITY_HEADER = (
    "supporter_email,happened_on,duration_minutes,category,mode,municipality,language,outcome,"
    "people_reached,follow_up,notes\n"
)


def activity_rows(email: str, day: date) -> str:
    return (
        f"{email},{day.isoformat()},90,hospital,in_person,08204,vi,resolved,,no,Paper form 12\n"
        f"{email},{day.isoformat()},60,information,phone,08204,,,１，２００,yes,\n"
    )


def test_paper_records_older_than_90_days_import_once(db, make_supporter):
    supporter = make_supporter(email="lan@example.jp")
    old = today_jst() - timedelta(days=200)
    data = (ACTIVITY_HEADER + activity_rows("LAN@example.jp", old)).encode("cp932")
    result = import_file("activities", data, None)
    db.session.commit()
    assert result.saved, result.errors
    logged = db.session.scalars(select(Activity).order_by(Activity.id)).all()
    assert [(a.supporter_id, a.happened_on, a.duration_minutes) for a in logged] == [
        (supporter.id, old, 90),
        (supporter.id, old, 60),
    ]
    assert logged[1].people_reached == 1200 and logged[1].follow_up_needed

    again = import_file("activities", data, None)
    db.session.commit()
    assert again.saved and again.count("unchanged") == 2
    assert count(Activity) == 2


def test_closed_month_future_dates_and_unknown_codes_refuse_the_file(db, make_supporter):
    make_supporter(email="lan@example.jp")
    close_month(date(2025, 10, 1), None)
    db.session.commit()
    data = (
        (
            ACTIVITY_HEADER
            # 2: in a closed month
            + "lan@example.jp,2025-10-15,60,daily_life,in_person,08204,vi,resolved,,,\n"
            + f"lan@example.jp,{today_jst() + timedelta(days=1)},60,daily_life,in_person,08204,vi,"
            "resolved,,,\n"  # 3: future
            + "lan@example.jp,2025-11-03,60,daily_life,in_person,08999,xx,resolved,,,\n"  # 4
            + "nobody@example.jp,2025-11-03,60,daily_life,in_person,08204,vi,,,,\n"  # 5
            + "lan@example.jp,2025-11-04,60,daily_life,in_person,08204,vi,resolved,,,\n"  # 6: fine
            + "lan@example.jp,2025-11-04,60,daily_life,in_person,08204,vi,resolved,,,\n"  # 7: again
        ).encode()
    )
    result = import_file("activities", data, None)
    lines = {error.line: error.message for error in result.errors}
    assert sorted(lines) == [2, 3, 4, 5, 7]
    assert "2025-10" in lines[2] or "10月" in lines[2] or "October" in lines[2]
    assert "08999" in lines[4] and "xx" in lines[4]
    assert "nobody@example.jp" in lines[5] and "Choose how it went." in lines[5]
    assert "line 6" in lines[7]
    db.session.commit()
    assert count(Activity) == 0


def test_dry_run_changes_nothing(db, make_supporter):
    make_supporter(email="lan@example.jp")
    day = today_jst() - timedelta(days=3)
    result = import_file(
        "activities", (ACTIVITY_HEADER + activity_rows("lan@example.jp", day)).encode(), None,
        dry_run=True,
    )  # fmt: skip
    db.session.commit()
    assert result.ok and not result.saved
    assert count(Activity) == 0
    assert not db.session.scalar(select(AuditEvent).where(AuditEvent.action.like("import_%")))


# --- Size limit -----------------------------------------------------------------------------------


@pytest.fixture
def big_file(tmp_path):
    """A 50 MB CSV (a header, then zeros: its content never matters, only its size)."""
    path = tmp_path / "big.csv"
    with open(path, "wb") as fh:
        fh.write(b"code,name_ja,name_en,latitude,longitude\n")
        fh.truncate(50 * 1024 * 1024)
    return path


def test_a_file_over_the_limit_is_refused_by_the_service(db, app):
    limit = app.config["IMPORT_MAX_BYTES"]
    assert limit == 10 * 1024 * 1024
    with pytest.raises(FileTooLarge, match="10 MB"):
        import_file("municipalities", b"x" * (limit + 1), None)


def test_a_50_mb_upload_is_refused_with_413_and_the_limit(client, auth, users, big_file, db):
    auth.login("coordinator@example.jp")
    token = csrf_token(client, "/imports/")
    with open(big_file, "rb") as fh:
        fields = {"csrf_token": token, "kind": "municipalities", "file": FileStorage(fh, "big.csv")}
        # Encoded in memory: the test client would otherwise spool it to an unclosed temp file.
        body, length, boundary = stream_encode_multipart(fields, use_tempfile=False)
    response = client.post(
        "/imports/preview",
        input_stream=body,
        content_length=length,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert length > 50 * 1024 * 1024
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert 'data-testid="file-error"' in html and "10 MB" in html


def test_the_cli_refuses_a_50_mb_file_before_reading_it(app, big_file, monkeypatch):
    import builtins

    opened = []
    real_open = builtins.open
    monkeypatch.setattr(builtins, "open", lambda *a, **k: opened.append(a) or real_open(*a, **k))
    result = app.test_cli_runner().invoke(
        args=["import", "municipalities", str(big_file), "--lang", "en"]
    )
    assert result.exit_code == 1
    assert "larger than the limit of 10 MB" in result.output
    assert str(big_file) not in [str(args[0]) for args in opened]


# --- The console and the CLI ----------------------------------------------------------------------


def test_coordinator_previews_then_confirms(client, auth, users, db):
    auth.login("coordinator@example.jp")
    token = csrf_token(client, "/imports/")
    upload = {
        "csrf_token": token,
        "kind": "municipalities",
        "file": (io.BytesIO(MUNICIPALITIES.encode("cp932")), "municipalities.csv"),
    }
    page = client.post("/imports/preview", data=upload, headers={"Accept-Language": "en"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-testid="confirm-form"' in html and "Atarashii" in html
    assert db.session.get(Municipality, "08600") is None  # the preview saved nothing

    content = html.split('id="content" name="content" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/imports/confirm",
        data={"csrf_token": token, "kind": "municipalities", "content": content},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Municipality, "08600").name_en == "Atarashii"


def test_upload_with_bad_rows_lists_them_and_offers_no_confirmation(client, auth, users, db):
    auth.login("admin@example.jp")
    data = (SUPPORTER_HEADER + supporter_row("A", "not-an-email")).encode()
    page = client.post(
        "/imports/preview",
        data={
            "csrf_token": csrf_token(client, "/imports/"),
            "kind": "supporters",
            "file": (io.BytesIO(data), "supporters.csv"),
        },
    )
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert 'data-testid="row-errors"' in html and 'data-testid="confirm-form"' not in html
    assert "正しいメールアドレスを入力してください" in html  # the registry service's own message


@pytest.mark.parametrize("role", ["municipal_officer", "official", "supporter"])
def test_only_coordinators_and_admins_import(client, auth, users, db, role):
    auth.login(f"{role}@example.jp")
    response = client.post(
        "/imports/preview",
        data={
            "csrf_token": csrf_token(client, "/no-such-page"),
            "kind": "municipalities",
            "file": (io.BytesIO(MUNICIPALITIES.encode()), "m.csv"),
        },
    )
    assert response.status_code == 403
    assert db.session.get(Municipality, "08600") is None


def test_cli_dry_run_then_import(app, tmp_path, db):
    path = tmp_path / "municipalities.csv"
    path.write_bytes(MUNICIPALITIES.encode("utf-8-sig"))
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["import", "municipalities", str(path), "--dry-run", "--lang", "en"])
    assert dry.exit_code == 0, dry.output
    assert "Dry run" in dry.output and "1 new, 1 updated" in dry.output
    assert db.session.get(Municipality, "08600") is None
    done = runner.invoke(args=["import", "municipalities", str(path), "--lang", "en"])
    assert done.exit_code == 0, done.output
    db.session.expire_all()
    assert db.session.get(Municipality, "08600") is not None


def test_cli_lists_every_bad_line_and_exits_1(app, tmp_path, db):
    path = tmp_path / "bad.csv"
    path.write_text("code,name_ja,name_en,latitude,longitude\n1,a,b,0,0\n2,c,d,0,0\n")
    result = app.test_cli_runner().invoke(args=["import", "municipalities", str(path)])
    assert result.exit_code == 1
    assert "line 2:" in result.output and "line 3:" in result.output


# --- All or nothing, even when the import opens the transaction ----------------------------------


def _language_importer():
    """A tiny importer for these tests: one Language per row; the service refuses ``x-bad``."""
    from supporters.imports.base import CREATE, Importer, ParsedRow
    from supporters.imports.reading import Column
    from supporters.models import Language
    from supporters.refusals import Refused

    class LanguageImporter(Importer):
        kind = "languages"
        columns = [Column("code")]

        def check(self, rows):
            return [ParsedRow(line, CREATE, values) for line, values in rows], []

        def apply(self, row):
            if row.values["code"] == "x-bad":
                raise Refused("refused by the service", "code")
            _db.session.add(
                Language(code=row.values["code"], name_ja="-", name_en="-", name_native="-")
            )
            _db.session.flush()

        def audit_object(self):
            return Language()

    return LanguageImporter()


def _languages() -> int:
    from supporters.models import Language

    return count(Language)


def test_a_failed_import_that_opens_the_transaction_leaves_nothing(db):
    from supporters.imports.base import run

    before = _languages()
    db.session.commit()  # nothing open: the import's savepoint is the first statement
    result = run(_language_importer(), b"code\nx-aa\nx-ab\nx-bad\n")
    assert not result.saved and [error.line for error in result.errors] == [4]
    db.session.commit()  # what the caller does next: even a commit keeps nothing
    assert _languages() == before


def test_a_saved_import_that_opened_the_transaction_is_undone_by_the_callers_rollback(db):
    """On SQLite the savepoint nests inside the caller's transaction (transactions.py): before,
    releasing it committed the rows, and a refused request could not take them back."""
    from supporters.imports.base import run

    before = _languages()
    db.session.commit()
    result = run(_language_importer(), b"code\nx-aa\nx-ab\n")
    assert result.saved
    db.session.rollback()  # e.g. the request answers 422 after all
    assert _languages() == before
