"""The values of an imported row in the coordinator's own words: codes, or what people write.

A spreadsheet says 母語 or ネイティブ for ``native``, 対面 for ``in_person``, 病院 for
``hospital``, 水戸 for ``08201`` and ポルトガル語 for ``pt``. Each :class:`Vocabulary` accepts its
codes, the app's own labels in Japanese and English (``labels.py``) and the other words offices
use. Reading a value never judges it: a value that cannot be understood is handed to the service
as written, so the service refuses it in its own words (the same as on the form and in the API),
and :class:`Hints` adds what the import knows on top — suggestions ("Did you mean: 水戸市?"),
or that a language exists in ISO 639 but not in the programme's list. Municipalities and
languages are found by ``reference/lookup.py``.
"""

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from supporters.labels import (
    CATEGORY_LABELS,
    LEVEL_LABELS,
    MODE_LABELS,
    OUTCOME_LABELS,
    STATUS_LABELS,
)
from supporters.models import (
    JAPANESE_LEVELS,
    ActivityCategory,
    ActivityOutcome,
    LanguageLevel,
    Mode,
    SupporterStatus,
)
from supporters.reference.codes import as_typed_code
from supporters.reference.lookup import (
    SUGGESTIONS,
    did_you_mean,
    find_language,
    find_municipality,
    language_label,
    not_found,
)

CUTOFF = 0.6
LIST_SEPARATORS = r"[;、,]"
_INDEXES: dict[int, dict[str, str]] = {}  # per vocabulary: the labels' words never change


def word_key(text: str) -> str:
    """A word as compared: NFKC, lower case, no spaces, hyphens, underscores or "level"."""
    value = unicodedata.normalize("NFKC", text or "").strip().lower()
    value = re.sub(r"[\s\-_・]+", "", value)
    for ending in ("レベル", "level", "程度", "相当"):
        if value.endswith(ending) and len(value) > len(ending):
            value = value[: -len(ending)]
    return value


@dataclass(frozen=True)
class Vocabulary:
    """The words of one coded value: its codes, their labels, and other words people use."""

    what: object  # lazy: "language level", "way of helping" …
    labels: dict  # code → lazy label (the words offered in messages)
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)  # code → other words

    def index(self) -> dict[str, str]:
        """Every accepted word (as :func:`word_key`) → its code."""
        if (kept := _INDEXES.get(id(self))) is not None:
            return kept
        keys: dict[str, str] = {}
        for code, label in self.labels.items():
            words = [str(code), str(code).replace("_", " ")]
            for locale in ("ja", "en"):
                with force_locale(locale):
                    words.append(str(label))
            words += self.synonyms.get(code, ())
            for word in words:
                keys.setdefault(word_key(word), str(code))
        _INDEXES[id(self)] = keys
        return keys

    def choices(self) -> str:
        """The words to offer, in the viewer's language."""
        return ", ".join(str(label) for label in self.labels.values())

    def read(self, text: str) -> str | None:
        """The code ``text`` stands for, or None."""
        return self.index().get(word_key(text))

    def suggestions(self, text: str) -> list[str]:
        """Up to three words (in the viewer's language) close to ``text``."""
        index = self.index()
        close = difflib.get_close_matches(word_key(text), index, n=10, cutoff=CUTOFF)
        names = [str(self.labels[_code(self.labels, index[key])]) for key in close]
        return list(dict.fromkeys(names))[:SUGGESTIONS]

    def unknown(self, text: str) -> str:
        """What to say of a value that is none of the words (translated, a whole sentence)."""
        message = _(
            "Unknown %(what)s “%(value)s”; use one of: %(choices)s.",
            what=self.what,
            value=text,
            choices=self.choices(),
        )
        return not_found(message, self.suggestions(text))

    def hint(self, text: str) -> str:
        """What to add to a service's refusal of ``text``: the words accepted, suggestions."""
        accepted = _("Accepted: %(choices)s.", choices=self.choices())
        more = did_you_mean(text, self.suggestions(text))
        return f"{more} {accepted}" if more else accepted


def _code(labels: dict, code: str):
    """The key of ``labels`` equal to ``code`` (an enum member or a plain string)."""
    return next(key for key in labels if str(key) == code)


