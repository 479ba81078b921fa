"""All models, importable from one place; split by area of the product."""

from supporters.models.audit import AuditEvent
from supporters.models.reference import Language, Municipality
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
from supporters.models.user import Role, User

__all__ = [
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
