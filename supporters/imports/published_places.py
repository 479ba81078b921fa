"""Which municipality a row of the published statistics is about, as the table names it.

The 在留外国人統計 name a municipality by its code (5 digits, or 6 with the check digit), by its
name (水戸市, indented with a full-width space, 茨城県 水戸市, 邑楽郡大泉町), or by a name under the
prefecture or designated city of the rows above (西区 under さいたま市). :class:`Places` holds the
database's municipalities once per file and answers, row by row, a :class:`Place`: a
municipality, a ward of a city whose wards the database lacks, a prefecture (which sets the
context of the rows below), a total, a row about no municipality (その他, 未定・不詳), a row of a
prefecture the programme does not have, or an unknown name with suggestions.
"""

import difflib
import re
from dataclasses import dataclass

from sqlalchemy import select

from supporters.extensions import db
from supporters.imports.reading import normalise
from supporters.models import Municipality
from supporters.reference import shipped
from supporters.reference.codes import municipality_code
from supporters.reference.lookup import programme_prefecture

TOTALS = {"総数", "計", "合計", "総計", "全国", "全国計"}
UNLISTED = {"未定・不詳", "未定", "不詳", "その他"}  # rows that are no municipality
SPECIAL_WARDS = {"特別区", "特別区部", "東京都特別区部", "区部"}


def compared(cell: str) -> str:
    """A cell as compared: NFKC, without any space."""
    return re.sub(r"\s+", "", normalise(cell))


@dataclass
class Place:
    """What a row is about."""

    kind: str  # municipality, ward_of, prefecture, total, unlisted, other_prefecture, unknown
    code: str = ""
    text: str = ""
    suggestions: tuple[str, ...] = ()


