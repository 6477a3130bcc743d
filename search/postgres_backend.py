"""PostgreSQL full-text backend: weighted tsvector, GIN indexes, websearch-style queries built
from the same clauses as Whoosh, ts_headline snippets. Every web node queries the same engine."""

from __future__ import annotations

import itertools
import logging
import re
import time
from contextlib import contextmanager
from datetime import datetime, timedelta

from markupsafe import escape
from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, TEXT
from sqlalchemy.exc import SQLAlchemyError

from search.documents import SearchDocument
from search.engine import (
    FACETS,
    UPDATED_BUCKETS,
    Clause,
    Hit,
    SearchRequest,
    SearchResults,
    SearchUnavailable,
)
from search.query import word_text
from wisdom.db import db

log = logging.getLogger(__name__)
START, STOP = "\x01", "\x02"  # highlight markers that cannot occur in escaped text
WORD = re.compile(r"[a-z0-9']{2,40}")
APPLYING_LOCK = 0x5749_5344  # "WISD": the advisory lock one outbox applier holds at a time
HEADLINE = f"StartSel={START}, StopSel={STOP}, MaxFragments=2, MaxWords=30, MinWords=12, FragmentDelimiter=' … '"
UPSERT = text(
    """
    INSERT INTO search_documents (id, kind, slug, title, summary, body, restricted, tags, pathways,
        acl, section, classification, url, updated, review_by, tsv_open, tsv_all)
    VALUES (:id, :kind, :slug, :title, :summary, :body, :restricted, :tags, :pathways, :acl,
        :section, :classification, :url, :updated, :review_by,
        setweight(to_tsvector('english', :title_words), 'A')
          || setweight(to_tsvector('english', :label_words), 'B')
          || setweight(to_tsvector('english', :body_words), 'C'),
        setweight(to_tsvector('english', :title_words), 'A')
          || setweight(to_tsvector('english', :label_words), 'B')
          || setweight(to_tsvector('english', :body_words), 'C')
          || setweight(to_tsvector('english', :restricted_words), 'C'))
    ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, slug = EXCLUDED.slug,
        title = EXCLUDED.title, summary = EXCLUDED.summary, body = EXCLUDED.body,
        restricted = EXCLUDED.restricted, tags = EXCLUDED.tags, pathways = EXCLUDED.pathways,
        acl = EXCLUDED.acl, section = EXCLUDED.section, classification = EXCLUDED.classification,
        url = EXCLUDED.url, updated = EXCLUDED.updated, review_by = EXCLUDED.review_by,
        tsv_open = EXCLUDED.tsv_open, tsv_all = EXCLUDED.tsv_all
    """
).bindparams(
    bindparam("tags", type_=ARRAY(TEXT)),
    bindparam("pathways", type_=ARRAY(TEXT)),
    bindparam("acl", type_=ARRAY(TEXT)),
)
# Each document's title and summary words, scored, for broad searches (migration 0006).
HEADS = text("SELECT search_heads_fill(CAST(:ids AS text[]))")
# A broad search's first candidates: the ``pool`` best title and summary matches of each word,
# and of the words that start as each word searched by prefix does.
CANDIDATES = text(
    """
    WITH words AS (
        SELECT unnest(tsvector_to_array(to_tsvector('english', :words))) AS lexeme
    ), starts AS (
        SELECT x AS lexeme FROM unnest(CAST(:starts AS text[])) AS s,
            unnest(tsvector_to_array(to_tsvector('english', s))) AS x
    )
    SELECT h.doc_id FROM words CROSS JOIN LATERAL (
        SELECT doc_id FROM search_heads WHERE search_heads.lexeme = words.lexeme COLLATE "C"
        ORDER BY score DESC LIMIT :pool
    ) h
    UNION
    SELECT h.doc_id FROM starts CROSS JOIN LATERAL (
        SELECT doc_id FROM search_heads
        WHERE search_heads.lexeme >= starts.lexeme COLLATE "C"
            AND search_heads.lexeme < (starts.lexeme || chr(1114111)) COLLATE "C"
        ORDER BY score DESC LIMIT :pool
    ) h
    """
)


