"""Deterministic sample supporters and CSV loaders for Ibaraki demo data (standard library only)."""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
MUNICIPALITIES_CSV = DATA_DIR / "municipalities.csv"
LANGUAGES_CSV = DATA_DIR / "languages.csv"

# Relative weight of each primary language among supporters, roughly following Ibaraki's
# foreign population. Khmer (km) and Ukrainian (uk) are deliberately absent: the demo shows
# languages with residents but no supporter (the programme's "insufficient coverage" problem).
PRIMARY_LANGUAGE_WEIGHTS: dict[str, int] = {
    "vi": 24, "zh": 16, "tl": 13, "pt": 9, "id": 8, "ne": 6, "th": 5,
    "si": 3, "ko": 3, "es": 3, "en": 3, "my": 3,
    "bn": 2, "ur": 2, "hi": 2, "mn": 2,
    "ru": 1, "fr": 1, "fa": 1,
}  # fmt: skip
UNCOVERED_LANGUAGES = ("km", "uk")

# Countries/regions of origin per primary language. The first occurrences of a language cycle
# through this list, so every entry appears once the language has enough speakers; together
# they make 24 distinct countries/regions, as in the programme's published figures.
ORIGINS: dict[str, list[str]] = {
    "vi": ["VN"], "zh": ["CN", "TW"], "tl": ["PH"], "pt": ["BR"], "id": ["ID"], "th": ["TH"],
    "ne": ["NP"], "si": ["LK"], "ko": ["KR"], "es": ["PE", "BO"],
    "en": ["US", "GB", "NG", "PH", "IN"], "my": ["MM"], "bn": ["BD"], "ur": ["PK"],
    "hi": ["IN"], "mn": ["MN"], "ru": ["RU"], "fr": ["FR"], "fa": ["IR", "AF"],
}  # fmt: skip

# Second languages a speaker of the primary language plausibly also offers.
SECOND_LANGUAGES: dict[str, list[str]] = {
    "vi": ["en"], "zh": ["en", "ko"], "tl": ["en"], "pt": ["es", "en"], "id": ["en"],
    "th": ["en"], "ne": ["hi", "en"], "si": ["en"], "ko": ["en", "zh"], "es": ["pt", "en"],
    "my": ["en"], "bn": ["en", "hi"], "ur": ["en", "hi"], "hi": ["en"], "mn": ["ru", "en"],
    "ru": ["en"], "fr": ["en"], "fa": ["en"],
}  # fmt: skip
ENGLISH_SECOND_BY_ORIGIN: dict[str, list[str]] = {
    "US": ["es", "fr"], "GB": ["fr"], "NG": ["fr"], "PH": ["tl"], "IN": ["hi"],
}  # fmt: skip

