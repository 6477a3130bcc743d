"""The search outbox, the thesaurus and search analytics."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wisdom.db import db, utcnow


class OutboxEntry(db.Model):
    """A change to apply to the search index, written in the same transaction as the change."""

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    doc_id: Mapped[str] = mapped_column(String(160), nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class Synonym(db.Model):
    """A thesaurus entry: searching ``term`` also finds ``expansion`` (editable by the PDM)."""

    __tablename__ = "search_synonyms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    term: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    expansion: Mapped[str] = mapped_column(String(200), nullable=False)


class SearchLog(db.Model):
    """One search, for analytics: the query, the searcher's roles, results and click. No identity."""

    __tablename__ = "search_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)
    roles: Mapped[str] = mapped_column(String(200), nullable=False)
    query: Mapped[str] = mapped_column(Text, nullable=False)
    results: Mapped[int] = mapped_column(Integer, nullable=False)
    clicked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
