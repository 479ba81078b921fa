"""Bank details and the Zengin transfer file, as a bank will read them.

User story: "As the programme's accountant I upload the transfer file to the bank and every
supporter receives exactly their stipend, under the name the bank has for them."
"""

from datetime import date

import pytest

from supporters.payments import bank, zengin
from supporters.refusals import Refused

# The programme's payer as its settings hold it (supporters/programme/: the settings page).
CONFIG = {
    "payer_consignor_code": "1234567890",
    "payer_consignor_name": "イバラキケン コクサイカ",
    "payer_bank_code": "0129",
    "payer_bank_name": "ジヨウヨウ",
    "payer_branch_code": "001",
    "payer_branch_name": "ホンテン",
    "payer_account_type": "1",
    "payer_account_number": "7654321",
}


@pytest.mark.parametrize(
    ("typed", "zengin_name"),
    [
        ("グエン ティ ラン", "ｸﾞｴﾝ ﾃｲ ﾗﾝ"),  # full-width katakana, small ィ written large
        ("ぐえん てぃ らん", "ｸﾞｴﾝ ﾃｲ ﾗﾝ"),  # hiragana
        ("ｸﾞｴﾝ ﾃｨ ﾗﾝ", "ｸﾞｴﾝ ﾃｲ ﾗﾝ"),  # half-width kana, small ｨ
        ("パク・ミンジ", "ﾊﾟｸ ﾐﾝｼﾞ"),  # handakuten, dakuten, middle dot between names
        ("キャッシュ", "ｷﾔﾂｼﾕ"),  # small ャ ッ ュ
        ("ヴィエト", "ｳﾞｲｴﾄ"),
        ("ヵヶヮヰヱ", "ｶｹﾜｲｴ"),  # kana with no half-width form
        ("シルバ　マリア", "ｼﾙﾊﾞ ﾏﾘｱ"),  # full-width space
        ("ﾏﾘｱ  ｼﾙﾊﾞ ", "ﾏﾘｱ ｼﾙﾊﾞ"),  # spaces tidied
        ("Maria Silva", "MARIA SILVA"),
        ("ＭＡＲＩＡ　ｓｉｌｖａ", "MARIA SILVA"),  # full-width latin
        ("ジョン－スミス", "ｼﾞﾖﾝ-ｽﾐｽ"),
        ("コーヒー", "ｺ-ﾋ-"),  # long-vowel mark becomes "-"
        ("(カ)ヨリソイ1", "(ｶ)ﾖﾘｿｲ1"),
        ("カ\u3099", "ｶﾞ"),  # a decomposed voiced mark
    ],
)
def test_names_are_converted_to_the_zengin_character_set(typed, zengin_name):
    assert bank.to_zengin(typed) == zengin_name
    assert bank.is_zengin(zengin_name)


@pytest.mark.parametrize(
    ("typed", "char"),
    [("山田 ハナコ", "山"), ("Nguyễn", "ễ"), ("ハナコ😀", "😀"), ("O'BRIEN", "'"), ("ß", "ß")],
)
def test_characters_that_cannot_be_converted_are_named(typed, char):
    with pytest.raises(Refused) as caught:
        bank.to_zengin(typed)
    assert caught.value.field == "holder_kana"
    assert char in str(caught.value.message)


def test_a_name_longer_than_thirty_half_width_characters_is_refused():
    assert len(bank.to_zengin("ガ" * 15)) == 30  # ｶﾞ is two half-width characters
    with pytest.raises(Refused, match="31"):
        bank.to_zengin("ガ" * 15 + "ア")


@pytest.mark.parametrize(
    ("cleaner", "typed", "stored"),
    [
        (bank.clean_bank_code, "0005", "0005"),
        (bank.clean_bank_code, "０１２９", "0129"),
        (bank.clean_branch_code, " 123 ", "123"),
        (bank.clean_account_number, "1234", "0001234"),
        (bank.clean_account_number, "1234567", "1234567"),
    ],
)
def test_codes_and_account_numbers_are_normalised(cleaner, typed, stored):
    assert cleaner(typed) == stored


@pytest.mark.parametrize(
    ("cleaner", "typed"),
    [
        (bank.clean_bank_code, "005"),
        (bank.clean_bank_code, "00055"),
        (bank.clean_bank_code, "00A5"),
        (bank.clean_bank_code, ""),
        (bank.clean_branch_code, "12"),
        (bank.clean_branch_code, "1234"),
        (bank.clean_account_number, "12345678"),
        (bank.clean_account_number, "123-456"),
        (bank.clean_account_number, ""),
        (bank.clean_account_type, "3"),
    ],
)
def test_bad_codes_are_refused_with_the_field_named(cleaner, typed):
    with pytest.raises(Refused) as caught:
        cleaner(typed)
    assert caught.value.field in {"bank_code", "branch_code", "account_number", "account_type"}


def test_clean_details_normalises_every_field():
    details = bank.clean_details(
        bank.BankDetailsDraft(
            bank_code="0005",
            bank_name_kana="ミツビシユーエフジェイ",
            branch_code="123",
            branch_name_kana="ミト",
            account_type="1",
            account_number="98765",
            holder_kana="グエン ティ ラン",
        )
    )
    assert details.account_number == "0098765"
    assert details.bank_name_kana == "ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ"
    assert details.holder_kana == "ｸﾞｴﾝ ﾃｲ ﾗﾝ"


