"""Every Easy Japanese message a supporter reads follows the national guideline for Easy
Japanese in residents' support (在留支援のためのやさしい日本語ガイドライン, 2020) as far as a
machine can tell.

User story: "As a supporter who reads Easy Japanese, every sentence is short, ends in です or ます,
has no kanji I cannot read, and no word is said twice in a row" (issue 16, item 3). What a machine
cannot judge — one idea per sentence, easy words — was reviewed by hand (docs/decisions.md).
"""

import re

import pytest

from tests.test_portal_i18n import _catalogue, supporter_messages

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# A sentence ends politely: です・ます and their past, negative and question forms, ください; a
# greeting (ようこそ, おかえりなさい) is a sentence of its own.
POLITE = re.compile(
    r"(です|ます|ました|ません|でした|ましょう|ください|ございます|ございました|ようこそ|"
    r"おかえりなさい)(か)?[（(][^）)]*[）)]$|"
    r"(です|ます|ました|ません|でした|ましょう|ください|ございます|ございました|ようこそ|"
    r"おかえりなさい)(か)?$"
)


@pytest.fixture(scope="module")
def easy() -> dict[str, str]:
    """Supporter-facing msgid → its Easy Japanese (singular form), translated ones only."""
    wanted = supporter_messages()  # (context, msgid) pairs
    found = {}
    for message in _catalogue("ja@easy"):
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        text = message.string[0] if isinstance(message.string, tuple) else message.string
        if (message.context, key) in wanted and text:
            found[key] = text
    assert len(found) > 100, "the supporter's Easy Japanese messages were not found"
    return found


def test_no_kanji_in_easy_japanese_messages(easy):
    with_kanji = {k: v for k, v in easy.items() if KANJI.search(PLACEHOLDER.sub("", v))}
    assert not with_kanji


def test_every_sentence_ends_in_desu_or_masu(easy):
    rude = {}
    for msgid, text in easy.items():
        if "。" not in text:
            continue  # a label or a button: a noun phrase, not a sentence
        for sentence in re.split(r"(?<=[。？])\s*", text):
            sentence = sentence.strip().rstrip("。？：:")
            if sentence and not POLITE.search(sentence):
                rude[msgid] = text
    assert not rude


def test_phrases_are_spaced_after_each_sentence(easy):
    cramped = {k: v for k, v in easy.items() if re.search(r"[。？](?=\S)", v)}
    assert not cramped


def test_a_new_offer_does_not_say_new_twice(easy):
    # The notification list puts its "new" badge before the title: 「あたらしい あたらしい いらい」.
    assert "あたらしい" not in easy["New offer"]


def test_one_word_for_one_thing(easy):
    """Signing in is ログイン, never サインイン; the stipend is おれい の おかね, never しゃきん."""
    supporter_words = {k: v for k, v in easy.items() if "サインイン" in v or "しゃきん" in v}
    staff_only = {
        "Invite to sign in",
        "The supporter has set a password and can sign in.",
        "This supporter already has a password and can sign in.",
        "Last month's stipends are not closed",
        "Last month's stipends have not been closed yet. Please check them and close the month.",
    }
    assert set(supporter_words) <= staff_only


# Counters whose reading depends on the number (review E-01): after a placeholder they are
# wrong for some numbers (「%(m)d ふん」 for 30), and with some digits they are wrong outright.
COUNTER_AFTER_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]\s?(ふん|ぷん|にち|にん|じかん)")
WRONG_COUNTS = re.compile(
    r"(?<![\d,])(?<!\d、)"  # 2、3にち (にさんにち) reads right
    r"(?:(?:[2-9]|10|20|\d*4)\s?にち|[12]\s?にん|\d*4\s?じかん|\d*[134680]\s?ふん|\d*[2579]\s?ぷん)"
)
# Messages Easy Japanese pages never show: ``supporters/counters.py`` writes these counts with
# the kanji counter and its reading instead (docs/decisions.md).
REPLACED_ON_EASY_PAGES = {
    "%(m)d min",
    "%(h)d h",
    "%(h)d h %(m)d min",
    "about %(m)d min",
    "%(num)d person reached",
    "A coordinator will contact you within %(num)d working day to check the details.",
}


@pytest.fixture(scope="module")
def easy_for_readers(easy) -> dict[str, str]:
    """Easy Japanese of every message a supporter or a resident reads."""
    from tests.test_public_form import PUBLIC_MSGIDS

    found = dict(easy)
    for message in _catalogue("ja@easy"):
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        text = message.string[0] if isinstance(message.string, tuple) else message.string
        if (message.context, key) in PUBLIC_MSGIDS and text:
            found[key] = text
    return found


def test_counts_are_read_right_for_every_number(easy_for_readers):
    from supporters.activities.log import MAX_AGE_DAYS

    assert MAX_AGE_DAYS == 90  # 「%(days)dにち」 below: always 90にち, which reads right
    exempt = REPLACED_ON_EASY_PAGES | {
        "Cases older than %(days)d days are entered by your coordinator.",
        "Certified supporters without a case for %(days)s days",  # a coordinators' alert
    }
    placeholder = {
        msgid: text
        for msgid, text in easy_for_readers.items()
        if COUNTER_AFTER_PLACEHOLDER.search(text) and msgid not in exempt
    }
    assert not placeholder
    wrong = {m: t for m, t in easy_for_readers.items() if WRONG_COUNTS.search(t)}
    assert not wrong  # 4じかん is よじかん, 7にち なのか: the word in kana (よじかん, なのかかん)
