"""The coverage analysis: residents of each language group in each municipality against the
certified supporters who can reach them, and the requests of a period; gaps ranked by score.

SQL does the counting (demand by municipality × language through the nationality mapping,
in-person speakers grouped by home and by served municipality, remote speakers by language,
requests by municipality × language); Python then walks the 44 × N cells once, using
geodesic distances between municipality centroids (``geo.Reach``: only the pairs a
great-circle bound cannot decide are measured). No loop ever runs over supporters.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import case, func, or_, select

from supporters.clock import JST
from supporters.coverage.geo import reach as reach_of
from supporters.extensions import db
from supporters.help_requests.duplicates import MERGED_INTO
from supporters.models import (
    HelpRequest,
    NationalityLanguage,
    ProgrammeTarget,
    RequestEvent,
    RequestStatus,
    ResidentCount,
    Supporter,
    SupporterLanguage,
    SupporterStatus,
)
from supporters.models.supporter import supporter_served_municipality as served
from supporters.programme.settings import current as programme_settings
from supporters.reference_data import reference_data
from supporters.stipends.rules import next_month

DEFAULT_MIN_RESIDENTS = 100
GAP_UNFILLED = 2  # this many unfilled requests in the period make a gap even with supply
UNFILLED_POINTS = 2.0  # score per unfilled request in a gap cell
RESIDENTS_PER_POINT = 100  # score per this many residents without a supporter in person
NO_REMOTE_FACTOR = 2.0  # residents count double when nobody can help by phone or video either

# Severity of a cell, most severe first (the map's colours and the matrix's classes use these).
CRITICAL = "critical"  # ≥ threshold residents, nobody in person, nobody remote
GAP = "gap"  # ≥ threshold residents and nobody in person, or repeated unfilled requests
MINOR = "minor"  # residents below the threshold and nobody in person
COVERED = "covered"  # demand or requests, and a supporter in reach in person
NONE = "none"  # no residents, no requests
SEVERITIES = (CRITICAL, GAP, MINOR, COVERED, NONE)
GAP_SEVERITIES = (CRITICAL, GAP, MINOR)


@dataclass(frozen=True)
class Place:
    """A municipality as the matrix and the map need it (``residents``: all nationalities)."""

    code: str
    name_ja: str
    name_en: str
    latitude: float
    longitude: float
    residents: int

    def name(self, locale: str) -> str:
        """The name in the given UI locale (Japanese for ``ja``)."""
        return self.name_ja if locale.startswith("ja") else self.name_en


@dataclass(frozen=True)
class LanguageGroup:
    """A language column of the matrix, with its residents in the analysed municipalities."""

    code: str
    name_ja: str
    name_en: str
    residents: int

    def name(self, locale: str) -> str:
        """The name in the given UI locale (Japanese for ``ja``)."""
        return self.name_ja if locale.startswith("ja") else self.name_en


@dataclass(frozen=True)
class CoverageCell:
    """One municipality × language: demand, supply in reach, requests of the period, severity."""

    municipality_code: str
    language_code: str
    residents: int
    in_person_supporters: int
    remote_supporters: int
    nearest_supporter_km: float | None
    requests: int
    unfilled_requests: int
    severity: str
    score: float

    @property
    def is_gap(self) -> bool:
        """Whether the cell belongs on the recruitment priority list."""
        return self.severity in GAP_SEVERITIES


@dataclass(frozen=True)
class CoverageMatrix:
    """The analysis for one as-of date and period, over the municipalities asked for."""

    as_of: date | None
    first_month: date
    last_month: date
    illustrative: bool
    sources: tuple[str, ...]
    min_residents: int
    radius_km: float
    places: tuple[Place, ...]
    languages: tuple[LanguageGroup, ...]
    cells: dict[tuple[str, str], CoverageCell]

    def cell(self, municipality_code: str, language_code: str) -> CoverageCell:
        """The cell of a municipality and a language."""
        return self.cells[(municipality_code, language_code)]

    def rows(self) -> list[tuple[Place, list[CoverageCell]]]:
        """Each municipality with its cells in the order of ``languages``."""
        return [
            (place, [self.cells[(place.code, lang.code)] for lang in self.languages])
            for place in self.places
        ]

    def gaps(self) -> list[CoverageCell]:
        """The gap cells, ranked: score descending, then municipality code, language code."""
        return sorted(
            (cell for cell in self.cells.values() if cell.is_gap),
            key=lambda c: (-c.score, c.municipality_code, c.language_code),
        )

    def counts(self) -> dict[str, int]:
        """How many cells have each severity."""
        counts = dict.fromkeys(SEVERITIES, 0)
        for cell in self.cells.values():
            counts[cell.severity] += 1
        return counts


def latest_as_of() -> date | None:
    """The most recent as-of date of the imported resident figures."""
    return db.session.scalar(select(func.max(ResidentCount.as_of)))


def as_of_dates() -> list[date]:
    """Every as-of date with resident figures, newest first."""
    return list(
        db.session.scalars(
            select(ResidentCount.as_of).distinct().order_by(ResidentCount.as_of.desc())
        )
    )


def min_residents_for(day: date) -> int:
    """The target's coverage threshold for the fiscal year of ``day`` (or the latest before)."""
    fy = day.year if day.month >= 4 else day.year - 1
    value = db.session.scalar(
        select(ProgrammeTarget.coverage_min_residents)
        .where(ProgrammeTarget.fiscal_year <= fy)
        .order_by(ProgrammeTarget.fiscal_year.desc())
        .limit(1)
    )
    return DEFAULT_MIN_RESIDENTS if value is None else value


