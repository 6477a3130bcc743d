"""Fixtures: a real SQLite file (and PostgreSQL when WISDOM_TEST_POSTGRES_URL is set) per test."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from support import PEOPLE, add_people, base_config, sign_in

from wisdom import create_app
from wisdom.auth.passwords import hash_password
from wisdom.db import db

POSTGRES_URL = os.environ.get("WISDOM_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]


def _reset_postgres(url: str) -> None:
    """Empty the PostgreSQL test database completely (it is used by the tests alone)."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    except sa.exc.OperationalError as error:
        pytest.exit(f"WISDOM_TEST_POSTGRES_URL is set but PostgreSQL is unreachable: {error}", 3)
    finally:
        engine.dispose()


def sqlalchemy_url(backend: str, path: Path | None = None) -> str:
    """The SQLAlchemy URL of a test database."""
    if backend == "postgres":
        return POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"sqlite:///{path}"


def _reference_rows(url: str) -> dict[str, list[dict]]:
    """The rows migrations seed (pathways, thesaurus), so each test can start with them again."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            metadata = sa.MetaData()
            metadata.reflect(conn)
            return {
                table.name: [dict(row) for row in conn.execute(table.select()).mappings()]
                for table in metadata.sorted_tables
                if table.name != "alembic_version"
                and conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()
            }
    finally:
        engine.dispose()


def _restore_reference_rows(conn, seeded: dict[str, list[dict]]) -> None:
    """Put the migration-seeded rows back after TRUNCATE, with their sequences moved past them."""
    metadata = sa.MetaData()
    metadata.reflect(conn, only=list(seeded))
    for table in metadata.sorted_tables:
        conn.execute(table.insert(), seeded[table.name])
        if "id" in table.c:
            top = conn.execute(sa.select(sa.func.max(table.c.id))).scalar()
            conn.execute(
                sa.text("SELECT setval(pg_get_serial_sequence(:name, 'id'), :top)"),
                {"name": table.name, "top": top},
            )


@pytest.fixture(scope="session")
def migrated(tmp_path_factory) -> dict[str, str]:
    """Each backend migrated once per session through the real Alembic history."""
    made = {}
    for backend in BACKENDS:
        path = tmp_path_factory.mktemp("template") / "wisdom.db"
        if backend == "postgres":
            _reset_postgres(POSTGRES_URL)
        url = sqlalchemy_url(backend, path)
        app = create_app(base_config(url))
        with app.app_context():
            upgrade()
            db.engine.dispose()
        made[backend] = str(path) if backend == "sqlite" else url
    if "postgres" in made:
        made["postgres_seeded"] = _reference_rows(made["postgres"])
    return made


@pytest.fixture(scope="session")
def password_hashes() -> dict[str, str]:
    """Scrypt hashes of the test passwords, computed once."""
    return {role: hash_password(person[3]) for role, person in PEOPLE.items()}


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """The database backend this test runs against."""
    return request.param


@pytest.fixture
def db_url(backend, migrated, tmp_path) -> str:
    """A fresh, migrated database for one test."""
    if backend == "sqlite":
        path = tmp_path / "wisdom.db"
        shutil.copy(migrated["sqlite"], path)
        return sqlalchemy_url("sqlite", path)
    engine = sa.create_engine(migrated["postgres"])
    with engine.begin() as conn:
        tables = [name for name in sa.inspect(conn).get_table_names() if name != "alembic_version"]
        if tables:
            conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        _restore_reference_rows(conn, migrated["postgres_seeded"])
    engine.dispose()
    return migrated["postgres"]


@pytest.fixture
def make_app(db_url, tmp_path, monkeypatch):
    """Build an app on this test's database, with extra configuration."""
    monkeypatch.setenv("WISDOM_INSTANCE_PATH", str(tmp_path / "instance"))
    built = []

    def make(**overrides):
        app = create_app(
            {**base_config(db_url), "WISDOM_INDEX_DIR": str(tmp_path / "index"), **overrides}
        )
        built.append(app)
        return app

    yield make
    for app in built:
        app.extensions["wisdom_search"].close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app, password_hashes):
    """An app with one account per role."""
    app = make_app()
    add_people(app, password_hashes)
    return app


@pytest.fixture
def client(app):
    """A browser-like test client (cookies kept, CSRF enforced)."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """The app's CLI runner."""
    return app.test_cli_runner()


@pytest.fixture
def signed_in(client):
    """Sign the client in as a role: ``signed_in('pdm')``."""

    def do(role: str):
        response = sign_in(client, role)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return do
