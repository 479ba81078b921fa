"""Coverage: where residents of a language group have no supporter in reach, and what to recruit.

User story: "As the programme lead I see, for every municipality and language, how many residents
there are and whether a certified supporter can reach them — in person within the travel radius,
or by phone or video — so I know whom to recruit first, and officials see the same gaps."
"""

from datetime import date

import pytest
from sqlalchemy import select

from supporters.clock import today_jst
from supporters.coverage import analysis
from supporters.coverage.analysis import top_gaps
from supporters.extensions import db as _db
from supporters.models import NationalityLanguage, RequestStatus, ResidentCount
from supporters.tenancy import get_keyed

KOGA, MITO, BANDO, TSUKUBA, GOKA = "08204", "08201", "08228", "08220", "08542"
AS_OF = date(2026, 6, 30)


def this_month() -> date:
    return today_jst().replace(day=1)


@pytest.fixture
def demand(db):
    """Nepalese residents in Koga and Goka, Vietnamese in Koga, Filipinos in Mito."""
    mapping = [("NP", "ne"), ("VN", "vi"), ("PH", "tl"), ("PH", "en")]
    db.session.add_all(
        NationalityLanguage(nationality=n, language_code=lang) for n, lang in mapping
    )
    figures = [(KOGA, "NP", 412), (GOKA, "NP", 40), (KOGA, "VN", 900), (MITO, "PH", 150)]
    db.session.add_all(
        ResidentCount(municipality_code=m, nationality=n, residents=r, as_of=AS_OF, source="test")
        for m, n, r in figures
    )
    db.session.commit()


def _cell(municipality: str, language: str, **kwargs):
    matrix = analysis.coverage_matrix(None, this_month(), this_month(), **kwargs)
    return matrix.cell(municipality, language)


def test_supporter_living_within_the_radius_reaches_in_person(demand, make_supporter):
    make_supporter(languages=(("ne", "native"),), home=BANDO)  # 18.7 km from Koga
    cell = _cell(KOGA, "ne")
    assert cell.in_person_supporters == 1
    assert cell.nearest_supporter_km == pytest.approx(18.7, abs=0.2)
    assert not cell.is_gap


def test_supporter_just_outside_the_radius_does_not_reach(demand, make_supporter):
    """Tsukuba is 30.8 km from Koga by the geodesic: inside a 30 km bounding box, not in reach."""
    make_supporter(languages=(("ne", "native"),), home=TSUKUBA)
    cell = _cell(KOGA, "ne")
    assert cell.in_person_supporters == 0
    assert cell.nearest_supporter_km == pytest.approx(30.8, abs=0.2)
    assert cell.severity == analysis.CRITICAL


def test_serving_a_municipality_reaches_it_from_afar(demand, make_supporter):
    make_supporter(languages=(("ne", "native"),), home=MITO, served=[KOGA])
    assert _cell(KOGA, "ne").in_person_supporters == 1
    # Serving Koga does not bring Goka within reach.
    assert _cell(GOKA, "ne").in_person_supporters == 0


def test_remote_supporters_count_apart_and_do_not_close_the_gap(demand, make_supporter):
    make_supporter(languages=(("ne", "native"),), home=MITO, modes=("phone",))
    make_supporter(languages=(("ne", "fluent"),), home=MITO, modes=("video",))
    cell = _cell(KOGA, "ne")
    assert (cell.in_person_supporters, cell.remote_supporters) == (0, 2)
    assert cell.severity == analysis.GAP


def test_only_certified_supporters_count(demand, make_supporter):
    make_supporter(languages=(("ne", "native"),), home=KOGA, status="applicant")
    make_supporter(languages=(("ne", "native"),), home=KOGA, status="suspended")
    make_supporter(languages=(("ne", "native"),), home=KOGA, status="retired")
    assert _cell(KOGA, "ne").in_person_supporters == 0


def test_a_nationality_mapped_to_two_languages_counts_for_both(demand):
    assert _cell(MITO, "tl").residents == 150
    assert _cell(MITO, "en").residents == 150


def test_residents_below_the_threshold_are_a_minor_gap(demand):
    assert _cell(GOKA, "ne").severity == analysis.MINOR
    assert _cell(GOKA, "ne", min_residents=10).severity == analysis.CRITICAL


def _unfilled(make_request, municipality: str, language: str, count: int):
    for n in range(count):
        request = make_request(
            language=language, municipality=municipality, contact=f"080-1111-{n:04d}"
        )
        request.status = RequestStatus.UNFILLED
    _db.session.commit()


