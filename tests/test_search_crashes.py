"""Writers killed with SIGKILL at random moments: after 'wisdom search sync' the index equals the
database, and every committed item is found.

Twenty times a child process writes the library and is killed (``os.kill(pid, SIGKILL)``) at a
random moment: in the middle of a library import, a save, a database commit, the outbox being
applied or the index writer committing. Even rounds save items one by one through
``content.services`` and apply the outbox after each commit, as a request does; odd rounds import a
folder with ``import_library`` and then apply the outbox, as 'wisdom library import' followed by
'wisdom search sync' does. No cleanup runs in a killed process. Then the real 'wisdom search sync'
and 'wisdom search check' commands run, and every item the database holds must be found by a
search for the word only it has.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time
import traceback
from pathlib import Path

import frontmatter
from search_support import KIND_FIELDS, new_token, reference_data, start_index, user
from support import base_config

from content import services
from content.models import Item
from search import outbox, service
from search.indexing import check
from wisdom.db import db

ROUNDS = 20
IMPORT_ITEMS = 40
CLASSIFICATIONS = ("open", "staff", "confidential")


def _saves(app, number: int, progress) -> None:
    """Save items one by one as the PDM (new items, and new versions of this round's items)."""
    pdm = user("pdm")
    mine: list[int] = []
    for n in range(10_000):
        if mine and n % 3 == 2:
            item = db.session.get(Item, mine[n % len(mine)])
            data = services.ItemData.of(item, item.kind)
            data.title = f"Crash round {number} {new_token()} revised"
            data.classification = CLASSIFICATIONS[n % 3]
            services.update(item, data, item.lock_version, pdm, change_note="Revised")
        else:
            data = services.ItemData(
                kind="guidance", title=f"Crash round {number} {new_token()}",
                body=f"Saved by the writer of round {number}.", classification=CLASSIFICATIONS[n % 3],
            )  # fmt: skip
            mine.append(services.create(data, pdm).id)
            db.session.flush()
        db.session.commit()
        progress[0] += 1
        progress[2] = 1  # committed, not yet in the index
        outbox.apply_pending(app.extensions["wisdom_search"])
        progress[2] = 0


def _import(app, folder: str, progress) -> None:
    """Import a folder in one transaction, then apply the outbox."""
    from content.transfer import import_library

    import_library(Path(folder), user("pdm"))
    progress[1] += 1
    progress[2] = 1  # committed, not yet in the index
    outbox.apply_pending(app.extensions["wisdom_search"])


def _writer(url: str, index: str, number: int, folder: str | None, started, progress) -> None:
    """A child process: build the app, say it has begun, then write until it is killed."""
    try:
        from wisdom import create_app

        app = create_app({**base_config(url), "WISDOM_INDEX_DIR": index})
        with app.test_request_context("/"):
            started.set()
            if folder:
                _import(app, folder, progress)
            _saves(app, number, progress)  # and on, until killed
    except Exception:  # noqa: BLE001 - shown by the parent, which then fails the test
        traceback.print_exc()
        raise


def write_folder(folder: Path, number: int) -> None:
    """A folder in the export format: guidance items, each with a word only it has."""
    for n in range(IMPORT_ITEMS):
        kind = "guidance"
        slug = f"import-{number}-{n}"
        meta = {"kind": kind, "slug": slug, "title": f"Imported {number} {new_token()}"}
        meta.update(classification=CLASSIFICATIONS[n % 3], **KIND_FIELDS[kind])
        path = folder / kind / f"{slug}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(frontmatter.dumps(frontmatter.Post(f"Imported item {n}.", **meta)))


def test_writers_killed_mid_write_lose_nothing_once_synced(app, db_url, tmp_path, capsys):
    with app.app_context():
        reference_data()
    start_index(app)
    index = app.config["WISDOM_INDEX_DIR"]
    # Forked, so each writer starts in a fraction of a second; the parent holds no connection.
    ctx = multiprocessing.get_context("fork")
    rng = random.Random()
    rounds = []
    began = time.perf_counter()
    for number in range(ROUNDS):
        folder = None
        if number % 2:
            folder = tmp_path / f"library-{number}"
            write_folder(folder, number)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        started, progress = ctx.Event(), ctx.Array("i", 3)  # saves, imports, in the gap
        writer = ctx.Process(
            target=_writer,
            args=(db_url, index, number, str(folder) if folder else None, started, progress),
        )
        writer.start()
        assert started.wait(timeout=30), "the writer did not start"
        time.sleep(rng.uniform(0.05, 1.5))
        if number % 4 in (0, 3):  # half the rounds: the next time a commit is not yet indexed
            deadline = time.monotonic() + 20
            while not progress[2] and time.monotonic() < deadline:
                time.sleep(0.001)
        alive = writer.is_alive()
        os.kill(writer.pid, signal.SIGKILL)
        writer.join(timeout=30)
        assert writer.exitcode == -signal.SIGKILL, (number, writer.exitcode)
        with app.app_context():
            rounds.append((alive, progress[0], progress[1], outbox.pending()))
    killed_seconds = time.perf_counter() - began

    with app.test_request_context("/"):
        engine = app.extensions["wisdom_search"]
        waiting = outbox.pending()
        behind = check(engine) if engine.healthy() else None
    runner = app.test_cli_runner()
    result = runner.invoke(args=["search", "sync"])
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("0 waiting"), result.output
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0, result.output
    assert "The index matches the database" in result.output

    with app.test_request_context("/"):
        items = db.session.execute(db.select(Item.id, Item.title, Item.slug)).all()
        pdm = user("pdm")
        unfound = []
        for item_id, title, slug in items:
            word = title.split()[3] if title.startswith("Crash") else title.split()[2]
            hits = service.run(pdm, word, record=False).results.hits
            if [h.id for h in hits] != [f"item:{item_id}"]:
                unfound.append((slug, title))
    saves = sum(saved for _alive, saved, _imported, _left in rounds)
    imports = sum(imported for _alive, _saved, imported, _left in rounds)
    gaps = sum(1 for *_counts, left in rounds if left)
    with capsys.disabled():
        print(
            f"\nKilled {ROUNDS} writers in {killed_seconds:.1f} s: {saves} saves and {imports} "
            f"of {ROUNDS // 2} imports committed; {len(items)} items in the database; "
            f"after {gaps} kills changes waited committed but not indexed; at the end "
            f"{waiting} outbox entries waiting and "
            f"{sum(len(v) for v in behind.values()) if behind else 'an unreadable index'} "
            "documents behind before sync; none after"
        )
    assert all(alive for alive, *_counts in rounds), "every writer was killed while still writing"
    assert saves > ROUNDS // 2, "the save rounds committed work before they were killed"
    assert gaps >= ROUNDS // 2, "half the kills fell between a commit and the index write"
    assert not unfound, unfound


def _rebuilder(url: str, index: str, halfway, count: int) -> None:
    """A child process: rebuild the index, telling the parent once it is well under way."""
    os.setpgrp()  # its own process group, so the index's helper processes die with it
    from search.indexing import all_documents
    from wisdom import create_app

    app = create_app({**base_config(url), "WISDOM_INDEX_DIR": index})
    done = 0

    def progress(step: int) -> None:
        nonlocal done
        done += step
        if done >= count // 3:
            halfway.set()

    with app.test_request_context("/"):
        app.extensions["wisdom_search"].rebuild(all_documents(), progress=progress)
        time.sleep(60)  # never reached in the test: the parent kills it first


def test_a_rebuild_killed_half_way_leaves_search_working(app, db_url):
    with app.app_context():
        reference_data()
    start_index(app)
    with app.test_request_context("/"):
        for n in range(90):
            data = services.ItemData(kind="guidance", title=f"Rebuilt {n} {new_token()}")
            services.create(data, user("pdm"))
        db.session.commit()
        outbox.apply_pending(app.extensions["wisdom_search"])
        db.session.remove()
        db.engine.dispose()
    halfway = multiprocessing.get_context("fork").Event()
    rebuilder = multiprocessing.get_context("fork").Process(
        target=_rebuilder, args=(db_url, app.config["WISDOM_INDEX_DIR"], halfway, 90)
    )
    rebuilder.start()
    assert halfway.wait(timeout=60)
    os.killpg(rebuilder.pid, signal.SIGKILL)
    rebuilder.join(timeout=30)
    assert rebuilder.exitcode == -signal.SIGKILL

    # A save afterwards reaches the index at once, as it would after any request.
    token = new_token()
    with app.test_request_context("/"):
        item = services.create(
            services.ItemData(kind="guidance", title=f"After {token}"), user("pdm")
        )
        db.session.commit()
        assert outbox.apply_pending(app.extensions["wisdom_search"]) == 1
        assert [h.slug for h in service.run(user("pdm"), token, record=False).results.hits] == [
            item.slug
        ]
    runner = app.test_cli_runner()
    result = runner.invoke(args=["search", "sync"])
    assert result.exit_code == 0 and "0 waiting" in result.output, result.output
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0, result.output
