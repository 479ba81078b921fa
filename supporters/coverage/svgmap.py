"""The gap map as standalone SVG markup: works offline, in HTML pages and in the PDF report.

No public source of municipal boundaries ships in the package registries this project uses
(see docs/reference-data.md), so this is an honest tile-grid map: one equal square per
municipality, placed on a grid by its coordinates (those of the municipal office, see
docs/reference-data.md; an equirectangular projection, longitudes scaled by the cosine of the
mean latitude, then each place moved to the nearest free tile).
Every tile prints its name, its residents and a severity mark, so nothing needs hover; the
``<title>`` texts only add detail. No external resources, no script, no ``style`` attributes
(the app's CSP forbids inline style); only presentation attributes.
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
from supporters.coverage.labels import SEVERITY_LABELS, SEVERITY_MARKS, count_text
from supporters.i18n import current_locale

COLOURS = {
    CRITICAL: "#b2182b",
    GAP: "#ef8a62",
    MINOR: "#fddbc7",
    COVERED: "#4393c3",
    NONE: "#d9d9d9",
}
DARK = {CRITICAL, COVERED}  # white text on these fills
TILE, GUTTER = 74, 4
LEGEND_WIDTH = 230
FONT = "'Noto Sans CJK JP', 'Noto Sans JP', sans-serif"


def _worst(severities: list[str]) -> str:
    return min(severities, key=SEVERITIES.index) if severities else NONE


def map_points(matrix: CoverageMatrix, language: str | None) -> list[tuple]:
    """(place, residents, severity, in-person supporters, detail lines) per municipality."""
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
        in_person = sum(cell.in_person_supporters for cell in cells)
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
        points.append((place, residents, severity, in_person, details))
    return points


def tile_layout(places: list) -> dict[str, tuple[int, int]]:
    """Grid (column, row) per municipality code: each place, outlying ones first, takes the
    free tile nearest to where its coordinates fall on a grid about as wide as it is tall."""
    if not places:
        return {}
    lat0 = math.radians(sum(p.latitude for p in places) / len(places))
    xs = {p.code: p.longitude * math.cos(lat0) for p in places}
    ys = {p.code: p.latitude for p in places}
    span_x = max(max(xs.values()) - min(xs.values()), 1e-6)
    span_y = max(max(ys.values()) - min(ys.values()), 1e-6)
    cols = max(1, round(math.sqrt(len(places) * span_x / span_y) * 1.15))
    rows = max(1, math.ceil(len(places) * 1.3 / cols))
    target = {
        p.code: (
            (xs[p.code] - min(xs.values())) / span_x * (cols - 1),
            (max(ys.values()) - ys[p.code]) / span_y * (rows - 1),
        )
        for p in places
    }
    free = {(c, r) for c in range(cols) for r in range(rows + len(places))}
    layout = {}
    # Outlying places first, so the centre fills in around them.
    centre = ((cols - 1) / 2, (rows - 1) / 2)
    order = sorted(places, key=lambda p: (-math.dist(target[p.code], centre), p.code))
    for place in order:
        tx, ty = target[place.code]
        best = min(free, key=lambda t: ((t[0] - tx) ** 2 + (t[1] - ty) ** 2, t[1], t[0]))
        free.remove(best)
        layout[place.code] = best
    return layout


def gap_map_svg(
    matrix: CoverageMatrix,
    language: str | None = None,
    width: int = 640,
    title: str | None = None,
) -> str:
    """SVG markup of the municipalities as tiles coloured by gap (all languages, or one
    ``language``), each labelled with its name, residents and severity mark.

    The drawing's natural width follows the grid (``width`` is a minimum); the viewBox lets it
    scale. Text is in the current locale; escape-safe, so it can be embedded as is.
    """
    locale = current_locale()
    points = map_points(matrix, language)
    layout = tile_layout([p[0] for p in points])
    cols = max((c for c, _r in layout.values()), default=0) + 1
    rows = max((r for _c, r in layout.values()), default=0) + 1
    step = TILE + GUTTER
    pad = 10
    map_width = pad * 2 + cols * step
    width = max(width, map_width + LEGEND_WIDTH)
    height = max(pad * 2 + rows * step, 300)
    heading = title or _("Coverage gaps by municipality")
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="gap-map-title" '
        f'font-family="{escape(FONT)}" font-size="11" class="gap-map">',
        f'<title id="gap-map-title">{escape(heading)}</title>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for place, residents, severity, in_person, details in sorted(points, key=lambda p: p[0].code):
        col, row = layout[place.code]
        x, y = pad + col * step, pad + row * step
        ink = "#ffffff" if severity in DARK else "#111111"
        name = place.name(locale)
        size = 11 if len(name) <= 6 else 9 if len(name) <= 9 else 8
        tooltip = "\n".join(
            [
                _(
                    "%(name)s: %(residents)s residents",
                    name=name,
                    residents=format_number(residents),
                ),
                str(SEVERITY_LABELS[severity]),
                *details,
            ]
        )
        cx = x + TILE / 2
        out.append(
            f'<g data-municipality="{escape(place.code)}" data-severity="{severity}">'
            f'<rect x="{x}" y="{y}" width="{TILE}" height="{TILE}" rx="3" '
            f'fill="{COLOURS[severity]}" stroke="#333333" stroke-width="0.8">'
            f"<title>{escape(tooltip)}</title></rect>"
            f'<text x="{cx}" y="{y + 18}" text-anchor="middle" fill="{ink}" '
            f'font-size="{size}" font-weight="bold">{escape(name)}</text>'
            f'<text x="{cx}" y="{y + 38}" text-anchor="middle" fill="{ink}" font-size="12">'
            f"{escape(format_number(residents))}</text>"
            f'<text x="{cx}" y="{y + 56}" text-anchor="middle" fill="{ink}" font-size="10">'
            f"{escape(SEVERITY_MARKS[severity])} "
            f"{escape(_('%(n)s in person', n=count_text(in_person)))}</text></g>"
        )
    out.extend(_legend(map_width + 10, matrix, language, locale))
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
            f'<text x="{x + 18}" y="{y + 1}">{escape(SEVERITY_MARKS[severity])} '
            f"{escape(str(SEVERITY_LABELS[severity]))}</text>"
        )
        y += 18
    for line in (
        _("One square per municipality,"),
        _("placed by its office; not to scale."),
        _("Square: name, foreign residents,"),
        _("supporters in person."),
    ):
        lines.append(f'<text x="{x}" y="{y + 8}" font-size="10">{escape(line)}</text>')
        y += 16
    if matrix.illustrative:
        warning = _("Illustrative figures, not official statistics")  # outside the f-string:
        lines.append(  # the message extractor does not look inside one
            f'<text x="{x}" y="{y + 18}" fill="#b2182b" font-weight="bold">{escape(warning)}</text>'
        )
    lines.append("</g>")
    return lines