class Places:
    """The database's municipalities, as the published tables name them."""

    def __init__(self) -> None:
        rows = db.session.execute(
            select(Municipality.code, Municipality.prefecture_code, Municipality.name_ja,
                   Municipality.name_en, Municipality.kind)
        ).all()  # fmt: skip
        self.prefectures = {row.prefecture_code for row in rows}
        self.codes = {row.code: row for row in rows}
        self.names: dict[tuple[str, str], str] = {}
        self.printed: dict[str, list[str]] = {}  # prefecture → names to suggest
        for row in rows:
            self.printed.setdefault(row.prefecture_code, []).append(row.name_ja)
            self.names[(row.prefecture_code, compared(row.name_ja))] = row.code
            if row.kind in ("city", "town", "village"):  # 水戸 for 水戸市
                self.names.setdefault((row.prefecture_code, compared(row.name_ja)[:-1]), row.code)
            self.names.setdefault((row.prefecture_code, compared(row.name_en).lower()), row.code)
        cities = [row for row in rows if row.kind == "city"]
        self.parent: dict[str, str] = {}  # ward → its designated city, both in the database
        for ward in (row for row in rows if row.kind == "city_ward"):
            city = next(
                (c for c in cities if c.prefecture_code == ward.prefecture_code
                 and ward.name_ja.startswith(c.name_ja)), None
            )  # fmt: skip
            if city is not None:
                self.parent[ward.code] = city.code
        self.with_wards = set(self.parent.values())
        self.shipped = shipped.prefectures()
        self.prefecture_names = sorted(
            ((p.name_ja, code) for code, p in self.shipped.items()), key=lambda x: -len(x[0])
        )
        self.home = programme_prefecture()
        self.context: str | None = None  # the prefecture of the rows above
        self.city: str | None = None  # the city of the rows above (its wards follow)

    def _suggest(self, prefecture: str, text: str) -> tuple[str, ...]:
        names = self.printed.get(prefecture, [])
        return tuple(difflib.get_close_matches(text, names, n=3, cutoff=0.4))

    def place(self, code_text: str, name_text: str, prefecture_text: str = "") -> Place:
        """What a row is about, from its code and/or name (and the rows above it)."""
        key = compared(name_text)
        digits = re.sub(r"[\s-]", "", normalise(code_text))
        if digits and not digits.isdigit():  # a name in the code column
            key, name_text, digits = key or compared(code_text), name_text or code_text, ""
        if digits:
            found = self._by_code(digits, key)
            if found is not None:
                return found
        if not key:
            return Place("unknown", text=code_text) if digits else Place("blank")
        if key in TOTALS:
            return Place("total")
        if key in UNLISTED:
            return Place("unlisted")
        if key in SPECIAL_WARDS:
            return Place("total")
        whole = shipped.prefecture_code(key)
        if whole is not None:
            self.context, self.city = whole, None
            return Place("prefecture", code=whole)
        prefecture = shipped.prefecture_code(compared(prefecture_text)) if prefecture_text else None
        for name, code in self.prefecture_names:
            if key.startswith(name) and len(key) > len(name):
                prefecture, key = code, key[len(name) :]
                break
        prefecture = prefecture or self.context
        if prefecture is None:
            return self._anywhere(key, name_text)
        if prefecture not in self.prefectures:
            return Place("other_prefecture")
        return self._by_name(prefecture, key, name_text)

    def _anywhere(self, key: str, printed: str) -> Place:
        """A name with no prefecture in sight: the one municipality of that name, if one."""
        found = {code for (_pref, name), code in self.names.items() if name in (key, key.lower())}
        home = {code for code in found if self.codes[code].prefecture_code == self.home}
        if len(found) == 1 or len(home) == 1:  # the programme's own prefecture first
            return self._found((home if len(home) == 1 else found).pop())
        if found:  # 明和町 of Gunma and of Mie: the prefecture tells them apart
            names = sorted(
                self.shipped[self.codes[code].prefecture_code].name_ja + self.codes[code].name_ja
                for code in found
            )
            return Place("unknown", text=printed, suggestions=tuple(names))
        everywhere = [name for names in self.printed.values() for name in names]
        close = difflib.get_close_matches(key, everywhere, n=3, cutoff=0.4)
        return Place("unknown", text=printed, suggestions=tuple(close))

    def _by_code(self, digits: str, key: str) -> Place | None:
        code = municipality_code(digits) if len(digits) == 6 else digits
        if code is None or len(code) != 5 or not code.isdigit():
            return None  # not a code: the name decides
        if code in ("00000", "99999"):
            return Place("total" if code == "00000" else "unlisted")
        prefecture = code[:2]
        if code.endswith("000"):
            self.context, self.city = prefecture, None
            return Place("prefecture", code=prefecture)
        if prefecture not in self.prefectures:
            return Place("other_prefecture")
        self.context = prefecture
        if code in self.codes:
            return self._found(code)
        if key in SPECIAL_WARDS or code == "13100":
            return Place("total")
        return None  # a code the database lacks: try the name

    def _found(self, code: str) -> Place:
        if self.codes[code].kind == "city":
            self.city = code
        return Place("municipality", code=code)

    def _by_name(self, prefecture: str, key: str, printed: str) -> Place:
        candidates = [key, re.sub(r"^.+?郡", "", key)]  # 邑楽郡大泉町
        if self.city is not None:  # 西区 under さいたま市
            candidates.append(compared(self.codes[self.city].name_ja) + key)
        for candidate in candidates:
            code = self.names.get((prefecture, candidate)) or self.names.get(
                (prefecture, candidate.lower())
            )
            if code is not None:
                return self._found(code)
        if key.endswith("区"):  # a ward the database does not have: its city's
            for (pref, name), code in self.names.items():
                if pref == prefecture and key.startswith(name) and self.codes[code].kind == "city":
                    return Place("ward_of", code=code)
            if self.city is not None:
                return Place("ward_of", code=self.city)
        return Place("unknown", text=printed, suggestions=self._suggest(prefecture, key))
