"""Reference data: municipalities (JIS X 0402) and languages (BCP 47)."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from supporters.extensions import db


class Municipality(db.Model):
    """A city, town or village, identified by its 5-digit JIS X 0402 code (e.g. ``08201`` Mito)."""

    __tablename__ = "municipality"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    prefecture_code: Mapped[str] = mapped_column(String(2), index=True)
    name_ja: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(60))
    kana: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(10))  # city / town / village
    latitude: Mapped[float]
    longitude: Mapped[float]

    def name(self, locale: str) -> str:
        """The name to show in the given UI locale (Japanese for ``ja`` and Easy Japanese)."""
        return self.name_ja if locale.startswith("ja") else self.name_en

    def __repr__(self) -> str:
        return f"<Municipality {self.code} {self.name_en}>"


class Language(db.Model):
    """A language supporters speak, keyed by its BCP 47 code (``vi``, ``zh``, ``pt`` ...)."""

    __tablename__ = "language"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(60))
    name_ja: Mapped[str] = mapped_column(String(60))
    name_native: Mapped[str] = mapped_column(String(60))

    def name(self, locale: str) -> str:
        """The name to show in the given UI locale (Japanese for ``ja`` and Easy Japanese)."""
        return self.name_ja if locale.startswith("ja") else self.name_en

    def __repr__(self) -> str:
        return f"<Language {self.code}>"
