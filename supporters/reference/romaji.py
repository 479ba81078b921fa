"""Kana → Hepburn romaji for place names, with long vowels written short ("Oizumi", "Tokyo").

The romanisation the app shows for a municipality: modified Hepburn as Japanese place names are
signposted (おお, おう → o; うう → u; no macrons, no apostrophe after ん), the first letter
capitalised. Katakana is read as hiragana.
"""

_BASE = {
    "あ": "a", "い": "i", "う": "u", "え": "e", "お": "o",
    "か": "ka", "き": "ki", "く": "ku", "け": "ke", "こ": "ko",
    "さ": "sa", "し": "shi", "す": "su", "せ": "se", "そ": "so",
    "た": "ta", "ち": "chi", "つ": "tsu", "て": "te", "と": "to",
    "な": "na", "に": "ni", "ぬ": "nu", "ね": "ne", "の": "no",
    "は": "ha", "ひ": "hi", "ふ": "fu", "へ": "he", "ほ": "ho",
    "ま": "ma", "み": "mi", "む": "mu", "め": "me", "も": "mo",
    "や": "ya", "ゆ": "yu", "よ": "yo",
    "ら": "ra", "り": "ri", "る": "ru", "れ": "re", "ろ": "ro",
    "わ": "wa", "ゐ": "i", "ゑ": "e", "を": "o", "ん": "n",
    "が": "ga", "ぎ": "gi", "ぐ": "gu", "げ": "ge", "ご": "go",
    "ざ": "za", "じ": "ji", "ず": "zu", "ぜ": "ze", "ぞ": "zo",
    "だ": "da", "ぢ": "ji", "づ": "zu", "で": "de", "ど": "do",
    "ば": "ba", "び": "bi", "ぶ": "bu", "べ": "be", "ぼ": "bo",
    "ぱ": "pa", "ぴ": "pi", "ぷ": "pu", "ぺ": "pe", "ぽ": "po",
    "ぁ": "a", "ぃ": "i", "ぅ": "u", "ぇ": "e", "ぉ": "o", "ゔ": "vu",
}  # fmt: skip
_SMALL_Y = {"ゃ": "a", "ゅ": "u", "ょ": "o"}
# A consonant + small ya/yu/yo: "きょ" → "kyo", but "しょ" → "sho", "ちょ" → "cho", "じょ" → "jo".
_PALATAL = {"し": "sh", "ち": "ch", "じ": "j", "ぢ": "j"}


def to_hiragana(text: str) -> str:
    """Katakana letters turned into hiragana; everything else unchanged."""
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


def _syllables(kana: str) -> list[str]:
    """Romaji per syllable; ``っ`` is kept as a marker and ``ー`` lengthens nothing."""
    out: list[str] = []
    i = 0
    while i < len(kana):
        char = kana[i]
        following = kana[i + 1] if i + 1 < len(kana) else ""
        if following in _SMALL_Y and char in _BASE and char not in _SMALL_Y:
            stem = _PALATAL.get(char) or _BASE[char][:-1] + "y"
            out.append(stem + _SMALL_Y[following])
            i += 2
            continue
        if char == "っ":
            out.append("っ")
        elif char in ("ー", " ", "　"):
            out.append(" " if char != "ー" else "")
        else:
            out.append(_BASE.get(char, char))
        i += 1
    return out


def _join(syllables: list[str]) -> str:
    text = ""
    for index, syllable in enumerate(syllables):
        if syllable == "っ":
            following = syllables[index + 1] if index + 1 < len(syllables) else ""
            if following.startswith("ch"):
                text += "t"
            elif following[:1].isalpha() and following[:1] not in "aiueon":
                text += following[0]
            continue
        # Long vowels written short: o + o/u → o, u + u → u.
        if syllable in ("o", "u") and text.endswith("o"):
            continue
        if syllable == "u" and text.endswith("u"):
            continue
        text += syllable
    return text


def hepburn(kana: str) -> str:
    """A kana reading in Hepburn, long vowels short: "おおいずみ" → "Oizumi"."""
    words = _join(_syllables(to_hiragana(kana.strip()))).split()
    return " ".join(word[:1].upper() + word[1:] for word in words)


# The reading of each kind's suffix: 市 し, 区 く, 町 まち or ちょう, 村 むら or そん.
_SUFFIX_READINGS = {"市": ("し",), "区": ("く",), "町": ("まち", "ちょう"), "村": ("むら", "そん")}


def place_romaji(name_ja: str, kana: str) -> str:
    """A municipality's romaji without its kind: (大泉町, おおいずみまち) → "Oizumi".

    The suffix's reading is dropped only when the name ends in 市, 区, 町 or 村 and the reading
    ends in one of that suffix's readings; otherwise the whole reading is romanised.
    """
    reading = to_hiragana(kana.strip())
    for ending in _SUFFIX_READINGS.get(name_ja.strip()[-1:], ()):
        if reading.endswith(ending) and len(reading) > len(ending):
            reading = reading[: -len(ending)]
            break
    return hepburn(reading)