class PostgresBackend:
    """Search in PostgreSQL itself, for shared deployments.

    Ranking a match reads its vector, which is what costs. A search with up to ``rank_all``
    matches is counted and ranked exactly. One with more is ranked in two tiers: first the
    matches among each query word's ``pool`` best title and summary matches (``search_heads``),
    ranked; then every other match, newest first. One with many (``broad_at`` or more in the
    fixed sample of documents whose ``bucket``, a hash of the id from 0 to 255, is below
    ``sample_below``) would also read thousands of rows to count, so its total and facet counts
    are estimated from the sample (and shown as "about"). All of it is decided by the documents
    the user may see, never by the others.
    """

    name = "postgres"
    in_database = True  # index writes join the caller's transaction
    sample_below = 4  # a 1-in-64 sample: the partial indexes of migration 0006 cover bucket < 4
    broad_at = 16  # sampled matches (about 1,000 in all) from which a search is broad
    rank_all = 200  # matches up to which every match is ranked; beyond, in tiers
    # Candidates from the query words' best title and summary matches, 50 a word at least.
    pool = 150

    @contextmanager
    def applying(self):
        """Be the only outbox applier until the caller's transaction ends (commit releases it)."""
        try:
            db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPLYING_LOCK})
            yield
        except BaseException:
            db.session.rollback()
            raise

    def close(self) -> None:
        """Nothing to close: searches use the app's database connections."""

    def healthy(self) -> bool:
        """Whether the search table can be read."""
        try:
            db.session.execute(text("SELECT 1 FROM search_documents LIMIT 1"))
            return True
        except SQLAlchemyError:
            db.session.rollback()
            return False

    def rebuilding(self) -> bool:
        """A rebuild here is one transaction: readers never see it half done."""
        return False

    # --- writing -------------------------------------------------------------------------------

    def write(self, documents: dict[str, SearchDocument | None]) -> None:
        """Upsert or delete documents in the caller's transaction (committed with the outbox)."""
        gone = [doc_id for doc_id, d in documents.items() if d is None or _row(d) is None]
        rows = [r for r in (_row(d) for d in documents.values() if d is not None) if r is not None]
        if gone:
            db.session.execute(
                text("DELETE FROM search_documents WHERE id = ANY(:ids)").bindparams(
                    bindparam("ids", type_=ARRAY(TEXT))
                ),
                {"ids": gone},
            )
        db.session.execute(
            text("DELETE FROM search_heads WHERE doc_id = ANY(CAST(:ids AS text[]))"),
            {"ids": list(documents)},
        )
        if rows:
            self._insert(rows)

    def rebuild(self, documents, progress=None) -> int:
        """Replace every document in one transaction: searches see the old set until commit."""
        db.session.execute(text("DELETE FROM search_documents"))
        db.session.execute(text("DELETE FROM search_heads"))
        count, batch = 0, []
        for document in documents:
            row = _row(document)
            if row is not None:
                batch.append(row)
            if progress:
                progress(1)
            if len(batch) >= 500:
                self._insert(batch)
                count, batch = count + len(batch), []
        if batch:
            self._insert(batch)
            count += len(batch)
        db.session.commit()
        # Fresh statistics, so the first searches after a rebuild are planned for its real size,
        # and the visibility map set, so the word lists are read from their index alone (one
        # prefix search read 10,000 pages of the table without it).
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE) search_documents, search_heads"))
        return count

    def _insert(self, rows: list[dict]) -> None:
        """Upsert checked rows, their title and summary words, and their vocabulary."""
        db.session.execute(UPSERT, rows)
        db.session.execute(HEADS, {"ids": [row["id"] for row in rows]})
        _remember_words(rows)

    def stored(self) -> dict[str, dict]:
        """Indexed ids with the fields 'check' compares."""
        rows = db.session.execute(
            text("SELECT id, title, classification, updated FROM search_documents")
        ).all()
        return {
            r.id: {"title": r.title, "classification": r.classification, "updated": r.updated}
            for r in rows
        }

    def clear(self) -> None:
        """Remove every document."""
        db.session.execute(text("DELETE FROM search_documents"))
        db.session.execute(text("DELETE FROM search_heads"))
        db.session.commit()

    # --- reading -------------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResults:
        """Run a search inside what the principals may see: totals, facets and snippets too.

        A narrow search is counted exactly, a broad one from the sample; up to ``rank_all``
        matches are all ranked (reading each match's vector is what costs), more are ranked in
        tiers (see the class). Snippets are made for the page only.
        """
        started = time.perf_counter()
        tsquery, params = _tsquery(request)
        if tsquery is None:
            return SearchResults(0, [], {}, request.page, request.page_size)
        vector = "tsv_all" if request.cleared else "tsv_open"
        where, params = _where(request, vector, params)
        rank = _rank(request, vector, params)
        source = f"search_documents d, ({tsquery}) AS query(q)"
        estimated = False
        try:
            # Compiling a search to machine code costs more than it saves (25 ms seen).
            db.session.execute(text("SELECT set_config('jit', 'off', true)"))
            sampled = f"{where} AND d.bucket < {int(self.sample_below)}"
            total, facets = self._counts(request, source, sampled, params)
            scale = 256 / self.sample_below
            if total >= self.broad_at and scale > 1:
                estimated, total = True, _about(total * scale)
                facets = {
                    name: {v: _about(n * scale) for v, n in counts.items()}
                    for name, counts in facets.items()
                }
            elif total < self.broad_at:
                total, facets = self._counts(request, source, where, params)
            whole = total <= self.rank_all
            page = self._ranking(request, source, where, rank, params, whole, many=estimated)
            rows = self._page(request, page)
        except SQLAlchemyError as error:
            db.session.rollback()
            log.error("ALERT: PostgreSQL search failed (%s)", error)
            raise SearchUnavailable("the search tables cannot be read") from error
        hits = [_hit(rows[doc_id], score) for doc_id, score in page if doc_id in rows]
        elapsed = (time.perf_counter() - started) * 1000
        return SearchResults(
            total, hits, facets, request.page, request.page_size, elapsed, estimated
        )

    def any_match(self, request: SearchRequest) -> bool:
        """Whether the request finds anything the principals may see (no ranking or facets)."""
        tsquery, params = _tsquery(request)
        if tsquery is None:
            return False
        where, params = _where(request, "tsv_all" if request.cleared else "tsv_open", params)
        source = f"search_documents d, ({tsquery}) AS query(q)"
        try:
            return bool(
                db.session.execute(
                    text(f"SELECT EXISTS (SELECT 1 FROM {source} WHERE {where})"), params
                ).scalar()
            )
        except SQLAlchemyError as error:
            db.session.rollback()
            log.error("ALERT: PostgreSQL search failed (%s)", error)
            raise SearchUnavailable("the search tables cannot be read") from error

    def _counts(self, request, source, where, params) -> tuple[int, dict]:
        """The total and every facet's counts, from one pass over the matches (nothing ranked)."""
        now = datetime.now()
        rows = db.session.execute(
            text(
                f"""
                WITH m AS MATERIALIZED (
                    SELECT d.kind, d.section, d.pathways, d.tags, d.updated
                    FROM {source} WHERE {where}
                )
                SELECT 'total' AS facet, '' AS v, count(*) AS n FROM m
                UNION ALL SELECT 'kind', kind, count(*) FROM m GROUP BY kind
                UNION ALL SELECT 'section', section, count(*) FROM m GROUP BY section
                UNION ALL SELECT 'pathways', p, count(*)
                    FROM (SELECT unnest(pathways) AS p FROM m) AS each GROUP BY p
                UNION ALL SELECT 'tags', t, count(*)
                    FROM (SELECT unnest(tags) AS t FROM m) AS each GROUP BY t
                UNION ALL SELECT 'updated', CASE WHEN updated >= :month THEN 'month'
                    WHEN updated >= :year THEN 'year' ELSE 'older' END, count(*) FROM m GROUP BY 2
                """
            ),
            {**params, "month": now - timedelta(days=31), "year": now - timedelta(days=366)},
        ).all()
        total = 0
        facets: dict[str, dict[str, int]] = {name: {} for name in FACETS}
        for row in rows:
            if row.facet == "total":
                total = row.n
            elif row.v or row.facet == "updated":
                facets[row.facet][row.v] = row.n
        return total, facets

    def _ranking(self, request, source, where, rank, params, whole: bool, many: bool) -> list:
        """The page's (id, rank) pairs. Sorted by date, every match newest first. Otherwise,
        ``whole``, every match ranked; else first the matches among each query word's best title
        and summary matches, ranked, then every other match, newest first (read only for pages
        past the first tier; when there are ``many``, from the index on dates)."""
        offset = (request.page - 1) * request.page_size
        wanted = offset + request.page_size
        if whole and request.sort != "date":
            rows = db.session.execute(
                text(
                    f"SELECT d.id, {rank} AS rank FROM {source} WHERE {where} "
                    "ORDER BY rank DESC, d.updated DESC, d.id LIMIT :limit OFFSET :offset"
                ),
                {**params, "limit": request.page_size, "offset": offset},
            ).all()
            return [(row.id, float(row.rank)) for row in rows]
        tier: list[tuple[str, float]] = []
        if request.sort != "date":
            words, starts = _head_words(request)
            share = self.pool // max(1, len(words.split()) + len(starts))
            candidates = db.session.scalars(
                CANDIDATES,
                {"words": words, "starts": starts, "pool": max(min(50, self.pool), share)},
            ).all()
            rows = db.session.execute(
                text(
                    f"SELECT d.id, {rank} AS rank FROM {source} "
                    f"WHERE d.id = ANY(CAST(:tier AS text[])) AND {where} "
                    "ORDER BY rank DESC, d.updated DESC, d.id"
                ),
                {**params, "tier": candidates},
            ).all()
            tier = [(row.id, float(row.rank)) for row in rows]
            if len(tier) >= wanted:
                return tier[offset:wanted]
        rest = db.session.execute(
            text(
                # Ranked after the page is chosen: ranking reads a match's vector.
                # Many matches: read newest first from the index on dates until the page is full;
                # fewer: read them all from the text index and sort (the planner cannot tell
                # that each row it filters by date order costs a read of its vector).
                f"""
                WITH m AS {"NOT MATERIALIZED" if many else "MATERIALIZED"} (
                    SELECT d.id, d.updated FROM {source} WHERE {where}
                        AND d.id <> ALL(CAST(:tier AS text[]))
                ), newest AS (
                    SELECT id, updated FROM m ORDER BY updated DESC, id LIMIT :limit OFFSET :offset
                )
                SELECT d.id, {rank} AS rank FROM newest, {source} WHERE d.id = newest.id
                ORDER BY newest.updated DESC, newest.id
                """
            ),
            {
                **params,
                "tier": [doc_id for doc_id, _ in tier],
                "limit": wanted - max(offset, len(tier)),
                "offset": max(0, offset - len(tier)),
            },
        ).all()
        return tier[offset:] + [(row.id, float(row.rank)) for row in rest]

    def _page(self, request, page: list) -> dict:
        """The page's rows with their snippets, by id (a handful of rows, read by key).

        Snippets mark the query's words wherever they occur: marking whole phrases, and the
        thesaurus's phrase variants, cost ts_headline three times as long (70 ms a page seen)."""
        if not page:
            return {}
        words, params = _tsquery(_any_word(request), key="h")
        restricted = (
            "ts_headline('english', d.restricted, q, :headline)" if request.cleared else "''"
        )
        rows = db.session.execute(
            text(
                f"""
                SELECT d.id, d.kind, d.slug, d.title, d.url, d.summary, d.classification,
                    d.pathways, d.updated,
                    ts_headline('english', d.body, q, :headline) AS body_snippet,
                    {restricted} AS restricted_snippet
                FROM search_documents d, ({words}) AS query(q)
                WHERE d.id = ANY(CAST(:ids AS text[]))
                """
            ),
            {**params, "headline": HEADLINE, "ids": [doc_id for doc_id, _ in page]},
        ).all()
        return {row.id: row for row in rows}

    def suggest_terms(self, word: str, limit: int = 5) -> list[str]:
        """Known words close to a misspelt one (callers check each has permitted hits)."""
        rows = db.session.execute(
            text(
                "SELECT term FROM search_terms WHERE term % :w ORDER BY similarity(term, :w) DESC, term LIMIT :n"
            ),
            {"w": word.lower(), "n": limit},
        ).all()
        return [r.term for r in rows]

    def titles_starting(
        self, prefix: str, principals: frozenset[str], limit: int = 8
    ) -> list[dict]:
        """Titles of permitted documents with a word starting with ``prefix``."""
        rows = db.session.execute(
            text(
                "SELECT title, url FROM search_documents WHERE acl && :p "
                "AND to_tsvector('simple', title) @@ to_tsquery('simple', :w || ':*') ORDER BY title LIMIT :n"
            ).bindparams(bindparam("p", type_=ARRAY(TEXT))),
            {"p": sorted(principals), "w": re.sub(r"[^\w]", "", prefix.lower()), "n": limit},
        ).all()
        return [{"title": r.title, "url": r.url} for r in rows]


