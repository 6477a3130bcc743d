"""Whoosh 2.7.4 backend. One writer per index; searchers per thread, reopened when out of date
(never ``refresh()``); permission filter sets cached per searcher; rebuilds built aside, swapped."""

from __future__ import annotations

import fcntl
import functools
import logging
import os
import shutil
import threading
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import numpy as np
from whoosh import index, writing
from whoosh.analysis import Filter, StandardAnalyzer, StemmingAnalyzer
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.index import LockError
from whoosh.query import And, AndMaybe, AndNot, Or, Phrase, Prefix, Term

from search import snippets, whoosh_analysis, whoosh_arrays, whoosh_facets, whoosh_rebuild
from search.documents import SearchDocument
from search.engine import Hit, SearchRequest, SearchResults, SearchUnavailable

log = logging.getLogger(__name__)
# Matching runs on one combined field (a third of the postings of three fields); title and
# summary then lift the ranking of the documents that matched.
TEXT_FIELDS = ("content",)
RANK_FIELDS = ("title", "summary")
MAX_FIELD = 1_000_000
CURRENT = "current"
REBUILDING = "REBUILDING"
APPLYING = "APPLYING.lock"
MAX_SEGMENTS = 10  # saves add segments without merging until there are this many
# Adjacent word pairs of a field: a phrase becomes a few term lookups instead of Whoosh's
# positional matching, which is far too slow in pure Python.
PAIRS = {"content": "pairs", "title": "title_pairs", "summary": "summary_pairs"}
# Every writer keeps a segment's files apart (compound=False): Whoosh 2.7.4 copies each file of a
# compound segment into memory whenever a reader opens it, which made opening a searcher after a
# save copy the whole index (measured: ~150 ms at 20k documents).


class WordPairs(Filter):
    """Each pair of adjacent words as one term ("risk_serious"), or the word of a one-word text.

    It gives what ``ShingleFilter(size=2, sep="_")`` gives, in half the time: that filter copies
    every token, and word pairs are a fifth of a rebuild.
    """

    def __call__(self, tokens):
        previous, last, seen = None, None, 0
        for token in tokens:
            text = token.text
            if previous is not None:
                token.text = f"{previous}_{text}"
                yield token
            previous, last, seen = text, token, seen + 1
        if seen == 1:
            last.text = previous
            yield last


def _pairs():
    return StemmingAnalyzer() | WordPairs()


def _stemmed(**options) -> whoosh_analysis.CountedText:
    """A text field of stemmed words."""
    return whoosh_analysis.CountedText(
        whoosh_analysis.stems, analyzer=StemmingAnalyzer(), **options
    )


def _paired(**options) -> whoosh_analysis.CountedText:
    """A text field of stemmed word pairs."""
    return whoosh_analysis.CountedText(whoosh_analysis.pairs, analyzer=_pairs(), **options)


def schema() -> Schema:
    """The index schema: title and summary weigh more than body.

    Phrases are matched through word pairs, so only ``restricted`` keeps word positions: without
    them a posting block is a fraction of the size to store, decompress and unpickle. The other
    text fields are indexed through search.whoosh_analysis, which tokenises a text once for all
    the fields that index it.
    """
    return Schema(
        id=ID(unique=True, stored=True),
        kind=ID(stored=True),
        slug=ID(stored=True),
        title=_stemmed(stored=True, field_boost=3.0),
        summary=_stemmed(stored=True, field_boost=2.0),
        body=STORED(),  # for snippets only: its words are matched through "content"
        # Title, summary, tags and body: what open searches match.
        content=_stemmed(),
        pairs=_paired(),
        title_pairs=_paired(field_boost=3.0),
        summary_pairs=_paired(field_boost=2.0),
        restricted=TEXT(analyzer=StemmingAnalyzer(), stored=True),
        # Unstemmed, for "did you mean".
        words=whoosh_analysis.CountedText(whoosh_analysis.words, analyzer=StandardAnalyzer()),
        tags=KEYWORD(stored=True, commas=True, lowercase=True, scorable=True, field_boost=2.0),
        pathways=KEYWORD(stored=True, commas=True),
        acl=KEYWORD(commas=True),
        section=ID(stored=True),
        classification=ID(stored=True),
        updated=DATETIME(stored=True, sortable=True),
        review_by=DATETIME(stored=True, sortable=True),
        url=STORED(),
    )


