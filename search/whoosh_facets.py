"""Facet counts for Whoosh results from per-segment arrays (NumPy), built once per segment.

Whoosh's own categorizers walk postings or stored fields on every search; segments never change
once written, so their facet values are read once and counted with bincount afterwards.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from search import whoosh_arrays
from search.engine import UPDATED_BUCKETS

SINGLE = ("kind", "section")
MULTI = ("pathways", "tags")
_codes: dict[str, dict[str, int]] = {name: {} for name in (*SINGLE, *MULTI)}
_names: dict[str, list[str]] = {name: [] for name in (*SINGLE, *MULTI)}
_lock = threading.Lock()


def _code(facet: str, value: str) -> int:
    codes = _codes[facet]
    if value not in codes:
        with _lock:
            if value not in codes:
                codes[value] = len(_names[facet])
                _names[facet].append(value)
    return codes[value]


@dataclass
class SegmentFacets:
    """Facet values of every document of one segment."""

    single: dict[str, np.ndarray]
    multi: dict[str, tuple[np.ndarray, np.ndarray]]  # CSR: (starts with a final end, values)
    updated: np.ndarray  # seconds since the epoch


def _segment_facets(reader) -> SegmentFacets:
    count = reader.doc_count_all()
    single = {name: np.full(count, -1, dtype=np.int32) for name in SINGLE}
    lists = {name: ([0], []) for name in MULTI}
    updated = np.zeros(count, dtype=np.float64)
    for docnum in range(count):
        fields = {} if reader.is_deleted(docnum) else reader.stored_fields(docnum)
        for name in SINGLE:
            if fields.get(name):
                single[name][docnum] = _code(name, fields[name])
        for name in MULTI:
            starts, values = lists[name]
            values.extend(_code(name, v) for v in (fields.get(name) or "").split(",") if v)
            starts.append(len(values))
        stamp = fields.get("updated")
        updated[docnum] = stamp.timestamp() if isinstance(stamp, datetime) else 0.0
    multi = {
        name: (np.asarray(s, dtype=np.int64), np.asarray(v, dtype=np.int32))
        for name, (s, v) in lists.items()
    }
    return SegmentFacets(single, multi, updated)


@dataclass
class SearcherFacets:
    """The facet arrays of a whole searcher: segments concatenated by their document offsets."""

    single: dict[str, np.ndarray]
    multi: dict[str, tuple[np.ndarray, np.ndarray]]
    updated: np.ndarray


def for_searcher(searcher, index_key: str) -> SearcherFacets:
    """Facet arrays for a searcher, reusing every segment already seen."""
    parts = []
    for leaf, _offset in searcher.leaf_searchers():
        reader = leaf.reader()
        key = (index_key, reader.segment().segment_id(), "facets")
        parts.append(whoosh_arrays.cached(key, lambda reader=reader: _segment_facets(reader)))
    single = {
        name: np.concatenate([p.single[name] for p in parts]) if parts else np.empty(0, np.int32)
        for name in SINGLE
    }
    multi = {}
    for name in MULTI:
        starts, values, base = [np.zeros(1, dtype=np.int64)], [], 0
        for p in parts:
            s, v = p.multi[name]
            starts.append(s[1:] + base)
            values.append(v)
            base += len(v)
        multi[name] = (
            np.concatenate(starts),
            np.concatenate(values) if values else np.empty(0, np.int32),
        )
    updated = np.concatenate([p.updated for p in parts]) if parts else np.empty(0)
    return SearcherFacets(single, multi, updated)


def count(facets: SearcherFacets, docnums) -> dict[str, dict[str, int]]:
    """Counts of every facet value over the matched documents."""
    docs = np.asarray(docnums, dtype=np.int64)
    result: dict[str, dict[str, int]] = {}
    for name in SINGLE:
        codes = facets.single[name][docs]
        codes = codes[codes >= 0]
        result[name] = _named(name, np.bincount(codes, minlength=0) if len(codes) else np.empty(0))
    for name in MULTI:
        starts, values = facets.multi[name]
        begin, end = starts[docs], starts[docs + 1]
        lengths = end - begin
        total = int(lengths.sum())
        if total:
            position = np.repeat(
                begin - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths
            ) + np.arange(total)
            result[name] = _named(name, np.bincount(values[position]))
        else:
            result[name] = {}
    result["updated"] = _updated(facets.updated[docs])
    return result


def _named(facet: str, counts: np.ndarray) -> dict[str, int]:
    names = _names[facet]
    return {names[i]: int(n) for i in np.nonzero(counts)[0] for n in (counts[i],)}


def _updated(stamps: np.ndarray) -> dict[str, int]:
    counts = {}
    for key, mask in _buckets(stamps):
        n = int(mask.sum())
        if n:
            counts[key] = n
    return counts


def updated_within(stamps: np.ndarray, keys) -> np.ndarray:
    """A mask of the documents whose update date falls in any of the chosen buckets."""
    chosen = np.zeros(len(stamps), dtype=bool)
    for key, mask in _buckets(stamps):
        if key in keys:
            chosen |= mask
    return chosen


def _buckets(stamps: np.ndarray):
    """Each 'updated' bucket's key and a mask of the stamps in it (newest bucket first)."""
    now = datetime.now()
    newer = None
    for key, _label, days in UPDATED_BUCKETS:
        start = (now - timedelta(days=days)).timestamp() if days else None
        mask = np.ones(len(stamps), dtype=bool)
        if start is not None:
            mask &= stamps >= start
        if newer is not None:
            mask &= stamps < newer
        yield key, mask
        newer = start