def test_repeated_unfilled_requests_are_a_gap_even_with_supply(
    demand, make_supporter, make_request
):
    make_supporter(languages=(("vi", "native"),), home=KOGA)
    assert not _cell(KOGA, "vi").is_gap
    _unfilled(make_request, KOGA, "vi", 1)
    assert not _cell(KOGA, "vi").is_gap
    _unfilled(make_request, KOGA, "vi", 1)
    cell = _cell(KOGA, "vi")
    assert (cell.requests, cell.unfilled_requests, cell.severity) == (2, 2, analysis.GAP)
    # Requests of another period do not count.
    last_year = this_month().replace(year=this_month().year - 1)
    matrix = analysis.coverage_matrix(None, last_year, last_year)
    assert matrix.cell(KOGA, "vi").requests == 0


def test_gap_list_names_municipality_language_and_reasons(
    app, demand, make_supporter, make_request
):
    make_supporter(languages=(("vi", "native"),), home=KOGA)
    make_supporter(languages=(("ne", "native"),), home=MITO, modes=("phone",))
    make_supporter(languages=(("ne", "native"),), home=MITO)  # 68 km away
    _unfilled(make_request, KOGA, "ne", 3)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        gaps = top_gaps(None, this_month(), this_month())
    first = gaps[0]
    assert (first.municipality_code, first.language_code) == (KOGA, "ne")
    assert first.municipality_name == "古河市"
    assert first.language_name == "Nepali"
    assert (first.residents, first.in_person_supporters, first.remote_supporters) == (412, 0, 1)
    assert first.nearest_supporter_km == pytest.approx(67.6, abs=0.2)
    assert first.unfilled_requests == 3
    assert first.score == pytest.approx(4.12 + 6)
    assert first.summary == (
        "Nepali, Koga area: 412 residents, no supporter within 30 km (nearest 68 km), "
        "1 supporter(s) by phone or video, 3 unfilled request(s) in the period"
    )
    assert "3 unfilled request(s) in the period" in first.reasons
    # Covered cells are not on the list; the rest are ranked by score, then codes.
    assert (KOGA, "vi") not in {(g.municipality_code, g.language_code) for g in gaps}
    assert [g.score for g in gaps] == sorted((g.score for g in gaps), reverse=True)
    assert {(g.municipality_code, g.language_code) for g in gaps} == {
        (KOGA, "ne"),
        (GOKA, "ne"),
        (MITO, "tl"),
        (MITO, "en"),
    }
    en, tl = (g for g in gaps if g.municipality_code == MITO)
    assert (en.language_code, tl.language_code) == ("en", "tl")  # equal scores: by code
    assert len(top_gaps(None, this_month(), this_month(), limit=2)) == 2


def test_gap_list_in_japanese_by_default(app, demand):
    with app.test_request_context():
        (first, *_rest) = top_gaps(None, this_month(), this_month())
    assert first.summary.startswith("ベトナム語")  # 900 residents, nobody at all
    assert "古河市" in first.summary


def test_gap_list_limited_to_an_officers_municipalities(app, demand):
    with app.test_request_context():
        gaps = top_gaps(None, this_month(), this_month(), municipalities=frozenset({GOKA}))
    assert [(g.municipality_code, g.language_code) for g in gaps] == [(GOKA, "ne")]


def test_latest_figures_are_used_unless_a_date_is_given(db, demand):
    db.session.add(
        ResidentCount(municipality_code=KOGA, nationality="NP", residents=5, as_of=date(2025, 1, 1))
    )
    db.session.commit()
    assert analysis.latest_as_of() == AS_OF
    assert _cell(KOGA, "ne").residents == 412
    old = analysis.coverage_matrix(date(2025, 1, 1), this_month(), this_month())
    assert old.cell(KOGA, "ne").residents == 5
    assert [lang.code for lang in old.languages] == ["ne"]


def test_no_figures_gives_an_empty_matrix(db):
    matrix = analysis.coverage_matrix(None, this_month(), this_month())
    assert matrix.as_of is None
    assert matrix.languages == ()
    assert len(matrix.places) == 44
    assert db.session.scalar(select(ResidentCount.id)) is None


# --- Pages, map, targets, demo ------------------------------------------------------------------


def test_officer_sees_only_their_municipalities(client, auth, users, demand):
    """The officer of Koga sees Koga's rows, not Mito's or Goka's."""
    auth.login("municipal_officer@example.jp")
    for url in ("/coverage/", "/coverage/matrix", "/coverage/map"):
        html = client.get(url).get_data(as_text=True)
        assert "古河市" in html, url
        assert "水戸市" not in html and "五霞町" not in html, url


def test_official_sees_counts_but_no_names(client, auth, users, demand, make_supporter):
    make_supporter(name="Bishnu Gurung", languages=(("ne", "native"),), home=BANDO)
    auth.login("official@example.jp")
    html = client.get("/coverage/matrix").get_data(as_text=True)
    assert "古河市" in html and "水戸市" in html
    assert "Bishnu" not in html and "Trần" not in html
    assert client.get("/coverage/residents").status_code == 403


