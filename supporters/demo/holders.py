"""Account-holder names for the demo's fake bank details: sample names as on a residence card.

A residence card (and so a bank account) shows a foreign resident's name in the roman alphabet
of their passport. Latin names lose their accents; Cyrillic is transliterated letter by letter;
the other scripts of the demo's name pools (``people.NAMES``) have their passport spellings
here, name by name. A name none of these can spell gives "" (no bank details).
"""

import unicodedata

CYRILLIC = {
    "А": "A", "Б": "B", "В": "V", "Г": "G", "Д": "D", "Е": "E", "Ё": "YO", "Ж": "ZH", "З": "Z",
    "И": "I", "Й": "Y", "К": "K", "Л": "L", "М": "M", "Н": "N", "О": "O", "Ө": "O", "П": "P",
    "Р": "R", "С": "S", "Т": "T", "У": "U", "Ү": "U", "Ф": "F", "Х": "KH", "Ц": "TS", "Ч": "CH",
    "Ш": "SH", "Щ": "SHCH", "Ъ": "", "Ы": "Y", "Ь": "", "Э": "E", "Ю": "YU", "Я": "YA",
}  # fmt: skip

# Passport spellings of the name parts in people.NAMES that are not in a latin script.
SPELLINGS = {
    # Chinese (mainland pinyin; Taiwanese Wade–Giles as passports there print it)
    "丽华": "LIHUA", "秀英": "XIUYING", "静": "JING", "芳": "FANG", "晓燕": "XIAOYAN",
    "婷婷": "TINGTING", "雪梅": "XUEMEI", "伟": "WEI", "强": "QIANG", "磊": "LEI",
    "建国": "JIANGUO", "志明": "ZHIMING", "浩": "HAO", "俊杰": "JUNJIE", "王": "WANG", "李": "LI",
    "张": "ZHANG", "刘": "LIU", "陈": "CHEN", "杨": "YANG", "黄": "HUANG", "赵": "ZHAO",
    "周": "ZHOU", "吴": "WU", "怡君": "YICHUN", "雅婷": "YATING", "淑芬": "SHUFEN",
    "佳穎": "CHIAYING", "家豪": "CHIAHAO", "志偉": "CHIHWEI", "冠宇": "KUANYU", "建宏": "CHIENHUNG",
    "陳": "CHEN", "林": "LIN", "黃": "HUANG", "張": "CHANG", "吳": "WU",
    # Korean
    "민지": "MINJI", "지은": "JIEUN", "수연": "SUYEON", "서연": "SEOYEON", "현주": "HYUNJU",
    "민수": "MINSU", "준호": "JUNHO", "성민": "SUNGMIN", "동현": "DONGHYUN", "지훈": "JIHOON",
    "김": "KIM", "이": "LEE", "박": "PARK", "최": "CHOI", "정": "JUNG", "강": "KANG", "윤": "YOON",
    # Thai
    "สุภาพร": "SUPAPORN", "กัญญา": "KANYA", "นภัสสร": "NAPHATSORN", "วรรณา": "WANNA",
    "พรทิพย์": "PORNTHIP", "สมชาย": "SOMCHAI", "ธนากร": "THANAKORN", "วิชัย": "WICHAI",
    "ประเสริฐ": "PRASERT", "ใจดี": "JAIDEE", "ศรีสุข": "SRISUK", "วงศ์สวัสดิ์": "WONGSAWAT",
    "แสงทอง": "SAENGTHONG", "บุญมา": "BOONMA",
    # Nepali and Hindi
    "सीता": "SITA", "गीता": "GITA", "सरिता": "SARITA", "अनिता": "ANITA", "पूजा": "PUJA",
    "सुनिता": "SUNITA", "राम": "RAM", "हरि": "HARI", "बिकास": "BIKASH", "सुरेश": "SURESH",
    "दीपक": "DIPAK", "राजेश": "RAJESH", "श्रेष्ठ": "SHRESTHA", "गुरुङ": "GURUNG",
    "तामाङ": "TAMANG", "अधिकारी": "ADHIKARI", "थापा": "THAPA", "राई": "RAI", "पौडेल": "PAUDEL",
    "मगर": "MAGAR", "प्रिया": "PRIYA", "शर्मा": "SHARMA", "अंजलि": "ANJALI", "वर्मा": "VERMA",
    "नेहा": "NEHA", "गुप्ता": "GUPTA", "राहुल": "RAHUL", "सिंह": "SINGH", "अमित": "AMIT",
    "कुमार": "KUMAR", "विकास": "VIKAS", "पटेल": "PATEL",
    # Sinhala
    "සඳමාලි": "SANDAMALI", "නිලූකා": "NILUKA", "දිල්රුක්ෂි": "DILRUKSHI", "කවින්දි": "KAVINDI",
    "නුවන්": "NUWAN", "චමින්ද": "CHAMINDA", "කසුන්": "KASUN", "සමන්": "SAMAN",
    "පෙරේරා": "PERERA", "සිල්වා": "SILVA", "ජයසූරිය": "JAYASURIYA", "බණ්ඩාර": "BANDARA",
    "විජේසිංහ": "WIJESINGHE",
    # Burmese (whole names)
    "ခင်မာဝင်း": "KHIN MAR WIN", "စုစုလှိုင်": "SU SU HLAING", "မေသူ": "MAY THU",
    "ဇင်မာအောင်": "ZIN MAR AUNG", "အောင်ကျော်မိုး": "AUNG KYAW MOE",
    "ဇော်မင်းထွန်း": "ZAW MIN HTUN", "ကျော်ဇင်ဝင်း": "KYAW ZIN WIN",
    "မင်းထက်အောင်": "MIN HTET AUNG",
    # Bengali
    "ফাতেমা": "FATEMA", "আক্তার": "AKTER", "নুসরাত": "NUSRAT", "জাহান": "JAHAN",
    "সুমাইয়া": "SUMAIYA", "ইসলাম": "ISLAM", "মোহাম্মদ": "MOHAMMAD", "রহমান": "RAHMAN",
    "রফিকুল": "RAFIQUL", "আরিফ": "ARIF", "হোসেন": "HOSSAIN", "তানভীর": "TANVIR",
    "আহমেদ": "AHMED",
    # Urdu and Persian
    "عائشہ": "AYESHA", "خان": "KHAN", "فاطمہ": "FATIMA", "علی": "ALI", "سعدیہ": "SADIA",
    "بٹ": "BUTT", "محمد": "MUHAMMAD", "عمران": "IMRAN", "رضا": "REZA", "عثمان": "USMAN",
    "احمد": "AHMED", "بلال": "BILAL", "حسین": "HUSSAIN", "زهرا": "ZAHRA", "احمدی": "AHMADI",
    "مریم": "MARYAM", "حسینی": "HOSSEINI", "فاطمه": "FATEMEH", "رضایی": "REZAEI",
    "محمدی": "MOHAMMADI", "کریمی": "KARIMI", "نوری": "NOURI",
}  # fmt: skip
LATIN_EXTRA = {"Đ": "D", "đ": "d", "Ø": "O", "ø": "o", "Ł": "L", "ł": "l"}
LONGEST = max(len(key) for key in SPELLINGS)


