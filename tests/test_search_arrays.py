"""search.whoosh_arrays gives exactly what Whoosh itself gives, on every query shape WISDOM builds.

The Whoosh backend evaluates its queries over posting arrays instead of Whoosh's matchers. Here the
same queries run both ways on a real index with several segments and deleted documents (saves after
the first build), as an uncleared and a cleared reader: the same documents, the same scores, the
same first page in the same order.
"""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa
from search_support import add, seed, sync, user

from content import services
from content.models import Item
from content.services import ItemData
from search import query as parsing
from search import service, whoosh_arrays
from wisdom.db import db

WHOOSH_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
QUERIES = [
    "gardening",  # one word, in many documents
    "housing prison",  # two words, every one required
    "curfew zebrafish",  # no document has both: the any-word retry
    '"curfew breach"',  # a phrase (word pairs; title and summary lifts)
    "risk of serious harm",  # stop words, a phrase lift on the title
    "hous*",  # a prefix with several expansions
    "quillw*",  # a prefix with one expansion
    "housing -prison",  # an exclusion
    'curfew -"curfew breach"',  # an excluded phrase
    "DV",  # a thesaurus entry: alternatives
    "allotment digging",  # words in titles, summaries and bodies
]


def _compare(app, role: str, text: str, filters: dict | None = None) -> int:
    """Run one query both ways; return how many documents matched."""
    with app.test_request_context("/"):
        engine = app.extensions["wisdom_search"]
        request = service.build_request(parsing.parse(text), user(role), filters=filters or {})
        searcher = engine._searcher()
        query = engine._query(request, engine._fields(request.cleared))
        assert query is not None, text
        whoosh = {hit.docnum: hit.score for hit in searcher.search(query, limit=None)}
        matches = whoosh_arrays.evaluate(searcher, query, "compare")
        ours = dict(zip(matches.ids.tolist(), matches.scores.tolist(), strict=True))
        assert list(matches.ids) == sorted(ours), "ids must be sorted and unique"
        assert set(ours) == set(whoosh), text
        for docnum, score in whoosh.items():
            assert ours[docnum] == pytest.approx(score, rel=1e-6), (text, docnum)
        allowed = engine._filtered(searcher, engine._allowed(searcher, request.principals), request)
        permitted = set(np.flatnonzero(allowed).tolist())
        if permitted:
            page = searcher.search(query, limit=10, filter=permitted)
            matched, ranked, scores = whoosh_arrays.top(matches, allowed, 10)
            assert [hit.score for hit in page] == pytest.approx(scores.tolist(), rel=1e-6)
            for hit, docnum in zip(page, ranked.tolist(), strict=True):
                # The same order; documents with equal scores may swap places.
                assert hit.docnum == docnum or ours[hit.docnum] == pytest.approx(ours[docnum])
            assert len(matched) == len(set(whoosh) & permitted), text
        return len(whoosh)


@WHOOSH_ONLY
def test_every_query_shape_matches_and_scores_as_whoosh_does(app, backend):
    corpus = seed(app)
    # Saves after the first build: new segments, and the old versions deleted in the old ones.
    with app.test_request_context("/"):
        for slug in list(corpus.slugs.values())[:6]:
            item = db.session.scalar(sa.select(Item).where(Item.slug == slug))
            data = ItemData.of(item, item.kind)
            data.summary = f"{data.summary} Revised: gardening and housing advice."
            services.update(item, data, item.lock_version, user("pdm"), change_note="test")
            db.session.commit()
        add(
            "guidance",
            "Curfew breach in housing",
            summary="Curfew breach steps for prison leavers.",
        )
        db.session.commit()
    sync(app)
    with app.test_request_context("/"):
        searcher = app.extensions["wisdom_search"]._searcher()
        segments = [leaf.reader() for leaf, _offset in searcher.leaf_searchers()]
        assert len(segments) > 1, "the comparison needs several segments"
        assert any(reader.has_deletions() for reader in segments), "and deleted documents"
    # A token only in a confidential section of an item: only cleared readers' queries search it.
    canary = next(c.token for c in corpus.canaries if c.place == "section")
    matched = {}
    for role in ("practitioner", "pdm"):
        for text in [*QUERIES, canary]:
            matched[role, text] = _compare(app, role, text)
        matched[role, "filtered"] = _compare(app, role, "housing", {"kind": ["guidance"]})
    assert all(matched[role, "gardening"] > 10 for role in ("practitioner", "pdm"))
    assert matched["pdm", canary] > matched["practitioner", canary]


def test_word_pairs_are_whooshs_shingles():
    from whoosh.analysis import ShingleFilter, StemmingAnalyzer

    from search.whoosh_backend import _pairs

    shingles = StemmingAnalyzer() | ShingleFilter(size=2, sep="_")
    texts = [
        "", "housing", "the housing", "Risk of serious harm, and MAPPA!",
        "Support into education, training and employment. Duty to refer; no fixed abode.",
        " ".join(f"word{n} and the" for n in range(300)),
    ]  # fmt: skip
    for text in texts:
        for mode in ("index", "query"):
            ours = [(t.text, t.boost) for t in _pairs()(text, mode=mode)]
            theirs = [(t.text, t.boost) for t in shingles(text, mode=mode)]
            assert ours == theirs, text
