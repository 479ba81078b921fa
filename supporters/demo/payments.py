"""Demo bank details: most certified sample supporters are paid by transfer (fake accounts).

Account holders are the name in capitals as on a residence card (``holders.holder_name``:
accents dropped, other scripts in their passport spelling). About one in ten is left without
bank details, so the payment page shows its "cannot be paid by transfer" list too.
"""

import random

from sqlalchemy import select

from supporters.demo.holders import holder_name
from supporters.extensions import db
from supporters.models import BankAccount, Supporter
from supporters.payments.bank import BankDetailsDraft
from supporters.payments.operations import save_bank_details
from supporters.refusals import Refused

# Fictitious bank and branch codes (the 9900 range is not a real bank).
DEMO_BANKS = (("9901", "ﾃﾞﾓｷﾞﾝｺｳ"), ("9902", "ｲﾊﾞﾗｷﾃﾞﾓｼﾝｷﾝ"))


def seed_bank_details(seed: int = 2025) -> int:
    """Give most certified sample supporters a fake account; once (idempotent)."""
    if db.session.scalar(select(BankAccount.supporter_id).limit(1)) is not None:
        return 0
    rng = random.Random(seed)
    added = 0
    for supporter in db.session.scalars(
        select(Supporter).where(Supporter.certified_on.is_not(None)).order_by(Supporter.id)
    ):
        holder = holder_name(supporter.display_name)
        if len(holder) < 3 or rng.random() < 0.1:
            continue
        bank_code, bank_name = rng.choice(DEMO_BANKS)
        draft = BankDetailsDraft(
            bank_code=bank_code,
            branch_code=f"{rng.randint(1, 999):03d}",
            account_type="1",
            account_number=f"{rng.randint(0, 9_999_999):07d}",
            holder_kana=holder,
            bank_name_kana=bank_name,
        )
        try:
            save_bank_details(supporter, draft, by=None)
        except Refused:  # checked before anything is written: nothing to undo
            continue
        added += 1
    return added
