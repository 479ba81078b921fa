"""Bar charts as SVG strings, drawn on the server: the same markup in the page and in the PDF.

No script, no external resource and no ``style`` attribute (the CSP forbids inline style):
only presentation attributes. A hidden value (``"X"``) is written, not drawn.
"""

from markupsafe import Markup, escape

FONT = "IPAexGothic, 'Noto Sans CJK JP', sans-serif"
BAR = "#2f6f9f"
INK = "#222222"
GRID = "#cccccc"


def _number(value) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _text(value) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def horizontal_bars(title: str, items: list[tuple[str, object]], width: int = 640) -> Markup:
    """One bar per (label, value), scaled to the largest, values at the bar ends; the title is
    the SVG's accessible name (the page's heading shows it)."""
    label_width, value_width, row, top = 230, 70, 26, 4
    height = top + row * max(len(items), 1) + 10
    largest = max((_number(value) for _label, value in items), default=0.0) or 1.0
    span = width - label_width - value_width - 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" font-family="{FONT}" '
        f'font-size="13" fill="{INK}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(items):
        y = top + i * row
        length = round(span * _number(value) / largest, 1)
        parts += [
            f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end">{escape(label)}</text>',
            f'<rect x="{label_width}" y="{y + 4}" width="{length}" height="{row - 8}" '
            f'fill="{BAR}"/>',
            f'<text x="{label_width + length + 6}" y="{y + 17}">{escape(_text(value))}</text>',
        ]
    parts.append("</svg>")
    return Markup("".join(parts))


def vertical_bars(title: str, items: list[tuple[str, object]], width: int = 640) -> Markup:
    """One column per (label, value), e.g. cases per month, labels under the columns."""
    top, bottom, left = 20, 24, 10
    height = 200
    plot = height - top - bottom
    count = max(len(items), 1)
    slot = (width - 2 * left) / count
    largest = max((_number(value) for _label, value in items), default=0.0) or 1.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" font-family="{FONT}" '
        f'font-size="12" fill="{INK}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top + plot}" x2="{width - left}" y2="{top + plot}" '
        f'stroke="{GRID}"/>',
    ]
    for i, (label, value) in enumerate(items):
        x = left + i * slot
        bar = round(plot * _number(value) / largest, 1)
        centre = round(x + slot / 2, 1)
        parts += [
            f'<rect x="{round(x + slot * 0.15, 1)}" y="{round(top + plot - bar, 1)}" '
            f'width="{round(slot * 0.7, 1)}" height="{bar}" fill="{BAR}"/>',
            f'<text x="{centre}" y="{round(top + plot - bar - 4, 1)}" text-anchor="middle">'
            f"{escape(_text(value))}</text>",
            f'<text x="{centre}" y="{top + plot + 16}" text-anchor="middle">{escape(label)}</text>',
        ]
    parts.append("</svg>")
    return Markup("".join(parts))
