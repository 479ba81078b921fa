"""Tests for the pure matching engine: readable examples plus hypothesis invariants."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from geopy.distance import geodesic
from hypothesis import given, settings
from hypothesis import strategies as st

from supporters.matching import Candidate, Need, rank

JST = ZoneInfo("Asia/Tokyo")
KOGA, MITO, TSUKUBA, JOSO, BANDO = "08204", "08201", "08220", "08211", "08228"
CENTROIDS = {
    KOGA: (36.178, 139.755),
    MITO: (36.366, 140.471),
    TSUKUBA: (36.083, 140.076),
    JOSO: (36.023, 139.994),
    BANDO: (36.048, 139.889),
}
# Monday 2026-06-01, 10:00-12:00 JST.
MONDAY_10 = datetime(2026, 6, 1, 10, 0, tzinfo=JST)
WEEKDAYS_9_TO_17 = tuple((day, time(9), time(17)) for day in range(5))


def hospital_need(**overrides) -> Need:
    values = dict(
        category="hospital",
        mode="in_person",
        language="vi",
        municipality=KOGA,
        starts_at=MONDAY_10,
        ends_at=MONDAY_10 + timedelta(hours=2),
    )
    return Need(**(values | overrides))


def supporter(supporter_id: int = 1, **overrides) -> Candidate:
    values = dict(
        supporter_id=supporter_id,
        name=f"Supporter {supporter_id}",
        status="certified",
        languages={"vi": "fluent"},
        japanese_level="N2",
        modes=frozenset({"in_person", "phone"}),
        home_municipality=KOGA,
        served_municipalities=frozenset({KOGA}),
        gender=None,
        monthly_case_cap=5,
        cases_this_month=1,
        weekly_slots=WEEKDAYS_9_TO_17,
    )
    return Candidate(**(values | overrides))


def ids(result) -> list[int]:
    return [r.candidate.supporter_id for r in result.ranked]


# --- examples -------------------------------------------------------------------------------


def test_vietnamese_hospital_visit_in_koga_prefers_the_local_supporter():
    local = supporter(1)
    far = supporter(2, home_municipality=MITO, served_municipalities=frozenset({MITO, KOGA}))
    result = rank(hospital_need(), [far, local], CENTROIDS)

    assert ids(result) == [1, 2]
    top = result.ranked[0]
    assert "fluent Vietnamese" in top.reasons
    assert "0 km" in top.reasons
    assert "1 case this month" in top.reasons
    assert set(top.parts) >= {"distance", "load", "continuity", "experience"}
    assert result.ranked[1].km == pytest.approx(68, abs=5)
    assert result.emptied_by is None and result.fallbacks == []


def test_reasons_mention_continuity_and_experience():
    helped = supporter(1, helped_residents={"r-7": date(2026, 5, 14)})
    helped = replace(helped, category_experience={"hospital": 4})
    result = rank(hospital_need(resident_key="r-7"), [helped], CENTROIDS)

    reasons = result.ranked[0].reasons
    assert "helped this resident on 2026-05-14" in reasons
    assert "4 hospital cases" in reasons
    assert result.ranked[0].parts["continuity"] > 0


def test_suspended_supporter_never_appears():
    result = rank(hospital_need(), [supporter(1, status="suspended"), supporter(2)], CENTROIDS)
    assert ids(result) == [2]


def test_over_cap_supporter_is_excluded():
    full = supporter(1, monthly_case_cap=3, cases_this_month=3)
    result = rank(hospital_need(), [full], CENTROIDS)
    assert result.ranked == []
    assert result.emptied_by == "capacity"


def test_language_not_specified_accepts_anyone_and_prefers_strong_japanese():
    n3 = supporter(1, languages={"pt": "native"}, japanese_level="N3")
    n1 = supporter(2, languages={"ne": "fluent"}, japanese_level="N1")
    result = rank(hospital_need(language=None), [n3, n1], CENTROIDS)
    assert ids(result) == [2, 1]
    assert "Japanese N1" in result.ranked[0].reasons


def test_lower_level_than_required_is_filtered():
    result = rank(
        hospital_need(min_level="fluent"),
        [supporter(languages={"vi": "conversational"})],
        CENTROIDS,
    )
    assert result.emptied_by == "language"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (dict(status="pending"), "status"),
        (dict(languages={"zh": "native"}), "language"),
        (dict(modes=frozenset({"video"})), "mode"),
        (dict(home_municipality=MITO, served_municipalities=frozenset({MITO})), "location"),
        (dict(weekly_slots=((0, time(13), time(17)),)), "availability"),
        (dict(unavailable_dates=frozenset({date(2026, 6, 1)})), "availability"),
        (
            dict(busy=((MONDAY_10 + timedelta(hours=1), MONDAY_10 + timedelta(hours=3)),)),
            "availability",
        ),
        (dict(cases_this_month=5), "capacity"),
    ],
)
def test_emptied_by_names_the_filter(change, expected):
    result = rank(hospital_need(), [supporter(**change)], CENTROIDS)
    assert result.emptied_by == expected
    assert dict(result.counts_after_each_filter)[expected] == 0


def test_gender_preference_filters():
    result = rank(hospital_need(gender="female"), [supporter(gender="male")], CENTROIDS)
    assert result.emptied_by == "gender"


def test_availability_is_judged_in_jst():
    # 01:00 UTC on Monday is 10:00 JST on Monday.
    start = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
    need = hospital_need(starts_at=start, ends_at=start + timedelta(hours=1))
    assert ids(rank(need, [supporter()], CENTROIDS)) == [1]


def test_phone_ignores_location():
    mito = supporter(1, home_municipality=MITO, served_municipalities=frozenset({MITO}))
    assert ids(rank(hospital_need(mode="phone"), [mito], CENTROIDS)) == [1]


def test_fallbacks_neighbouring_remote_and_referral_last():
    joso = supporter(1, home_municipality=JOSO, served_municipalities=frozenset({JOSO}))
    bando = supporter(2, home_municipality=BANDO, served_municipalities=frozenset({BANDO}))
    mito = supporter(3, home_municipality=MITO, served_municipalities=frozenset({MITO}))
    busy_local = supporter(4, unavailable_dates=frozenset({date(2026, 6, 1)}))
    need = hospital_need(travel_radius_km=10)
    result = rank(need, [joso, bando, mito, busy_local], CENTROIDS)

    assert result.ranked == []
    assert result.emptied_by == "availability"
    kinds = [f.kind for f in result.fallbacks]
    assert kinds[-1] == "referral"
    assert kinds.count("referral") == 1

    neighbouring = [f for f in result.fallbacks if f.kind == "neighbouring"]
    assert [f.municipality for f in neighbouring] == [BANDO, JOSO, MITO]
    assert neighbouring[0].supporter_ids == (2,)
    assert neighbouring[0].km == pytest.approx(
        geodesic(CENTROIDS[KOGA], CENTROIDS[BANDO]).km, abs=0.1
    )

    remote = next(f for f in result.fallbacks if f.kind == "remote")
    assert remote.supporter_ids == (1, 2, 3)
    widen = next(f for f in result.fallbacks if f.kind == "widen_window")
    assert widen.supporter_ids == (4,)


def test_no_candidates_still_offers_referral():
    result = rank(hospital_need(), [], CENTROIDS)
    assert result.emptied_by == "no_candidates"
    assert [f.kind for f in result.fallbacks] == ["referral"]


def test_naive_window_is_rejected():
    with pytest.raises(ValueError):
        rank(hospital_need(starts_at=datetime(2026, 6, 1, 10)), [], CENTROIDS)


# --- properties -----------------------------------------------------------------------------

LEVELS = {"conversational": 1, "fluent": 2, "native": 3}
codes = st.sampled_from([*CENTROIDS, "08999"])  # 08999 has no centroid
window_starts = st.builds(
    lambda day, hour, minute: datetime(2026, 6, 1, hour, minute, tzinfo=JST) + timedelta(days=day),
    st.integers(0, 6),
    st.integers(7, 19),
    st.sampled_from([0, 30]),
)

needs = st.builds(
    lambda start, hours, **kw: Need(starts_at=start, ends_at=start + timedelta(hours=hours), **kw),
    window_starts,
    st.sampled_from([1, 2, 3]),
    category=st.sampled_from(["government_office", "hospital", "childcare", "labor", "daily_life"]),
    mode=st.sampled_from(["in_person", "phone", "video"]),
    language=st.sampled_from([None, "vi", "zh", "pt"]),
    min_level=st.sampled_from(list(LEVELS)),
    municipality=codes,
    gender=st.sampled_from([None, None, None, "female", "male"]),
    resident_key=st.sampled_from([None, "r-1", "r-2"]),
    travel_radius_km=st.sampled_from([10.0, 30.0, 80.0]),
)


ALL_WEEK = tuple((day, time(6), time(22)) for day in range(7))
slot_lists = st.lists(
    st.tuples(
        st.integers(0, 6),
        st.sampled_from([time(6), time(9), time(13)]),
        st.sampled_from([time(12), time(17), time(22)]),
    ),
    max_size=4,
).map(tuple)


@st.composite
def candidates(draw, supporter_id=0):
    start = draw(window_starts)
    return Candidate(
        supporter_id=supporter_id,
        name="x",
        status=draw(st.sampled_from(["certified"] * 6 + ["suspended", "pending"])),
        languages=draw(
            st.dictionaries(
                st.sampled_from(["vi", "zh", "pt", "ne"]),
                st.sampled_from(list(LEVELS)),
                min_size=2,
            )
        ),
        japanese_level=draw(st.sampled_from(["native", "N1", "N2", "N3", "other"])),
        modes=draw(st.frozensets(st.sampled_from(["in_person", "phone", "video"]), min_size=2)),
        home_municipality=draw(codes),
        served_municipalities=draw(st.frozensets(codes, max_size=3)),
        gender=draw(st.sampled_from([None, "female", "male"])),
        monthly_case_cap=draw(st.integers(0, 8)),
        cases_this_month=draw(st.integers(0, 5)),
        weekly_slots=draw(st.one_of(st.just(ALL_WEEK), slot_lists)),
        unavailable_dates=draw(
            st.frozensets(st.dates(date(2026, 6, 1), date(2026, 6, 7)), max_size=1)
        ),
        busy=((start, start + timedelta(hours=draw(st.integers(1, 3)))),)
        if draw(st.integers(0, 3)) == 0
        else (),
        helped_residents=draw(
            st.dictionaries(st.sampled_from(["r-1", "r-2"]), st.just(date(2026, 5, 14)))
        ),
        category_experience=draw(
            st.dictionaries(st.sampled_from(["hospital", "labor"]), st.integers(0, 20))
        ),
    )


pools = st.lists(candidates(), max_size=12).map(
    lambda cs: [replace(c, supporter_id=i + 1) for i, c in enumerate(cs)]
)


def qualifies(need: Need, c: Candidate) -> bool:
    """Independent restatement of the hard filters, written from the issue rather than the code."""
    if c.status != "certified" or need.mode not in c.modes:
        return False
    if need.language and LEVELS.get(c.languages.get(need.language), 0) < LEVELS[need.min_level]:
        return False
    if need.gender and c.gender != need.gender:
        return False
    if need.mode == "in_person" and need.municipality not in c.served_municipalities:
        if c.home_municipality == need.municipality:
            pass
        elif c.home_municipality not in CENTROIDS or need.municipality not in CENTROIDS:
            return False
        else:
            km = geodesic(CENTROIDS[c.home_municipality], CENTROIDS[need.municipality]).km
            if km > need.travel_radius_km:
                return False
    start, end = need.starts_at.astimezone(JST), need.ends_at.astimezone(JST)
    if start.date() in c.unavailable_dates:
        return False
    if not any(
        d == start.weekday() and a <= start.time() and end.time() <= b for d, a, b in c.weekly_slots
    ):
        return False
    if any(not (b_end <= need.starts_at or need.ends_at <= b_start) for b_start, b_end in c.busy):
        return False
    return c.cases_this_month < c.monthly_case_cap


@settings(max_examples=100, deadline=None)
@given(need=needs, pool=pools)
def test_every_ranked_candidate_passes_every_hard_filter(need, pool):
    result = rank(need, pool, CENTROIDS)
    assert sorted(ids(result)) == sorted(c.supporter_id for c in pool if qualifies(need, c))
    assert (result.emptied_by is None) == bool(result.ranked)
    if not result.ranked:
        assert result.fallbacks[-1].kind == "referral"


@settings(max_examples=100, deadline=None)
@given(need=needs, pool=pools, seed=st.randoms(use_true_random=False))
def test_order_is_stable_under_shuffling(need, pool, seed):
    shuffled = list(pool)
    seed.shuffle(shuffled)
    first, second = rank(need, pool, CENTROIDS), rank(need, shuffled, CENTROIDS)
    assert [(r.candidate, r.score) for r in first.ranked] == [
        (r.candidate, r.score) for r in second.ranked
    ]
    scores = [r.score for r in first.ranked]
    assert scores == sorted(scores, reverse=True)


@settings(max_examples=100, deadline=None)
@given(need=needs, pool=pools, extra=candidates(supporter_id=1000))
def test_adding_a_candidate_never_lowers_the_best_score(need, pool, extra):
    before = rank(need, pool, CENTROIDS).ranked
    after = rank(need, [*pool, extra], CENTROIDS).ranked
    if before:
        assert after[0].score >= before[0].score


def test_a_paused_supporter_is_unavailable_until_the_day_after():
    """The pause switch ("not available until …") is inclusive, in JST."""
    need = hospital_need()
    day = need.starts_at.astimezone(JST).date()
    assert ids(rank(need, [supporter(1, paused_until=day)], CENTROIDS)) == []
    assert ids(rank(need, [supporter(1, paused_until=day - timedelta(days=1))], CENTROIDS)) == [1]