# Names in each language's own script and order. Tuples are (female, male, family names);
# an empty family-name list means the given-name entries are already full names.
NAMES: dict[str, tuple[list[str], list[str], list[str]]] = {
    "vi": (
        [
            "Thị Lan",
            "Thị Hương",
            "Thu Trang",
            "Ngọc Anh",
            "Thị Mai",
            "Thanh Hằng",
            "Thùy Linh",
            "Minh Thư",
        ],
        ["Văn Hùng", "Minh Tuấn", "Đức Anh", "Quang Huy", "Văn Nam", "Hoàng Long", "Thành Đạt"],
        ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"],
    ),
    "zh": (
        ["丽华", "秀英", "静", "芳", "晓燕", "婷婷", "雪梅"],
        ["伟", "强", "磊", "建国", "志明", "浩", "俊杰"],
        ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴"],
    ),
    "zh-TW": (
        ["怡君", "雅婷", "淑芬", "佳穎"],
        ["家豪", "志偉", "冠宇", "建宏"],
        ["陳", "林", "黃", "張", "吳"],
    ),
    "tl": (
        ["Maria", "Jocelyn", "Rowena", "Maricel", "Cristina", "Joy", "Analyn"],
        ["Jose", "Mark Anthony", "Rodel", "Jerome", "Ramon", "Jun"],
        [
            "Santos",
            "Reyes",
            "Cruz",
            "Bautista",
            "Garcia",
            "Mendoza",
            "Dela Cruz",
            "Villanueva",
            "Ramos",
            "Aquino",
        ],
    ),
    "pt": (
        ["Ana Paula", "Juliana", "Fernanda", "Mariana", "Patrícia", "Camila"],
        ["João Pedro", "Carlos Eduardo", "Lucas", "Rafael", "Marcelo", "Thiago"],
        [
            "Oliveira",
            "Silva",
            "Santos",
            "Souza",
            "Pereira",
            "Costa",
            "Ferreira",
            "Nakamura",
            "Yamamoto",
            "Tanaka",
        ],
    ),
    "id": (
        [
            "Siti Rahmawati",
            "Dewi Lestari",
            "Putri Ayu",
            "Nur Aisyah",
            "Rina Wulandari",
            "Fitri Handayani",
            "Sri Wahyuni",
        ],
        [
            "Agus Setiawan",
            "Budi Santoso",
            "Rizky Pratama",
            "Andi Saputra",
            "Eko Prasetyo",
            "Dimas Nugroho",
            "Fajar Hidayat",
        ],
        [],
    ),
    "th": (
        ["สุภาพร", "กัญญา", "นภัสสร", "วรรณา", "พรทิพย์"],
        ["สมชาย", "ธนากร", "วิชัย", "ประเสริฐ"],
        ["ใจดี", "ศรีสุข", "วงศ์สวัสดิ์", "แสงทอง", "บุญมา"],
    ),
    "ne": (
        ["सीता", "गीता", "सरिता", "अनिता", "पूजा", "सुनिता"],
        ["राम", "हरि", "बिकास", "सुरेश", "दीपक", "राजेश"],
        ["श्रेष्ठ", "गुरुङ", "तामाङ", "अधिकारी", "थापा", "राई", "पौडेल", "मगर"],
    ),
    "si": (
        ["සඳමාලි", "නිලූකා", "දිල්රුක්ෂි", "කවින්දි"],
        ["නුවන්", "චමින්ද", "කසුන්", "සමන්"],
        ["පෙරේරා", "සිල්වා", "ජයසූරිය", "බණ්ඩාර", "විජේසිංහ"],
    ),
    "ko": (
        ["민지", "지은", "수연", "서연", "현주"],
        ["민수", "준호", "성민", "동현", "지훈"],
        ["김", "이", "박", "최", "정", "강", "윤"],
    ),
    "es": (
        ["María Fernanda", "Rosa", "Carmen", "Lucía", "Gabriela"],
        ["José Luis", "Carlos", "Jorge", "Miguel Ángel", "Luis"],
        ["Quispe", "Flores", "García", "Mamani", "Rodríguez", "Higa", "Torres", "Vargas"],
    ),
    "en": (
        ["Emily", "Sarah", "Grace", "Olivia", "Hannah"],
        ["James", "Daniel", "Michael", "Thomas", "Andrew"],
        ["Smith", "Johnson", "Brown", "Taylor", "Walker", "Wilson"],
    ),
    "en-NG": (
        ["Chioma Okafor", "Blessing Adeyemi", "Ngozi Eze"],
        ["Chinedu Okafor", "Oluwaseun Adeyemi", "Emeka Nwosu"],
        [],
    ),
    "my": (
        ["ခင်မာဝင်း", "စုစုလှိုင်", "မေသူ", "ဇင်မာအောင်"],
        ["အောင်ကျော်မိုး", "ဇော်မင်းထွန်း", "ကျော်ဇင်ဝင်း", "မင်းထက်အောင်"],
        [],
    ),
    "bn": (
        ["ফাতেমা আক্তার", "নুসরাত জাহান", "সুমাইয়া ইসলাম"],
        ["মোহাম্মদ রহমান", "রফিকুল ইসলাম", "আরিফ হোসেন", "তানভীর আহমেদ"],
        [],
    ),
    "ur": (
        ["عائشہ خان", "فاطمہ علی", "سعدیہ بٹ"],
        ["محمد عمران", "علی رضا", "عثمان احمد", "بلال حسین"],
        [],
    ),
    "hi": (
        ["प्रिया शर्मा", "अंजलि वर्मा", "नेहा गुप्ता"],
        ["राहुल सिंह", "अमित कुमार", "विकास पटेल"],
        [],
    ),
    "mn": (
        ["Сарангэрэл", "Оюунчимэг", "Наранцэцэг", "Энхжаргал"],
        ["Батбаяр", "Ганбаатар", "Төмөрбаатар", "Мөнх-Эрдэнэ"],
        ["Б.", "Г.", "Д.", "Т.", "Э.", "Н.", "О."],  # patronymic initial comes first
    ),
    "ru": (
        ["Анна Иванова", "Екатерина Смирнова", "Ольга Кузнецова"],
        ["Алексей Смирнов", "Дмитрий Иванов", "Сергей Попов"],
        [],
    ),
    "fr": (
        ["Camille Martin", "Claire Dubois", "Sophie Bernard"],
        ["Julien Moreau", "Nicolas Laurent", "Pierre Lefèvre"],
        [],
    ),
    "fa": (
        ["زهرا احمدی", "مریم حسینی", "فاطمه رضایی"],
        ["علی محمدی", "رضا کریمی", "حسین نوری"],
        [],
    ),
}
FAMILY_NAME_FIRST = {"vi", "zh", "zh-TW", "ko", "mn"}
NO_SPACE = {"zh", "zh-TW", "ko"}

