"""The gap map as standalone SVG markup: works offline, in HTML pages and in the PDF report.

Each municipality is a circle at its centroid (an equirectangular projection, longitudes
scaled by the cosine of the mean latitude), sized by residents and coloured by the severity of
its gap, with a ``<title>`` tooltip and a legend. No external resources, no script, no
``style`` attributes (the app's CSP forbids inline style); only presentation attributes.
"""

import math
from html import escape

from flask_babel import format_number
from flask_babel import gettext as _

from supporters.coverage.analysis import (
    COVERED,
    CRITICAL,
    GAP,
    MINOR,
    NONE,
    SEVERITIES,
    CoverageMatrix,
)
from supporters.coverage.labels import SEVERITY_LABELS, count_text
from supporters.i18n import current_locale

COLOURS = {
    CRITICAL: "#b2182b",
    GAP: "#ef8a62",
    MINOR: "#fddbc7",
    COVERED: "#4393c3",
    NONE: "#d9d9d9",
}
MIN_RADIUS, MAX_RADIUS = 3.0, 22.0
LABELLED = 10  # name the municipalities with the most residents
LEGEND_WIDTH = 230
FONT = "'Noto Sans CJK JP', 'Noto Sans JP', sans-serif"


def _worst(severities: list[str]) -> str:
    return min(severities, key=SEVERITIES.index) if severities else NONE


def _points(matrix: CoverageMatrix, language: str | None) -> list[tuple]:
    """(place, residents, severity, detail lines) for each municipality."""
    locale = current_locale()
    names = {lang.code: lang.name(locale) for lang in matrix.languages}
    points = []
    for place, cells in matrix.rows():
        if language is not None:
            cells = [cell for cell in cells if cell.language_code == language]
            residents = sum(cell.residents for cell in cells)
        else:
            residents = place.residents
        severity = _worst([cell.severity for cell in cells])
        details = [
            _(
                "%(language)s: %(residents)s residents, %(in_person)s in person, "
                "%(remote)s remote, %(unfilled)s unfilled",
                language=names[cell.language_code],
                residents=format_number(cell.residents),
                in_person=format_number(cell.in_person_supporters),
                remote=format_number(cell.remote_supporters),
                unfilled=count_text(cell.unfilled_requests),
            )
            for cell in sorted(cells, key=lambda c: (-c.score, -c.residents, c.language_code))
            if cell.is_gap or language is not None
        ][:5]
        points.append((place, residents, severity, details))
    return points


def gap_map_svg(
    matrix: CoverageMatrix,
    language: str | None = None,
    width: int = 640,
    title: str | None = None,
) -> str:
    """SVG markup of the municipalities coloured by gap (all languages, or one ``language``).

    Sized ``width`` pixels wide (the height follows the prefecture's shape); the viewBox lets
    it scale. Text is in the current locale; escape-safe, so it can be embedded as is.
    """
    locale = current_locale()
    points = _points(matrix, language)
    map_width = width - LEGEND_WIDTH
    pad = MAX_RADIUS + 4
    if points:
        lats = [p[0].latitude for p in points]
        lons = [p[0].longitude for p in points]
    else:
        lats, lons = [36.0, 37.0], [139.7, 140.9]
    lat0 = math.radians(sum(lats) / len(lats))
    xs = [lon * math.cos(lat0) for lon in lons]
    span_x = max(max(xs) - min(xs), 1e-6)
    span_y = max(max(lats) - min(lats), 1e-6)
    scale = (map_width - 2 * pad) / span_x
    height = max(int(span_y * scale + 2 * pad), 260)
    biggest = max((p[1] for p in points), default=0) or 1

    def project(lat: float, lon: float) -> tuple[float, float]:
        return (
            pad + (lon * math.cos(lat0) - min(xs)) * scale,
            pad + (max(lats) - lat) * scale,
        )

    heading = title or _("Coverage gaps by municipality")
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="gap-map-title" '
        f'font-family="{escape(FONT)}" font-size="11" class="gap-map">',
        f'<title id="gap-map-title">{escape(heading)}</title>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    ranked = sorted(points, key=lambda p: (-p[1], p[0].code))
    labelled = {p[0].code for p in ranked[:LABELLED] if p[1] > 0}
    # Big circles first, so small ones stay visible on top.
    for place, residents, severity, details in ranked:
        x, y = project(place.latitude, place.longitude)
        r = MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * math.sqrt(residents / biggest)
        tooltip = "\n".join(
            [
                _(
                    "%(name)s: %(residents)s residents",
                    name=place.name(locale),
                    residents=format_number(residents),
                ),
                str(SEVERITY_LABELS[severity]),
                *details,
            ]
        )
        out.append(
            f'<g data-municipality="{escape(place.code)}" data-severity="{severity}">'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{COLOURS[severity]}" '
            f'fill-opacity="0.85" stroke="#333333" stroke-width="0.6">'
            f"<title>{escape(tooltip)}</title></circle></g>"
        )
    for place, _residents, _severity, _details in ranked:
        if place.code in labelled:
            x, y = project(place.latitude, place.longitude)
            out.append(
                f'<text x="{x:.1f}" y="{y + 3:.1f}" text-anchor="middle" fill="#111111" '
                f'font-size="9">{escape(place.name(locale))}</text>'
            )
    out.extend(_legend(width - LEGEND_WIDTH + 10, matrix, language, locale))
    out.append("</svg>")
    return "".join(out)


def _legend(x: float, matrix: CoverageMatrix, language: str | None, locale: str) -> list[str]:
    names = {lang.code: lang.name(locale) for lang in matrix.languages}
    subject = names.get(language or "", _("All languages"))
    lines = [
        f'<g class="legend"><text x="{x}" y="20" font-size="12" font-weight="bold">'
        f"{escape(subject)}</text>"
    ]
    y = 40
    for severity in SEVERITIES:
        lines.append(
            f'<rect x="{x}" y="{y - 9}" width="12" height="12" fill="{COLOURS[severity]}" '
            f'stroke="#333333" stroke-width="0.6"/>'
            f'<text x="{x + 18}" y="{y + 1}">{escape(str(SEVERITY_LABELS[severity]))}</text>'
        )
        y += 18
    lines.append(f'<text x="{x}" y="{y + 8}">{escape(_("Circle area: foreign residents"))}</text>')
    if matrix.illustrative:
        lines.append(
            f'<text x="{x}" y="{y + 26}" fill="#b2182b" font-weight="bold">'
            f"{escape(_('Illustrative figures, not official statistics'))}</text>"
        )
    lines.append("</g>")
    return lines
