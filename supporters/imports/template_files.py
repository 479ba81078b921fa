"""Blank files to fill in: each kind's header in Japanese or English, and one example row.

The example names the programme's own first municipality and language, so a downloaded template
imports as it is (one new row); the Excel file adds a sheet explaining each column. The headers
are spellings the importers accept (``Column.synonyms``) — the tests import every template.
"""

from dataclasses import dataclass

from babel import Locale
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from supporters.clock import today_jst
from supporters.extensions import db
from supporters.labels import CATEGORY_LABELS, LEVEL_LABELS, MODE_LABELS, OUTCOME_LABELS
from supporters.models import (
    ActivityCategory,
    ActivityOutcome,
    LanguageLevel,
    Mode,
    Municipality,
)
from supporters.reference import shipped
from supporters.reference.codes import with_check_digit
from supporters.reference.lookup import programme_prefecture
from supporters.reference_data import reference_data
from supporters.spreadsheets import csv_bytes, xlsx_bytes

LANGUAGES = ("ja", "en")
PREFERRED_LANGUAGES = ("vi", "pt", "zh", "tl", "id", "ne", "en")
ORIGIN_OF = {"vi": "VN", "pt": "BR", "zh": "CN", "tl": "PH", "fil": "PH", "id": "ID", "ne": "NP"}
EXAMPLE_EMAIL = "lan@example.jp"


@dataclass(frozen=True)
class TemplateColumn:
    """A column of a template: the importer's column, its headers, what to write in it."""

    name: str
    ja: str
    en: str
    explanation: object  # lazy text
    required: bool = True


@dataclass(frozen=True)
class Example:
    """The programme's own values an example row names."""

    municipality_ja: str
    municipality_en: str
    language_ja: str
    language_en: str
    language: str


