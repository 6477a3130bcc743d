"""Database (and search index) snapshots: made once per session, put back before each test.

A test starts from the migrated database, and a test that needs a seeded library (the search
conformance corpus, the canaries, the route matrix's records) starts from that library, seeded
once per backend and session instead of once per test. On SQLite a snapshot is a copy of the
database file (SQLite's backup API) and of the Whoosh index directory; on PostgreSQL it is a
schema beside ``public`` holding a copy of every table, with each sequence's position.
"""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from wisdom.db import db


class PostgresSnapshots:
    """Copies of the ``public`` schema's rows, each in a schema of its own, put back by name.

    Emptying the tables with DELETE takes a few milliseconds where TRUNCATE of every table takes
    two hundred (TRUNCATE makes new files for each). DELETE runs with triggers off
    (``session_replication_role = replica``), since the audit log and library versions refuse
    deletion by trigger; a database user not allowed to set that empties them by TRUNCATE.
    """

    def __init__(self, url: str):
        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        self.metadata = sa.MetaData()
        with self.engine.connect() as conn:
            self.metadata.reflect(conn)
            generated = conn.execute(
                sa.text(
                    "SELECT table_name, column_name FROM information_schema.columns "
                    "WHERE table_schema = 'public' AND is_generated = 'ALWAYS'"
                )
            ).all()
        self.tables = [t for t in self.metadata.sorted_tables if t.name != "alembic_version"]
        skip = set(generated)
        self.columns = {
            t.name: ", ".join(f'"{c.name}"' for c in t.columns if (t.name, c.name) not in skip)
            for t in self.tables
        }
        self.may_skip_triggers = self._may_skip_triggers()
        # name -> (the tables that had rows, the statements that put each sequence back)
        self.taken: dict[str, tuple[list[str], list[str]]] = {}

    def _may_skip_triggers(self) -> bool:
        try:
            with self.engine.begin() as conn:
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        except sa.exc.DBAPIError:
            return False
        return True

    def take(self, name: str) -> None:
        """Copy every table's rows and every sequence's position into the schema ``snap_NAME``."""
        schema = f"snap_{name}"
        with self.engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            filled = []
            for table in self.tables:
                if conn.execute(sa.select(sa.func.count()).select_from(table)).scalar():
                    columns = self.columns[table.name]
                    conn.exec_driver_sql(
                        f'CREATE TABLE "{schema}"."{table.name}" AS '  # noqa: S608 (reflected)
                        f'SELECT {columns} FROM public."{table.name}"'
                    )
                    filled.append(table.name)
            positions = conn.execute(
                sa.text(
                    "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
                )
            ).all()
        moves = [
            f'ALTER SEQUENCE "{sequence}" RESTART'
            if last is None
            else f"SELECT setval('\"{sequence}\"', {int(last)}, true)"
            for sequence, last in positions
        ]
        self.taken[name] = (filled, moves)

    def restore(self, name: str) -> None:
        """Make ``public`` hold exactly what it held when ``take(name)`` was called."""
        filled, moves = self.taken[name]
        schema = f"snap_{name}"
        names = [t.name for t in self.tables]
        fills = [
            f'INSERT INTO public."{table}" ({self.columns[table]}) OVERRIDING SYSTEM VALUE '  # noqa: S608
            f'SELECT {self.columns[table]} FROM "{schema}"."{table}"'
            for table in names
            if table in filled
        ]
        if self.may_skip_triggers:  # SET LOCAL ends with the transaction
            empty = ["SET LOCAL session_replication_role = replica"]
            empty += [f'DELETE FROM public."{table}"' for table in names]  # noqa: S608
        else:  # TRUNCATE ignores the triggers; rows then go back parents first
            empty = [f"TRUNCATE {', '.join(names)} CASCADE"]
        with self.engine.begin() as conn:
            conn.exec_driver_sql("; ".join([*empty, *fills, *moves]))

    def close(self) -> None:
        """Let go of the database."""
        self.engine.dispose()


def _sqlite_copy(source: str, target: str) -> None:
    """Copy one SQLite database over another with SQLite's backup API (consistent, WAL too)."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


class Snapshots:
    """Named snapshots of a test app's database and search index, per backend, for a session."""

    def __init__(self, folder: Path, postgres: PostgresSnapshots | None):
        self.folder = folder
        self.postgres = postgres
        self.values: dict[tuple[str, str], object] = {}

    def _release(self, app) -> None:
        """Close the app's connections and index files, so both can be replaced under it."""
        app.extensions["wisdom_search"].close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()

    def take(self, app, backend: str, name: str, value) -> None:
        """Keep what the app's database and index hold now, with the value that describes it."""
        self._release(app)
        kept = self.folder / backend / name
        if backend == "postgres":
            self.postgres.take(name)
        else:
            kept.mkdir(parents=True)
            _sqlite_copy(_sqlite_path(app), str(kept / "wisdom.db"))
        for folder, copy in _files(app, backend, kept):
            if folder.exists():
                shutil.copytree(folder, copy, symlinks=True)
        self.values[(backend, name)] = value

    def has(self, backend: str, name: str) -> bool:
        """Whether the snapshot has been taken."""
        return (backend, name) in self.values

    def restore(self, app, backend: str, name: str):
        """Put a snapshot back under the app; return its value."""
        self._release(app)
        kept = self.folder / backend / name
        if backend == "postgres":
            self.postgres.restore(name)
        else:
            _sqlite_copy(str(kept / "wisdom.db"), _sqlite_path(app))
        for folder, copy in _files(app, backend, kept):
            shutil.rmtree(folder, ignore_errors=True)
            if copy.exists():
                shutil.copytree(copy, folder, symlinks=True)
        return self.values[(backend, name)]


def _files(app, backend: str, kept: Path) -> list[tuple[Path, Path]]:
    """The folders a snapshot keeps beside the database, each with where its copy is kept:
    uploaded files, and the Whoosh index on SQLite (PostgreSQL's index is in the database)."""
    folders = [(Path(app.instance_path) / "attachments", kept / "attachments")]
    if backend != "postgres":
        folders.append((Path(app.config["WISDOM_INDEX_DIR"]), kept / "index"))
    return folders


def _sqlite_path(app) -> str:
    """The file of the app's SQLite database."""
    return make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
