"""The contract both search backends keep: what a search asks and what it returns."""

from __future__ import annotations

from dataclasses import dataclass, field

FACETS = ("kind", "pathways", "tags", "section", "updated")
UPDATED_BUCKETS = (
    ("month", "In the past month", 31),
    ("year", "In the past year", 366),
    ("older", "More than a year ago", None),
)


class SearchUnavailable(RuntimeError):
    """The index cannot be read; search fails closed until it is rebuilt."""


@dataclass
class Clause:
    """One required part of a query: any alternative matches (a word list of 1 is a term)."""

    alternatives: list[list[str]]
    prefix: bool = False


@dataclass
class SearchRequest:
    """A search as the engines see it: already parsed, expanded and limited to the user."""

    clauses: list[Clause]
    excluded: list[list[str]] = field(default_factory=list)
    boost_phrase: list[str] = field(default_factory=list)
    principals: frozenset[str] = frozenset()
    cleared: bool = False
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"  # or "date"
    page: int = 1
    page_size: int = 10
    kinds: list[str] = field(default_factory=list)  # limit to these kinds (e.g. the Directory)
    match_any: bool = False  # any clause rather than all (the fallback when all finds nothing)


@dataclass
class Hit:
    """One result."""

    id: str
    kind: str
    title: str
    url: str
    slug: str
    score: float
    snippet: str  # safe HTML: escaped text with <mark> around matches
    summary: str = ""
    classification: str = "open"
    pathways: list[str] = field(default_factory=list)
    updated: object = None


@dataclass
class SearchResults:
    """What a search found, all within what the user may see."""

    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    page: int = 1
    page_size: int = 10
    engine_ms: float = 0.0
    estimated: bool = False  # total and facet counts estimated from a sample ("about 61,000")
