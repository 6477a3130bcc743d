"""PostgreSQL's broad searches: counted from a fixed sample, ranked in tiers.

On a large library a common word matches most documents; counting and ranking every match would
take seconds. The backend counts such a search from a 1-in-64 sample of documents (chosen by a
hash of the id) and ranks first among each query word's best title and summary matches. These
tests make searches broad on a small library (the thresholds are the backend's attributes) and
check what a person sees: estimated counts drawn only from what they may see, a ranking that puts
the best title and summary matches first and then every other match once, the word lists kept in
step with every save, archive and rebuild, and filled by the migration for an existing index.
The conformance suite also runs whole on the broad path ("postgres-broad").
"""

from __future__ import annotations

import hashlib
import json
import os
import re

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from search_support import add, reference_data, start_index, sync, user
from support import PEOPLE, sign_in

from content import services
from content.services import ItemData
from search import indexing, service
from search.postgres_backend import PostgresBackend
from wisdom.db import db

pytestmark = pytest.mark.parametrize(
    "backend", ["postgres"] if os.environ.get("WISDOM_TEST_POSTGRES_URL") else [], indirect=True
)
WORD = "zorblat"


def broad(monkeypatch, *, sample_below: int = 256, pool: int = 200) -> None:
    """Make every search with a match broad (counted from the sample of ``sample_below`` of 256
    buckets, ranked in tiers)."""
    monkeypatch.setattr(PostgresBackend, "broad_at", 1)
    monkeypatch.setattr(PostgresBackend, "rank_all", 0)
    monkeypatch.setattr(PostgresBackend, "sample_below", sample_below)
    monkeypatch.setattr(PostgresBackend, "pool", pool)


def exact(monkeypatch) -> None:
    """Make every search exact, however many it matches."""
    monkeypatch.setattr(PostgresBackend, "broad_at", 10**9)
    monkeypatch.setattr(PostgresBackend, "rank_all", 10**9)


def search(app, role: str, text: str, **options):
    with app.test_request_context("/"):
        return service.run(user(role), text, record=False, **options).results


def slugs(results) -> list[str]:
    return [hit.slug for hit in results.hits]


def every_page(app, role: str, text: str, size: int = 2, **options) -> list[str]:
    """The slugs of every page in turn, as a person paging through would see them."""
    seen, page = [], 1
    while True:
        results = search(app, role, text, page=page, page_size=size, **options)
        if not results.hits:
            return seen
        seen += slugs(results)
        page += 1


def bucket(doc_id: str) -> int:
    """The sample bucket PostgreSQL computes for a document (migration 0006)."""
    return hashlib.md5(doc_id.encode(), usedforsecurity=False).digest()[0]  # noqa: S324 - a bucket, not a secret


@pytest.fixture
def library(app):
    """A title match, a summary match, four body-only matches (each with the word many times)
    and a staff-only title match; committed and indexed through the outbox."""
    with app.app_context():
        reference_data()
    start_index(app)
    filler = "Practice notes for supervision appointments and reviews. "
    with app.test_request_context("/"):
        add("guidance", f"The {WORD} approach", summary="How to start.", body=filler)
        add("guidance", "Starting out", summary=f"Using the {WORD} approach.", body=filler)
        for n in range(4):
            body = " ".join([f"{WORD} in practice, note {n}."] * (11 - n)) + filler
            add("finding", f"Audit note {n}", summary="What the audit found.", body=body)
        add("beacon", f"Staff {WORD} beacon", body=filler, classification="staff")
        db.session.commit()
    sync(app)
    return app


