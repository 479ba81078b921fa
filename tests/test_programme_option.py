"""Commands that work on one programme's records name it when several run (``--programme``).

User story: "As the operator of a national installation, my cron line closes Gunma's month and
writes Gunma's report; a line that forgets to say which programme is refused, rather than
closing whichever programme came first."
"""

import json
from datetime import date

from sqlalchemy import select

from supporters import tenancy
from supporters.models import StipendMonth
from supporters.models.programme import Programme
from supporters.programme.service import add_programme, draft_for_prefecture

OCTOBER = date(2026, 10, 1)


def _two_programmes(db, set_programme) -> dict[str, int]:
    set_programme()  # Ibaraki (08), the first
    add_programme(draft_for_prefecture("10"), None)
    db.session.commit()
    return dict(db.session.execute(select(Programme.prefecture_code, Programme.id)).all())


def _closed(app, programme_id: int) -> bool:
    with app.app_context(), tenancy.using(programme_id):
        return tenancy.get_keyed(StipendMonth, OCTOBER) is not None


def test_without_a_programme_the_command_is_refused_and_nothing_changes(app, db, set_programme):
    ids = _two_programmes(db, set_programme)
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["stipends", "close", "2026-10", "--yes"])
    assert refused.exit_code == 2
    assert "runs 2 programmes: name one with --programme" in refused.output
    unknown = runner.invoke(args=["stipends", "close", "2026-10", "--yes", "--programme", "47"])
    assert unknown.exit_code == 2 and "no programme for the prefecture '47'" in unknown.output
    assert not _closed(app, ids["08"]) and not _closed(app, ids["10"])


def test_the_named_programme_is_the_one_worked_on(app, db, set_programme, make_supporter, tmp_path):
    ids = _two_programmes(db, set_programme)
    with tenancy.using(ids["10"]):
        make_supporter(name="Ana Souza", home="10524", languages=(("pt", "native"),))
    runner = app.test_cli_runner()
    closed = runner.invoke(args=["stipends", "close", "2026-10", "--yes", "--programme", "群馬県"])
    assert closed.exit_code == 0, closed.output
    assert _closed(app, ids["10"]) and not _closed(app, ids["08"])

    # A cron line can name it once, in the environment.
    again = runner.invoke(
        args=["stipends", "close", "2026-10", "--yes"], env={"YORISOI_PROGRAMME": "08"}
    )
    assert again.exit_code == 0, again.output
    assert _closed(app, ids["08"])

    booked = {}
    for code in ("08", "10"):
        out = tmp_path / f"{code}.json"
        report = runner.invoke(
            args=["report", "monthly", "2026-10", "--format", "json", "--exact", "--out", str(out)],
            env={"YORISOI_PROGRAMME": code},
        )
        assert report.exit_code == 0, report.output
        booked[code] = json.loads(out.read_text(encoding="utf-8"))["stipends"]["booked_yen"]
    assert booked == {"08": 0, "10": 2000}  # Gunma's certified supporter, Gunma's month


def test_with_one_programme_nothing_needs_naming(app, db, set_programme):
    set_programme()
    result = app.test_cli_runner().invoke(args=["stipends", "close", "2026-10", "--yes"])
    assert result.exit_code == 0, result.output
