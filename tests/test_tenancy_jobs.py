"""Work that runs by itself runs once per programme, each in its own context ([6/6]).

User story: "As Gunma's coordinator I never get Ibaraki's escalations, reminders or month-end
work: the worker does each programme's work as that programme."
"""

from sqlalchemy import select

from supporters import tenancy
from supporters.extensions import db
from supporters.jobs.work import sweep_offers
from supporters.models import Supporter
from tests.test_tenancy import _programme


def test_each_programme_runs_in_its_own_context(app):
    with app.app_context():
        assert tenancy.for_each_programme(tenancy.current_programme_id) == {None: None}
        db.session.add_all([_programme("08", "茨城", "Ibaraki"), _programme("10", "群馬", "Gunma")])
        db.session.commit()
        ids = tenancy.programme_ids(db.session)
        seen = tenancy.for_each_programme(tenancy.current_programme_id)
        assert seen == {pid: pid for pid in ids}
        assert tenancy.current_programme_id() is None  # the context ends with each run


def test_a_sweep_in_one_programme_reads_only_its_records(app):
    from tests.test_access_matrix import _add_supporter

    with app.app_context():
        db.session.add_all([_programme("08", "茨城", "Ibaraki"), _programme("10", "群馬", "Gunma")])
        db.session.commit()
        a, b = tenancy.programme_ids(db.session)
        with tenancy.using(b):
            _add_supporter("Sok Dara", "dara@example.jp", home="08204")
            db.session.commit()
        found = tenancy.for_each_programme(lambda: db.session.scalars(select(Supporter.id)).all())
        assert found[a] == [] and len(found[b]) == 1
        assert sweep_offers() == (0, 0)  # both programmes swept, the counts summed