LEVELS = Vocabulary(
    _l("language level"),
    LEVEL_LABELS,
    {
        LanguageLevel.NATIVE: (
            "母国語", "ネイティブ", "第一言語", "母語話者", "mother tongue", "first language",
        ),
        LanguageLevel.FLUENT: (
            "ビジネス", "上級", "堪能", "通訳", "advanced", "business", "fluently",
        ),
        LanguageLevel.CONVERSATIONAL: ("日常会話", "会話", "中級", "日常", "intermediate"),
    },
)  # fmt: skip
MODES = Vocabulary(
    _l("way of helping"),
    MODE_LABELS,
    {
        Mode.IN_PERSON: ("対面", "訪問", "同行", "面談", "来所", "face to face", "in-person"),
        Mode.PHONE: ("電話", "携帯", "tel", "telephone"),
        Mode.VIDEO: ("ビデオ", "ビデオ通話", "オンライン", "online", "web", "zoom", "video"),
    },
)
JAPANESE_LEVEL_LABELS = {
    "native": LEVEL_LABELS[LanguageLevel.NATIVE],
    **{level: level for level in JAPANESE_LEVELS if level.startswith("N")},
    "other": _l("Other"),
}
JAPANESE = Vocabulary(
    _l("Japanese level"),
    JAPANESE_LEVEL_LABELS,
    {
        "native": ("母国語", "ネイティブ", "日本語母語"),
        "other": ("なし", "無し", "none"),
    },
)
CATEGORIES = Vocabulary(
    _l("category"),
    CATEGORY_LABELS,
    {
        ActivityCategory.GOVERNMENT_OFFICE: (
            "行政", "行政手続", "行政手続き", "市役所", "役所", "役場", "町役場", "村役場",
            "区役所", "県庁", "入管", "出入国在留管理局", "運転免許", "免許", "在留資格", "税金",
            "年金", "government", "city office", "city hall", "immigration", "driver's licence",
        ),
        ActivityCategory.HOSPITAL: (
            "医療", "診療所", "クリニック", "通院", "健診", "medical", "clinic", "health",
        ),
        ActivityCategory.INFORMATION: ("情報", "広報", "周知", "info"),
        ActivityCategory.CHILDCARE: (
            "育児", "保育", "保育園", "幼稚園", "学校", "教育", "子ども", "子供", "school",
            "education",
        ),
        ActivityCategory.LABOR: (
            "労働", "仕事", "雇用", "就労", "就職", "職場", "work", "labor", "labour",
            "employment", "job",
        ),
        ActivityCategory.DAILY_LIFE: ("日常生活", "暮らし", "住まい", "住宅", "life", "daily"),
    },
)  # fmt: skip
OUTCOMES = Vocabulary(
    _l("outcome"),
    OUTCOME_LABELS,
    {
        ActivityOutcome.RESOLVED: ("解決", "解決した", "完了", "solved", "done"),
        ActivityOutcome.PARTLY_RESOLVED: ("一部", "partly", "partially resolved"),
        ActivityOutcome.NOT_RESOLVED: ("未解決", "解決しなかった", "unresolved"),
        ActivityOutcome.REFERRED: ("つないだ", "他の窓口につないだ", "紹介", "他機関", "引継ぎ"),
    },
)
STATUSES = Vocabulary(
    _l("status"),
    STATUS_LABELS,
    {
        SupporterStatus.APPLICANT: ("申込", "申込中", "応募", "研修中"),
        SupporterStatus.CERTIFIED: ("認定", "認定済", "登録済み"),
        SupporterStatus.SUSPENDED: ("休止", "停止", "休止中"),
        SupporterStatus.RETIRED: ("退会", "引退"),
    },
)
GENDER_LABELS = {"female": _l("Female"), "male": _l("Male"), "other": _l("Other")}
GENDERS = Vocabulary(
    _l("gender"),
    GENDER_LABELS,
    {"female": ("女", "f", "woman"), "male": ("男", "m", "man")},
)
# The old JLPT grades as the new levels (JLPT's own correspondence: 3級 ≈ N4, 4級 ≈ N5).
_OLD_GRADES = {"1": "N1", "2": "N2", "3": "N4", "4": "N5"}