class WhooshBackend:
    """The default search engine, kept under instance/index/."""

    name = "whoosh"
    in_database = False  # the index is files: never hold the database while writing them

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self._local = threading.local()
        self._open: set = set()  # every thread's searcher, so close() can close them all
        self._open_lock = threading.Lock()

    def close(self) -> None:
        """Close every thread's searcher (their files); a thread searching again reopens one."""
        with self._open_lock:
            searchers, self._open = self._open, set()
        for searcher in searchers:
            searcher.close()

    # --- index directories -------------------------------------------------------------------

    def _target(self) -> Path:
        """The directory of the live index."""
        link = self.root / CURRENT
        try:
            return self.root / os.readlink(link)
        except OSError:
            raise SearchUnavailable(
                "the search index is missing: run 'wisdom search rebuild'"
            ) from None

    def healthy(self) -> bool:
        """Whether the live index opens and reads."""
        try:
            searcher = index.open_dir(str(self._target())).searcher()
        except Exception:  # noqa: BLE001 - any failure means 'not healthy'
            return False
        current = _current_schema(searcher)
        searcher.close()
        return current

    def _new_directory(self) -> Path:
        target = self.root / f"gen-{time.time_ns()}"
        target.mkdir(parents=True)
        return target

    def _swap(self, target: Path) -> None:
        """Point 'current' at a new index atomically; readers move over at their next search."""
        temporary = self.root / f".{CURRENT}-{time.time_ns()}"
        os.symlink(target.name, temporary)
        os.replace(temporary, self.root / CURRENT)

    def rebuilding(self) -> bool:
        """Whether a rebuild is in progress (index writes wait for it). The flag of a rebuild
        that was killed does not count: its process is gone, and writes must not wait forever."""
        flag = self.root / REBUILDING
        try:
            pid = int(flag.read_text())
        except FileNotFoundError:
            return False
        except (OSError, ValueError):
            return True  # unreadable or half written: assume a rebuild has just begun
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            log.warning("a rebuild (process %s) died before finishing; its flag is ignored", pid)
            return False
        except PermissionError:
            return True
        return True

    @contextmanager
    def applying(self, timeout: float = 30.0):
        """Be the only outbox applier (across processes and threads) until the block ends."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / APPLYING, "a") as handle:  # noqa: PTH123 - flock needs the handle
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise SearchUnavailable(
                            "another worker is updating the index; changes wait in the outbox"
                        ) from None
                    time.sleep(0.005)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # --- reading -------------------------------------------------------------------------------

    def _searcher(self):
        """This thread's searcher, reopened when the index changed or was swapped."""
        target = self._target()
        local = self._local.__dict__
        searcher = local.get("searcher")
        if searcher is not None and local.get("target") == target and not searcher.is_closed:
            try:
                if searcher.up_to_date():
                    return searcher
            except Exception:  # noqa: BLE001 - an unreadable index is reopened, then fails closed
                log.warning("search index changed under a searcher; reopening")
        if searcher is not None:
            with self._open_lock:
                self._open.discard(searcher)
            if not searcher.is_closed:
                searcher.close()
            local.clear()
        try:
            searcher = index.open_dir(str(target)).searcher()
        except Exception as error:
            log.error(
                "ALERT: the search index cannot be opened (%s); search is off until 'wisdom search rebuild'",
                error,
            )
            raise SearchUnavailable("the search index cannot be read") from error
        if not _current_schema(searcher):
            searcher.close()
            log.error(
                "ALERT: the search index was built by an earlier version of WISDOM; search is off "
                "until 'wisdom search rebuild' (or 'wisdom search sync')"
            )
            raise SearchUnavailable("the search index must be rebuilt: run 'wisdom search rebuild'")
        with self._open_lock:
            self._open.add(searcher)
        local.update(searcher=searcher, target=target, allowed={}, facets=None)
        return searcher

    def _index_key(self) -> str:
        """This thread's index directory: it names the index's segments in the shared caches."""
        return str(self._local.__dict__["target"])

    def _allowed(self, searcher, principals: frozenset[str]) -> np.ndarray:
        """A mask of the documents the principals may see: computed once per searcher and
        principal set, from per-segment sets that outlive the searcher (a save adds a small
        segment, so only that segment is read again)."""
        cache = self._local.__dict__["allowed"]
        if principals not in cache:
            cache[principals] = _allowed_mask(searcher, principals, self._index_key())
        return cache[principals]

    def search(self, request: SearchRequest) -> SearchResults:
        """Run a search inside what the principals may see: totals, facets and snippets too."""
        started = time.perf_counter()
        try:
            searcher = self._searcher()
            allowed = self._allowed(searcher, request.principals)
            fields = self._fields(request.cleared)
            query = self._query(request, fields)
            if query is None:
                return SearchResults(0, [], {}, request.page, request.page_size)
            allow = self._filtered(searcher, allowed, request)
            facets = self._facets(searcher)
            matches = whoosh_arrays.evaluate(searcher, query, self._index_key())
            end = request.page * request.page_size
            newest = facets.updated if request.sort == "date" else None
            matched, ranked, scores = whoosh_arrays.top(matches, allow, end, newest)
            marker = snippets.pattern(snippets.query_words(request))
            start = end - request.page_size
            hits = [
                self._hit(
                    searcher.stored_fields(int(docnum)), float(score), request.cleared, marker
                )
                for docnum, score in zip(ranked[start:end], scores[start:end], strict=True)
            ]
            counts = whoosh_facets.count(facets, matched)
            total = len(matched)
        except SearchUnavailable:
            raise
        except Exception as error:
            log.error("ALERT: search failed on the index (%s)", error)
            raise SearchUnavailable("the search index cannot be read") from error
        elapsed = (time.perf_counter() - started) * 1000
        return SearchResults(total, hits, counts, request.page, request.page_size, elapsed)

    def any_match(self, request: SearchRequest) -> bool:
        """Whether the request finds anything the principals may see (no ranking, facets or
        snippets)."""
        try:
            searcher = self._searcher()
            query = self._query(request, self._fields(request.cleared), rank=False)
            if query is None:
                return False
            allow = self._filtered(searcher, self._allowed(searcher, request.principals), request)
            matches = whoosh_arrays.evaluate(searcher, query, self._index_key())
            return bool(allow[matches.ids].any())
        except SearchUnavailable:
            raise
        except Exception as error:
            log.error("ALERT: search failed on the index (%s)", error)
            raise SearchUnavailable("the search index cannot be read") from error

    def _facets(self, searcher):
        """This searcher's facet arrays (built when the searcher opens, from cached segments)."""
        local = self._local.__dict__
        if local.get("facets") is None:
            local["facets"] = whoosh_facets.for_searcher(searcher, self._index_key())
        return local["facets"]

    def _fields(self, cleared: bool) -> tuple[str, ...]:
        """Text fields searched: the restricted field only for cleared readers."""
        return (*TEXT_FIELDS, "restricted") if cleared else TEXT_FIELDS

    def _filtered(self, searcher, allowed: np.ndarray, request: SearchRequest) -> np.ndarray:
        """The allowed documents narrowed by the chosen facet values and kinds."""
        parts = []
        if request.kinds:
            parts.append(Or([Term("kind", k) for k in request.kinds]))
        mask = allowed
        for name, values in request.filters.items():
            if not values:
                continue
            if name == "updated":
                mask = mask & whoosh_facets.updated_within(self._facets(searcher).updated, values)
            else:
                parts.append(Or([Term(name, v.lower() if name == "tags" else v) for v in values]))
        if parts:
            chosen = np.zeros(len(mask), dtype=bool)
            chosen[whoosh_arrays.evaluate(searcher, And(parts), self._index_key()).ids] = True
            mask = mask & chosen
        return mask

    def _query(self, request: SearchRequest, fields: tuple[str, ...], rank: bool = True):
        """Build the Whoosh query from the request's clauses; user text never reaches a parser."""
        schema_ = self._local.__dict__["searcher"].schema
        clauses = []
        for clause in request.clauses:
            alternatives = [
                self._match(schema_, words, fields, clause.prefix) for words in clause.alternatives
            ]
            alternatives = [a for a in alternatives if a is not None]
            if alternatives:
                clauses.append(Or(alternatives) if len(alternatives) > 1 else alternatives[0])
        if not clauses:
            return None
        query = (Or if request.match_any else And)(clauses) if len(clauses) > 1 else clauses[0]
        excluded = [self._match(schema_, words, fields, False) for words in request.excluded]
        excluded = [e for e in excluded if e is not None]
        if excluded:
            query = AndNot(query, Or(excluded))
        if not rank:
            return query
        lifts = [
            self._match(schema_, words, RANK_FIELDS, clause.prefix, boost=2.0, tags=False)
            for clause in request.clauses
            for words in clause.alternatives
        ]
        if len(request.boost_phrase) > 1:
            # The whole query as a phrase in the title lifts exact matches.
            lifts.append(
                self._match(schema_, request.boost_phrase, ("title",), False, boost=4.0, tags=False)
            )
        lifts = [lift for lift in lifts if lift is not None]
        return AndMaybe(query, Or(lifts)) if lifts else query

    def _match(
        self, schema_, words: list[str], fields, prefix: bool, boost: float = 1.0, tags: bool = True
    ):
        """Any field matching the words (a term, a phrase or a prefix)."""
        options = []
        for name in fields:
            tokens = [t.text for w in words for t in schema_[name].analyzer(w, mode="query")]
            if prefix:
                options.append(Prefix(name, words[-1].lower(), boost=boost))
            elif len(tokens) == 1:
                options.append(Term(name, tokens[0], boost=boost))
            elif len(tokens) > 1 and name in PAIRS:
                field = PAIRS[name]
                pairs = [t.text for t in schema_[field].analyzer(" ".join(words), mode="query")]
                options.append(And([Term(field, p, boost=boost) for p in pairs]))
            elif len(tokens) > 1:
                options.append(Phrase(name, tokens, boost=boost))
        if tags and len(words) == 1 and not prefix:
            options.append(Term("tags", words[0], boost=boost))
        return Or(options) if options else None

    def _hit(self, hit: dict, score: float, cleared: bool, marker) -> Hit:
        """A result with a highlighted snippet from the fields the reader may see."""
        snippet = ""
        for name in ("body", "summary", *(("restricted",) if cleared else ())):
            snippet = snippets.snippet(hit.get(name, ""), marker)
            if snippet:
                break
        return Hit(
            id=hit["id"], kind=hit["kind"], title=hit["title"], url=hit["url"], slug=hit.get("slug", ""),
            score=score, snippet=snippet, summary=hit.get("summary", ""),
            classification=hit.get("classification", "open"),
            pathways=[p for p in (hit.get("pathways") or "").split(",") if p], updated=hit.get("updated"),
        )  # fmt: skip

    def suggest_terms(self, word: str, limit: int = 5) -> list[str]:
        """Words in the index close to a misspelt one (callers check each has permitted hits)."""
        searcher = self._searcher()
        found: list[str] = []
        # Sharing the first letter (as most misspellings do) reads a twentieth of the words.
        for candidate in searcher.corrector("words").suggest(word, limit=limit, prefix=1):
            if candidate not in found:
                found.append(candidate)
        return found[:limit]

    def titles_starting(
        self, prefix: str, principals: frozenset[str], limit: int = 8
    ) -> list[dict]:
        """Titles of permitted documents with a word starting with ``prefix`` (autocomplete)."""
        searcher = self._searcher()
        allowed = self._allowed(searcher, principals)
        query = Prefix("title", prefix.lower())
        matches = whoosh_arrays.evaluate(searcher, query, self._index_key())
        _matched, ranked, _scores = whoosh_arrays.top(matches, allowed, limit)
        found = [searcher.stored_fields(int(docnum)) for docnum in ranked]
        return [{"title": fields["title"], "url": fields["url"]} for fields in found]

    # --- writing -------------------------------------------------------------------------------

    def write(self, documents: dict[str, SearchDocument | None], timeout: float = 30.0) -> None:
        """Apply documents (None removes) in one commit by the single index writer."""
        if self.rebuilding():
            raise SearchUnavailable("a rebuild is in progress; changes wait in the outbox")
        try:
            ix = index.open_dir(str(self._target()))
        except SearchUnavailable:
            raise
        except Exception as error:
            raise SearchUnavailable("the search index cannot be opened for writing") from error
        writer = ix.writer(timeout=timeout, compound=False)
        try:
            for doc_id, document in documents.items():
                fields = _fields(document) if document is not None else None
                if fields is None:
                    writer.delete_by_term("id", doc_id)
                else:
                    writer.update_document(**fields)
            # Merging segments is what makes a save slow (a second or more at 10k documents), so a
            # save only adds its own small segment while there are few; merge() tidies up after
            # the response has gone, and past MAX_SEGMENTS a save merges as Whoosh always did.
            few = len(ix._segments()) < MAX_SEGMENTS
            writer.commit(mergetype=writing.NO_MERGE if few else writing.MERGE_SMALL)
        except BaseException:
            writer.cancel()  # a failed commit would otherwise keep the lock
            raise
        finally:
            ix.close()

    def merge(self) -> bool:
        """Merge small segments, if no writer is busy (called after a response has been sent)."""
        if self.rebuilding():
            return False
        try:
            ix = index.open_dir(str(self._target()))
        except Exception:  # noqa: BLE001 - nothing to tidy; search reports the problem itself
            return False
        try:
            if len(ix._segments()) < 2:
                return False
            writer = ix.writer(timeout=0.0, compound=False)
        except LockError:
            ix.close()
            return False  # another writer is at work; the next save will try again
        try:
            writer.commit(mergetype=writing.MERGE_SMALL)
        except BaseException:
            writer.cancel()
            raise
        finally:
            ix.close()
        return True

    def rebuild(self, documents, progress=None) -> int:
        """Build a new index aside from every document, then swap it in; search keeps working."""
        self.root.mkdir(parents=True, exist_ok=True)
        flag = self.root / REBUILDING
        flag.write_text(str(os.getpid()))
        try:
            target = self._new_directory()
            ix = index.create_in(str(target), schema())
            writer = whoosh_rebuild.RebuildWriter(ix, procs=2, limitmb=256, compound=False)
            count = 0
            try:
                for document in documents:
                    fields = _fields(document)
                    if fields is not None:
                        writer.add_document(**fields)
                        count += 1
                    if progress:
                        progress(1)
                writer.commit()
            except BaseException:
                writer.cancel()
                shutil.rmtree(target, ignore_errors=True)
                raise
            self._swap(target)
            self._remove_old(keep=target)
            return count
        finally:
            flag.unlink(missing_ok=True)

    def _remove_old(self, keep: Path) -> None:
        """Delete index generations other than the live one (open readers keep their files)."""
        for path in self.root.glob("gen-*"):
            if path != keep:
                shutil.rmtree(path, ignore_errors=True)

    def stored(self) -> dict[str, dict]:
        """Every indexed document's id with the stored fields that 'check' compares."""
        searcher = index.open_dir(str(self._target())).searcher()
        try:
            return {
                f["id"]: {
                    "title": f.get("title"),
                    "classification": f.get("classification"),
                    "updated": f.get("updated"),
                }
                for f in searcher.all_stored_fields()
            }
        finally:
            searcher.close()

    def clear(self) -> None:
        """Remove the index entirely (tests and 'rebuild' from nothing)."""
        shutil.rmtree(self.root, ignore_errors=True)