def _tsquery(request: SearchRequest, key: str = "w") -> tuple[str | None, dict]:
    """SQL building the tsquery from the request's clauses, with every word a bound value
    (named ``key`` and a number)."""
    params: dict = {}
    parts = []

    def alternative(words: list[str], prefix: bool) -> str:
        name = f"{key}{len(params)}"
        if prefix:
            params[name] = re.sub(r"[^\w]", "", words[-1].lower()) + ":*"
            return f"to_tsquery('english', :{name})"
        if len(words) == 1:
            params[name] = words[0]
            return f"plainto_tsquery('english', :{name})"
        # A phrase as people write it may have a stop word between its words ("education,
        # training and employment"); the Whoosh analyser drops stop words, so allow one per gap.
        fillers = ("", " and") if len(words) <= 4 else ("",)
        variants = []
        for n, gaps in enumerate(itertools.product(fillers, repeat=len(words) - 1)):
            text_ = words[0] + "".join(f"{g} {w}" for g, w in zip(gaps, words[1:], strict=True))
            params[f"{name}_{n}"] = text_
            variants.append(f"phraseto_tsquery('english', :{name}_{n})")
        return "(" + " || ".join(variants) + ")"

    for clause in request.clauses:
        options = [alternative(words, clause.prefix) for words in clause.alternatives]
        parts.append("(" + " || ".join(options) + ")")
    if not parts:
        return None, params
    query = (" || " if request.match_any else " && ").join(parts)
    for words in request.excluded:
        query = f"({query}) && !!{alternative(words, False)}"
    return f"SELECT {query}", params


