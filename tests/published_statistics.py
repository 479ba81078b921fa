"""Files in the layout of the published statistics of foreign residents, for tests.

``published_statistics_xlsx(rows, as_of)`` and ``published_statistics_csv(rows, as_of)``
build what a coordinator downloads from e-Stat (在留外国人統計「第3表 市区町村別
国籍・地域別 在留外国人」): title rows naming the date in the Japanese era, a header
市区町村コード / 都道府県市区町村 / 総数 / one column per nationality / その他, the national
and prefecture totals, the municipalities
(names indented with a full-width space), and notes at the end. ``rows`` maps a municipality's
Japanese name to {nationality as printed: residents}; their codes come from the shipped data.
``published_statistics_long_csv`` builds the table data (one row per municipality ×
nationality × status of residence).
"""

import csv
import io
from datetime import date

from supporters.reference import shipped

NATIONALITIES = ("中国", "ベトナム", "韓国", "フィリピン", "ブラジル", "ネパール", "インドネシア",
                 "米国", "台湾", "タイ", "ペルー")  # fmt: skip
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def era_date(as_of: date) -> str:
    """2025-06-30 → 令和７年６月末 (as the titles print it, full-width digits)."""
    return f"令和{as_of.year - 2018}年{as_of.month}月末".translate(FULL_WIDTH)


def _code_of(name: str, prefecture_code: str) -> str:
    found = [m for m in shipped.municipalities(prefecture_code) if m.name_ja == name]
    return found[0].code if found else ""


def published_statistics_table(
    rows: dict[str, dict[str, int]],
    as_of: date,
    prefecture_code: str = "10",
    others: dict[str, dict[str, dict[str, int]]] | None = None,
    with_codes: bool = True,
    separators: bool = False,
) -> list[list]:
    """The cells of the wide table: ``rows`` of one prefecture, ``others`` as {prefecture
    code: rows} for the rest of Japan (a national file); counts as numbers, or as printed
    text (``1,234``, ``-`` for none) with ``separators``."""
    nations = [*NATIONALITIES, "その他"]

    def printed(count: int):
        if not separators:
            return count
        return f"{count:,}" if count else "-"

    def line(code: str, name: str, figures: dict[str, int]) -> list:
        counts = [figures.get(nation, 0) for nation in nations]
        cells = [printed(sum(counts)), *(printed(count) for count in counts)]
        return ([code] if with_codes else []) + [name, *cells]

    table = [
        ["第３表　市区町村別　国籍・地域別　在留外国人"],
        [f"（{era_date(as_of)}現在）"],
        [],
        (["市区町村コード"] if with_codes else []) + ["都道府県市区町村", "総数", *nations],
    ]
    prefectures = {prefecture_code: rows, **(others or {})}
    everyone: dict[str, int] = {}
    for figures in (f for p in prefectures.values() for f in p.values()):
        for nation, count in figures.items():
            everyone[nation] = everyone.get(nation, 0) + count
    table.append(line("", "総数", everyone))
    for code in sorted(prefectures):
        prefecture = shipped.prefectures()[code]
        total: dict[str, int] = {}
        for figures in prefectures[code].values():
            for nation, count in figures.items():
                total[nation] = total.get(nation, 0) + count
        table.append(line(f"{code}000", prefecture.name_ja, total))
        for name, figures in prefectures[code].items():
            table.append(line(_code_of(name, code), f"　{name}", figures))
    table.append(line("", "未定・不詳", {"中国": 1}))
    table.append(["（注）　北方領土(歯舞群島、色丹島、国後島及び択捉島)を除く。"])
    return table


def published_statistics_xlsx(
    rows: dict[str, dict[str, int]], as_of: date, notes_first: bool = False, **options
) -> bytes:
    """An XLSX workbook of the wide table on a sheet named like e-Stat's (25-06-03), after a
    sheet of notes (注意事項) with ``notes_first``."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    if notes_first:
        sheet.title = "注意事項"
        sheet.append(["（注１）総数が１０人以下の市区町村は「その他」にまとめています。"])
        sheet = book.create_sheet()
    sheet.title = f"{as_of.year % 100:02d}-{as_of.month:02d}-03"
    for cells in published_statistics_table(rows, as_of, **options):
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def published_statistics_csv(rows: dict[str, dict[str, int]], as_of: date, **options) -> bytes:
    """The wide table as CSV in CP932, counts printed with thousands separators."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    options.setdefault("separators", True)
    writer.writerows(published_statistics_table(rows, as_of, **options))
    return out.getvalue().encode("cp932")


def published_statistics_long_csv(
    rows: dict[str, dict[str, int]], prefecture_code: str = "10"
) -> bytes:
    """The table data (縦長): 市区町村コード, 都道府県, 市区町村, 国籍・地域, 在留資格,
    在留外国人数; each count split over two statuses of residence; CP932."""
    prefecture = shipped.prefectures()[prefecture_code].name_ja
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        ["市区町村コード", "都道府県", "市区町村", "国籍・地域", "在留資格", "在留外国人数"]
    )
    for name, figures in rows.items():
        code = _code_of(name, prefecture_code)
        for nation, count in figures.items():
            first = count // 2
            for status, part in (("永住者", first), ("定住者", count - first)):
                if part:
                    writer.writerow([code, prefecture, name, nation, status, part])
    return out.getvalue().encode("cp932")
