"""Reference data: municipalities (JIS X 0402) and languages (BCP 47)."""

from datetime import date

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supporters.extensions import db


class Municipality(db.Model):
    """A city, town or village, identified by its 5-digit JIS X 0402 code (e.g. ``08201`` Mito)."""

    __tablename__ = "municipality"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    prefecture_code: Mapped[str] = mapped_column(String(2), index=True)
    name_ja: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(60))
    kana: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(10))  # city / ward / town / village / city_ward
    latitude: Mapped[float]
    longitude: Mapped[float]
    # The 6-digit 全国地方公共団体コード (the JIS code + its check digit); "" if never loaded.
    lg_code: Mapped[str] = mapped_column(String(6), default="")
    # A merged (or renumbered) municipality keeps its row: the last day it existed and the code
    # that took it over; records that name it keep naming it.
    valid_until: Mapped[date | None] = mapped_column(default=None)
    successor_code: Mapped[str | None] = mapped_column(
        ForeignKey("municipality.code"), default=None, index=True
    )

    successor: Mapped["Municipality | None"] = relationship(remote_side=[code])

    def name(self, locale: str) -> str:
        """The name to show in the given UI locale (Japanese for ``ja`` and Easy Japanese);
        a merged municipality shows its successor too: "旧名 → 新名"."""
        own = self.name_ja if locale.startswith("ja") else self.name_en
        if self.successor_code and self.successor is not None:
            return f"{own} → {self.successor.name(locale)}"
        return own

    def __repr__(self) -> str:
        return f"<Municipality {self.code} {self.name_en}>"


class Language(db.Model):
    """A language supporters speak, keyed by its BCP 47 code (``vi``, ``zh``, ``pt`` ...)."""

    __tablename__ = "language"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(60))
    name_ja: Mapped[str] = mapped_column(String(60))
    name_native: Mapped[str] = mapped_column(String(60))
    # A retired language stays on the records that have it but is offered for no new one.
    retired_on: Mapped[date | None] = mapped_column(default=None)

    def name(self, locale: str) -> str:
        """The name to show in the given UI locale (Japanese for ``ja`` and Easy Japanese)."""
        return self.name_ja if locale.startswith("ja") else self.name_en

    def __repr__(self) -> str:
        return f"<Language {self.code}>"


class ReferenceVersion(db.Model):
    """The current state of the reference data, named by a random token (one row, id 1).

    Every change to a municipality or language writes a new token here, in the same
    transaction as the change; each process keeps its copy of them
    (``supporters/reference_data.py``) for as long as the token is the same. Written by a session
    hook, never by hand. What a programme's matching keeps has a token per programme instead
    (:class:`CacheToken`).
    """

    __tablename__ = "reference_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(32))


class CacheToken(db.Model):
    """What a process keeps of one programme's data, named by a random token per (kind,
    programme): ``outcomes`` (the requests' outcomes, ``help_requests/experience.py``) and
    ``pool`` (the certified supporters' lasting facts, ``help_requests/pool_facts.py``).

    A write in one programme renews that programme's token alone, so the other programmes keep
    what they hold, and writers of different programmes never wait on one row's lock. No
    programme (an installation that never started one) is the row without a programme. Written
    by session hooks through :mod:`supporters.cache_tokens`, never by hand.
    """

    __tablename__ = "cache_token"
    __table_args__ = (UniqueConstraint("kind", "programme_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), default=None
    )
    token: Mapped[str] = mapped_column(String(32))


def write_token(connection, row: int) -> str:
    """A fresh random token in row ``row`` of ``reference_version``, written on ``connection``
    (in its transaction, so a rollback takes it back); returns it."""
    import secrets

    from sqlalchemy import insert, update

    table = ReferenceVersion.__table__
    token = secrets.token_hex(16)
    written = connection.execute(update(table).where(table.c.id == row).values(token=token))
    if not written.rowcount:  # the first change of its kind this database has seen
        connection.execute(insert(table).values(id=row, token=token))
    return token


def changed(obj, names) -> bool:
    """Whether the flush changes any of ``names`` (columns or relationships) of ``obj``."""
    state = db.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def updated_columns(statement) -> set[str]:
    """The column names an UPDATE statement sets through ``.values()`` (empty when its values
    come with the parameters)."""
    values = getattr(statement, "_values", None) or {}
    return {getattr(col, "key", getattr(col, "name", str(col))) for col in values}
