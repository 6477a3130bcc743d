"""Two people editing one item: the second save is refused, their text kept; no update is lost."""

from __future__ import annotations

import re
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor

from library_support import (
    add_person,
    errors_on,
    form_values,
    item_by_slug,
    new_item,
    sign_in_as,
    submit_page,
    textarea,
    user_by_email,
)
from sqlalchemy import select

from content import services
from content.models import Item, ItemVersion
from wisdom.auth.models import User
from wisdom.db import db

SECOND_PDM = ("robin@example.org", "Robin Hale", ["pdm"], "second-development-26")
ROUNDS = 200
REFUSAL = "Someone else saved this item while you were editing"


def test_the_second_save_is_refused_and_keeps_their_text_beside_the_current_version(app, signed_in):
    first = signed_in("pdm")
    slug = new_item(
        first,
        "guidance",
        {"title": "Writing a sentence plan", "body": "The original text.", "tags": "planning"},
    )
    with app.app_context():
        add_person(*SECOND_PDM)
    second = app.test_client()
    sign_in_as(second, SECOND_PDM[0], SECOND_PDM[3])
    url = f"/library/{slug}/edit"
    page_first = first.get(url).get_data(as_text=True)
    page_second = second.get(url).get_data(as_text=True)
    assert form_values(page_first)["lock_version"] == form_values(page_second)["lock_version"]

    saved = submit_page(
        first,
        url,
        page_first,
        {"body": "Morgan saved this wording about goals.", "change_note": "Explained goals"},
    )
    assert saved.status_code == 302

    mine = "Robin wrote this paragraph about strengths and it must not be lost."
    refused = submit_page(
        second,
        url,
        page_second,
        {"title": "Writing a plan together", "body": mine, "change_note": "Added strengths"},
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert REFUSAL in errors_on(page)
    assert "was saved by someone else as version 2" in page
    current = re.search(r'class="wisdom-prose wisdom-conflict">(.*?)</div>', page, re.S).group(1)
    assert "Morgan saved this wording about goals." in current
    # Their unsaved text is still in the form, to copy or save again.
    assert textarea(page, "body") == mine
    assert form_values(page)["title"] == ["Writing a plan together"]
    assert form_values(page)["change_note"] == ["Added strengths"]
    with app.app_context():
        item = item_by_slug(slug)
        assert services.version_count(item) == 2
        assert item.body == "Morgan saved this wording about goals."
        assert [v.author.email for v in item.versions] == ["morgan@example.org"] * 2
        lock = item.lock_version
    # The refusal page carries the current version's lock, so saving again is a deliberate choice.
    assert form_values(page)["lock_version"] == [str(lock)]
    again = submit_page(second, url, page)
    assert again.status_code == 302
    with app.app_context():
        item = item_by_slug(slug)
        assert services.version_count(item) == 3
        assert item.body == mine
        assert item.versions[-1].author.email == SECOND_PDM[0]


def test_a_stale_service_update_raises_and_saves_nothing(app):
    with app.app_context():
        author = user_by_email("morgan@example.org")
        item = services.create(services.ItemData(kind="guidance", title="One"), author)
        db.session.commit()
        stale = item.lock_version
        services.update(
            item, services.ItemData(kind="guidance", title="Two"), stale, author, change_note="a"
        )
        db.session.commit()
        try:
            services.update(
                item, services.ItemData(kind="guidance", title="Three"), stale, author,
                change_note="b",
            )  # fmt: skip
        except services.StaleEdit as refused:
            db.session.rollback()
            assert refused.item.title == "Two"
        else:
            raise AssertionError("a stale update was saved")
        assert services.version_count(db.session.get(Item, item.id)) == 2


def _one_writer(app, item_id: int, actor_id: int, expected: int, note: str, barrier) -> str:
    """One editor's save, in its own app context and session, started with its rival."""
    with app.app_context():
        try:
            barrier.wait(timeout=30)
            item = db.session.get(Item, item_id)
            actor = db.session.get(User, actor_id)
            services.update(
                item,
                services.ItemData(kind="guidance", title="Contested guidance", body=note),
                expected,
                actor,
                change_note=note,
            )
            db.session.commit()
            return "saved"
        except services.StaleEdit as refused:
            db.session.rollback()
            # Refused by the version check before writing, or by the row's lock when writing.
            frames = {f.f_code.co_name for f, _ in traceback.walk_tb(refused.__traceback__)}
            return "refused at write" if "_flush_or_stale" in frames else "refused"
        except Exception as error:  # noqa: BLE001 - any other outcome fails the test below
            db.session.rollback()
            return f"error: {type(error).__name__}: {error}"
        finally:
            db.session.remove()


def _lock_of(app, item_id: int) -> int:
    """The item's lock version as an editor opening it now would get it."""
    with app.app_context():
        try:
            return db.session.scalar(select(Item.lock_version).where(Item.id == item_id))
        finally:
            db.session.remove()


def test_200_concurrent_edit_pairs_lose_no_update(app, backend, capsys):
    with app.app_context():
        first = user_by_email("morgan@example.org")
        second = add_person(*SECOND_PDM)
        actors = (first.id, second.id)
        item = services.create(
            services.ItemData(kind="guidance", title="Contested guidance", body="start"), first
        )
        db.session.commit()
        item_id = item.id
        db.session.remove()

    saved_notes: list[str] = []
    outcomes = {"saved": 0, "refused": 0}
    at_write = 0
    errors: list[str] = []
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        for round_ in range(ROUNDS):
            lock = _lock_of(app, item_id)  # both editors opened the item at this version
            barrier = threading.Barrier(2)
            notes = [f"round {round_} writer {w}" for w in (0, 1)]
            futures = [
                pool.submit(_one_writer, app, item_id, actors[w], lock, notes[w], barrier)
                for w in (0, 1)
            ]
            results = [f.result(timeout=120) for f in futures]
            for note, result in zip(notes, results, strict=True):
                if result == "refused at write":
                    at_write += 1
                    result = "refused"
                if result in outcomes:
                    outcomes[result] += 1
                else:
                    errors.append(f"{note}: {result}")
                if result == "saved":
                    saved_notes.append(note)
            assert sorted(r.replace(" at write", "") for r in results) == ["refused", "saved"], (
                round_,
                results,
            )
    seconds = time.perf_counter() - started

    with capsys.disabled():
        print(
            f"\n[{backend}] {ROUNDS} concurrent edit pairs: {outcomes['saved']} saved, "
            f"{outcomes['refused']} refused as stale ({at_write} by the row lock while writing), "
            f"{len(errors)} errors, {seconds:.1f} s"
        )
    assert not errors, errors[:5]
    assert outcomes == {"saved": ROUNDS, "refused": ROUNDS}
    with app.app_context():
        item = db.session.get(Item, item_id)
        notes = list(
            db.session.scalars(
                select(ItemVersion.change_note)
                .where(ItemVersion.item_id == item_id)
                .order_by(ItemVersion.number)
            )
        )
        assert services.version_count(item) == ROUNDS + 1 == len(notes)
        assert item.current_version == ROUNDS + 1
        # Every successful save is in the history, in the order it was made; no refused one is.
        assert notes == ["First version", *saved_notes]
        assert item.body == saved_notes[-1]
        numbers = list(
            db.session.scalars(select(ItemVersion.number).where(ItemVersion.item_id == item_id))
        )
        assert sorted(numbers) == list(range(1, ROUNDS + 2))
