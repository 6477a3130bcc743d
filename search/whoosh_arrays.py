"""Whoosh queries evaluated over whole posting lists with numpy, scored as Whoosh scores them.

Whoosh walks every match through a chain of Python matchers, a few microseconds a document and
term. A search here needs every match anyway (totals and facet counts), so it is cheaper to read
each term's postings a block at a time into arrays and combine them: And, Or, AndNot and AndMaybe
become array operations and BM25F a vector formula, giving the same scores as
``Searcher.search``. Query types without an array form here (phrases on positional fields) fall
back to Whoosh's own matcher for that part alone.

It reads posting blocks through W3LeafMatcher's internals, which is why setup.cfg pins
Whoosh==2.7.4; tests/test_search_arrays.py compares the results with Whoosh's own on every query
shape WISDOM builds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import And, AndMaybe, AndNot, NullQuery, Or, Prefix, Term
from whoosh.util.numeric import _length_byte_cache

_LENGTHS = np.asarray(_length_byte_cache, dtype=np.float64)
_segment_cache: dict[tuple, object] = {}
_SEGMENT_CACHE_LIMIT = 1024


@dataclass
class Matches:
    """Matching document numbers (sorted, unique) and their scores."""

    ids: np.ndarray
    scores: np.ndarray

    @classmethod
    def empty(cls) -> Matches:
        return cls(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64))


def evaluate(searcher, query, index_key: str) -> Matches:
    """Every document the query matches in the searcher's index, with Whoosh's score."""
    return _Evaluator(searcher, index_key).run(query)


def top(matches: Matches, allowed: np.ndarray, end: int, newest: np.ndarray | None = None):
    """The matches a mask allows, and the first ``end`` of them by score (or by date)."""
    keep = allowed[matches.ids]
    ids, scores = matches.ids[keep], matches.scores[keep]
    if newest is not None:
        # Newest first; ties by document number, as Whoosh's sorted search orders them.
        order = np.lexsort((ids, -newest[ids]))[:end]
    elif len(ids) > end:
        # Highest score first, ties by document number (Whoosh's order).
        part = np.argpartition(-scores, end - 1)[:end]
        order = part[np.lexsort((ids[part], -scores[part]))]
    else:
        order = np.lexsort((ids, -scores))
    return ids, ids[order], scores[order]


class _Evaluator:
    def __init__(self, searcher, index_key: str):
        self.searcher = searcher
        self.index_key = index_key
        self.leaves = list(searcher.leaf_searchers())
        weighting = searcher.weighting
        self.k1 = getattr(weighting, "K1", 1.2)
        self.b = getattr(weighting, "B", 0.75)
        self.field_b = getattr(weighting, "_field_B", {})

    def run(self, query) -> Matches:
        node = query.__class__
        if node is Term:
            return self.term(query.fieldname, query.text, query.boost)
        if node is Or:
            return self.union([self.run(q) for q in query.subqueries], query.boost)
        if node is And:
            return self.intersection([self.run(q) for q in query.subqueries], query.boost)
        if node is AndNot:
            positive = self.run(query.a)
            negative = self.run(query.b)
            keep = ~np.isin(positive.ids, negative.ids, assume_unique=True)
            return Matches(positive.ids[keep], positive.scores[keep])
        if node is AndMaybe:
            required, optional = self.run(query.a), self.run(query.b)
            where = np.searchsorted(optional.ids, required.ids)
            where = np.minimum(where, max(len(optional.ids) - 1, 0))
            extra = np.zeros(len(required.ids))
            if len(optional.ids):
                hit = optional.ids[where] == required.ids
                extra[hit] = optional.scores[where[hit]]
            return Matches(required.ids, required.scores + extra)
        if node is Prefix:
            return self.prefix(query)
        if node is NullQuery.__class__:
            return Matches.empty()
        return self.fallback(query)

    # --- leaves -------------------------------------------------------------------------------

    def term(self, field: str, text, boost: float) -> Matches:
        """A term's postings over every segment, scored by BM25F (or its weight)."""
        ids, weights, lengths = [], [], []
        scorable = self.searcher.schema[field].scorable
        for leaf, offset in self.leaves:
            reader = leaf.reader()
            if (field, text) not in reader:
                continue
            leaf_ids, leaf_weights = _postings(reader, field, text)
            live = _live(reader, self.index_key)
            if live is not None:
                keep = live[leaf_ids]
                leaf_ids, leaf_weights = leaf_ids[keep], leaf_weights[keep]
            ids.append(leaf_ids + offset)
            weights.append(leaf_weights)
            if scorable:
                lengths.append(_lengths(reader, field, self.index_key)[leaf_ids])
        if not ids:
            return Matches.empty()
        all_ids = np.concatenate(ids)
        tf = np.concatenate(weights).astype(np.float64)
        if not scorable:
            return Matches(all_ids, tf * boost)
        idf = self.searcher.idf(field, text)
        average = self.searcher.avg_field_length(field) or 1
        b = self.field_b.get(field, self.b)
        length = np.concatenate(lengths)
        score = idf * ((tf * (self.k1 + 1)) / (tf + self.k1 * ((1 - b) + b * length / average)))
        return Matches(all_ids, score * boost)

    def prefix(self, query) -> Matches:
        """Whoosh's Prefix: the union of its expanded terms, each scored (Whoosh 2.7.4 scores them
        with the searcher's weighting even when the query asks for a constant score, and drops
        the boost when the prefix expands to a single term)."""
        words = [w for w in query._btexts(self.searcher.reader()) if w]
        parts = [self.term(query.fieldname, w, 1.0) for w in words]
        return self.union(parts, query.boost if len(parts) > 1 else 1.0)

    def fallback(self, query) -> Matches:
        """Any other query: Whoosh's own matcher, segment by segment."""
        ids, scores = [], []
        for leaf, offset in self.leaves:
            matcher = query.matcher(leaf, leaf.context(weighting=self.searcher.weighting))
            while matcher.is_active():
                ids.append(matcher.id() + offset)
                scores.append(matcher.score())
                matcher.next()
        order = np.argsort(np.asarray(ids, dtype=np.int64), kind="stable")
        return Matches(
            np.asarray(ids, dtype=np.int64)[order], np.asarray(scores, dtype=np.float64)[order]
        )

    # --- combining ----------------------------------------------------------------------------

    @staticmethod
    def union(parts: list[Matches], boost: float) -> Matches:
        parts = [p for p in parts if len(p.ids)]
        if not parts:
            return Matches.empty()
        if len(parts) == 1:
            return Matches(parts[0].ids, parts[0].scores * boost)
        ids, inverse = np.unique(np.concatenate([p.ids for p in parts]), return_inverse=True)
        scores = np.bincount(inverse, weights=np.concatenate([p.scores for p in parts]))
        return Matches(ids, scores * boost)

    @staticmethod
    def intersection(parts: list[Matches], boost: float) -> Matches:
        if not parts or any(len(p.ids) == 0 for p in parts):
            return Matches.empty()
        ids = parts[0].ids
        for part in parts[1:]:
            ids = np.intersect1d(ids, part.ids, assume_unique=True)
        scores = np.zeros(len(ids))
        for part in parts:
            scores += part.scores[np.searchsorted(part.ids, ids)]
        return Matches(ids, scores * boost)