def period_bounds(first_month: date, last_month: date) -> tuple[datetime, datetime]:
    """UTC instants from the first JST day of ``first_month`` to the end of ``last_month``."""
    start = datetime.combine(first_month.replace(day=1), time(), JST).astimezone(UTC)
    end = datetime.combine(next_month(last_month.replace(day=1)), time(), JST).astimezone(UTC)
    return start, end


def _demand(as_of: date | None) -> dict[tuple[str, str], int]:
    if as_of is None:
        return {}
    rows = db.session.execute(
        select(
            ResidentCount.municipality_code,
            NationalityLanguage.language_code,
            func.sum(ResidentCount.residents),
        )
        .join(NationalityLanguage, NationalityLanguage.nationality == ResidentCount.nationality)
        .where(ResidentCount.as_of == as_of)
        .group_by(ResidentCount.municipality_code, NationalityLanguage.language_code)
    )
    return {(m, lang): int(n or 0) for m, lang, n in rows}


def _residents_total(as_of: date | None) -> dict[str, int]:
    if as_of is None:
        return {}
    rows = db.session.execute(
        select(ResidentCount.municipality_code, func.sum(ResidentCount.residents))
        .where(ResidentCount.as_of == as_of)
        .group_by(ResidentCount.municipality_code)
    )
    return {m: int(n or 0) for m, n in rows}


def _certified_speakers():
    return (
        select()
        .select_from(SupporterLanguage)
        .join(Supporter, Supporter.id == SupporterLanguage.supporter_id)
        .where(Supporter.status == SupporterStatus.CERTIFIED)
    )


def _in_person_by_home() -> dict[str, dict[str, int]]:
    """language → home municipality → certified in-person speakers living there."""
    rows = db.session.execute(
        _certified_speakers()
        .add_columns(
            SupporterLanguage.language_code, Supporter.home_municipality_code, func.count()
        )
        .where(Supporter.offers_in_person.is_(True))
        .group_by(SupporterLanguage.language_code, Supporter.home_municipality_code)
    )
    table: dict[str, dict[str, int]] = defaultdict(dict)
    for lang, home, n in rows:
        table[lang][home] = n
    return table


def _in_person_by_served() -> dict[tuple[str, str], dict[str, int]]:
    """(language, served municipality) → home → certified in-person speakers serving it."""
    rows = db.session.execute(
        _certified_speakers()
        .join(served, served.c.supporter_id == Supporter.id)
        .add_columns(
            SupporterLanguage.language_code,
            served.c.municipality_code,
            Supporter.home_municipality_code,
            func.count(),
        )
        .where(
            Supporter.offers_in_person.is_(True),
            served.c.municipality_code != Supporter.home_municipality_code,
        )
        .group_by(
            SupporterLanguage.language_code,
            served.c.municipality_code,
            Supporter.home_municipality_code,
        )
    )
    table: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for lang, municipality, home, n in rows:
        table[(lang, municipality)][home] = n
    return table


def _remote() -> dict[str, int]:
    """language → certified speakers offering phone or video."""
    rows = db.session.execute(
        _certified_speakers()
        .add_columns(SupporterLanguage.language_code, func.count())
        .where(or_(Supporter.offers_phone.is_(True), Supporter.offers_video.is_(True)))
        .group_by(SupporterLanguage.language_code)
    )
    return {lang: n for lang, n in rows}


