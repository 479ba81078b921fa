"""The dashboard shows real figures: certified against target, languages, municipalities."""

from supporters.roster import roster_summary


def test_summary_counts_only_certified_supporters(db, make_supporter):
    make_supporter("A", (("vi", "native"), ("en", "fluent")), home="08204", served=("08211",))
    make_supporter("B", (("zh", "native"),), home="08220")
    make_supporter("C", (("ne", "native"),), home="08201", status="suspended")
    make_supporter("D", (("th", "native"),), home="08201", status="applicant")
    make_supporter("E", (("si", "native"),), home="08202", status="retired")

    summary = roster_summary(target=150, target_fiscal_year=2029)

    assert summary.certified == 2
    assert summary.by_status == {"applicant": 1, "certified": 2, "suspended": 1, "retired": 1}
    assert summary.target_percent == 1
    assert {lang.code: n for lang, n in summary.language_counts} == {"vi": 1, "en": 1, "zh": 1}
    assert summary.languages_total == 21
    assert "ne" in {lang.code for lang in summary.uncovered_languages}
    assert {m.code for m, _n in summary.reached_municipalities} == {"08204", "08211", "08220"}
    assert summary.municipalities_total == 44
    assert len(summary.unreached_municipalities) == 41


def test_summary_scoped_to_an_officers_municipalities(db, make_supporter):
    make_supporter("Koga", (("vi", "native"),), home="08204")
    make_supporter("Joso serving Koga", (("pt", "native"),), home="08211", served=("08204",))
    make_supporter("Mito", (("zh", "native"),), home="08201")

    summary = roster_summary(150, 2029, scope=frozenset({"08204"}))

    assert summary.certified == 2
    assert {lang.code for lang, _n in summary.language_counts} == {"vi", "pt"}
    assert summary.municipalities_total == 1
    assert [(m.code, n) for m, n in summary.reached_municipalities] == [("08204", 2)]


def test_dashboard_page_shows_the_figures(client, auth, users, make_supporter):
    make_supporter("Lan", (("vi", "native"),), home="08220")
    auth.login("coordinator@example.jp")
    page = client.get("/dashboard/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    # users' own supporter (Koga, vi) + Lan (Tsukuba, vi)
    assert 'data-testid="certified">2<' in page
    assert 'data-testid="languages">1<' in page
    assert 'data-testid="municipalities">2<' in page
    assert "/ 150" in page
    assert "Mito" in page  # listed among municipalities without a supporter


def test_officer_dashboard_is_scoped(client, auth, users, make_supporter):
    make_supporter("Mito person", (("zh", "native"),), home="08201")
    auth.login("municipal_officer@example.jp")
    page = client.get("/dashboard/").get_data(as_text=True)
    assert 'data-testid="certified">1<' in page
    assert 'data-testid="municipalities">1<' in page
