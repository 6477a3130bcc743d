"""The rebuild's fast paths write exactly what Whoosh itself writes.

search.whoosh_analysis indexes the text fields without running their analysers, and
search.whoosh_rebuild pools postings by term and reads field lengths in one go. Here each is
compared with Whoosh's own TEXT fields, posting pool and writer: field by field over awkward
texts, posting by posting, and finally whole indexes, term by term and search by search.
"""

from __future__ import annotations

import random
from datetime import datetime

import pytest
from whoosh import index
from whoosh.codec.whoosh3 import W3PerDocReader
from whoosh.fields import TEXT
from whoosh.filedb.filestore import FileStorage
from whoosh.query import And, Or, Prefix, Term
from whoosh.writing import PostingPool

from search.documents import SearchDocument
from search.whoosh_analysis import CountedText
from search.whoosh_backend import _fields, schema
from search.whoosh_rebuild import RebuildWriter, TermPool, _LengthsInMemory

AWKWARD = [
    "", " ", "\n\t", "a", "housing", "the", "the and of to a", "I", "x y z",
    "REF-4097", "ref 4097, REF-4097; ref_4097", "e.g. i.e. U.K. etc.", "a.b.c ..dots.. end.",
    "3.14 2026-05-01 10:30 £250 50%", "don't O'Brien's rock'n'roll", "snake_case_word __init__",
    "HOUSING Housing housing houses housed", "Risk of serious harm, and MAPPA!",
    "naïve café Straße İstanbul ǅemal ﬁle ŉ", "Ελληνικά русский 中文 日本語 한국어",
    "emoji 🙂 ok 🏠 home", "x" * 5000, "supercalifragilisticexpialidocious " * 3,
    "word " * 500, "-- — – ... !!! ???", "tab\tnew\nline\r\nwindows", "a1 1a 11 a_ _a",
]  # fmt: skip
PIECES = [
    "housing", "prison", "the", "and", "of", "curfew", "breach", "REF-4097", "e.g.", "don't",
    "İstanbul", "café", "MAPPA", "no", "fixed", "abode", "leavers", "2026", "3.5", "a", "é",
]  # fmt: skip
SEPARATORS = [" ", "  ", "\n", ", ", ". ", "-", "'", "_", ".", "/", ""]


def _texts():
    """The awkward texts, then random ones made of awkward pieces."""
    yield from AWKWARD
    rng = random.Random(4097)
    for _ in range(400):
        parts = [rng.choice(PIECES) + rng.choice(SEPARATORS) for _ in range(rng.randrange(60))]
        yield "".join(parts)


COUNTED = {name: field for name, field in schema().items() if isinstance(field, CountedText)}


def _plain(field: CountedText) -> TEXT:
    """The Whoosh field a counted field stands for: the same analyser, boost and storage."""
    return TEXT(
        analyzer=field.analyzer,
        phrase=False,
        stored=field.stored,
        field_boost=field.format.field_boost,
    )


def test_every_text_field_without_positions_is_counted():
    expected = {"title", "summary", "content", "pairs", "title_pairs", "summary_pairs", "words"}
    assert set(COUNTED) == expected


@pytest.mark.parametrize("name", sorted(COUNTED))
def test_a_counted_field_indexes_what_its_analyser_and_format_give(name):
    field, whoosh = COUNTED[name], _plain(COUNTED[name])
    for text in _texts():
        theirs = list(whoosh.index(text))
        assert list(field.index(text)) == theirs, (name, text)
        assert list(field.index(text)) == theirs, (name, text)  # memoised, still the same
        for ours, their in zip(field.index(text), theirs, strict=True):
            assert [type(value) for value in ours] == [type(value) for value in their]


def test_the_term_pool_gives_whooshs_posting_order_across_many_runs(tmp_path):
    rng = random.Random(11)
    storage = FileStorage(str(tmp_path))
    ours, theirs = TermPool(storage, limitmb=0.02), PostingPool(storage, None, limitmb=0.02)
    for docnum in range(400):
        for fieldname in ("content", "pairs", "words"):
            for word in {rng.choice(PIECES).lower().encode() for _ in range(rng.randrange(8))}:
                freq = rng.randrange(1, 4)
                posting = (fieldname, word, docnum, freq * 2.0, freq.to_bytes(4, "big"))
                ours.add(posting)
                theirs.add(posting)
    assert len(ours.runs) > 5, "the comparison needs several runs"
    assert list(ours.iter_postings()) == list(theirs.iter_postings())
    assert ours.runs == []


