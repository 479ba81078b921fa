"""All models, importable from one place; split by area of the product."""

from supporters.models.activity import Activity, ActivityCategory, ActivityOutcome
from supporters.models.audit import AuditEvent
from supporters.models.availability import UnavailableDate, WeeklySlot
from supporters.models.calendar_feed import CalendarFeed
from supporters.models.channels import ActionToken, ChannelAddress, ChannelFailure, LinkCode
from supporters.models.coverage import (
    NationalityLanguage,
    ProgrammeTarget,
    ResidentCount,
    TargetLanguage,
)
from supporters.models.credentials import AccountLink, AccountLinkPurpose
from supporters.models.duplicates import DuplicateCandidate, DuplicateStatus
from supporters.models.jobs import JobFailure, ScheduledRun, WorkerHeartbeat
from supporters.models.lending import LendingConsent  # noqa: E402
from supporters.models.notification import Notification, OutboxMessage, OutboxStatus
from supporters.models.offer import Offer, OfferStatus
from supporters.models.privacy import ActivityDraft
from supporters.models.programme import Programme, ProgrammeChange
from supporters.models.public_form import PublicFormDay
from supporters.models.reference import CacheToken, Language, Municipality
from supporters.models.report_rollup import ReportRollup, ReportRollupMonth
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
from supporters.models.video_room import VideoRoom

__all__ = [
    "LendingConsent",
    "GENDERS",
    "JAPANESE_LEVELS",
    "OPEN_STATUSES",
    "SENSITIVE_CATEGORIES",
    "AccountLink",
    "AccountLinkPurpose",
    "AccountType",
    "ActionToken",
    "CalendarFeed",
    "Activity",
    "ActivityCategory",
    "ActivityDraft",
    "ActivityOutcome",
    "ApiToken",
    "AuditEvent",
    "BankAccount",
    "ChannelAddress",
    "ChannelFailure",
    "Consent",
    "DuplicateCandidate",
    "DuplicateStatus",
    "ConsentChannel",
    "ContinuationAnswer",
    "ContinuationCheck",
    "FiscalBudget",
    "HelpRequest",
    "JobFailure",
    "CacheToken",
    "Language",
    "LanguageLevel",
    "LinkCode",
    "Mode",
    "MonthEvent",
    "MonthStatus",
    "Municipality",
    "NationalityLanguage",
    "Notification",
    "Offer",
    "OfferStatus",
    "OutboxMessage",
    "OutboxStatus",
    "Programme",
    "ProgrammeChange",
    "ProgrammeTarget",
    "PublicFormDay",
    "RecoveryCode",
    "ReportRollup",
    "ReportRollupMonth",
    "RequestCategory",
    "RequestEvent",
    "RequestSource",
    "RequestStatus",
    "ResidentCount",
    "Role",
    "ScheduledRun",
    "StipendLine",
    "StipendLineKind",
    "StipendMonth",
    "StipendPayment",
    "StipendRule",
    "StipendRuleKind",
    "Supporter",
    "SupporterLanguage",
    "SupporterOrigin",
    "SupporterStatus",
    "SupporterStatusChange",
    "TargetLanguage",
    "TrainingAttendance",
    "TrainingCohort",
    "TrainingSession",
    "TwoFactor",
    "UnavailableDate",
    "Urgency",
    "User",
    "UserSession",
    "VideoRoom",
    "WeeklySlot",
    "WorkerHeartbeat",
]