def test_a_broad_search_ranks_the_best_title_and_summary_matches_first(app, library, monkeypatch):
    exact(monkeypatch)
    everything = slugs(search(app, "practitioner", WORD, page_size=50))
    newest = every_page(app, "practitioner", WORD, sort="date")
    assert len(everything) == 7 and sorted(newest) == sorted(everything)
    # Exactly ranked, a body-only finding (the word eleven times) comes first, and the findings
    # go by how often they mention it; newest first, they come the other way round.
    assert everything[0] == "audit-note-0"
    assert [s for s in everything if s.startswith("audit")] == [f"audit-note-{n}" for n in range(4)]
    assert [s for s in newest if s.startswith("audit")] == [f"audit-note-{n}" for n in (3, 2, 1, 0)]

    broad(monkeypatch, pool=1)  # each word's single best title or summary match is the tier
    first = search(app, "practitioner", WORD, page_size=50)
    assert first.estimated is False and first.total == 7  # every document sampled: exact counts
    tier = ["the-zorblat-approach"]
    assert slugs(first) == tier + [s for s in newest if s not in tier]
    # Paging through gives each match once, in that order, across the end of the tier.
    assert every_page(app, "practitioner", WORD) == slugs(first)

    broad(monkeypatch, pool=200)  # all three title and summary matches are the tier
    second = slugs(search(app, "practitioner", WORD, page_size=50))
    heads = ["the-zorblat-approach", "staff-zorblat-beacon", "starting-out"]
    assert second[:3] == [s for s in everything if s in heads]  # ranked as exactly
    assert second[3:] == [f"audit-note-{n}" for n in (3, 2, 1, 0)]  # then newest first
    assert every_page(app, "practitioner", WORD, size=3) == second
    # A service user may not see the staff-only beacon: not in the tier, not anywhere.
    theirs = search(app, "service_user", WORD, page_size=50)
    assert "staff-zorblat-beacon" not in slugs(theirs) and theirs.total == 6
    # By date, a broad search lists exactly what an exact one does.
    assert every_page(app, "practitioner", WORD, sort="date") == newest
    # More matches than are ranked whole, but not so many as to estimate: counted exactly,
    # ranked in tiers.
    exact(monkeypatch)
    monkeypatch.setattr(PostgresBackend, "rank_all", 6)
    middle = search(app, "practitioner", WORD, page_size=50)
    assert middle.estimated is False and middle.total == 7 and slugs(middle) == second
    monkeypatch.setattr(PostgresBackend, "rank_all", 7)
    assert slugs(search(app, "practitioner", WORD, page_size=50)) == everything


def test_a_prefix_finds_its_tier_by_the_start_of_the_word(app, library, monkeypatch):
    exact(monkeypatch)
    everything = slugs(search(app, "practitioner", "zorbl*", page_size=50))
    broad(monkeypatch, pool=1)
    ranked = slugs(search(app, "practitioner", "zorbl*", page_size=50))
    assert ranked[0] == "the-zorblat-approach"
    assert sorted(ranked) == sorted(everything) and len(ranked) == 7