def test_illustrative_figures_are_labelled_on_every_page(client, auth, users, db):
    from supporters.coverage.demo import seed_coverage_demo

    seed_coverage_demo()
    db.session.commit()
    auth.login("coordinator@example.jp")
    for url in ("/coverage/", "/coverage/matrix", "/coverage/map"):
        html = client.get(url).get_data(as_text=True)
        assert 'data-testid="illustrative"' in html, url


def test_demo_seed_is_deterministic_and_idempotent(db):
    from supporters.coverage.demo import illustrative_counts, seed_coverage_demo

    first = seed_coverage_demo()
    db.session.commit()
    assert first["resident_rows"] > 44 * 8 and first["targets"] == 5
    assert seed_coverage_demo() == {"mapping_pairs": 0, "resident_rows": 0, "targets": 0}
    totals: dict[str, int] = {}
    for code, _nationality, residents in illustrative_counts():
        totals[code] = totals.get(code, 0) + residents
    assert len(totals) == 44
    biggest = sorted(totals, key=totals.get, reverse=True)[:6]
    assert TSUKUBA in biggest and MITO in biggest and KOGA in biggest
    assert illustrative_counts() == illustrative_counts()
    rows = db.session.scalars(select(ResidentCount)).all()
    assert all(row.illustrative for row in rows)


def test_svg_map_has_a_labelled_tile_per_municipality_and_no_external_urls(app, demand):
    from supporters.coverage.svgmap import gap_map_svg

    with app.test_request_context():
        matrix = analysis.coverage_matrix(None, this_month(), this_month())
        svg = gap_map_svg(matrix, width=600)
        only_nepali = gap_map_svg(matrix, language="ne")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count('rx="3"') == 44  # one tile per municipality, each named on the map
    assert svg.count('font-weight="bold">') >= 44
    assert 'data-municipality="08204" data-severity="critical"' in svg
    assert "<title>" in svg
    for forbidden in ("http://", "https://", "href", "<script", "style=", " on"):
        body = svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert forbidden not in body, forbidden
    assert only_nepali.count('rx="3"') == 44
    assert 'data-municipality="08201" data-severity="none"' in only_nepali


def test_map_page_filters_by_language(client, auth, users, demand):
    auth.login("coordinator@example.jp")
    html = client.get("/coverage/map?lang=tl").get_data(as_text=True)
    assert 'data-municipality="08201" data-severity="critical"' in html
    assert 'data-municipality="08204" data-severity="none"' in html


def test_admin_sets_targets_and_bad_values_are_refused(app, client, auth, users, db):
    from supporters.models import ProgrammeTarget
    from tests.conftest import Auth, post_form

    auth.login("admin@example.jp")
    bad = {
        "fiscal_year": "2027",
        "certified_supporters": "-1",
        "cases_per_year": "2400",
        "coverage_min_residents": "100",
    }
    response = post_form(client, "/coverage/targets", bad)
    assert response.status_code == 422
    assert get_keyed(ProgrammeTarget, 2027) is None

    good = {**bad, "certified_supporters": "130", "languages": ["vi", "ne"]}
    response = post_form(client, "/coverage/targets", good)
    assert response.status_code == 302
    db.session.expire_all()
    target = get_keyed(ProgrammeTarget, 2027)
    assert target.certified_supporters == 130
    assert [lang.language_code for lang in target.languages] == ["ne", "vi"]

    other = app.test_client()
    Auth(other).login("coordinator@example.jp")
    response = post_form(other, "/coverage/targets", good, token_from="/coverage/targets")
    assert response.status_code == 403


def test_progress_counts_certified_supporters_at_each_month_end(app, db, make_supporter):
    from supporters.coverage import targets
    from supporters.coverage.demo import seed_targets

    seed_targets()
    make_supporter(email="a@example.jp")  # certified 2025-05-01
    make_supporter(email="b@example.jp", status="retired")  # certified May, retired 2025-09-01
    db.session.commit()
    progress = targets.target_progress(2025, date(2026, 3, 31))
    trend = {point.month_end: point.certified for point in progress.trend}
    assert trend[date(2025, 4, 30)] == 0
    assert trend[date(2025, 5, 31)] == 2
    assert trend[date(2025, 9, 30)] == 1
    assert progress.certified_now == 1
    assert progress.target_supporters == 110
    assert [row.fiscal_year for row in progress.projection] == [2025, 2026, 2027, 2028, 2029]
    assert not progress.on_track
    assert "vi" in progress.languages_covered and "ne" in progress.languages_missing
