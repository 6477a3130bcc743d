"""The database: one SQLAlchemy instance, and SQLite made safe for several processes."""

from datetime import UTC, datetime

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic's batch mode can alter SQLite tables.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every WISDOM model, plugins' included."""

    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)


def utcnow() -> datetime:
    """The current time in UTC, as stored in every timestamp column."""
    return datetime.now(UTC).replace(tzinfo=None)


def init_app(app) -> None:
    """Bind the database to the app and tune SQLite connections."""
    db.init_app(app)
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _tune_sqlite(engine, app.config["WISDOM_SQLITE_BUSY_TIMEOUT_MS"])


def _tune_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, a busy timeout, foreign keys, and BEGIN IMMEDIATE so writers queue instead of failing."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # A deferred transaction that reads and then writes can fail at once with
        # "database is locked"; taking the write lock up front makes it wait its turn.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
