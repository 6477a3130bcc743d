"""The outbox: changes are queued in the writer's transaction and applied to the index after commit.

A process killed at any moment loses nothing: an entry is removed only after the index holds it.
"""

from __future__ import annotations

import logging

from flask import current_app, g, has_request_context
from sqlalchemy import delete, func, select

from search.documents import split_id
from search.models import OutboxEntry
from wisdom.components import registry
from wisdom.db import db

log = logging.getLogger(__name__)
BATCH = 500


def enqueue(doc_id: str) -> None:
    """Queue a document for (re)indexing in the current transaction."""
    db.session.add(OutboxEntry(doc_id=doc_id))
    if has_request_context():
        g.search_outbox_dirty = True


def pending() -> int:
    """How many changes wait to be applied."""
    return db.session.scalar(select(func.count()).select_from(OutboxEntry)) or 0


def apply_pending(backend, *, batch: int = BATCH, limit: int | None = None) -> int:
    """Apply queued changes to the index in batches; return how many entries were applied.

    One applier at a time (``backend.applying()``, across processes): a document read later is
    then written later, so a slow worker can never put an older version over a newer one.
    """
    applied = 0
    while limit is None or applied < limit:
        # End the caller's transaction first: waiting for the applier's lock while holding the
        # database (SQLite's write lock, PostgreSQL's row locks) could stall the lock's holder.
        db.session.rollback()
        with backend.applying():
            done = _apply_batch(backend, batch)
        if not done:
            break
        applied += done
    return applied


def _apply_batch(backend, batch: int) -> int:
    """Read, build, write and remove one batch of entries; return how many were applied."""
    entries = db.session.execute(
        select(OutboxEntry.id, OutboxEntry.doc_id).order_by(OutboxEntry.id).limit(batch)
    ).all()
    if not entries:
        db.session.rollback()
        return 0
    if not backend.in_database:
        db.session.rollback()  # end the read; never hold the database while the index writes
    entry_ids = [entry_id for entry_id, _ in entries]
    documents = build(sorted({doc_id for _, doc_id in entries}))
    if not backend.in_database:
        db.session.rollback()
    backend.write(documents)
    # Only the entries read are removed: a change queued meanwhile stays for next time.
    db.session.execute(delete(OutboxEntry).where(OutboxEntry.id.in_(entry_ids)))
    db.session.commit()
    return len(entries)


def build(doc_ids) -> dict:
    """The current document for each id (None: remove it from the index)."""
    if not has_request_context():
        # Providers build page URLs; outside a request (the CLI) give them a neutral one.
        with current_app.test_request_context("/"):
            return build(doc_ids)
    providers = registry(current_app).search_providers
    by_kind: dict[str, list[str]] = {}
    for doc_id in doc_ids:
        kind, key = split_id(doc_id)
        by_kind.setdefault(kind, []).append(key)
    documents = {}
    for kind, keys in by_kind.items():
        provider = providers.get(kind)
        found = provider.documents(keys) if provider else {}
        for key in keys:
            documents[f"{kind}:{key}"] = found.get(key)
    return documents
