"""Whole-index work: every document from every provider, and comparing index with database."""

from __future__ import annotations

from collections.abc import Iterator

from flask import current_app

from search.outbox import build
from wisdom.components import registry

BATCH = 500


def all_doc_ids() -> list[str]:
    """Every document id that belongs in the index."""
    ids = []
    for kind, provider in registry(current_app).search_providers.items():
        ids += [f"{kind}:{key}" for key in provider.all_keys()]
    return ids


def count_documents() -> int:
    """How many documents belong in the index."""
    return len(all_doc_ids())


def all_documents() -> Iterator:
    """Every document, built in batches."""
    ids = all_doc_ids()
    for start in range(0, len(ids), BATCH):
        for document in build(ids[start : start + BATCH]).values():
            if document is not None:
                yield document


def check(backend) -> dict[str, list[str]]:
    """Differences between the index and the database: missing, stale and extra documents."""
    stored = backend.stored()
    expected = {}
    ids = all_doc_ids()
    for start in range(0, len(ids), BATCH):
        for doc_id, document in build(ids[start : start + BATCH]).items():
            if document is not None:
                expected[doc_id] = document
    missing = sorted(set(expected) - set(stored))
    extra = sorted(set(stored) - set(expected))
    stale = sorted(
        doc_id
        for doc_id in set(expected) & set(stored)
        if stored[doc_id]["title"] != expected[doc_id].title
        or stored[doc_id]["classification"] != expected[doc_id].classification
        or _seconds(stored[doc_id]["updated"]) != _seconds(expected[doc_id].updated)
    )
    return {"missing": missing, "stale": stale, "extra": extra}


def _seconds(value):
    return value.replace(microsecond=0) if value is not None else None