def _where(request: SearchRequest, vector: str, params: dict) -> tuple[str, dict]:
    """The WHERE clause: match, permission, kinds and facet filters (``q`` is the tsquery)."""
    params = {**params, "principals": sorted(request.principals) or ["-"]}
    conditions = [f"d.{vector} @@ q", "d.acl && CAST(:principals AS text[])"]
    if request.kinds:
        params["kinds"] = list(request.kinds)
        conditions.append("d.kind = ANY(CAST(:kinds AS text[]))")
    for name, values in request.filters.items():
        if not values:
            continue
        key = f"f_{name}"
        if name in ("pathways", "tags"):
            params[key] = [v.lower() if name == "tags" else v for v in values]
            conditions.append(f"d.{name} && CAST(:{key} AS text[])")
        elif name in ("kind", "section"):
            params[key] = list(values)
            conditions.append(f"d.{name} = ANY(CAST(:{key} AS text[]))")
        elif name == "updated":
            ranges = []
            now = datetime.now()
            newer = None
            for bucket, _label, days in UPDATED_BUCKETS:
                start = now - timedelta(days=days) if days else None
                if bucket in values:
                    low = f"d.updated >= :{key}_{bucket}_from" if start else "TRUE"
                    high = f"d.updated < :{key}_{bucket}_to" if newer else "TRUE"
                    if start:
                        params[f"{key}_{bucket}_from"] = start
                    if newer:
                        params[f"{key}_{bucket}_to"] = newer
                    ranges.append(f"({low} AND {high})")
                newer = start
            if ranges:
                conditions.append("(" + " OR ".join(ranges) + ")")
    return " AND ".join(conditions), params