def _documents(count: int) -> list[dict]:
    """Index fields of varied documents, as the backend builds them."""
    rng = random.Random(97)
    texts = list(_texts())
    documents = []
    for n in range(count):
        document = SearchDocument(
            id=f"item:{n}", kind="guidance", title=rng.choice(texts)[:200] or f"Item {n}",
            url=f"/library/{n}", acl=frozenset({"role:staff"}), summary=rng.choice(texts),
            body=" ".join(rng.sample(texts, 3)), restricted=rng.choice(["", *texts[:20]]),
            tags=rng.sample(["housing", "prison", "MAPPA", "ete"], 2),
            updated=datetime(2026, 1, 1 + n % 28),
        )  # fmt: skip
        documents.append(_fields(document))
    return documents


def _build(path, schema_, documents, writer):
    path.mkdir()
    ix = index.create_in(str(path), schema_)
    with writer(ix) as writing:
        for fields in documents:
            writing.add_document(**fields)
    return ix


def _contents(ix) -> tuple[dict, dict]:
    """Per document id: stored fields and field lengths; per term: postings and statistics."""
    with ix.searcher() as searcher:
        reader = searcher.reader()
        ids = {docnum: stored["id"] for docnum, stored in reader.iter_docs()}
        documents = {
            ids[docnum]: (stored, {name: reader.doc_field_length(docnum, name) for name in COUNTED})
            for docnum, stored in reader.iter_docs()
        }
        terms = {}
        for fieldname, text in reader.all_terms():
            info = reader.term_info(fieldname, text)
            matcher = reader.postings(fieldname, text)
            postings = set()
            while matcher.is_active():
                postings.add((ids[matcher.id()], matcher.weight(), matcher.value()))
                matcher.next()
            statistics = (info.doc_frequency(), info.min_length(), info.max_length())
            terms[fieldname, text] = (postings, statistics, info.max_weight())
    return documents, terms


def _scores(ix, query) -> dict[str, float]:
    with ix.searcher() as searcher:
        return {hit["id"]: hit.score for hit in searcher.search(query, limit=None)}


def test_a_rebuild_writes_the_index_whoosh_writes(tmp_path):
    documents = _documents(300)
    plain = schema()
    for name, field in COUNTED.items():
        plain.remove(name)
        plain.add(name, _plain(field))
    theirs = _build(tmp_path / "whoosh", plain, documents, lambda ix: ix.writer())
    # Runs of a few hundred postings: each writer process spills and merges many times.
    ours = _build(
        tmp_path / "ours",
        schema(),
        documents,
        lambda ix: RebuildWriter(ix, procs=2, limitmb=0.05, batchsize=40, compound=False),
    )
    assert len(ours._segments()) == 2, "both writer processes wrote a segment"
    assert _contents(ours) == _contents(theirs)
    queries = [
        Term("content", "hous"), Term("words", "housing"), Term("pairs", "curfew_breach"),
        And([Term("content", "prison"), Term("content", "fix")]), Prefix("content", "ref"),
        Or([Term("title", "hous"), Term("summary_pairs", "fix_abod"), Term("tags", "mappa")]),
        Term("title_pairs", "ref_4097"), Term("restricted", "mappa"),
    ]  # fmt: skip
    for query in queries:
        found = _scores(theirs, query)
        assert found, query
        assert _scores(ours, query) == pytest.approx(found, rel=1e-6), query
    with ours.searcher() as mine, theirs.searcher() as whoosh:
        for word in ("housin", "prisn", "curfw", "istanbol"):
            suggested = whoosh.corrector("words").suggest(word, limit=5)
            assert mine.corrector("words").suggest(word, limit=5) == suggested


def test_field_lengths_read_in_one_go_are_whooshs(tmp_path):
    writer = lambda ix: ix.writer(compound=False)  # noqa: E731 - the readers open loose files
    ix = _build(tmp_path / "index", schema(), _documents(120), writer)
    (segment,) = ix._segments()
    ours, theirs = _LengthsInMemory(ix.storage, segment), W3PerDocReader(ix.storage, segment)
    lengths = set()
    for fieldname in [*COUNTED, "restricted", "tags", "id"]:
        for docnum in range(segment.doc_count_all()):
            expected = theirs.doc_field_length(docnum, fieldname)
            assert ours.doc_field_length(docnum, fieldname) == expected, (fieldname, docnum)
            lengths.add(expected)
    assert {None, 0} < lengths, "lengths of empty fields and of fields without lengths"
    assert len(lengths) > 20
    ours.close()
    theirs.close()
