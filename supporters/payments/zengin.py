"""The Zengin (全銀協) "sogo furikomi" transfer file: write it, and read it back field by field.

Fixed-length records of 120 bytes in Shift_JIS (cp932): one header (1), a data record (2) per
transfer, a trailer (8) with the count and total, and an end record (9). Numeric fields (N) are
right-aligned and zero-filled; character fields (C) are left-aligned and space-filled, in the
Zengin character set (see ``bank.py``). Each record is followed by CRLF, so a file of n records is
122 × n bytes; banks accept the records with or without line breaks, and with them the file can
be opened and checked in a text editor. :func:`parse` accepts both.
"""

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from supporters.payments import bank
from supporters.refusals import CONFLICT, Refused

RECORD_LENGTH = 120
ENCODING = "cp932"
NEWLINE = b"\r\n"
TYPE_CODE = "21"  # 総合振込 (general transfer)
CODE_DIVISION = "0"  # JIS / Shift_JIS
TRANSFER_KIND = "7"  # 振込指定区分: telegraphic transfer (テレ振込)

# (field, width, N = digits / C = Zengin characters), in the order of the standard.
HEADER = (
    ("record_type", 1, "N"),
    ("type_code", 2, "N"),  # 種別コード
    ("code_division", 1, "N"),  # コード区分
    ("consignor_code", 10, "N"),  # 委託者コード (given by the bank)
    ("consignor_name", 40, "C"),  # 委託者名
    ("transfer_date", 4, "N"),  # 取組日 MMDD
    ("bank_code", 4, "N"),  # 仕向銀行番号
    ("bank_name", 15, "C"),
    ("branch_code", 3, "N"),  # 仕向支店番号
    ("branch_name", 15, "C"),
    ("account_type", 1, "N"),  # 預金種目 (依頼人)
    ("account_number", 7, "N"),
    ("dummy", 17, "C"),
)
DATA = (
    ("record_type", 1, "N"),
    ("bank_code", 4, "N"),  # 被仕向銀行番号
    ("bank_name", 15, "C"),
    ("branch_code", 3, "N"),  # 被仕向支店番号
    ("branch_name", 15, "C"),
    ("clearing_house", 4, "C"),  # 手形交換所番号: unused, spaces
    ("account_type", 1, "N"),
    ("account_number", 7, "N"),
    ("recipient_name", 30, "C"),  # 受取人名
    ("amount", 10, "N"),  # 振込金額
    ("new_code", 1, "N"),  # 新規コード: 0 = nothing to report
    ("customer_code1", 10, "N"),  # 顧客コード1: the supporter's id
    ("customer_code2", 10, "N"),  # 顧客コード2: the month paid, YYYYMM
    ("transfer_kind", 1, "N"),  # 振込指定区分
    ("identification", 1, "C"),  # 識別表示: space (customer codes, not EDI)
    ("dummy", 7, "C"),
)
TRAILER = (
    ("record_type", 1, "N"),
    ("count", 6, "N"),  # 合計件数
    ("total", 12, "N"),  # 合計金額
    ("dummy", 101, "C"),
)
END = (("record_type", 1, "N"), ("dummy", 119, "C"))
LAYOUTS = {
    "1": ("header", HEADER),
    "2": ("data", DATA),
    "8": ("trailer", TRAILER),
    "9": ("end", END),
}


@dataclass(frozen=True)
class Consignor:
    """The programme as payer (委託者): its bank's code for it, its name and its account."""

    code: str
    name: str
    bank_code: str
    bank_name: str
    branch_code: str
    branch_name: str
    account_type: str
    account_number: str

    @property
    def is_demo(self) -> bool:
        """True while the demo defaults are configured (no bank would accept the file)."""
        return self.code == DEMO_CONSIGNOR_CODE


DEMO_CONSIGNOR_CODE = "9999999999"


PAYER_ACCOUNT_TYPES = ("1", "2", "9")  # 預金種目 of the payer: ordinary, current, other