def _rank(request: SearchRequest, vector: str, params: dict) -> str:
    """The rank of a match (``q`` is the tsquery): title and summary weigh more than the body,
    and a match of the whole query as a phrase counts double (exact phrases rank higher)."""
    if len(request.boost_phrase) < 2:
        return f"ts_rank_cd(d.{vector}, q, 1)"
    params["boost_phrase"] = " ".join(request.boost_phrase)
    return (
        f"ts_rank_cd(d.{vector}, q, 1) * (CASE WHEN "
        f"d.{vector} @@ phraseto_tsquery('english', :boost_phrase) THEN 2 ELSE 1 END)"
    )


def _head_words(request: SearchRequest) -> tuple[str, list[str]]:
    """The words whose best title and summary matches are a broad search's first candidates,
    and the starts of words searched by prefix (what is excluded brings no candidates)."""
    words, starts = [], []
    for clause in request.clauses:
        for alternative in clause.alternatives:
            if clause.prefix:  # the query searches the last word by its start, as _tsquery does
                starts.append(re.sub(r"[^\w]", "", alternative[-1].lower()))
            else:
                words += alternative
    return " ".join(words), starts


def _any_word(request: SearchRequest) -> SearchRequest:
    """A request for any one of the words the request searches for (to mark in snippets)."""
    clauses = []
    for clause in request.clauses:
        for alternative in clause.alternatives:
            if clause.prefix:
                clauses.append(Clause([alternative[-1:]], prefix=True))
            else:
                clauses += [Clause([[word]]) for word in alternative]
    return SearchRequest(clauses=clauses, match_any=True)


