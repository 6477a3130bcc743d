"""Several web workers saving at once: no lock error reaches anyone, no update is lost, and the
index still matches the database.

Three processes (the 'spawn' start method: fresh interpreters, each with its own app, as gunicorn
workers have) sign in as the PDM and each save 50 new versions of its own item through the edit
page, at the same moment, on the one database (a shared SQLite file and Whoosh index, or
PostgreSQL and its full-text tables). Each request's after_request hook applies the outbox to the
index, as in production. Every page must answer as a successful save does; afterwards every item
has 51 versions, nothing waits in the outbox, and 'wisdom search check' finds no difference,
without a 'wisdom search sync' first.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
import traceback

from library_support import submit
from search_support import new_token, reference_data, start_index, user
from support import base_config, sign_in

from content import services
from content.models import Item
from search import outbox, service
from search.indexing import check
from wisdom.db import db

PROCESSES = 3
UPDATES = 50


class Problems(logging.Handler):
    """Collects warnings and errors logged while the worker runs."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(f"{record.name}: {record.getMessage()}")


def _worker(url, index, instance, slug, number, start, results) -> None:
    """One worker: its own app and signed-in browser; 50 saves of its item through the page."""
    outcome = {"number": number, "saved": 0, "refused": [], "problems": [], "titles": []}
    try:
        os.environ["WISDOM_INSTANCE_PATH"] = instance
        from wisdom import create_app

        app = create_app({**base_config(url), "WISDOM_INDEX_DIR": index})
        problems = Problems()
        logging.getLogger().addHandler(problems)
        client = app.test_client()
        assert sign_in(client, "pdm").status_code == 302
        start.wait(timeout=60)
        url_ = f"/library/{slug}/edit"
        for step in range(UPDATES):
            title = f"Worker {number} save {step} {new_token()}"
            response = submit(client, url_, {"title": title, "change_note": f"Save {step}"})
            page = response.get_data(as_text=True)
            if response.status_code == 302 and "locked" not in page.lower():
                outcome["saved"] += 1
                outcome["titles"].append(title)
            else:
                outcome["refused"].append((step, response.status_code, page[:300]))
        outcome["problems"] = problems.messages
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    except Exception:  # noqa: BLE001 - reported to the parent, which fails the test
        outcome["refused"].append(("crash", 0, traceback.format_exc()))
    results.put(outcome)


def test_three_workers_save_at_once_without_lock_errors_or_lost_updates(
    app, db_url, tmp_path, capsys
):
    with app.app_context():
        reference_data()
    start_index(app)
    with app.test_request_context("/"):
        slugs = []
        for number in range(PROCESSES):
            data = services.ItemData(
                kind="guidance", title=f"Worker {number} item", body=f"Saved by worker {number}."
            )
            slugs.append(services.create(data, user("pdm")).slug)
        db.session.commit()
        outbox.apply_pending(app.extensions["wisdom_search"])
        db.session.remove()
        db.engine.dispose()

    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(PROCESSES + 1)
    results = ctx.Queue()
    index, instance = app.config["WISDOM_INDEX_DIR"], str(tmp_path / "instance")
    workers = [
        ctx.Process(target=_worker, args=(db_url, index, instance, slugs[n], n, start, results))
        for n in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    try:
        start.wait(timeout=90)  # every worker has built its app and signed in: go
        began = time.perf_counter()
        outcomes = sorted((results.get(timeout=240) for _ in workers), key=lambda o: o["number"])
        elapsed = time.perf_counter() - began
    finally:
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.terminate()
                worker.join()

    with app.test_request_context("/"):
        items = {
            slug: db.session.scalar(db.select(Item).where(Item.slug == slug)) for slug in slugs
        }
        versions = {slug: services.version_count(item) for slug, item in items.items()}
        titles = {slug: item.title for slug, item in items.items()}
        waiting = outbox.pending()
        found = {
            slug: [h.slug for h in service.run(user("pdm"), title.split()[-1], record=False).results.hits]
            for slug, title in titles.items()
        }  # fmt: skip
    check = app.test_cli_runner().invoke(args=["search", "check"])
    saved = sum(o["saved"] for o in outcomes)
    with capsys.disabled():
        print(
            f"\n{PROCESSES} workers x {UPDATES} saves through the edit page: {saved} saved in "
            f"{elapsed:.1f} s ({2 * saved / elapsed:.0f} requests/s); "
            f"{sum(len(o['refused']) for o in outcomes)} refused; "
            f"{sum(len(o['problems']) for o in outcomes)} warnings logged; {waiting} waiting"
        )

    assert [o["refused"] for o in outcomes] == [[]] * PROCESSES
    assert [o["problems"] for o in outcomes] == [[]] * PROCESSES
    assert saved == PROCESSES * UPDATES
    assert versions == dict.fromkeys(slugs, UPDATES + 1)  # no update lost
    assert [titles[slug] for slug in slugs] == [o["titles"][-1] for o in outcomes]
    assert waiting == 0
    assert check.exit_code == 0, check.output
    assert "The index matches the database" in check.output
    assert found == {slug: [slug] for slug in slugs}


def test_an_older_document_built_by_a_slower_worker_never_overwrites_a_newer_one(app, monkeypatch):
    """Two workers apply the outbox at once. The slow one builds an item's document, then stalls
    before writing it; meanwhile the item is made confidential and the fast one applies that.
    The stale open document must not land on top once the slow one carries on."""
    with app.app_context():
        reference_data()
    start_index(app)
    engine = app.extensions["wisdom_search"]
    first, second = new_token(), new_token()
    with app.test_request_context("/"):
        data = services.ItemData(kind="guidance", title=f"Outbox race {new_token()}", body="v1")
        item_id = services.create(data, user("pdm")).id
        db.session.commit()
        outbox.apply_pending(engine)
        item = db.session.get(Item, item_id)
        data = services.ItemData.of(item, item.kind)
        data.title = f"Outbox race {first}"
        services.update(item, data, item.lock_version, user("pdm"), change_note="Open change")
        db.session.commit()  # queued; not applied yet

    built, go = threading.Event(), threading.Event()
    write = engine.write

    def stalling_write(documents, *args, **kwargs):
        if threading.current_thread().name == "slow":
            built.set()
            go.wait(timeout=30)
        return write(documents, *args, **kwargs)

    monkeypatch.setattr(engine, "write", stalling_write)

    def slow():
        with app.test_request_context("/"):
            outbox.apply_pending(engine)

    def fast():
        with app.test_request_context("/"):
            item = db.session.get(Item, item_id)
            data = services.ItemData.of(item, item.kind)
            data.title, data.classification = f"Outbox race {second}", "confidential"
            services.update(item, data, item.lock_version, user("pdm"), change_note="Confidential")
            db.session.commit()
            outbox.apply_pending(engine)

    workers = [threading.Thread(target=slow, name="slow"), threading.Thread(target=fast)]
    workers[0].start()
    assert built.wait(timeout=30)  # the slow worker holds the open document, built
    workers[1].start()
    workers[1].join(timeout=2)  # it may finish now, or wait its turn behind the slow worker
    go.set()
    for worker in workers:
        worker.join(timeout=60)
        assert not worker.is_alive()

    with app.test_request_context("/"):
        assert check(engine) == {"missing": [], "stale": [], "extra": []}
        assert engine.stored()[f"item:{item_id}"]["classification"] == "confidential"
        for role, expected in (("practitioner", 0), ("service_user", 0), ("pdm", 1)):
            outcome = service.run(user(role), "outbox race", record=False)
            assert outcome.results.total == expected, role
        assert outbox.pending() == 0
