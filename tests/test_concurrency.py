"""SQLite under several processes: read-then-write transactions neither fail nor lose updates.

Four processes (the 'spawn' start method, so each is a fresh interpreter, as gunicorn workers
are) each run 200 transactions against one migrated SQLite file. Every transaction reads a
user's ``failed_logins`` counter, writes the value plus one, and appends an audit record (itself
a read-then-write: the hash chain's head). With WAL, a busy timeout and ``BEGIN IMMEDIATE``,
none may fail with "database is locked" and the counter must end at exactly 800.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import traceback
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from wisdom.auth.models import User
from wisdom.db import db

PROCESSES = 4
TRANSACTIONS = 200
COUNTER_EMAIL = "counter@example.org"


def _worker(url: str, instance: str, number: int, start, results) -> None:
    """One process: build the app, wait for the others, then run the transactions."""
    outcome = {"number": number, "ok": 0, "locked": 0, "other": [], "start": 0.0, "end": 0.0}
    try:
        os.environ["WISDOM_INSTANCE_PATH"] = instance
        from wisdom import create_app
        from wisdom.audit.services import record

        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test-secret-key-not-for-production",
                "SQLALCHEMY_DATABASE_URI": url,
                "WISDOM_PLUGINS": [],
                "WISDOM_INDEX_DIR": str(Path(instance) / "index"),
            }
        )
        with app.app_context():
            user_id = db.session.scalar(select(User.id).where(User.email == COUNTER_EMAIL))
            db.session.rollback()
            start.wait(timeout=60)
            outcome["start"] = time.perf_counter()
            for step in range(TRANSACTIONS):
                try:
                    value = db.session.scalar(select(User.failed_logins).where(User.id == user_id))
                    db.session.execute(
                        update(User).where(User.id == user_id).values(failed_logins=value + 1)
                    )
                    record("concurrency_test", "user", user_id, process=number, step=step)
                    db.session.commit()
                    outcome["ok"] += 1
                except OperationalError as error:
                    db.session.rollback()
                    if "database is locked" in str(error):
                        outcome["locked"] += 1
                    else:
                        outcome["other"].append(str(error).splitlines()[0])
            outcome["end"] = time.perf_counter()
            db.session.remove()
            db.engine.dispose()
    except Exception:  # noqa: BLE001 - reported to the parent, which fails the test
        outcome["other"].append(traceback.format_exc())
    results.put(outcome)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # SQLite's file locking alone
def test_four_processes_share_one_sqlite_file_without_locks_or_lost_updates(
    backend, make_app, db_url, tmp_path, capsys
):
    app = make_app()
    with app.app_context():
        user = User(email=COUNTER_EMAIL, name="Counter", password_hash="x", failed_logins=0)
        db.session.add(user)
        db.session.commit()
        db.engine.dispose()

    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(PROCESSES + 1)
    results = ctx.Queue()
    instance = str(tmp_path / "instance")
    workers = [
        ctx.Process(target=_worker, args=(db_url, instance, n, start, results))
        for n in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    try:
        start.wait(timeout=60)  # every worker has built its app: the race starts now
        began = time.perf_counter()
        outcomes = [results.get(timeout=90) for _ in workers]
        elapsed = time.perf_counter() - began
    finally:
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.terminate()
                worker.join()

    locked = sum(o["locked"] for o in outcomes)
    committed = sum(o["ok"] for o in outcomes)
    others = [problem for o in outcomes for problem in o["other"]]
    total = PROCESSES * TRANSACTIONS
    with capsys.disabled():
        print(
            f"\nSQLite concurrency: {PROCESSES} processes x {TRANSACTIONS} read-then-write "
            f"transactions: {committed} committed, {locked} 'database is locked', "
            f"{elapsed:.2f} s, {committed / elapsed:.0f} transactions/s"
        )

    assert not others, others
    assert locked == 0
    assert committed == total
    with app.app_context():
        from wisdom.audit.models import AuditRecord
        from wisdom.audit.services import verify

        counter = db.session.scalar(select(User.failed_logins).where(User.email == COUNTER_EMAIL))
        written = db.session.scalar(
            select(func.count())
            .select_from(AuditRecord)
            .where(AuditRecord.action == "concurrency_test")
        )
        assert counter == total  # no lost update
        assert written == total
        assert verify().ok  # the hash chain stayed a single, unbroken chain
    assert all(worker.exitcode == 0 for worker in workers)