def _about(n: float) -> int:
    """An estimated count to two significant figures (61,234 is about 61,000)."""
    return int(float(f"{n:.2g}"))


def _hit(row, rank: float) -> Hit:
    snippet = row.body_snippet if START in (row.body_snippet or "") else ""
    if not snippet and START in (row.restricted_snippet or ""):
        snippet = row.restricted_snippet
    html = str(escape(snippet or "")).replace(START, "<mark>").replace(STOP, "</mark>")
    return Hit(
        id=row.id, kind=row.kind, title=row.title, url=row.url, slug=row.slug or "", score=rank,
        snippet=html, summary=row.summary or "", classification=row.classification,
        pathways=list(row.pathways or []), updated=row.updated,
    )  # fmt: skip


def _row(document: SearchDocument) -> dict | None:
    """A checked row for a document, or None if it is not fit to index."""
    if not document.id or not document.acl or not document.title:
        log.error("search document %r skipped: it needs an id, a title and an ACL", document.id)
        return None
    clean = lambda value: (value or "").replace("\x00", "")  # noqa: E731
    labels = " ".join([clean(document.summary), *document.tags])
    return {
        "title_words": word_text(clean(document.title)), "label_words": word_text(labels),
        "body_words": word_text(clean(document.body)),
        "restricted_words": word_text(clean(document.restricted)),
        "id": document.id, "kind": document.kind, "slug": document.slug, "title": clean(document.title),
        "summary": clean(document.summary), "body": clean(document.body), "restricted": clean(document.restricted),
        "tags": [t.lower() for t in document.tags], "pathways": list(document.pathways),
        "acl": sorted(document.acl), "section": document.section or document.kind,
        "classification": document.classification, "url": document.url,
        "updated": document.updated or datetime(1970, 1, 1), "review_by": document.review_by,
    }  # fmt: skip


def _remember_words(rows: list[dict]) -> None:
    """Keep the vocabulary for 'did you mean' (results are still checked per user)."""
    words = set()
    for row in rows:
        words.update(WORD.findall(f"{row['title']} {row['summary']} {row['body']}".lower()))
    words = {word for word in words if not word.isdigit()}  # no one misspells a number
    if words:
        db.session.execute(
            text(
                "INSERT INTO search_terms (term) SELECT unnest(CAST(:w AS text[])) ON CONFLICT DO NOTHING"
            ),
            {"w": sorted(words)},
        )