def payer_problems(values: Mapping[str, str]) -> tuple[dict[str, str], dict[str, object]]:
    """The programme's payer (``payer_*`` fields, as typed) checked and normalised: the values
    as the file needs them, and a message per field at fault. All empty is no payer (no file)."""
    typed = {key: str(values.get(key) or "").strip() for key in _PAYER_KEYS}
    if not any(value for key, value in typed.items() if key != "payer_account_type"):
        return {key: "" for key in _PAYER_KEYS} | {"payer_account_type": "1"}, {}
    clean: dict[str, str] = {}
    problems: dict[str, object] = {}

    def take(key: str, cleaner) -> None:
        try:
            clean[key] = cleaner(typed[key])
        except Refused as refusal:
            problems[key] = refusal.message

    code = unicodedata.normalize("NFKC", typed["payer_consignor_code"]).replace(" ", "")
    if len(code) == 10 and code.isascii() and code.isdigit():
        clean["payer_consignor_code"] = code
    else:
        problems["payer_consignor_code"] = _l(
            "The consignor code is exactly 10 digits, as the bank gave it."
        )
    take("payer_consignor_name", lambda v: bank.to_zengin(v, 40, "payer_consignor_name"))
    if "payer_consignor_name" in clean and not clean["payer_consignor_name"]:
        problems["payer_consignor_name"] = _l("Enter the payer's name in kana.")
    take("payer_bank_code", bank.clean_bank_code)
    take("payer_bank_name", lambda v: bank.to_zengin(v, bank.BANK_NAME_MAX, "payer_bank_name"))
    take("payer_branch_code", bank.clean_branch_code)
    take("payer_branch_name", lambda v: bank.to_zengin(v, bank.BANK_NAME_MAX, "payer_branch_name"))
    if typed["payer_account_type"] in PAYER_ACCOUNT_TYPES:
        clean["payer_account_type"] = typed["payer_account_type"]
    else:
        problems["payer_account_type"] = _l("Choose the type of account.")
    take("payer_account_number", bank.clean_account_number)
    return clean, problems


_PAYER_KEYS = (
    "payer_consignor_code",
    "payer_consignor_name",
    "payer_bank_code",
    "payer_bank_name",
    "payer_branch_code",
    "payer_branch_name",
    "payer_account_type",
    "payer_account_number",
)


def consignor_of(values: Mapping[str, str]) -> Consignor:
    """The consignor from the programme's payer fields (``ProgrammeSettings.payer``), checked;
    missing or wrong settings are refused as a conflict: no file until they are corrected."""
    clean, problems = payer_problems(values)
    if problems:
        field, message = next(iter(problems.items()))
        raise Refused(message, field, code=CONFLICT)
    if not clean["payer_consignor_code"]:
        raise Refused(
            _l("The programme's bank account is not set: enter it in the programme settings."),
            "payer_consignor_code",
            code=CONFLICT,
        )
    return Consignor(
        code=clean["payer_consignor_code"],
        name=clean["payer_consignor_name"],
        bank_code=clean["payer_bank_code"],
        bank_name=clean["payer_bank_name"],
        branch_code=clean["payer_branch_code"],
        branch_name=clean["payer_branch_name"],
        account_type=clean["payer_account_type"],
        account_number=clean["payer_account_number"],
    )


@dataclass(frozen=True)
class Transfer:
    """One data record: where the money goes and how much."""

    bank_code: str
    bank_name: str
    branch_code: str
    branch_name: str
    account_type: str
    account_number: str
    recipient_name: str
    amount: int
    customer_code1: str = ""
    customer_code2: str = ""


@dataclass(frozen=True)
class Record:
    """One record read back: its kind (header, data, trailer, end) and its fields as text."""

    kind: str
    fields: dict[str, str]

    def __getitem__(self, name: str) -> str:
        return self.fields[name]


