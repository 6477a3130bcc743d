"""Fixtures: a real SQLite file (and PostgreSQL when WISDOM_TEST_POSTGRES_URL is set) per test."""

from __future__ import annotations

import copy
import os
import shutil
from pathlib import Path

import pytest
import route_matrix
import sqlalchemy as sa
from flask_migrate import upgrade
from snapshots import PostgresSnapshots, Snapshots
from sqlalchemy.engine import make_url
from support import PEOPLE, account_hash, add_people, base_config, share_template_code, sign_in

from wisdom import create_app
from wisdom.db import db

BASE_POSTGRES_URL = os.environ.get("WISDOM_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgres"] if BASE_POSTGRES_URL else ["sqlite"]
# Under pytest-xdist each worker ("gw0", "gw1", ...) empties and fills a database of its own.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _worker_url(url: str) -> str:
    """This worker's PostgreSQL database: the given one, or a sibling named after the worker."""
    if not url or not WORKER:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{WORKER}").render_as_string(hide_password=False)


POSTGRES_URL = _worker_url(BASE_POSTGRES_URL)


def _create_worker_database() -> None:
    """Create this worker's database beside the given one, if it is not there yet."""
    engine = sa.create_engine(
        BASE_POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
    )
    name = make_url(POSTGRES_URL).database
    try:
        with engine.connect() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).scalar()
            if not exists:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as error:
        pytest.exit(f"WISDOM_TEST_POSTGRES_URL is set but PostgreSQL is unreachable: {error}", 3)
    finally:
        engine.dispose()


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


@pytest.fixture(scope="session")
def migrated(tmp_path_factory) -> dict:
    """Each backend migrated once per session through the real Alembic history."""
    made = {}
    for backend in BACKENDS:
        path = tmp_path_factory.mktemp("template") / "wisdom.db"
        if backend == "postgres":
            if WORKER:
                _create_worker_database()
            _reset_postgres(POSTGRES_URL)
        url = sqlalchemy_url(backend, path)
        app = create_app(base_config(url))
        with app.app_context():
            upgrade()
            db.engine.dispose()
        made[backend] = str(path) if backend == "sqlite" else url
    if "postgres" in made:
        made["postgres_snapshots"] = PostgresSnapshots(made["postgres"])
        made["postgres_snapshots"].take("migrated")
    yield made
    if "postgres" in made:
        made["postgres_snapshots"].close()


@pytest.fixture(scope="session")
def password_hashes() -> dict[str, str]:
    """Scrypt hashes of the test passwords, computed once (at the tests' lower cost)."""
    return {role: account_hash(person[3]) for role, person in PEOPLE.items()}


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
    migrated["postgres_snapshots"].restore("migrated")
    return migrated["postgres"]


@pytest.fixture(scope="session")
def snapshots(migrated, tmp_path_factory) -> Snapshots:
    """The session's named snapshots of seeded databases and indexes."""
    return Snapshots(tmp_path_factory.mktemp("snapshots"), migrated.get("postgres_snapshots"))


@pytest.fixture
def snapshot(snapshots, backend):
    """``snapshot(app, name, seed)``: the test's app as ``seed(app)`` leaves it; seed's value.

    The first test to ask seeds its app and keeps a snapshot; later tests on the same backend
    get the snapshot put back under their app (and a copy of the value) instead of seeding again.
    The app must be built as the first one was (the same accounts, plugins and configuration).
    """

    def restore_or_seed(app, name: str, seed):
        if snapshots.has(backend, name):
            return copy.deepcopy(snapshots.restore(app, backend, name))
        value = seed(app)
        snapshots.take(app, backend, name, value)
        return copy.deepcopy(value)

    return restore_or_seed


@pytest.fixture
def full_app(make_app, password_hashes, snapshot):
    """The app with every installed plugin, one account per role, and the route matrix's records
    (``app.seeded``)."""
    app = route_matrix.build_app(make_app, password_hashes)
    app.seeded = snapshot(app, "route-matrix", route_matrix.seed)
    return app


@pytest.fixture
def make_app(db_url, tmp_path, monkeypatch):
    """Build an app on this test's database, with extra configuration."""
    monkeypatch.setenv("WISDOM_INSTANCE_PATH", str(tmp_path / "instance"))
    built = []

    def make(**overrides):
        app = create_app(
            {**base_config(db_url), "WISDOM_INDEX_DIR": str(tmp_path / "index"), **overrides}
        )
        share_template_code(app)
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


# What the browser tests report through their user properties, gathered for the summary below.
_AXE_PAGES: dict[str, int] = {}
_AXE_RUNS = {"axe_ran": 0, "axe_reused": 0}  # pages axe ran on; verdicts reused (AxeCache)
_KNOWN_PROBLEMS: list[str] = []


def pytest_runtest_logreport(report):
    """Gather what a test reported (in this process or, under pytest-xdist, from a worker)."""
    if report.when != "call":
        return
    for name, value in report.user_properties:
        if name == "axe_pages":
            role, count = value
            _AXE_PAGES[role] = count
        elif name in _AXE_RUNS:
            _AXE_RUNS[name] += value
        elif name == "known_problem":
            _KNOWN_PROBLEMS.append(value)


def pytest_terminal_summary(terminalreporter):
    """Say how many pages axe checked for each role, and which known problems were seen."""
    if _AXE_PAGES:
        terminalreporter.write_sep("-", "axe-core WCAG 2.2 AA: pages checked per role")
        for role, count in sorted(_AXE_PAGES.items()):
            terminalreporter.write_line(f"{role:<26} {count} pages")
        terminalreporter.write_line(
            f"axe ran on {_AXE_RUNS['axe_ran']} of them; the verdicts on the other "
            f"{_AXE_RUNS['axe_reused']} were reused for the same document"
        )
    if _KNOWN_PROBLEMS:
        terminalreporter.write_sep("-", "known problems seen (tolerated; see KNOWN_BROKEN_LINKS)")
        for problem in _KNOWN_PROBLEMS:
            terminalreporter.write_line(problem)
