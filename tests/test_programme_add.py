"""A second programme in the same installation, from the command line ([6/6]).

User story: "As the installation's operator I add Gunma's programme beside Ibaraki's with one
command and give it its first administrator; Gunma's people then work in their own programme —
their settings, their supporters — and see nothing of Ibaraki's."
"""

from sqlalchemy import func, select

from supporters import tenancy
from supporters.models import Municipality, Programme, Supporter, User
from tests.conftest import Auth
from tests.test_access_matrix import _add_supporter

STRONG = "kumo-no-ue-no-sora-2026"


def _count(db, model, *where) -> int:
    query = select(func.count()).select_from(model).where(*where)
    return db.session.scalar(query.execution_options(all_programmes=True))


def test_a_second_programme_is_added_with_its_own_administrator(app, db):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["programme", "init", "--prefecture", "08"]).exit_code == 0
    added = runner.invoke(args=["programme", "add", "--prefecture", "10"])
    assert added.exit_code == 0, added.output
    assert "Gunma (10): programme added" in added.output
    assert _count(db, Programme) == 2
    assert _count(db, Municipality, Municipality.prefecture_code == "10") == 35

    again = runner.invoke(args=["programme", "add", "--prefecture", "群馬県"])
    assert again.exit_code != 0 and "already has a programme" in again.output
    assert _count(db, Programme) == 2

    for prefecture, email in (("08", "admin.ibaraki@example.jp"), ("10", "admin.gunma@example.jp")):
        made = runner.invoke(
            args=[
                *("users", "create", "--email", email, "--password", STRONG),
                *("--role", "admin", "--name", "Admin", "--programme", prefecture),
            ]
        )
        assert made.exit_code == 0, made.output
    taken = runner.invoke(
        args=[
            *("users", "create", "--email", "admin.gunma@example.jp", "--password", STRONG),
            *("--role", "admin", "--name", "Again", "--programme", "08"),
        ]
    )
    assert taken.exit_code != 0 and "exists" in taken.output  # an address signs in anywhere
    ibaraki, gunma = (
        db.session.scalar(select(Programme.id).where(Programme.prefecture_code == code))
        for code in ("08", "10")
    )
    homes = dict(
        db.session.execute(
            select(User.email, User.programme_id).execution_options(all_programmes=True)
        ).all()
    )
    assert homes == {"admin.ibaraki@example.jp": ibaraki, "admin.gunma@example.jp": gunma}

    # Gunma's admin registers a supporter: it is Gunma's, and Ibaraki's admin cannot see it.
    client = app.test_client()
    assert Auth(client).login("admin.gunma@example.jp", STRONG).status_code == 302
    settings = client.get("/programme/", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "群馬県" in settings and "茨城県" not in settings
    with app.app_context(), tenancy.using(gunma):
        supporter_id = _add_supporter("Sok Dara", "dara@example.jp", home="10201")
        db.session.commit()
        assert db.session.get(Supporter, supporter_id).programme_id == gunma
    assert client.get(f"/supporters/{supporter_id}").status_code == 200

    other = app.test_client()
    assert Auth(other).login("admin.ibaraki@example.jp", STRONG).status_code == 302
    assert other.get(f"/supporters/{supporter_id}").status_code == 404
    assert "Sok Dara" not in other.get("/supporters/").get_data(as_text=True)
