"""The ``wisdom`` console script, run as an operator runs it: a real process, real environment.

Each test works on its own SQLite file, copied from one that ``wisdom db upgrade`` migrated.
Errors must be one line on stderr starting with "Error:", a non-zero exit, and no traceback.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
WISDOM = BIN / "wisdom"
FLASK = BIN / "flask"
PASSWORD = "a-long-enough-password-26"


def run(env: dict, *args: str, program: Path = WISDOM) -> subprocess.CompletedProcess:
    """Run a console script with the environment of one test."""
    return subprocess.run(
        [str(program), *args], env=env, capture_output=True, text=True, timeout=120
    )


def ok(env: dict, *args: str, program: Path = WISDOM) -> str:
    """Run a command that must succeed; return what it printed."""
    result = run(env, *args, program=program)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Traceback" not in output
    return result.stdout


def fails_in_one_line(env: dict, *args: str) -> str:
    """Run a command that must fail with one clear line; return that line."""
    result = run(env, *args)
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), lines[0]
    return lines[0]


def environment(directory: Path, url: str) -> dict:
    """The process environment: this test's instance folder and database, nothing else of ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WISDOM_", "FLASK_"))}
    env["WISDOM_INSTANCE_PATH"] = str(directory / "instance")
    env["WISDOM_DATABASE_URL"] = url
    return env


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory) -> Path:
    """A database file migrated by ``wisdom db upgrade``."""
    directory = tmp_path_factory.mktemp("cli-template")
    path = directory / "wisdom.db"
    env = environment(directory, f"sqlite:///{path}")
    result = run(env, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert {"users", "audit_records", "alembic_version"} <= set(counts(path))
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return path


@pytest.fixture
def env(upgraded, tmp_path) -> dict:
    """A fresh copy of the migrated database, and an instance folder, for one test."""
    path = tmp_path / "wisdom.db"
    shutil.copy(upgraded, path)
    made = environment(tmp_path, f"sqlite:///{path}")
    made["TEST_DB_PATH"] = str(path)
    return made


def counts(path) -> dict[str, int]:
    """The number of rows in every table."""
    with closing(sqlite3.connect(path)) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        # Table names come from sqlite_master, not from input.
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608


def hashes(path) -> dict[str, str]:
    """Every account's password hash, by email address."""
    with closing(sqlite3.connect(path)) as conn:
        return dict(conn.execute("SELECT email, password_hash FROM users"))


def test_accounts_are_managed_from_the_command_line(env):
    created = ok(
        env,
        "users",
        "create",
        "X@Example.org",
        "--name",
        "X Person",
        "--role",
        "practitioner",
        "--password",
        PASSWORD,
    )
    assert created.strip() == "Created x@example.org (practitioner)"
    assert ok(env, "users", "list").splitlines() == [
        "x@example.org\tX Person\tpractitioner\tactive"
    ]
    granted = ok(env, "users", "grant-role", "x@example.org", "panel_member")
    assert granted.strip() == "x@example.org now holds: panel_member, practitioner"
    assert ok(env, "users", "disable", "x@example.org").strip() == "Disabled x@example.org"
    listed = ok(env, "--app", "wisdom", "users", "list", program=FLASK)  # Flask's own CLI
    assert listed.splitlines() == ["x@example.org\tX Person\tpanel_member,practitioner\tdisabled"]
    with closing(sqlite3.connect(env["TEST_DB_PATH"])) as conn:
        actions = [a for (a,) in conn.execute("SELECT action FROM audit_records ORDER BY id")]
        stored = conn.execute("SELECT password_hash FROM users").fetchone()[0]
    assert actions == ["user_created", "roles_changed", "user_disabled"]
    assert stored.startswith("scrypt:") and PASSWORD not in stored
    assert ok(env, "audit", "verify").strip() == "The audit log is intact: 3 records checked"


def test_loading_the_demo_twice_changes_nothing_the_second_time(env):
    path = env["TEST_DB_PATH"]
    first = ok(env, "demo", "load")
    assert "(created)" in first
    after_first = counts(path), hashes(path)
    assert after_first[0]["users"] >= 6
    second = ok(env, "demo", "load")
    assert "(created)" not in second
    assert "already there, unchanged" in second
    assert (counts(path), hashes(path)) == after_first
    assert ok(env, "audit", "verify").startswith("The audit log is intact")


def test_errors_are_one_clear_line(env, tmp_path):
    ok(
        env,
        "users",
        "create",
        "x@example.org",
        "--name",
        "X",
        "--role",
        "practitioner",
        "--password",
        PASSWORD,
    )
    before = counts(env["TEST_DB_PATH"])

    unknown = fails_in_one_line(env, "users", "disable", "nobody@example.org")
    assert unknown == "Error: No account has the email address nobody@example.org"

    bad_role = fails_in_one_line(env, "users", "grant-role", "x@example.org", "wizard")
    assert "'wizard' is not one of" in bad_role

    short = fails_in_one_line(
        env,
        "users",
        "create",
        "y@example.org",
        "--name",
        "Y",
        "--role",
        "pdm",
        "--password",
        "too-short",
    )
    assert short == "Error: Your password must be at least 12 characters long"

    duplicate = fails_in_one_line(
        env,
        "users",
        "create",
        "X@example.org ",
        "--name",
        "X again",
        "--role",
        "pdm",
        "--password",
        PASSWORD,
    )
    assert duplicate == "Error: An account with the email address x@example.org already exists"

    assert counts(env["TEST_DB_PATH"]) == before  # nothing was half-written

    # An unreachable PostgreSQL server (nothing listens on port 9). The instance config keeps
    # the search backend on Whoosh, so only the database connection itself is under test.
    instance = tmp_path / "pg-instance"
    instance.mkdir()
    (instance / "config.py").write_text('WISDOM_SEARCH_BACKEND = "whoosh"\n')
    unreachable = {
        **env,
        "WISDOM_INSTANCE_PATH": str(instance),
        "WISDOM_DATABASE_URL": "postgresql+psycopg://wisdom@127.0.0.1:9/wisdom?connect_timeout=5",
    }
    line = fails_in_one_line(unreachable, "users", "list")
    assert "OperationalError" in line, line
