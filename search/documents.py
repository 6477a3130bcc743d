"""What the search engines index: documents built by each component's search provider."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol


@dataclass
class SearchDocument:
    """One searchable thing. ``body`` is open text; ``restricted`` only cleared readers search."""

    id: str  # "<kind>:<key>", unique across providers
    kind: str
    title: str
    url: str
    acl: frozenset[str]
    summary: str = ""
    body: str = ""
    restricted: str = ""
    tags: list[str] = field(default_factory=list)
    pathways: list[str] = field(default_factory=list)
    section: str = ""
    classification: str = "open"
    updated: datetime | None = None
    review_by: date | None = None
    slug: str = ""


class SearchProvider(Protocol):
    """What a component registers so its rows can be searched (see wisdom.components)."""

    kind: str

    def documents(self, keys: Iterable[str]) -> dict[str, SearchDocument | None]:
        """The document for each key; None where the row is gone or must not be indexed."""

    def all_keys(self) -> Iterable[str]:
        """Every key that should be in the index now."""

    def visible(self, user, keys: Iterable[str]) -> set[str]:
        """The keys whose rows the user may read now, checked against the database."""


def split_id(doc_id: str) -> tuple[str, str]:
    """A document id's kind and key."""
    kind, _, key = doc_id.partition(":")
    return kind, key
