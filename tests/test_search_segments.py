"""Whoosh saves add a segment without merging; merging waits until after the response."""

from __future__ import annotations

from datetime import UTC, datetime

from whoosh import index

from search.documents import SearchDocument
from search.engine import Clause, SearchRequest
from search.whoosh_backend import MAX_SEGMENTS, WhooshBackend


def _document(n: int) -> SearchDocument:
    return SearchDocument(
        id=f"item:{n}", kind="guidance", title=f"Guidance number {n} zzsegment{n}",
        url=f"/library/g-{n}", acl=frozenset({"everyone"}), body="Housing advice " * 20,
        updated=datetime(2026, 11, 1, tzinfo=UTC), slug=f"g-{n}",
    )  # fmt: skip


def _segments(backend: WhooshBackend) -> int:
    ix = index.open_dir(str(backend._target()))
    try:
        return len(ix._segments())
    finally:
        ix.close()


def _found(backend: WhooshBackend, word: str) -> int:
    request = SearchRequest(clauses=[Clause([[word]])], principals=frozenset({"everyone"}))
    return backend.search(request).total


def test_saves_stay_searchable_with_segments_bounded_and_merged_later(tmp_path):
    backend = WhooshBackend(tmp_path / "index")
    backend.rebuild([])
    for n in range(3 * MAX_SEGMENTS):
        backend.write({f"item:{n}": _document(n)})
        assert _found(backend, f"zzsegment{n}") == 1  # searchable as soon as it is written
        assert _segments(backend) <= MAX_SEGMENTS
    written = _segments(backend)
    assert written > 1
    assert backend.merge() is True
    assert _segments(backend) < written
    assert _found(backend, "housing") == 3 * MAX_SEGMENTS
    backend.write({"item:0": None})
    assert _found(backend, "zzsegment0") == 0
    backend.close()


def test_merge_gives_way_to_a_busy_writer(tmp_path):
    backend = WhooshBackend(tmp_path / "index")
    backend.rebuild([])
    for n in range(3):
        backend.write({f"item:{n}": _document(n)})
    ix = index.open_dir(str(backend._target()))
    writer = ix.writer()
    try:
        assert backend.merge() is False
    finally:
        writer.cancel()
        ix.close()
    assert backend.merge() is True
