"""Index-time analysis for the Whoosh text fields: a text is tokenised once, not once a field.

Whoosh analyses a field by passing one Token through a chain of generators (tokenizer, lowercase,
stop words, stemmer, word pairs) and counting what comes out: pure Python for every word of every
field, and a document's text is analysed again for content, pairs and words. These field types
find the same words with the same expression, stop list and stemmer as plain lists, memoised for
the few texts a document repeats, and count them as Whoosh's Frequency format does. Each field
keeps its analyser, so queries, highlighting and spelling analyse text exactly as before;
tests/test_search_analysis.py checks that the postings are Whoosh's own.

The schema is pickled into every index, so these names are part of the index format: renaming
them makes existing indexes unreadable (search then fails closed until a rebuild).
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from itertools import pairwise

from whoosh.analysis.filters import STOP_WORDS
from whoosh.analysis.tokenizers import default_pattern
from whoosh.fields import TEXT
from whoosh.lang.porter import stem
from whoosh.system import pack_uint

MIN_SIZE = 2  # the analysers' default: shorter words are dropped like stop words
# A document indexes four texts this way (content, title, summary, words), each for one or two
# fields in a row; a few more entries than that keep a document's texts while it is indexed.
TEXTS = 8
_stem = lru_cache(maxsize=50_000)(stem)  # StemFilter's cache size


@lru_cache(maxsize=TEXTS)
def words(text: str) -> tuple[str, ...]:
    """The terms of ``StandardAnalyzer()``: lowercased words, without stop or one-letter words."""
    lowered = (match.group().lower() for match in default_pattern.finditer(text))
    return tuple(word for word in lowered if len(word) >= MIN_SIZE and word not in STOP_WORDS)


@lru_cache(maxsize=TEXTS)
def stems(text: str) -> tuple[str, ...]:
    """The terms of ``StemmingAnalyzer()``: those words, stemmed."""
    return tuple(map(_stem, words(text)))


def pairs(text: str) -> tuple[str, ...]:
    """The terms of ``StemmingAnalyzer() | WordPairs()``: adjacent stems, or a text's one stem."""
    found = stems(text)
    if len(found) == 1:
        return found
    return tuple(map("_".join, pairwise(found)))


class CountedText(TEXT):
    """A TEXT field without positions whose index terms come from ``terms(text)``, not its
    analyser (which must give the same terms: it still analyses queries)."""

    def __init__(self, terms, **options):
        super().__init__(phrase=False, **options)
        self.terms = terms

    def index(self, value, **kwargs):
        """Each distinct term with its frequency, weight and posting value, as
        ``Frequency.word_values`` gives them."""
        if kwargs or not isinstance(value, str):  # pre-split tokens or analyser options
            return super().index(value, **kwargs)
        boost = self.format.field_boost
        counts = Counter(self.terms(value)).items()
        return ((term.encode(), n, n * boost, pack_uint(n)) for term, n in counts)
