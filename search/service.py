"""The one search service the page, the CLI and other components call."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from search import query as parsing
from search.documents import split_id
from search.engine import Clause, SearchRequest, SearchResults, SearchUnavailable
from search.models import SearchLog, Synonym
from wisdom import access
from wisdom.components import registry
from wisdom.db import db

log = logging.getLogger(__name__)
PAGE_SIZE = 10
FILTERABLE = ("kind", "pathways", "tags", "section", "updated")


@dataclass
class Outcome:
    """What the search page shows."""

    text: str
    results: SearchResults | None
    suggestion: str | None = None
    error: str | None = None
    partial: bool = False  # no result had every word; these have some of them
    log_id: int | None = None
    filters: dict[str, list[str]] = field(default_factory=dict)


def backend():
    """The app's search backend."""
    return current_app.extensions["wisdom_search"]


def thesaurus() -> list[tuple[list[str], list[str]]]:
    """Synonym pairs as word lists (term, expansion)."""
    rows = db.session.execute(select(Synonym.term, Synonym.expansion)).all()
    return [(parsing.parse(t).words, parsing.parse(e).words) for t, e in rows]


def build_request(parsed: parsing.ParsedQuery, user, **options) -> SearchRequest:
    """Turn a parsed query into an engine request for this user, expanding synonyms."""
    pairs = thesaurus()
    clauses = _word_clauses(parsed.words, pairs)
    clauses += [Clause([p, *_synonyms(p, pairs)]) for p in parsed.phrases]
    clauses += [Clause([[p]], prefix=True) for p in parsed.prefixes]
    excluded = [[w] for w in parsed.excluded_words] + parsed.excluded_phrases
    return SearchRequest(
        clauses=clauses, excluded=excluded,
        boost_phrase=parsed.words if len(parsed.words) > 1 else [],
        principals=access.principals(user), cleared=access.may_read_confidential_sections(user),
        **options,
    )  # fmt: skip


def _word_clauses(words: list[str], pairs) -> list[Clause]:
    """One clause per word, except where a run of words is one side of a thesaurus pair."""
    sides = sorted(
        {tuple(side) for pair in pairs for side in pair if len(side) > 1}, key=len, reverse=True
    )
    clauses, n = [], 0
    while n < len(words):
        run = next((list(side) for side in sides if tuple(words[n : n + len(side)]) == side), None)
        if run:
            clauses.append(Clause([run, *_synonyms(run, pairs)]))
            n += len(run)
        else:
            clauses.append(Clause([[words[n]], *_synonyms([words[n]], pairs)]))
            n += 1
    return clauses


def _synonyms(words: list[str], pairs) -> list[list[str]]:
    """The other side of every thesaurus pair one side of which is exactly these words."""
    found = []
    for term, expansion in pairs:
        if words == term and expansion:
            found.append(expansion)
        elif words == expansion and term:
            found.append(term)
    return found


def run(
    user,
    text: str,
    *,
    filters=None,
    sort="relevance",
    page=1,
    kinds=None,
    record=True,
    page_size=PAGE_SIZE,
) -> Outcome:
    """Search as ``user``: what the search page, the CLI and components all call."""
    filters = {
        k: [v.replace("\x00", "") for v in vs if v and v.replace("\x00", "")]
        for k, vs in (filters or {}).items()
        if k in FILTERABLE
    }  # no NUL: PostgreSQL refuses it in text, and a malformed filter must not fail the search
    parsed = parsing.parse(text)
    outcome = Outcome(text=parsed.text(), results=None, filters=filters)
    if parsed.empty:
        return outcome
    request = build_request(
        parsed, user, filters=filters, sort=sort if sort in ("relevance", "date") else "relevance",
        page=max(1, min(int(page or 1), 1000)), page_size=page_size, kinds=list(kinds or []),
    )  # fmt: skip
    try:
        results = backend().search(request)
        if results.total == 0:
            outcome.suggestion = _did_you_mean(parsed, user, kinds)
        if results.total == 0 and len(request.clauses) > 1:
            request.match_any = True
            results = backend().search(request)
            outcome.partial = results.total > 0
        results.hits = _recheck(user, results.hits)
    except SearchUnavailable as error:
        log.error("ALERT: search unavailable, failing closed: %s", error)
        outcome.error = (
            "Search is not working at the moment. Try again later, or browse the library."
        )
        return outcome
    outcome.results = results
    if record:
        outcome.log_id = _log(user, parsed.text(), results.total)
    return outcome


def _recheck(user, hits):
    """Keep only hits the database confirms the user may read now (defence in depth)."""
    providers = registry(current_app).search_providers
    by_kind: dict[str, list[str]] = {}
    for hit in hits:
        kind, key = split_id(hit.id)
        by_kind.setdefault(kind, []).append(key)
    visible = set()
    for kind, keys in by_kind.items():
        provider = providers.get(kind)
        if provider is not None:
            visible |= {f"{kind}:{k}" for k in provider.visible(user, keys)}
    return [h for h in hits if h.id in visible]


def _did_you_mean(parsed: parsing.ParsedQuery, user, kinds) -> str | None:
    """A corrected query that finds something this user may see, or None."""
    engine = backend()
    for n, word in enumerate(parsed.words):
        for candidate in engine.suggest_terms(word):
            if candidate == word:
                continue
            words = [*parsed.words[:n], candidate, *parsed.words[n + 1 :]]
            trial = parsing.ParsedQuery(
                words=words, phrases=parsed.phrases, prefixes=parsed.prefixes
            )
            request = build_request(trial, user, page_size=1, kinds=list(kinds or []))
            if engine.any_match(request):
                return trial.text()
    return None


def _log(user, text: str, total: int) -> int:
    """Record the search for analytics, with the searcher's roles but not who they are."""
    entry = SearchLog(
        roles=",".join(sorted(access.role_keys(user))), query=text[:300], results=total
    )
    db.session.add(entry)
    db.session.commit()
    return entry.id


def autocomplete(user, prefix: str) -> list[dict]:
    """Titles of documents the user may see that start with what they have typed."""
    words = parsing.parse(prefix).words
    if not words or len(words[-1]) < parsing.MIN_PREFIX:
        return []
    try:
        return backend().titles_starting(words[-1], access.principals(user))
    except SearchUnavailable:
        return []