# --- reading segments ---------------------------------------------------------------------------


def _postings(reader, field: str, text) -> tuple[np.ndarray, np.ndarray]:
    """A term's document numbers and weights in one segment, a block at a time."""
    matcher = reader.postings(field, text)
    if isinstance(matcher, FilterMatcher):  # deletions are applied by the caller, as arrays
        matcher = matcher.child
    ids, weights = [], []
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        block_ids, block_weights = matcher._data[0], matcher._data[1]
        count = matcher._blocklength
        ids.append(np.cumsum(np.asarray(block_ids, dtype=np.int64)))
        if block_weights is None:
            weights.append(np.ones(count, dtype=np.float32))
        elif isinstance(block_weights, float):
            weights.append(np.full(count, block_weights, dtype=np.float32))
        else:
            weights.append(np.asarray(block_weights, dtype=np.float32)[:count])
        if matcher._lastblock:
            break
        matcher._goto(matcher._nextoffset)
    if not ids:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
    return np.concatenate(ids), np.concatenate(weights)


def cached(key: tuple, build):
    """A value derived from one segment (segments never change), built once.

    Keys start with the index directory and the segment id. Safe under threads: another thread
    may clear the cache at any moment, so the value is returned, not read back.
    """
    value = _segment_cache.get(key)
    if value is None:
        if len(_segment_cache) > _SEGMENT_CACHE_LIMIT:  # segments merged away or rebuilt
            _segment_cache.clear()
        value = _segment_cache[key] = build()
    return value


def _live(reader, index_key: str) -> np.ndarray | None:
    """A mask of the segment's documents not deleted (None when none are)."""
    if not reader.has_deletions():
        return None
    segment = reader.segment()

    def build():
        mask = np.ones(reader.doc_count_all(), dtype=bool)
        mask[np.fromiter(segment.deleted_docs(), dtype=np.int64)] = False
        return mask

    # Deletions only ever grow, so their number tells one set of them from another.
    return cached((index_key, segment.segment_id(), "live", segment.deleted_count()), build)


def _lengths(reader, field: str, index_key: str) -> np.ndarray:
    """Each document's length in a field, as Whoosh stores it (one byte, decoded)."""

    def build():
        count = reader.doc_count_all()
        codes = length_codes(reader._perdoc, field, count)
        return np.zeros(count) if codes is None else _LENGTHS[codes]

    return cached((index_key, reader.segment().segment_id(), "length", field), build)


def length_codes(perdoc, field: str, count: int) -> np.ndarray | None:
    """The one-byte length code of each of a segment's ``count`` documents in a field (0 for
    none), read from its lengths column in one go; None when the segment has no such column."""
    column = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    if column is None:
        return None
    raw = column._dbfile.get(column._basepos, column._count)
    codes = np.zeros(count, dtype=np.uint8)
    stored = np.frombuffer(raw, dtype=np.uint8)[:count]
    codes[: len(stored)] = stored
    return codes