def _transfers():
    lan = ("0005", "ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ", "123", "ﾐﾄ", "1", "0098765", "ｸﾞｴﾝ ﾃｲ ﾗﾝ", 2000)
    maria = ("9900", "ﾕｳﾁﾖ", "018", "", "4", "1234567", "MARIA SILVA", 4000)
    return [
        zengin.Transfer(*lan, customer_code1="17", customer_code2="202610"),
        zengin.Transfer(*maria, customer_code1="23", customer_code2="202610"),
    ]


def test_the_file_reads_back_field_by_field():
    consignor = zengin.consignor_of(CONFIG)
    data = zengin.write(consignor, date(2026, 11, 25), _transfers())

    lines = data.split(b"\r\n")
    assert lines[-1] == b""  # every record ends with CRLF
    assert all(len(line) == 120 for line in lines[:-1])
    assert len(data) == 5 * 122  # header, two transfers, trailer, end
    data.decode("cp932")  # Shift_JIS throughout

    header, first, second, trailer, end = zengin.parse(data)
    assert [r.kind for r in (header, first, second, trailer, end)] == [
        "header", "data", "data", "trailer", "end"
    ]  # fmt: skip
    assert header["type_code"] == "21"
    assert header["code_division"] == "0"
    assert header["consignor_code"] == "1234567890"
    assert header["consignor_name"] == "ｲﾊﾞﾗｷｹﾝ ｺｸｻｲｶ".ljust(40)
    assert header["transfer_date"] == "1125"
    assert (header["bank_code"], header["branch_code"]) == ("0129", "001")
    assert header["bank_name"].rstrip() == "ｼﾞﾖｳﾖｳ"
    assert (header["account_type"], header["account_number"]) == ("1", "7654321")
    assert header["dummy"] == " " * 17

    assert first["bank_code"] == "0005"
    assert first["bank_name"] == "ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ".ljust(15)
    assert first["branch_code"] == "123"
    assert first["branch_name"].rstrip() == "ﾐﾄ"
    assert first["clearing_house"] == "    "
    assert (first["account_type"], first["account_number"]) == ("1", "0098765")
    assert first["recipient_name"] == "ｸﾞｴﾝ ﾃｲ ﾗﾝ".ljust(30)
    assert first["amount"] == "0000002000"
    assert first["new_code"] == "0"
    assert first["customer_code1"] == "0000000017"
    assert first["customer_code2"] == "0000202610"
    assert first["transfer_kind"] == "7"
    assert second["recipient_name"].rstrip() == "MARIA SILVA"
    assert (second["account_type"], second["amount"]) == ("4", "0000004000")

    assert trailer["count"] == "000002"
    assert trailer["total"] == "000000006000"
    assert int(trailer["total"]) == sum(int(r["amount"]) for r in (first, second))
    assert end["dummy"] == " " * 119


def test_the_parser_also_reads_a_file_without_line_breaks():
    data = zengin.write(zengin.consignor_of(CONFIG), date(2026, 11, 25), _transfers())
    assert zengin.parse(data.replace(b"\r\n", b"")) == zengin.parse(data)
    with pytest.raises(Refused):
        zengin.parse(data.replace(b"\r\n", b"")[:-1])


def test_every_layout_is_120_bytes():
    for layout in (zengin.HEADER, zengin.DATA, zengin.TRAILER, zengin.END):
        assert sum(width for _name, width, _kind in layout) == 120


def test_values_that_do_not_fit_are_refused_not_truncated():
    consignor = zengin.consignor_of(CONFIG)
    too_long = zengin.Transfer("0005", "", "123", "", "1", "0098765", "ｱ" * 31, 2000)
    with pytest.raises(Refused):
        zengin.write(consignor, date(2026, 11, 25), [too_long])
    kanji = zengin.Transfer("0005", "", "123", "", "1", "0098765", "山田", 2000)
    with pytest.raises(Refused):
        zengin.write(consignor, date(2026, 11, 25), [kanji])
    nothing = zengin.Transfer("0005", "", "123", "", "1", "0098765", "ﾔﾏﾀﾞ", 0)
    with pytest.raises(Refused):
        zengin.write(consignor, date(2026, 11, 25), [nothing])


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("payer_consignor_code", "12345"),
        ("payer_consignor_name", ""),
        ("payer_consignor_name", "茨城県"),
        ("payer_bank_code", "12a4"),
        ("payer_branch_code", "1"),
        ("payer_account_type", "4"),
        ("payer_account_number", "123456789"),
    ],
)
def test_a_misconfigured_payer_is_a_clear_error(app, key, value):
    with app.test_request_context(), pytest.raises(Refused) as caught:
        zengin.consignor_of({**CONFIG, key: value})
    assert caught.value.field == key and caught.value.code == "conflict"


def test_the_demo_payer_is_recognised():
    from supporters.programme.settings import NEUTRAL

    consignor = zengin.consignor_of(NEUTRAL.payer)
    assert consignor.is_demo
    assert not zengin.consignor_of(CONFIG).is_demo
