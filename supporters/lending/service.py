"""Which supporters a programme lends, and whom other programmes may propose ([6/6]).

A coordinator records a supporter's consent per language (the supporter agreed, on a date, to
be offered other programmes' phone and video requests in it), and can withdraw it. When nobody
in a programme qualifies for a phone or video request, :func:`proposals` finds consenting,
certified supporters of *other* programmes who speak the language and offer the mode: the one
place that reads supporters across programmes (``tenancy.across_programmes``). Each proposal
carries facts for the explanation ("Khmer, native, Gunma programme, phone"), never contact
details.
"""

from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from supporters import audit, tenancy
from supporters.clock import JST, today_jst, utcnow
from supporters.extensions import db
from supporters.models import Language, Role, Supporter, SupporterLanguage, User
from supporters.models.lending import LendingConsent
from supporters.models.offer import Offer
from supporters.models.programme import Programme
from supporters.models.request import HelpRequest
from supporters.models.supporter import LanguageLevel, SupporterStatus
from supporters.refusals import CONFLICT, Refused

REMOTE_MODES = ("phone", "video")
LEVEL_ORDER = {LanguageLevel.NATIVE: 0, LanguageLevel.FLUENT: 1, LanguageLevel.CONVERSATIONAL: 2}
PROPOSAL_LIMIT = 10
_MODE_COLUMN = {"phone": Supporter.offers_phone, "video": Supporter.offers_video}


def _programme_name(self, locale: str) -> str:
    """The other programme's name in the viewer's language (Japanese, else English)."""
    return self.programme_name_ja if locale.startswith("ja") else self.programme_name_en


@dataclass(frozen=True)
class Proposal:
    """A supporter another programme lends: who, in which language and level, from where."""

    supporter_id: int
    name: str
    language_code: str
    level: str
    programme_id: int
    programme_name_ja: str
    programme_name_en: str
    mode: str

    programme_name = _programme_name


def live_consents(supporter: Supporter) -> dict[str, LendingConsent]:
    """The supporter's live consents, by language."""
    rows = db.session.scalars(
        select(LendingConsent).where(
            LendingConsent.supporter_id == supporter.id, LendingConsent.withdrawn_at.is_(None)
        )
    )
    return {row.language_code: row for row in rows}


def lend(supporter: Supporter, language_code: str, by: User | None, on: date | None = None):
    """Record the supporter's consent to be lent in a language they speak (idempotent)."""
    spoken = {sl.language_code for sl in supporter.languages}
    if language_code not in spoken:
        raise Refused(_l("The supporter does not speak this language."), "language", code=CONFLICT)
    live = live_consents(supporter)
    if language_code in live:
        return live[language_code]
    consent = LendingConsent(
        supporter_id=supporter.id,
        language_code=language_code,
        consented_on=on or today_jst(),
        recorded_by_id=by.id if by else None,
        programme_id=supporter.programme_id,
    )
    db.session.add(consent)
    db.session.flush()
    audit.record("lending_consented", supporter, language_code, user=by)
    return consent


def withdraw(supporter: Supporter, language_code: str, by: User | None) -> bool:
    """Withdraw the supporter's consent for a language; False when there was none."""
    consent = live_consents(supporter).get(language_code)
    if consent is None:
        return False
    consent.withdrawn_at = utcnow()
    db.session.flush()
    audit.record("lending_withdrawn", supporter, language_code, user=by)
    return True