SUPPORTER_COLUMNS = (
    TemplateColumn("display_name", "氏名", "Name", _l("The supporter's name as lists show it.")),
    TemplateColumn("email", "メール", "E-mail", _l("E-mail address (one per supporter).")),
    TemplateColumn("phone", "電話", "Phone", _l("Phone number, e.g. 090-1234-5678.")),
    TemplateColumn(
        "home_municipality",
        "居住市町村",
        "Home municipality",
        _l("Where the supporter lives: the municipality's name (水戸市, 水戸, Mito) or its code."),
    ),
    TemplateColumn(
        "served_municipalities",
        "対応市町村",
        "Served municipalities",
        _l("Other municipalities the supporter serves, separated by “;”."),
        required=False,
    ),
    TemplateColumn(
        "languages",
        "言語",
        "Languages",
        _l(
            "Languages with their level, separated by “;”, e.g. ベトナム語:母語; 英語:流暢. "
            "Levels: 母語 (native), 流暢 (fluent), 日常会話 (conversational)."
        ),
    ),
    TemplateColumn(
        "japanese_level",
        "日本語レベル",
        "Japanese level",
        _l("母語 (native), N1 to N5, or その他 (other)."),
    ),
    TemplateColumn(
        "modes",
        "対応方法",
        "Ways of helping",
        _l("Separated by “;”: 対面 (in person), 電話 (phone), ビデオ (video call)."),
    ),
    TemplateColumn(
        "origins",
        "出身国",
        "Countries of origin",
        _l("Country names or ISO codes, separated by “;”."),
        required=False,
    ),
    TemplateColumn(
        "monthly_case_cap",
        "月の上限件数",
        "Monthly case cap",
        _l("At most this many cases a month (1 to 60); 4 when empty."),
        required=False,
    ),
    TemplateColumn("notes", "備考", "Notes", _l("Anything else (optional)."), required=False),
)
ACTIVITY_COLUMNS = (
    TemplateColumn(
        "supporter_email",
        "メール",
        "Supporter e-mail",
        _l("The e-mail of a supporter in the registry (or a supporter_id column)."),
    ),
    TemplateColumn("happened_on", "日付", "Date", _l("The day, e.g. 2026-04-01 or 2026/4/1.")),
    TemplateColumn("duration_minutes", "時間(分)", "Minutes", _l("How long, in minutes.")),
    TemplateColumn(
        "category",
        "区分",
        "Category",
        _l("行政手続, 病院, 情報発信, 子育て, 仕事・労働 or 生活 (or the English words)."),
    ),
    TemplateColumn("mode", "方法", "Mode", _l("対面 (in person), 電話 (phone) or ビデオ (video).")),
    TemplateColumn(
        "municipality",
        "市町村",
        "Municipality",
        _l("Where it happened: the municipality's name or code."),
    ),
    TemplateColumn(
        "language",
        "言語",
        "Language",
        _l("The language used: its name (ベトナム語, Vietnamese) or code."),
        required=False,
    ),
    TemplateColumn(
        "outcome",
        "結果",
        "Outcome",
        _l("解決した, 一部解決, 解決しなかった or 他の窓口につないだ (not for information)."),
        required=False,
    ),
    TemplateColumn(
        "people_reached",
        "人数",
        "People reached",
        _l("For information dissemination: how many people it reached."),
        required=False,
    ),
    TemplateColumn(
        "follow_up", "要フォロー", "Follow-up", _l("はい or いいえ (yes or no)."), required=False
    ),
    TemplateColumn("notes", "備考", "Notes", _l("Anything else (optional)."), required=False),
)
MUNICIPALITY_COLUMNS = (
    TemplateColumn(
        "code", "団体コード", "Code", _l("The JIS code: 5 digits, or 6 with the check digit.")
    ),
    TemplateColumn("name_ja", "市町村名", "Japanese name", _l("The name in Japanese.")),
    TemplateColumn("name_en", "英語名", "English name", _l("The name in romaji.")),
    TemplateColumn("kana", "よみ", "Reading", _l("The reading in hiragana."), required=False),
    TemplateColumn(
        "kind", "種別", "Kind", _l("市, 町, 村 or 区 (city, town, village, ward)."), required=False
    ),
    TemplateColumn("latitude", "緯度", "Latitude", _l("Latitude of the centre, e.g. 36.37.")),
    TemplateColumn("longitude", "経度", "Longitude", _l("Longitude of the centre, e.g. 140.47.")),
)
RESIDENT_COLUMNS = (
    TemplateColumn(
        "municipality",
        "市町村",
        "Municipality",
        _l("The municipality's name (水戸市, 水戸, Mito) or its code."),
    ),
    TemplateColumn(
        "nationality",
        "国籍",
        "Nationality",
        _l(
            "The nationality as the statistics print it (ブラジル, ベトナム, 中国), in English, "
            "or its two-letter code (BR). The published statistics of foreign residents "
            "(在留外国人統計) can also be uploaded as downloaded, without this template."
        ),
    ),
    TemplateColumn("residents", "人数", "Residents", _l("How many residents, e.g. 1,234.")),
)
TEMPLATES = {
    "supporters": SUPPORTER_COLUMNS,
    "activities": ACTIVITY_COLUMNS,
    "municipalities": MUNICIPALITY_COLUMNS,
    "residents": RESIDENT_COLUMNS,
}


def example() -> Example:
    """The programme's first municipality and a language it has (fallbacks when it has none)."""
    data = reference_data()
    home = programme_prefecture()
    places = [m for m in data.municipalities.values() if not m.valid_until]
    place = next((m for m in places if m.prefecture_code == home), places[0] if places else None)
    active = [ref for ref in data.languages.values() if ref.retired_on is None]
    language = next(
        (data.languages[c] for c in PREFERRED_LANGUAGES if c in data.languages and not
         data.languages[c].retired_on),
        active[0] if active else None,
    )  # fmt: skip
    return Example(
        place.name_ja if place else "水戸市",
        place.name_en if place else "Mito",
        language.name_ja if language else "ベトナム語",
        language.name_en if language else "Vietnamese",
        language.code if language else "vi",
    )


def _country(code: str, lang: str) -> str:
    origin = ORIGIN_OF.get(code)
    return Locale(lang).territories.get(origin, "") if origin else ""


