"""The rebuild's index writer: Whoosh's multi-process writer with postings pooled by term.

Whoosh's writer pools every posting as a tuple and, past its memory limit, sorts the pool and
pickles it to a run file one posting at a time; at commit it reads the runs back and merges them
in Python, again one posting at a time. A rebuild spills many times, and that was half its work.
Postings for one term arrive in document order, so here they are kept in a list per term: a
spill pickles one record per term and sorts only the terms, and the merge compares terms.
The postings reach Whoosh's segment writer in exactly the order its own pool gives them
(tests/test_search_analysis.py builds an index both ways and compares them).

Like search.whoosh_arrays this leans on Whoosh 2.7.4 internals (setup.cfg pins it); it changes
how a segment is written, never what is in it.
"""

from __future__ import annotations

import heapq
import pickle
from itertools import groupby
from operator import itemgetter

from whoosh.codec.whoosh3 import W3PerDocReader
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.util import random_name
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from search import whoosh_arrays

# What a pooled posting and a pooled term take in memory, roughly (measured on CPython 3.11):
# three list slots with a weight and a value of their own; a key, its text, a list, a dict slot.
POSTING_BYTES = 100
TERM_BYTES = 250


class TermPool:
    """Postings grouped by (field, term), spilled to run files past ``limitmb``."""

    def __init__(self, tempstore, limitmb: int):
        self.tempstore = tempstore
        self.limit = limitmb * 1024 * 1024
        self.size = 0
        self.terms: dict[tuple[str, bytes], list] = {}  # key -> [docnum, weight, value, ...]
        self.runs: list[str] = []
        self.fieldnames: set[str] = set()

    def add(self, item) -> None:
        """Pool one posting: (fieldname, term bytes, docnum, weight, value bytes)."""
        key = item[:2]
        postings = self.terms.get(key)
        if postings is None:
            postings = self.terms[key] = []
            self.fieldnames.add(item[0])
            self.size += TERM_BYTES + len(item[1])
        postings += item[2:]
        self.size += POSTING_BYTES
        if self.size > self.limit:
            self.save()

    def save(self) -> None:
        """Write the pooled terms, sorted, to a new run file and empty the pool."""
        path = f"{random_name()}.run"
        with self.tempstore.create_file(path).raw_file() as run:
            for key in sorted(self.terms):
                pickle.dump((key, self.terms[key]), run, pickle.HIGHEST_PROTOCOL)
        self.runs.append(path)
        self.terms, self.size = {}, 0

    def iter_postings(self):
        """Every posting, ordered by field, term and document (as Whoosh's pool orders them)."""
        if self.runs:
            self.save()
            terms = self._merged_runs()
        else:
            terms = sorted(self.terms.items())
        for (fieldname, text), postings in terms:
            for at in range(0, len(postings), 3):
                yield fieldname, text, *postings[at : at + 3]

    def _merged_runs(self):
        """Each term's postings from all runs; earlier runs hold earlier documents."""
        runs = [self._read_run(path) for path in self.runs]
        merged = heapq.merge(*runs, key=itemgetter(0))  # stable: equal keys keep run order
        for key, parts in groupby(merged, key=itemgetter(0)):
            yield key, [posting for _key, postings in parts for posting in postings]

    def _read_run(self, path: str):
        with self.tempstore.open_file(path).raw_file() as run:
            while True:
                try:
                    yield pickle.load(run)  # noqa: S301 - a run file this writer wrote
                except EOFError:
                    break
        self.tempstore.delete_file(path)
        self.runs.remove(path)

    def cleanup(self) -> None:
        """Remove run files left by a cancelled writer."""
        for path in self.runs:
            self.tempstore.delete_file(path)
        self.runs = []


class _LengthsInMemory(W3PerDocReader):
    """A new segment's field lengths, read once a field instead of once a posting."""

    def __init__(self, storage, segment):
        super().__init__(storage, segment)
        self._lengths: dict[str, list] = {}

    def doc_field_length(self, docnum, fieldname, default=0):
        """What ``W3PerDocReader.doc_field_length`` gives (None for an empty field)."""
        if docnum >= self._doccount:
            return super().doc_field_length(docnum, fieldname, default)
        if fieldname not in self._lengths:
            self._lengths[fieldname] = self._read_lengths(fieldname)
        lengths = self._lengths[fieldname]
        return default if lengths is None else lengths[docnum]

    def _read_lengths(self, fieldname):
        codes = whoosh_arrays.length_codes(self, fieldname, self._doccount)
        if codes is None:
            return None
        return [byte_to_length(code) if code else None for code in codes.tolist()]


class _SegmentWriter(SegmentWriter):
    """Whoosh's segment writer with a TermPool and lengths read in one go."""

    def __init__(self, ix, limitmb=128, **kwargs):
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = TermPool(self._tempstorage, limitmb)

    def per_document_reader(self):
        """The segment's stored fields and lengths, for writing its postings."""
        if not self.perdocwriter.is_closed:
            raise RuntimeError("the per-document writer is still open")
        return _LengthsInMemory(self.storage, self.get_segment())


class _SegmentTask(SubWriterTask):
    """A writer process: indexes the job files it is given into a segment of its own."""

    def run(self):
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = _SegmentWriter(ix, _lk=False, **self.kwargs)
        while (job := self.jobqueue.get()) is not None:
            self._process_file(*job)
        segment = writer._finalize_segment()
        self.resultqueue.put((None, writer.pool.fieldnames, segment), timeout=5)


class RebuildWriter(MpWriter):
    """``ix.writer(procs=..., multisegment=True)``, with _SegmentTask processes."""

    def __init__(self, ix, procs: int, **kwargs):
        super().__init__(ix, procs=procs, multisegment=True, **kwargs)

    def _new_task(self):
        task = _SegmentTask(
            self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, True
        )
        self.tasks.append(task)
        task.start()
        return task