def test_broad_counts_are_estimated_from_the_sample_of_what_the_user_may_see(app, monkeypatch):
    with app.app_context():
        reference_data()
    start_index(app)
    kinds = ["guidance", "finding", "beacon"]
    classifications = ["open", "staff", "confidential"]
    with app.test_request_context("/"):
        for n in range(60):
            add(
                kinds[n % 3], f"Quibblet note {n}", summary="About quibblets.",
                body=f"Quibblet practice {n}.", classification=classifications[n % 5 % 3],
                pathways=["accommodation"] if n % 2 else ["ete"],
            )  # fmt: skip
        db.session.commit()
    sync(app)
    exact(monkeypatch)
    every = {
        role: search(app, role, "quibblet", page_size=100).hits for role in ("practitioner", "pdm")
    }
    confidential = [h for h in every["pdm"] if h.classification == "confidential"]
    # The sample holds confidential matches too: counting them would change the figures below.
    assert any(bucket(h.id) < 128 for h in confidential)

    broad(monkeypatch, sample_below=128)  # half the buckets: every sampled match counts twice
    results = search(app, "practitioner", "quibblet")
    sampled = [h for h in every["practitioner"] if bucket(h.id) < 128]
    assert all(h.classification != "confidential" for h in sampled)
    assert results.estimated is True
    assert results.total == 2 * len(sampled)
    assert results.facets["kind"] == {
        kind: 2 * n for kind in kinds if (n := sum(h.kind == kind for h in sampled))
    }
    assert results.facets["pathways"] == {
        p: 2 * n for p in ("accommodation", "ete") if (n := sum(p in h.pathways for h in sampled))
    }
    cleared = search(app, "pdm", "quibblet")
    assert cleared.total == 2 * sum(bucket(h.id) < 128 for h in every["pdm"]) > results.total

    # The page says the figures are estimates; the CLI says so too.
    client = app.test_client()
    assert sign_in(client, "practitioner").status_code == 302
    page = client.get("/search", query_string={"q": "quibblet"}).get_data(as_text=True)
    assert f"About <strong>{results.total}</strong> results" in page
    assert re.search(r"Page 1 of about \d+", page)
    assert f"(about {results.facets['kind']['guidance']})" in page
    cli = app.test_cli_runner().invoke(
        args=["search", "query", "quibblet", "--as", PEOPLE["practitioner"][0], "--json"]
    )
    payload = json.loads(cli.output)
    assert payload["estimated"] is True and payload["total"] == results.total
    exact(monkeypatch)
    line = app.test_cli_runner().invoke(
        args=["search", "query", "quibblet", "--as", PEOPLE["practitioner"][0], "--json"]
    )
    assert json.loads(line.output)["estimated"] is False
    assert json.loads(line.output)["total"] == len(every["practitioner"])


def heads(app) -> dict[str, set[str]]:
    """Each document's listed title and summary words, with their scores to 4 places."""
    with app.app_context():
        rows = db.session.execute(
            sa.text("SELECT doc_id, lexeme, round(score::numeric, 4) AS s FROM search_heads")
        ).all()
    found: dict[str, set] = {}
    for row in rows:
        found.setdefault(row.doc_id, set()).add((row.lexeme, float(row.s)))
    return found


def words_of(app, doc_id: str) -> set[str]:
    return {lexeme for lexeme, _ in heads(app).get(doc_id, set())}


def test_the_word_lists_follow_every_save_archive_rebuild_and_the_migration(
    app, library, monkeypatch
):
    with app.test_request_context("/"):
        item = add("guidance", "Wibbleton hostels", summary="Beds tonight.", tags=["Hostel"])
        db.session.commit()
        doc_id = f"item:{item.id}"
    sync(app)
    assert words_of(app, doc_id) == {"wibbleton", "hostel", "bed", "tonight"}
    with app.test_request_context("/"):
        item = db.session.merge(item)
        data = ItemData.of(item, item.kind)
        data.title = "Gorbleton hostels"
        services.update(item, data, item.lock_version, user("pdm"), change_note="renamed")
        db.session.commit()
    sync(app)
    assert words_of(app, doc_id) == {"gorbleton", "hostel", "bed", "tonight"}
    broad(monkeypatch, pool=1)
    assert slugs(search(app, "practitioner", "wibbleton")) == []
    assert slugs(search(app, "practitioner", "gorbleton")) == ["wibbleton-hostels"]

    before = heads(app)
    assert len(before) == 8
    with app.test_request_context("/"):
        services.set_archived(db.session.merge(item), True, user("pdm"))
        db.session.commit()
    sync(app)
    assert doc_id not in heads(app) and len(heads(app)) == 7
    assert slugs(search(app, "practitioner", "hostel")) == []

    # A rebuild lists exactly what the saves did.
    saved = heads(app)
    with app.test_request_context("/"):
        app.extensions["wisdom_search"].rebuild(indexing.all_documents())
    assert heads(app) == saved

    # The migration that made the lists fills them for an index that already exists.
    with app.app_context():
        downgrade(revision="0005")
        try:
            assert not sa.inspect(db.engine).has_table("search_heads")
        finally:
            upgrade()
    assert heads(app) == saved
    assert slugs(search(app, "practitioner", WORD, page_size=1)) == ["the-zorblat-approach"]