JAPANESE_LEVEL_WEIGHTS = {"N1": 26, "N2": 36, "N3": 24, "N4": 6, "N5": 1, "native": 7}
# "native" Japanese is plausible mainly for Nikkei and long-settled communities.
NATIVE_JAPANESE_PLAUSIBLE = {"pt", "es", "ko", "zh", "tl"}
COHORT_WINDOWS: list[tuple[str, dt.date, dt.date, int]] = [
    ("2024-1", dt.date(2024, 1, 15), dt.date(2024, 6, 30), 30),
    ("2024-2", dt.date(2024, 7, 1), dt.date(2024, 12, 31), 20),
    ("2025-1", dt.date(2025, 1, 1), dt.date(2025, 6, 30), 18),
    ("2025-2", dt.date(2025, 7, 1), dt.date(2025, 12, 31), 16),
    ("2026-1", dt.date(2026, 1, 1), dt.date(2026, 6, 30), 10),
    ("2026-2", dt.date(2026, 7, 1), dt.date(2026, 10, 31), 6),
]
APPLICANT_COHORT = "2026-2"
# Supporters concentrate where communities are large; the exponent sharpens that skew so that
# small towns often have nobody living there (the programme's "uneven distribution" problem).
CONCENTRATION_EXPONENT = 1.5


def load_municipalities() -> list[dict]:
    """Ibaraki's 44 municipalities from municipalities.csv, with numeric fields converted."""
    with MUNICIPALITIES_CSV.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        row["latitude"] = float(row["latitude"])
        row["longitude"] = float(row["longitude"])
        row["foreign_residents"] = int(row["foreign_residents"])
    return rows


def load_languages() -> list[dict]:
    """The programme's 21 languages from languages.csv (BCP 47 code and names)."""
    with LANGUAGES_CSV.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two points given in decimal degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def nearest_municipalities(code: str, municipalities: list[dict], k: int) -> list[str]:
    """Codes of the k municipalities whose centroids are closest to that of `code`."""
    home = next(m for m in municipalities if m["code"] == code)
    others = [m for m in municipalities if m["code"] != code]
    others.sort(
        key=lambda m: haversine_km(
            home["latitude"], home["longitude"], m["latitude"], m["longitude"]
        )
    )
    return [m["code"] for m in others[:k]]


def _home_municipalities(rng: random.Random, count: int, municipalities: list[dict]) -> list[str]:
    # Systematic sampling: each municipality gets the floor or ceiling of its expected share, so
    # big communities always have supporters and small towns have one only by chance.
    order = [m["code"] for m in municipalities]
    rng.shuffle(order)
    weight = {m["code"]: m["foreign_residents"] ** CONCENTRATION_EXPONENT for m in municipalities}
    step = sum(weight.values()) / count if count else 1.0
    point, cumulative, homes = rng.random() * step, 0.0, []
    for code in order:
        cumulative += weight[code]
        while point < cumulative and len(homes) < count:
            homes.append(code)
            point += step
    homes += order[-1:] * (count - len(homes))  # guard against floating-point shortfall
    rng.shuffle(homes)
    return homes


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _primary_languages(rng: random.Random, count: int) -> list[str]:
    # Apportion by weight (largest remainder) so the mix is stable, with a minimum per language
    # so every covered language and each of its listed origins appears when count allows.
    minimum = {code: min(len(ORIGINS[code]), 3) for code in PRIMARY_LANGUAGE_WEIGHTS}
    if count < sum(minimum.values()):
        return [_weighted(rng, PRIMARY_LANGUAGE_WEIGHTS) for _ in range(count)]
    total = sum(PRIMARY_LANGUAGE_WEIGHTS.values())
    target = {code: count * w / total for code, w in PRIMARY_LANGUAGE_WEIGHTS.items()}
    alloc = {code: max(minimum[code], math.floor(t)) for code, t in target.items()}
    by_remainder = sorted(
        (c for c in alloc if alloc[c] == math.floor(target[c])),
        key=lambda c: target[c] - math.floor(target[c]),
        reverse=True,
    )
    for code in by_remainder[: max(0, count - sum(alloc.values()))]:
        alloc[code] += 1
    while sum(alloc.values()) > count:  # minimums overshot: trim the largest allocations
        code = max((c for c in alloc if alloc[c] > minimum[c]), key=lambda c: alloc[c])
        alloc[code] -= 1
    languages = [code for code, n in alloc.items() for _ in range(n)]
    rng.shuffle(languages)
    return languages