def _latin(part: str) -> str:
    """Accents dropped (``Đức`` → ``DUC``); "" unless the part is in the latin alphabet."""
    text = "".join(LATIN_EXTRA.get(ch, ch) for ch in unicodedata.normalize("NFKD", part))
    kept = "".join(ch for ch in text if not unicodedata.combining(ch))
    return kept.upper() if kept.isascii() else ""


def _cyrillic(part: str) -> str:
    upper = part.upper()
    if not all(ch in CYRILLIC or ch == "." for ch in upper):
        return ""
    return "".join(CYRILLIC.get(ch, ch) for ch in upper)


def _spelt(part: str) -> str:
    """A part made of known names run together (王丽华 → WANG LIHUA), longest match first."""
    words, i = [], 0
    while i < len(part):
        for size in range(min(LONGEST, len(part) - i), 0, -1):
            if part[i : i + size] in SPELLINGS:
                words.append(SPELLINGS[part[i : i + size]])
                i += size
                break
        else:
            return ""
    return " ".join(words)


def holder_name(name: str) -> str:
    """``Nguyễn Thị Lan`` → ``NGUYEN THI LAN``, ``王丽华`` → ``WANG LIHUA``; "" if unknown."""
    words = []
    for part in name.split():
        spelt = _latin(part) or _cyrillic(part) or _spelt(part)
        if not spelt:
            return ""
        words.append(spelt)
    return " ".join(words)