def not_merged(request_id):
    """``not merged_away(request_id)`` (``help_requests.duplicates``) as ``NOT IN`` one list of
    merged requests: the same rows (``request_event.request_id`` is never NULL), one scan of
    the merge events instead of a lookup per request."""
    merged = select(RequestEvent.request_id).where(RequestEvent.code == MERGED_INTO)
    return request_id.not_in(merged)


def _requests(first_month: date, last_month: date) -> dict[tuple[str, str], tuple[int, int]]:
    """(municipality, language) → (requests received, of which unfilled) in the period."""
    start, end = period_bounds(first_month, last_month)
    unfilled = func.sum(case((HelpRequest.status == RequestStatus.UNFILLED, 1), else_=0))
    rows = db.session.execute(
        select(HelpRequest.municipality_code, HelpRequest.language_code, func.count(), unfilled)
        .where(
            HelpRequest.created_at >= start,
            HelpRequest.created_at < end,
            HelpRequest.language_code.is_not(None),
            not_merged(HelpRequest.id),  # a repeat merged into another request: counted there
        )
        .group_by(HelpRequest.municipality_code, HelpRequest.language_code)
    )
    return {(m, lang): (int(n), int(u or 0)) for m, lang, n, u in rows}


def severity_of(
    residents: int, in_person: int, remote: int, requests: int, unfilled: int, min_residents: int
) -> str:
    """How badly a cell lacks supply (see the constants at the top of the module)."""
    no_one_near = residents > 0 and in_person == 0
    if no_one_near and residents >= min_residents:
        return CRITICAL if remote == 0 else GAP
    if unfilled >= GAP_UNFILLED:
        return GAP
    if no_one_near:
        return MINOR
    if residents or requests:
        return COVERED
    return NONE


def score_of(residents: int, in_person: int, remote: int, unfilled: int, severity: str) -> float:
    """Recruitment priority: residents with nobody in person (per 100; double with nobody
    remote either) plus 2 points per unfilled request; 0 for cells that are not gaps."""
    if severity not in GAP_SEVERITIES:
        return 0.0
    points = 0.0
    if in_person == 0 and residents > 0:
        factor = NO_REMOTE_FACTOR if remote == 0 else 1.0
        points += factor * residents / RESIDENTS_PER_POINT
    points += UNFILLED_POINTS * unfilled
    return round(points, 2)


def _places(municipalities: frozenset[str] | None, totals: dict[str, int]) -> tuple[Place, ...]:
    rows = reference_data().municipalities.values()  # in code order
    return tuple(
        Place(m.code, m.name_ja, m.name_en, m.latitude, m.longitude, totals.get(m.code, 0))
        for m in rows
        if municipalities is None or m.code in municipalities
    )


