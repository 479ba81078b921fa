"""All models, importable from one place; split by area of the product."""

from supporters.models.activity import Activity, ActivityCategory, ActivityOutcome
from supporters.models.audit import AuditEvent
from supporters.models.availability import UnavailableDate, WeeklySlot
from supporters.models.coverage import (
    NationalityLanguage,
    ProgrammeTarget,
    ResidentCount,
    TargetLanguage,
)
from supporters.models.credentials import AccountLink, AccountLinkPurpose
from supporters.models.notification import Notification, OutboxMessage, OutboxStatus
from supporters.models.offer import Offer, OfferStatus
from supporters.models.privacy import ActivityDraft
from supporters.models.public_form import PublicFormDay
from supporters.models.reference import Language, Municipality
from supporters.models.request import (
    OPEN_STATUSES,
    SENSITIVE_CATEGORIES,
    Consent,
    ConsentChannel,
    HelpRequest,
    RequestCategory,
    RequestEvent,
    RequestSource,
    RequestStatus,
    Urgency,
)
from supporters.models.security import UserSession  # noqa: E402  (needs User first)
from supporters.models.stipend import (
    AccountType,
    BankAccount,
    FiscalBudget,
    MonthEvent,
    MonthStatus,
    StipendLine,
    StipendLineKind,
    StipendMonth,
    StipendPayment,
    StipendRule,
    StipendRuleKind,
)
from supporters.models.supporter import (
    GENDERS,
    JAPANESE_LEVELS,
    LanguageLevel,
    Mode,
    Supporter,
    SupporterLanguage,
    SupporterOrigin,
    SupporterStatus,
    SupporterStatusChange,
)
from supporters.models.training import (
    ContinuationAnswer,
    ContinuationCheck,
    TrainingAttendance,
    TrainingCohort,
    TrainingSession,
)
from supporters.models.twofactor import RecoveryCode, TwoFactor  # noqa: E402
from supporters.models.user import ApiToken, Role, User

__all__ = [
    "ActivityDraft",
    "UserSession",
    "RecoveryCode",
    "TwoFactor",
    "AccountLink",
    "AccountLinkPurpose",
    "ApiToken",
    "NationalityLanguage",
    "ProgrammeTarget",
    "ResidentCount",
    "TargetLanguage",
    "AccountType",
    "BankAccount",
    "ContinuationAnswer",
    "ContinuationCheck",
    "FiscalBudget",
    "MonthEvent",
    "MonthStatus",
    "StipendLine",
    "StipendLineKind",
    "StipendMonth",
    "StipendPayment",
    "StipendRule",
    "StipendRuleKind",
    "TrainingAttendance",
    "TrainingCohort",
    "TrainingSession",
    "Activity",
    "ActivityCategory",
    "ActivityOutcome",
    "OPEN_STATUSES",
    "SENSITIVE_CATEGORIES",
    "Consent",
    "ConsentChannel",
    "HelpRequest",
    "Notification",
    "Offer",
    "OfferStatus",
    "OutboxMessage",
    "OutboxStatus",
    "PublicFormDay",
    "RequestCategory",
    "RequestEvent",
    "RequestSource",
    "RequestStatus",
    "UnavailableDate",
    "Urgency",
    "WeeklySlot",
    "GENDERS",
    "JAPANESE_LEVELS",
    "AuditEvent",
    "Language",
    "LanguageLevel",
    "Mode",
    "Municipality",
    "Role",
    "Supporter",
    "SupporterLanguage",
    "SupporterOrigin",
    "SupporterStatus",
    "SupporterStatusChange",
    "User",
]