def _field(name: str, width: int, kind: str, value) -> str:
    text = str(value)
    if kind == "N":
        text = text or "0"
        if not (text.isascii() and text.isdigit()) or len(text) > width:
            raise Refused(f"{name} must be at most {width} digits, not {text!r}.", code=CONFLICT)
        return text.zfill(width)
    if len(text) > width or not bank.is_zengin(text):
        raise Refused(
            f"{name} must be at most {width} Zengin characters, not {text!r}.", code=CONFLICT
        )
    return text.ljust(width)


def _record(layout, values: Mapping[str, object]) -> bytes:
    text = "".join(_field(name, width, kind, values.get(name, "")) for name, width, kind in layout)
    data = text.encode(ENCODING)
    if len(data) != RECORD_LENGTH:  # pragma: no cover - the layouts add up to 120
        raise Refused(f"record of {len(data)} bytes", code=CONFLICT)
    return data


def write(consignor: Consignor, transfer_date: date, transfers: Iterable[Transfer]) -> bytes:
    """The whole file: header, one data record per transfer, trailer and end, CRLF after each."""
    transfers = list(transfers)
    for transfer in transfers:
        if transfer.amount <= 0:
            raise Refused(
                f"a transfer must be a positive amount, not {transfer.amount}", code=CONFLICT
            )
    header = {
        "record_type": "1",
        "type_code": TYPE_CODE,
        "code_division": CODE_DIVISION,
        "consignor_code": consignor.code,
        "consignor_name": consignor.name,
        "transfer_date": transfer_date.strftime("%m%d"),
        "bank_code": consignor.bank_code,
        "bank_name": consignor.bank_name,
        "branch_code": consignor.branch_code,
        "branch_name": consignor.branch_name,
        "account_type": consignor.account_type,
        "account_number": consignor.account_number,
    }
    records = [_record(HEADER, header)]
    for transfer in transfers:
        values = {
            "record_type": "2",
            "bank_code": transfer.bank_code,
            "bank_name": transfer.bank_name,
            "branch_code": transfer.branch_code,
            "branch_name": transfer.branch_name,
            "account_type": transfer.account_type,
            "account_number": transfer.account_number,
            "recipient_name": transfer.recipient_name,
            "amount": transfer.amount,
            "new_code": "0",
            "customer_code1": transfer.customer_code1,
            "customer_code2": transfer.customer_code2,
            "transfer_kind": TRANSFER_KIND,
        }
        records.append(_record(DATA, values))
    total = sum(t.amount for t in transfers)
    records.append(_record(TRAILER, {"record_type": "8", "count": len(transfers), "total": total}))
    records.append(_record(END, {"record_type": "9"}))
    return b"".join(record + NEWLINE for record in records)


def _split(data: bytes) -> list[bytes]:
    data = data.rstrip(b"\x1a")  # an old DOS end-of-file mark
    if b"\n" in data:
        return [line.rstrip(b"\r") for line in data.split(b"\n") if line.strip(b"\r")]
    if len(data) % RECORD_LENGTH:
        raise Refused(f"{len(data)} bytes is not a whole number of 120-byte records")
    return [data[i : i + RECORD_LENGTH] for i in range(0, len(data), RECORD_LENGTH)]


def parse(data: bytes) -> list[Record]:
    """Read a Zengin general-transfer file back into records with named fields (for checks)."""
    records = []
    for number, raw in enumerate(_split(data), start=1):
        if len(raw) != RECORD_LENGTH:
            raise Refused(f"record {number} is {len(raw)} bytes, not {RECORD_LENGTH}")
        kind, layout = LAYOUTS.get(raw[:1].decode("ascii", "replace"), (None, None))
        if layout is None:
            raise Refused(f"record {number} has the unknown record type {raw[:1]!r}")
        fields, at = {}, 0
        for name, width, _kind in layout:
            fields[name] = raw[at : at + width].decode(ENCODING)
            at += width
        records.append(Record(kind, fields))
    return records