def _allowed_mask(searcher, principals: frozenset[str], index_key: str) -> np.ndarray:
    """A mask of the documents any of the principals may see, from per-segment arrays.

    Segments never change once written; a document deleted later stays in its segment's array,
    which is harmless: a deleted document never matches a query, so the mask only filters matches.
    """
    mask = np.zeros(searcher.doc_count_all(), dtype=bool)
    if not principals:
        return mask
    query = Or([Term("acl", p) for p in sorted(principals)])
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        if not hasattr(reader, "segment"):  # an index without segments has no documents
            continue
        docs = whoosh_arrays.cached(
            (index_key, reader.segment().segment_id(), "allowed", principals),
            lambda leaf=leaf: np.fromiter(leaf.docs_for_query(query), dtype=np.int64),
        )
        mask[docs + offset] = True
    return mask


def _current_schema(searcher) -> bool:
    """Whether an index has this version's fields (an older index is rebuilt, not trusted)."""
    return frozenset(searcher.schema.names()) == _field_names()


@functools.cache
def _field_names() -> frozenset[str]:
    return frozenset(schema().names())


def _fields(document: SearchDocument) -> dict | None:
    """Checked index fields of a document, or None if it is not fit to index (it is skipped)."""
    try:
        if not document.id or not document.acl or not document.title:
            raise ValueError("a document needs an id, a title and at least one ACL principal")
        fields = {
            "id": _text(document.id, 160), "kind": _text(document.kind, 40), "slug": _text(document.slug, 160),
            "title": _text(document.title, 1000), "summary": _text(document.summary, MAX_FIELD),
            "content": (content := "\n".join((_text(document.title, 1000), _text(document.summary, MAX_FIELD), " ".join(document.tags), _text(document.body, MAX_FIELD)))),
            "pairs": content, "title_pairs": _text(document.title, 1000),
            "summary_pairs": _text(document.summary, MAX_FIELD),
            "words": " ".join((_text(document.title, 1000), _text(document.summary, MAX_FIELD), _text(document.body, MAX_FIELD))),
            "body": _text(document.body, MAX_FIELD), "restricted": _text(document.restricted, MAX_FIELD),
            "tags": ",".join(_text(t, 80).replace(",", " ") for t in document.tags),
            "pathways": ",".join(_text(p, 80) for p in document.pathways),
            "acl": ",".join(_text(p, 120) for p in sorted(document.acl)),
            "section": _text(document.section or document.kind, 80),
            "classification": _text(document.classification, 20), "url": _text(document.url, 500),
            "updated": document.updated or datetime(1970, 1, 1),
        }  # fmt: skip
        if document.review_by:
            fields["review_by"] = datetime(
                document.review_by.year, document.review_by.month, document.review_by.day
            )
        return fields
    except (TypeError, ValueError, AttributeError) as error:
        log.error("search document %r skipped: %s", getattr(document, "id", "?"), error)
        return None


def _text(value, limit: int) -> str:
    """A clean string for the index."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value.replace("\x00", "")[:limit]