def _example_row(kind: str, lang: str, ex: Example) -> dict[str, object]:
    ja = lang == "ja"
    place = ex.municipality_ja if ja else ex.municipality_en
    language = ex.language_ja if ja else ex.language_en
    if kind == "supporters":
        return {
            "display_name": "グエン・ティ・ラン" if ja else "Nguyen Thi Lan",
            "email": EXAMPLE_EMAIL,
            "phone": "090-1234-5678",
            "home_municipality": place,
            "served_municipalities": "",
            "languages": f"{language}:{LEVEL_LABELS[LanguageLevel.NATIVE]}",
            "japanese_level": "N2",
            "modes": f"{MODE_LABELS[Mode.IN_PERSON]}; {MODE_LABELS[Mode.PHONE]}",
            "origins": _country(ex.language, lang),
            "monthly_case_cap": 4,
            "notes": "",
        }
    if kind == "residents":
        country = ORIGIN_OF.get(ex.language, "VN")
        nationality = Locale(lang).territories.get(country, country)
        return {"municipality": place, "nationality": nationality, "residents": 1234}
    if kind == "activities":
        return {
            "supporter_email": EXAMPLE_EMAIL,
            "happened_on": today_jst().isoformat(),
            "duration_minutes": 60,
            "category": CATEGORY_LABELS[ActivityCategory.DAILY_LIFE],
            "mode": MODE_LABELS[Mode.IN_PERSON],
            "municipality": place,
            "language": language,
            "outcome": OUTCOME_LABELS[ActivityOutcome.RESOLVED],
            "people_reached": "",
            "follow_up": "いいえ" if ja else "no",
            "notes": "",
        }
    row = _new_municipality()
    return {
        "code": with_check_digit(row.code) if row else "",
        "name_ja": row.name_ja if row else "",
        "name_en": row.name_en if row else "",
        "kana": row.kana if row else "",
        "kind": {"city": "市", "town": "町", "village": "村"}.get(row.kind, row.kind)
        if row and ja
        else (row.kind if row else ""),
        "latitude": row.latitude if row else "",
        "longitude": row.longitude if row else "",
    }


def _new_municipality():
    """A shipped municipality of the programme's prefecture it has not loaded; else its first
    municipality as stored (the example then imports unchanged)."""
    stored = set(db.session.scalars(select(Municipality.code)))
    home = programme_prefecture() or "08"
    new = next((row for row in shipped.municipalities(home) if row.code not in stored), None)
    if new is not None:
        return new
    refs = [m for m in reference_data().municipalities.values() if m.prefecture_code == home]
    return refs[0] if refs else None


def template_table(kind: str, lang: str) -> tuple[list[str], list[list[object]]]:
    """The header and the example row of ``kind``'s template in ``lang`` (ja or en)."""
    columns = TEMPLATES[kind]
    with force_locale(lang):
        row = _example_row(kind, lang, example())
        values = [str(row[c.name]) if not isinstance(row[c.name], int | float) else row[c.name]
                  for c in columns]  # fmt: skip
    return [getattr(column, lang) for column in columns], [values]


def notes_table(kind: str, lang: str) -> tuple[list[str], list[list[str]]]:
    """The "説明"/"Notes" sheet: each column, whether it is needed, and what to write."""
    with force_locale(lang):
        ja = lang == "ja"
        header = ["列", "必須", "書き方"] if ja else ["Column", "Required", "What to write"]
        yes, no = ("必須", "任意") if ja else ("required", "optional")
        rows = [
            [getattr(c, lang), yes if c.required else no, str(c.explanation)]
            for c in TEMPLATES[kind]
        ]
    return header, rows


def template_file(kind: str, lang: str, file_format: str) -> bytes:
    """The template as CSV (UTF-8 with BOM) or XLSX (with a notes sheet)."""
    headers, rows = template_table(kind, lang)
    if file_format == "csv":
        return csv_bytes(headers, rows)
    notes_headers, notes_rows = notes_table(kind, lang)
    title = "説明" if lang == "ja" else "Notes"
    return xlsx_bytes(
        headers,
        rows,
        title=kind,
        widths=[18] * len(headers),
        more_sheets=[(title, notes_headers, notes_rows)],
    )


def file_name(kind: str, lang: str, file_format: str) -> str:
    """``supporters-template-ja.xlsx``."""
    return f"{kind}-template-{lang}.{file_format}"