def coverage_matrix(
    as_of: date | None,
    first_month: date,
    last_month: date,
    municipalities: frozenset[str] | None = None,
    min_residents: int | None = None,
    radius_km: float | None = None,
) -> CoverageMatrix:
    """The municipality × language matrix for ``as_of`` (default: the latest figures) and the
    requests received from ``first_month`` to ``last_month`` (first days of JST months).

    ``municipalities`` limits the rows (a municipal officer's area); supporters anywhere still
    count when they can reach those municipalities. Columns are the languages with residents or
    requests in those rows, most residents first.
    """
    as_of = as_of or latest_as_of()
    if min_residents is None:
        min_residents = min_residents_for(last_month)
    if radius_km is None:
        radius_km = float(programme_settings().travel_radius_km)
    demand = _demand(as_of)
    places = _places(municipalities, _residents_total(as_of))
    codes = {place.code for place in places}
    requests = _requests(first_month, last_month)

    by_language: dict[str, int] = defaultdict(int)
    for (m, lang), n in demand.items():
        if m in codes:
            by_language[lang] += n
    for m, lang in requests:
        if m in codes:
            by_language.setdefault(lang, 0)
    names = reference_data().languages
    languages = tuple(
        LanguageGroup(code, names[code].name_ja, names[code].name_en, n)
        for code, n in sorted(by_language.items(), key=lambda item: (-item[1], item[0]))
        if code in names
    )

    by_home = _in_person_by_home()
    by_served = _in_person_by_served()
    remote = _remote()
    reach = reach_of(radius_km)
    cells: dict[tuple[str, str], CoverageCell] = {}
    for place in places:
        for lang in languages:
            in_person, nearest = reach.near(place.code, by_home.get(lang.code, {}))
            for home, n in by_served.get((lang.code, place.code), {}).items():
                if reach.beyond(place.code, home):
                    in_person += n  # serves it from further away (near ones were counted)
            residents = demand.get((place.code, lang.code), 0)
            received, unfilled = requests.get((place.code, lang.code), (0, 0))
            reach_remote = remote.get(lang.code, 0)
            severity = severity_of(
                residents, in_person, reach_remote, received, unfilled, min_residents
            )
            cells[(place.code, lang.code)] = CoverageCell(
                municipality_code=place.code,
                language_code=lang.code,
                residents=residents,
                in_person_supporters=in_person,
                remote_supporters=reach_remote,
                nearest_supporter_km=None if nearest is None else round(nearest, 1),
                requests=received,
                unfilled_requests=unfilled,
                severity=severity,
                score=score_of(residents, in_person, reach_remote, unfilled, severity),
            )

    illustrative = as_of is not None and bool(
        db.session.scalar(
            select(func.count())
            .select_from(ResidentCount)
            .where(ResidentCount.as_of == as_of, ResidentCount.illustrative.is_(True))
        )
    )
    sources = (
        tuple(
            db.session.scalars(
                select(ResidentCount.source)
                .distinct()
                .where(ResidentCount.as_of == as_of, ResidentCount.source != "")
                .order_by(ResidentCount.source)
            )
        )
        if as_of
        else ()
    )
    return CoverageMatrix(
        as_of=as_of,
        first_month=first_month,
        last_month=last_month,
        illustrative=illustrative,
        sources=sources,
        min_residents=min_residents,
        radius_km=radius_km,
        places=places,
        languages=languages,
        cells=cells,
    )


@dataclass(frozen=True)
class Gap:
    """A gap on the recruitment priority list, with its reasons in the current language.

    Counts only: no supporter or resident is named, so officials may see it.
    """

    municipality_code: str
    municipality_name: str  # Japanese, as in prefectural statistics
    municipality_name_en: str
    language_code: str
    language_name: str  # in the language of the caller's locale
    residents: int
    in_person_supporters: int
    remote_supporters: int
    nearest_supporter_km: float | None
    requests: int
    unfilled_requests: int
    score: float
    severity: str
    reasons: list[str]
    summary: str  # "Nepali, Koga area: 412 residents, no supporter within 30 km, …"
    illustrative: bool  # the resident figures are demo data, not statistics


def gaps_of(matrix: CoverageMatrix, limit: int | None = None) -> list[Gap]:
    """The matrix's gaps as ``Gap`` rows with translated reasons, best first."""
    from supporters.coverage.labels import gap_reasons, gap_summary
    from supporters.i18n import current_locale

    locale = current_locale()
    places = {place.code: place for place in matrix.places}
    languages = {lang.code: lang for lang in matrix.languages}
    ranked = matrix.gaps()
    if limit is not None:
        ranked = ranked[:limit]
    rows = []
    for cell in ranked:
        place, lang = places[cell.municipality_code], languages[cell.language_code]
        reasons = gap_reasons(cell, matrix.radius_km)
        rows.append(
            Gap(
                municipality_code=cell.municipality_code,
                municipality_name=place.name_ja,
                municipality_name_en=place.name_en,
                language_code=cell.language_code,
                language_name=lang.name(locale),
                residents=cell.residents,
                in_person_supporters=cell.in_person_supporters,
                remote_supporters=cell.remote_supporters,
                nearest_supporter_km=cell.nearest_supporter_km,
                requests=cell.requests,
                unfilled_requests=cell.unfilled_requests,
                score=cell.score,
                severity=cell.severity,
                reasons=reasons,
                summary=gap_summary(lang.name(locale), place.name(locale), reasons),
                illustrative=matrix.illustrative,
            )
        )
    return rows


def top_gaps(
    as_of: date | None,
    first_month: date,
    last_month: date,
    limit: int = 10,
    municipalities: frozenset[str] | None = None,
) -> list[Gap]:
    """The ``limit`` most pressing gaps for the resident figures of ``as_of`` (default: the
    latest) and the requests of ``first_month``–``last_month``, ranked by score (descending),
    then municipality code and language code. ``municipalities`` limits the rows."""
    matrix = coverage_matrix(as_of, first_month, last_month, municipalities=municipalities)
    return gaps_of(matrix, limit)
