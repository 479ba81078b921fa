"""The printable certificate: Japanese text laid out in HTML and printed to PDF by WeasyPrint.

Only local fonts, named by family in the stylesheet; nothing is fetched from anywhere.
"""

import warnings
from datetime import date
from decimal import Decimal
from pathlib import Path

from flask import current_app, render_template

from supporters.models import Supporter, SupporterStatus
from supporters.programme.settings import current as programme_settings
from supporters.training.service import cohort_of, hours_attended

REIWA_STARTS_ON = date(2019, 5, 1)


def japanese_date(day: date) -> str:
    """A date as written on Japanese official documents: 令和8年11月23日 (令和元年 for 2019)."""
    if day < REIWA_STARTS_ON:  # the programme began in Reiwa; older dates are shown by year
        return f"{day.year}年{day.month}月{day.day}日"
    year = day.year - 2018
    era_year = "元" if year == 1 else str(year)
    return f"令和{era_year}年{day.month}月{day.day}日"


def can_print(supporter: Supporter) -> bool:
    """A certificate exists for a supporter who was certified and is certified or retired now."""
    return (
        supporter.status in (SupporterStatus.CERTIFIED, SupporterStatus.RETIRED)
        and bool(supporter.certificate_number)
        and supporter.certified_on is not None
    )


def training_hours_completed(supporter: Supporter) -> Decimal | None:
    """The training hours the supporter attended, if they finished their cohort's course (more
    than zero hours and at least the hours it requires); ``None`` when the record does not
    show a finished course, so the certificate must not claim one."""
    cohort = cohort_of(supporter)
    if cohort is None:
        return None
    attended = hours_attended(cohort).get(supporter.id, Decimal("0"))
    if attended <= 0 or attended < (cohort.required_hours or 0):
        return None
    return attended


def hours_text(hours: Decimal) -> str:
    """Hours as printed on the certificate: ``12`` or ``12.5`` (no trailing ``.0``)."""
    return f"{hours.normalize():f}"


def certificate_pdf(supporter: Supporter) -> bytes:
    """The certificate of ``supporter`` as PDF bytes (A4 portrait)."""
    with warnings.catch_warnings():
        # WeasyPrint warns once at import when the system lacks libharfbuzz-subset; the PDF is
        # the same without it (fonts are embedded whole instead of subset).
        warnings.filterwarnings("ignore", "HarfBuzz-Subset", DeprecationWarning)
        from weasyprint import CSS, HTML  # heavy import, only when a certificate is printed

    hours = training_hours_completed(supporter)
    html = render_template(
        "training/certificate.html",
        supporter=supporter,
        training_hours=hours_text(hours) if hours is not None else None,
        certified_on=japanese_date(supporter.certified_on),
        retired_on=japanese_date(supporter.retired_on) if supporter.retired_on else None,
        retired=supporter.status == SupporterStatus.RETIRED,
        programme=programme_settings().name_ja,
        issuer=programme_settings().certificate_issuer,
    )
    # No base_url: relative URLs resolve to nothing; the one stylesheet is read from disk.
    stylesheet = CSS(filename=str(Path(current_app.static_folder) / "css" / "certificate.css"))
    return HTML(string=html).write_pdf(stylesheets=[stylesheet])
