"""Engine, typed columns and one transaction per request, for SQLite and PostgreSQL alike."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import DateTime, Engine, MetaData, event, literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from services.common.errors import DomainError

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def naming_metadata() -> MetaData:
    """A MetaData whose constraints get stable names, so migrations can refer to them."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def new_id() -> str:
    """An opaque, unguessable ID for a new row."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _configure_sqlite(engine: Engine) -> None:
    # SQLite allows one writer; BEGIN IMMEDIATE takes the write lock up front so that two
    # transactions never deadlock upgrading a read lock, and busy_timeout makes others wait.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_database_engine(url: str) -> Engine:
    """An engine for a SQLite or PostgreSQL URL; a SQLite file's folder is created.

    It calls `sqlalchemy.create_engine` through the module, so the tracing that telemetry.py
    wraps around it applies."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sqlalchemy.create_engine(url, connect_args={"check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return sqlalchemy.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def insert_if_absent(session: Session, model: type[Any], **values: Any) -> bool:
    """Inserts the row unless one with the same key exists; safe when two transactions insert
    the same key at once (ON CONFLICT DO NOTHING, on SQLite and PostgreSQL alike). True when
    this call inserted it."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    # RETURNING, because an ORM session's rowcount of this statement is -1 on psycopg.
    inserted = session.execute(
        dialect.insert(model).values(**values).on_conflict_do_nothing().returning(literal(1))
    )
    return inserted.first() is not None


class Database:
    """A service's database: the engine and a factory of transactions."""

    def __init__(self, url: str, *, session_info: dict[str, object] | None = None) -> None:
        """`session_info` is given to every session (e.g. the audit key, see audit.py)."""
        self.engine = create_database_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, info=session_info)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises.

        A DomainError with `keeps_changes` commits the changes made so far, then propagates.
        Callables appended to `session.info["after_commit"]` run once the commit succeeded.
        """
        kept: DomainError | None = None
        with self._sessions.begin() as session:
            try:
                yield session
            except DomainError as error:
                if not error.keeps_changes:
                    raise
                kept = error
        for callback in session.info.pop("after_commit", []):
            callback()
        if kept is not None:
            raise kept

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def dispose(self) -> None:
        self.engine.dispose()