def proposals(request: HelpRequest, limit: int = PROPOSAL_LIMIT) -> list[Proposal]:
    """Consenting supporters of other programmes for a phone or video request nobody of its
    own programme can take: certified, not paused, speaking the request's language and offering
    its mode; by language level, then the fewest requests this month, then name."""
    mode = str(request.mode)
    if mode not in REMOTE_MODES or not request.language_code:
        return []
    today = today_jst()
    month_start = datetime.combine(today.replace(day=1), time(), JST)
    load = (
        select(func.count())
        .select_from(HelpRequest)
        .where(
            HelpRequest.assigned_supporter_id == Supporter.id,
            HelpRequest.starts_at >= month_start,
        )
        .correlate(Supporter)
        .scalar_subquery()
    )
    language = select(Language.code).where(
        (Language.code == request.language_code) | Language.code.like(request.language_code + "-%")
    )
    rows = db.session.execute(
        tenancy.across_programmes(
            select(
                Supporter.id,
                Supporter.display_name,
                SupporterLanguage.language_code,
                SupporterLanguage.level,
                Programme.id,
                Programme.name_ja,
                Programme.name_en,
                load.label("load"),
            )
            .join(SupporterLanguage, SupporterLanguage.supporter_id == Supporter.id)
            .join(
                LendingConsent,
                (LendingConsent.supporter_id == Supporter.id)
                & (LendingConsent.language_code == SupporterLanguage.language_code)
                & LendingConsent.withdrawn_at.is_(None),
            )
            .join(Programme, Programme.id == Supporter.programme_id)
            .where(
                Supporter.programme_id != request.programme_id,
                Supporter.status == SupporterStatus.CERTIFIED,
                _MODE_COLUMN[mode].is_(True),
                (Supporter.paused_until.is_(None)) | (Supporter.paused_until < today),
                SupporterLanguage.language_code.in_(language),
            )
        )
    ).all()
    ranked = sorted(rows, key=lambda r: (LEVEL_ORDER.get(r[3], 9), r[7], r[1].casefold(), r[0]))
    seen: set[int] = set()
    found = []
    for sid, name, code, level, pid, name_ja, name_en, _load in ranked:
        if sid in seen:
            continue
        seen.add(sid)
        found.append(Proposal(sid, name, code, str(level), pid, name_ja, name_en, mode))
    return found[:limit]


@dataclass(frozen=True)
class LentOffer:
    """An offer another programme sent to a supporter this programme lends: when, what kind of
    help (language and mode only: the category and the resident stay with the requesting
    programme), from which programme, and what became of it."""

    sent_at: datetime
    starts_at: datetime
    language_code: str
    mode: str
    status: str
    programme_name_ja: str
    programme_name_en: str

    programme_name = _programme_name


def offers_from_other_programmes(supporter: Supporter, limit: int = 20) -> list[LentOffer]:
    """The latest offers other programmes sent to ``supporter`` (the lending coordinators' view
    of what their supporter is asked to do elsewhere), newest first."""
    rows = db.session.execute(
        tenancy.across_programmes(
            select(
                Offer.sent_at,
                HelpRequest.starts_at,
                HelpRequest.language_code,
                HelpRequest.mode,
                Offer.status,
                Programme.name_ja,
                Programme.name_en,
            )
            .join(HelpRequest, HelpRequest.id == Offer.request_id)
            .join(Programme, Programme.id == HelpRequest.programme_id)
            .where(
                Offer.supporter_id == supporter.id,
                HelpRequest.programme_id != supporter.programme_id,
            )
            .order_by(Offer.sent_at.desc(), Offer.id.desc())
            .limit(limit)
        )
    ).all()
    return [
        LentOffer(sent, starts, code or "", str(mode), str(status), name_ja, name_en)
        for sent, starts, code, mode, status, name_ja, name_en in rows
    ]


def tell_home_coordinators(supporter: Supporter, facts: dict) -> None:
    """Another programme has offered ``supporter`` a request: their own programme's coordinators
    hear of it (in-app and on their channels), with the message's usual facts — when, language,
    how — and a link to the supporter's record. The notification and its messages are the home
    programme's, so its coordinators (and nobody else) see them."""
    from supporters.notify import notify_users

    facts = {key: value for key, value in facts.items() if key != "municipality_code"}
    with tenancy.using(supporter.programme_id):
        coordinators = db.session.scalars(
            select(User).where(User.active.is_(True), User.role == Role.COORDINATOR)
        ).all()
        notify_users(coordinators, "lent_offer_sent", f"/supporters/{supporter.id}", facts)
        db.session.flush()  # stamped with the home programme while it is the context