def japanese_level(text: str) -> str | None:
    """N1–N5 however written (JLPT N2, Ｎ２, N2合格, 2級), 母語, その他; else None."""
    value = unicodedata.normalize("NFKC", text or "").upper()
    if found := re.search(r"N\s*([1-5])(?!\d)", value):
        return f"N{found.group(1)}"
    if found := re.fullmatch(r"\s*(?:旧)?\s*([1-4])\s*級\s*", value):
        return _OLD_GRADES[found.group(1)]
    return JAPANESE.read(text)


def split(text: str, more: str = "") -> list[str]:
    """A list in one cell: ``"a; b、c"`` → ``["a", "b", "c"]`` (``more``: other separators)."""
    pattern = LIST_SEPARATORS if not more else f"{LIST_SEPARATORS[:-1]}{more}]"
    return [part.strip() for part in re.split(pattern, text or "") if part.strip()]


# --- What the import adds to a service's refusal ------------------------------------------------


class Hints:
    """What the import can add to a field the service refuses: suggestions and explanations.

    One per row; ``memo`` is shared by a file's rows, so each distinct name is looked up once."""

    def __init__(self, memo: dict | None = None) -> None:
        self.by_field: dict[str, list[str]] = {}
        self.memo = memo if memo is not None else {}

    def add(self, field_name: str, hint: str | None) -> None:
        """Note ``hint`` for ``field_name`` (nothing for None)."""
        if hint and hint not in self.by_field.get(field_name, []):
            self.by_field.setdefault(field_name, []).append(hint)

    def texts(self) -> dict[str, str]:
        """Field → its hints as one text (for ``reading.row_error``)."""
        return {name: " ".join(hints) for name, hints in self.by_field.items()}


def municipality(text: str, field_name: str, hints: Hints) -> str:
    """The code of a municipality as written; if none fits, the text as written (the service
    names it) and a hint for ``field_name``."""
    found = _memo(hints, "municipality", text, find_municipality)
    if found.code is not None:
        return found.code
    hints.add(field_name, found.hint)
    return as_typed_code(text)


def language(text: str, field_name: str, hints: Hints) -> str:
    """The code of a language as written; else the text (see :func:`municipality`)."""
    found = _memo(hints, "language", text, find_language)
    if found.code is not None:
        return found.code
    hints.add(field_name, found.hint)
    return (text or "").strip()


def _memo(hints: Hints, what: str, text: str, find):
    key = (what, text)
    if key not in hints.memo:
        hints.memo[key] = find(text)
    return hints.memo[key]


def coded(vocabulary: Vocabulary, text: str, field_name: str, hints: Hints) -> str:
    """The code of a word of ``vocabulary``; else the text, with a hint."""
    code = vocabulary.read(text)
    if code is not None:
        return code
    hints.add(field_name, vocabulary.hint(text))
    return (text or "").strip()


def language_levels(text: str, hints: Hints, field_name: str = "languages") -> list[tuple]:
    """A languages cell → ``[(code, level)]``: each part ``language:level``, ``language(level)``
    or ``language level`` (ポルトガル語:母語; 英語(日常会話); vi:native). A level or language
    that cannot be read stays as written, for the service to refuse."""
    levels = {level.value: level for level in LanguageLevel}
    result = []
    for part in split(text):
        name, level_text = _language_and_level(part)
        code = language(name, field_name, hints)
        level = LEVELS.read(level_text) if level_text else None
        if level_text and level is None:
            hints.add(field_name, LEVELS.hint(level_text))
        if not level_text:
            hints.add(
                field_name,
                _(
                    "Write each language with its level, e.g. %(example)s.",
                    example=_example_languages(),
                ),
            )
        result.append((code, levels.get(level or "", level_text)))
    return result


def _language_and_level(part: str) -> tuple[str, str]:
    if ":" in part:
        name, _sep, level = part.partition(":")
        return name.strip(), level.strip()
    if found := re.fullmatch(r"(.+?)\s*\((.+)\)", part):
        return found.group(1).strip(), found.group(2).strip()
    name, _sep, last = part.rpartition(" ")
    if name and LEVELS.read(last):
        return name.strip(), last
    for separator in ("/", "・"):
        name, _sep, last = part.rpartition(separator)
        if name and LEVELS.read(last):
            return name.strip(), last
    return part.strip(), ""


def _example_languages() -> str:
    native, fluent = LEVEL_LABELS[LanguageLevel.NATIVE], LEVEL_LABELS[LanguageLevel.FLUENT]
    return f"{language_label('vi')}:{native}; {language_label('en')}:{fluent}"