def _display_name(
    rng: random.Random, lang: str, origin: str, gender: str | None, used: set[str]
) -> str:
    key = {"TW": "zh-TW", "NG": "en-NG"}.get(origin, lang) if lang in ("zh", "en") else lang
    female, male, family = NAMES[key]
    name = ""
    for _ in range(30):  # avoid duplicate names where the pool allows
        pool = {"female": female, "male": male}.get(gender or "", female + male)
        given = rng.choice(pool)
        if not family:
            name = given
        else:
            surname = rng.choice(family)
            first, last = (surname, given) if key in FAMILY_NAME_FIRST else (given, surname)
            if key == "es":
                last = f"{last} {rng.choice([f for f in family if f != surname])}"
            name = f"{first}{last}" if key in NO_SPACE else f"{first} {last}"
        if name not in used:
            break
    used.add(name)
    return name


def _second_language(rng: random.Random, primary: str, origin: str) -> tuple[str, str] | None:
    if rng.random() >= 0.4:
        return None
    if primary == "en":
        options = ENGLISH_SECOND_BY_ORIGIN[origin]
    else:
        options = SECOND_LANGUAGES[primary]
    code = rng.choice(options)
    if code == "en" and origin in ("PH", "IN", "NG"):
        level = "fluent"
    else:
        level = rng.choice(["fluent", "conversational", "conversational"])
    return code, level


def _statuses(rng: random.Random, count: int) -> list[str]:
    suspended = min(3, count // 35)
    retired = min(2, count // 50)
    applicants = round(count * 0.06)
    certified = max(0, count - suspended - retired - applicants)
    statuses = (
        ["certified"] * certified
        + ["applicant"] * applicants
        + ["suspended"] * suspended
        + ["retired"] * retired
    )[:count]
    rng.shuffle(statuses)
    return statuses


def _certification(rng: random.Random, status: str) -> tuple[str, str]:
    # Suspended and retired supporters come from cohorts certified before 2026.
    weights = {
        name: w
        for name, _start, end, w in COHORT_WINDOWS
        if status == "certified" or end.year < 2026
    }
    cohort = _weighted(rng, weights)
    _name, start, end, _w = next(c for c in COHORT_WINDOWS if c[0] == cohort)
    day = start + dt.timedelta(days=rng.randint(0, (end - start).days))
    return day.isoformat(), cohort


def _modes(rng: random.Random) -> list[str]:
    modes = [
        m for m, p in (("in_person", 0.9), ("phone", 0.6), ("video", 0.25)) if rng.random() < p
    ]
    return modes or ["in_person"]


def sample_supporters(count: int = 104, seed: int = 2024) -> list[dict]:
    """Deterministic sample supporters, spread unevenly across municipalities as in reality."""
    rng = random.Random(seed)
    municipalities = load_municipalities()
    homes = _home_municipalities(rng, count, municipalities)
    primaries = _primary_languages(rng, count)
    statuses = _statuses(rng, count)
    seen: dict[str, int] = {}
    used_names: set[str] = set()
    supporters: list[dict] = []
    for i, primary in enumerate(primaries):
        number = i + 1
        options = ORIGINS[primary]
        nth = seen.get(primary, 0)
        seen[primary] = nth + 1
        if nth < len(options):
            origin = options[nth]
        else:  # the first listed origin is the most common one
            origin = options[0] if rng.random() < 0.7 else rng.choice(options)
        gender = rng.choices(["female", "male", None], weights=[55, 35, 10])[0]
        home = homes[i]
        nearby = rng.choices([0, 1, 2, 3], weights=[25, 30, 30, 15])[0]
        languages = [(primary, "native")]
        second = _second_language(rng, primary, origin)
        if second:
            languages.append(second)
        japanese_level = _weighted(rng, JAPANESE_LEVEL_WEIGHTS)
        if japanese_level == "native" and primary not in NATIVE_JAPANESE_PLAUSIBLE:
            japanese_level = "N1"
        status = statuses[i]
        certified_on, cohort = (None, APPLICANT_COHORT)
        if status != "applicant":
            certified_on, cohort = _certification(rng, status)
        supporters.append(
            {
                "display_name": _display_name(rng, primary, origin, gender, used_names),
                "email": f"supporter{number:03d}@example.jp",
                "phone": f"090-0000-{number:04d}",
                "home_municipality": home,
                "served_municipalities": [
                    home,
                    *nearest_municipalities(home, municipalities, nearby),
                ],
                "languages": languages,
                "japanese_level": japanese_level,
                "origins": [origin],
                "modes": _modes(rng),
                "gender": gender,
                "monthly_case_cap": rng.randint(2, 10),
                "status": status,
                "certified_on": certified_on,
                "cohort": cohort,
            }
        )
    return supporters
