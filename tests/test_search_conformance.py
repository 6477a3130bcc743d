"""The search conformance suite: the same features and the same leak test on every backend.

The ``backend`` fixture runs each test on SQLite (the Whoosh engine) and, when
WISDOM_TEST_POSTGRES_URL is set, on PostgreSQL (its full-text engine) twice: as a search of this
size runs there (counted and ranked exactly), and as a broad search of a large library runs
("postgres-broad": counted from the sample, here every document, and ranked in tiers from each
word's best title and summary matches), so the leak test holds on both. Content is written through
``content.services`` as the PDM and committed; the outbox then brings the index up to date.
Every feature is checked through the three doors a person uses: ``search.service.run``, the
/search page and ``wisdom search query``.
"""

from __future__ import annotations

import ast
import gc
import html
import json
import logging
import os
import re
import shutil
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote_plus

import pytest
import sqlalchemy as sa
import whoosh.index
import whoosh.searching
from markupsafe import escape
from search_support import (
    UNCLEARED,
    add,
    misspellings,
    new_token,
    rebuild,
    seed,
    sync,
    user,
    without_confidential,
)
from support import PEOPLE, post_form, sign_in

import search
from content import services
from content.models import Item
from content.services import ItemData
from search import outbox, service, whoosh_backend
from search.documents import SearchDocument
from search.models import SearchLog, Synonym
from search.postgres_backend import PostgresBackend
from wisdom.db import db, utcnow

VARYING = re.compile(r'nonce="[^"]*"|name="csrf_token" value="[^"]*"|/search/go/\d+')
TOTAL = re.compile(r"<strong>(\d+)</strong> results?")
HIT = re.compile(
    r'<h2 class="govuk-heading-s[^"]*"><a class="govuk-link" href="([^"]+)">(.*?)</a></h2>'
)
FACET = re.compile(
    r'name="(\w+)" type="checkbox" value="([^"]*)"[^>]*>\s*<label[^>]*>[^<]*\((\d+)\)'
)
CLEARED = ("pdm", "panel_member", "quality_lead")
READABLE = {
    "service_user": {"open"},
    "practitioner": {"open", "staff"},
    "admin": {"open", "staff"},
    "pdm": {"open", "staff", "confidential"},
}


@pytest.fixture(
    params=["sqlite", "postgres", "postgres-broad"]
    if os.environ.get("WISDOM_TEST_POSTGRES_URL")
    else ["sqlite"]
)
def backend(request, monkeypatch) -> str:
    """The database backend (as conftest's), with PostgreSQL's broad path as a third."""
    if request.param == "postgres-broad":
        monkeypatch.setattr(PostgresBackend, "sample_below", 256)  # sample every document
        monkeypatch.setattr(PostgresBackend, "broad_at", 1)  # every search with a match is broad
        monkeypatch.setattr(PostgresBackend, "rank_all", 0)  # and ranked in tiers
        return "postgres"
    return request.param


# --- the three doors -------------------------------------------------------------------------


class Doors:
    """Search as a role through the service, the page and the CLI."""

    def __init__(self, app):
        self.app = app
        self.clients = {}

    def client(self, role: str):
        """A browser signed in as the role."""
        if role not in self.clients:
            client = self.app.test_client()
            assert sign_in(client, role).status_code == 302
            self.clients[role] = client
        return self.clients[role]

    def service(self, role: str, text: str, **options):
        """``search.service.run`` as the role (not logged unless asked)."""
        options.setdefault("record", False)
        with self.app.test_request_context("/"):
            return service.run(user(role), text, **options)

    def page(self, role: str, text: str, status: int = 200, **params):
        """The /search page's HTML."""
        response = self.client(role).get("/search", query_string={"q": text, **params})
        assert response.status_code == status, response.get_data(as_text=True)[:2000]
        return response.get_data(as_text=True)

    def suggest(self, role: str, text: str) -> list:
        """The autocomplete JSON."""
        response = self.client(role).get("/search/suggest", query_string={"q": text})
        assert response.status_code == 200
        return response.get_json()

    def cli(self, role: str, text: str, *extra: str, code: int = 0):
        """``wisdom search query TEXT --as EMAIL --json``: the JSON payload (or the output)."""
        result = self.app.test_cli_runner().invoke(
            args=["search", "query", text, "--as", PEOPLE[role][0], "--json", *extra]
        )
        assert result.exit_code == code, result.output
        return json.loads(result.output) if code == 0 else result.output

    def cli_lines(self, role: str, queries: list[str], *extra: str) -> list[dict]:
        """``wisdom search query - --as EMAIL``: one query a line in, JSON lines out."""
        result = self.app.test_cli_runner().invoke(
            args=["search", "query", "-", "--as", PEOPLE[role][0], *extra],
            input="".join(f"{q}\n" for q in queries),
        )
        assert result.exit_code == 0, result.output
        lines = [json.loads(line) for line in result.output.splitlines()]
        assert len(lines) == len(queries)
        return lines

    def everywhere(self, role: str, text: str) -> list[str]:
        """Search through all three doors; they must agree. Returns the hit titles in order."""
        outcome = self.service(role, text)
        assert outcome.error is None and outcome.results is not None
        titles = [h.title for h in outcome.results.hits]
        page = self.page(role, text)
        assert page_total(page) == outcome.results.total
        assert page_titles(page) == titles
        payload = self.cli(role, text)
        assert payload["total"] == outcome.results.total
        assert [h["title"] for h in payload["hits"]] == titles
        assert [h["id"] for h in payload["hits"]] == [h.id for h in outcome.results.hits]
        assert payload["suggestion"] == outcome.suggestion
        return titles


def page_total(page: str) -> int | None:
    match = TOTAL.search(page)
    return int(match.group(1)) if match else None


def page_titles(page: str) -> list[str]:
    return [html.unescape(title) for _href, title in HIT.findall(page)]


def page_facets(page: str) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {}
    for name, value, count in FACET.findall(page):
        found.setdefault(name, {})[html.unescape(value)] = int(count)
    return found


def ids(outcome) -> list[str]:
    return [h.id for h in outcome.results.hits]


@pytest.fixture
def doors(app):
    return Doors(app)


@pytest.fixture
def corpus(app, snapshot):
    """The seeded library (seeded once per backend, put back for each test)."""
    return snapshot(app, "corpus", seed)


def item_id(app, slug: str) -> str:
    with app.app_context():
        return f"item:{db.session.scalar(sa.select(Item.id).where(Item.slug == slug))}"


def title_of(app, slug: str) -> str:
    with app.app_context():
        return db.session.scalar(sa.select(Item.title).where(Item.slug == slug))


# --- 1. the query language and the results page ------------------------------------------------


def test_plain_words_phrases_exclusions_and_prefixes(app, corpus, doors):
    house, prison = (
        title_of(app, corpus.slugs["house"]),
        title_of(app, corpus.slugs["prison_housing"]),
    )
    exact = title_of(app, corpus.slugs["phrase_exact"])
    scattered = title_of(app, corpus.slugs["phrase_scattered"])
    # Plain words: every word must match where anything has them all...
    assert set(doors.everywhere("practitioner", "curfew breach")) == {exact, scattered}
    assert doors.everywhere("practitioner", "housing prison") == [prison]
    assert doors.service("practitioner", "housing prison").partial is False
    # ...and when nothing does, results with some of them are offered, and said to be partial.
    partial = doors.service("practitioner", "curfew zebrafish", page_size=100)
    assert partial.partial is True
    assert {exact, scattered, title_of(app, corpus.slugs["script"])} <= {
        h.title for h in partial.results.hits
    }
    assert "No results have all of your words" in doors.page("practitioner", "curfew zebrafish")
    # A quoted phrase only where the words stand together.
    assert doors.everywhere("practitioner", '"curfew breach"') == [exact]
    # -exclusions, of words and of phrases.
    with_prison = doors.everywhere("practitioner", "housing")
    assert house in with_prison and prison in with_prison
    without = doors.everywhere("practitioner", "housing -prison")
    assert house in without and prison not in without
    left = doors.everywhere("practitioner", 'curfew -"curfew breach"')
    assert scattered in left and exact not in left
    # prefix*: "hous*" finds house, household and housing.
    prefixed = doors.service("practitioner", "hous*", page_size=100)
    assert {
        item_id(app, corpus.slugs["house"]),
        item_id(app, corpus.slugs["prison_housing"]),
    } <= set(ids(prefixed))
    assert doors.service("practitioner", "quillw*").results.total == 3
    assert doors.everywhere("practitioner", "quillw*")


# Codes whose digits PostgreSQL's parser reads one way inside "REF-<code>" and another alone
# ("0616923e766" is a number in scientific notation, "4097888300906022" a plain number).
CODES = ("0616923e766d7c90", "4097888300906022", "8e9ac1b40cdf44cc", "71510e6582a171dc")


@pytest.mark.parametrize("code", CODES)
def test_a_reference_code_is_found_however_it_is_typed(app, doors, code):
    seed(app, canaries=False, gardening=0)
    with app.test_request_context("/"):
        add("finding", f"Audit REF-{code.upper()}", body=f"Raised as REF-{code.upper()}, closed.")
        add("finding", "Another audit", body=f"Not this one: {code[:6]}.")
        db.session.commit()
    sync(app)
    wanted = [f"Audit REF-{code.upper()}"]
    for typed in (f"REF-{code}", f"ref {code.upper()}", code, f'"REF-{code}"', f'"ref {code}"'):
        assert doors.everywhere("practitioner", typed) == wanted, typed
        assert doors.service("practitioner", typed).partial is False, typed


def test_english_stemming_housing_finds_house(app, corpus, doors):
    house = title_of(app, corpus.slugs["house"])
    # The item says "house" and "household", never "housing" in its text.
    assert house in doors.everywhere("service_user", "housing")
    assert house in doors.everywhere("service_user", "houses")
    assert doors.everywhere("service_user", "planting") == doors.everywhere(
        "service_user", "plants"
    )


@pytest.mark.parametrize(
    ("query", "name"), [("DV", "abuse"), ("drugs", "misuse"), ("ETE", "ete"), ("sfo", None)]
)
def test_the_default_thesaurus(app, corpus, doors, query, name):
    found = doors.everywhere("practitioner", query)
    if name is None:  # "serious further offence" is only in confidential items
        assert found == []
        assert title_of(app, corpus.canaries[0].slug) in doors.everywhere("pdm", query)
        return
    assert found == [title_of(app, corpus.slugs[name])]


def test_education_training_and_employment_written_naturally(app, doors):
    """ETE must also find the phrase as people write it, with commas and 'and'."""
    seed(app, canaries=False, gardening=0)
    with app.test_request_context("/"):
        add(
            "guidance",
            "Work and study after release",
            body="Support into education, training and employment.",
        )
        db.session.commit()
    sync(app)
    assert "Work and study after release" in doors.everywhere("practitioner", "ETE")


def test_the_pdm_edits_the_thesaurus_and_results_change(app, corpus, doors):
    approved = title_of(app, corpus.slugs["ap"])
    assert doors.everywhere("practitioner", "AP") == []
    pdm = doors.client("pdm")
    page = pdm.get("/search/thesaurus")
    assert page.status_code == 200 and "domestic abuse" in page.get_data(as_text=True)
    response = post_form(
        pdm,
        "/search/thesaurus",
        {"term": "AP", "expansion": "Approved premises"},
        "/search/thesaurus",
    )
    assert response.status_code == 302
    assert "approved premises" in pdm.get("/search/thesaurus").get_data(as_text=True)
    assert doors.everywhere("practitioner", "AP") == [approved]
    assert doors.everywhere("practitioner", "ap") == [approved]
    # Removing an entry takes it out of searches too.
    with app.app_context():
        dv = db.session.scalar(sa.select(Synonym.id).where(Synonym.term == "dv"))
    assert doors.everywhere("practitioner", "dv")
    response = post_form(pdm, f"/search/thesaurus/{dv}/delete", {}, "/search/thesaurus")
    assert response.status_code == 302
    assert doors.everywhere("practitioner", "dv") == []
    # A practitioner may not see or change it.
    practitioner = doors.client("practitioner")
    assert practitioner.get("/search/thesaurus").status_code == 403
    response = post_form(practitioner, "/search/thesaurus", {"term": "x", "expansion": "gardening"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(Synonym).where(Synonym.term == "x")) is None


def test_title_and_summary_outrank_body(app, corpus, doors):
    order = doors.everywhere("practitioner", "quillwort")
    assert order == [
        title_of(app, corpus.slugs["rank_title"]),
        title_of(app, corpus.slugs["rank_summary"]),
        title_of(app, corpus.slugs["rank_body"]),
    ]


def test_an_exact_phrase_ranks_first(app, corpus, doors):
    order = doors.everywhere("practitioner", "curfew breach")
    assert order[0] == title_of(app, corpus.slugs["phrase_exact"])
    assert order[1] == title_of(app, corpus.slugs["phrase_scattered"])


def test_archived_items_never_appear(app, corpus, doors):
    slug = corpus.slugs["phrase_exact"]
    title = title_of(app, slug)
    assert title in doors.everywhere("pdm", "curfew")
    response = post_form(doors.client("pdm"), f"/library/{slug}/archive", {}, f"/library/{slug}")
    assert response.status_code == 302  # the page's after_request applied the outbox
    doors.client("pdm").get(response.headers["Location"])  # the page that shows the message
    with app.app_context():
        assert outbox.pending() == 0
    for role in ("service_user", "practitioner", "admin", *CLEARED):
        assert title not in doors.everywhere(role, "curfew")
        assert doors.service(role, '"curfew breach"').results.total == 0
        assert doors.suggest(role, "respond") == []


def _expected_gardening_facets(app, corpus, role: str) -> dict:
    """What 'gardening' must count for a role, worked out from the database, not the engine."""
    readable = READABLE[role]
    wanted = {corpus.slugs[n] for n in corpus.slugs if n.startswith(("gardening", "sectioned"))}
    wanted |= corpus.confidential_slugs
    counts: dict[str, dict[str, int]] = {"kind": {}, "pathways": {}, "tags": {}, "section": {}}
    with app.app_context():
        for item in db.session.scalars(sa.select(Item).where(Item.slug.in_(wanted))):
            if item.classification not in readable:
                continue
            for name, values in (
                ("kind", [item.kind]), ("pathways", item.pathways), ("tags", item.tags),
                ("section", ["library"]),
            ):  # fmt: skip
                for value in values:
                    counts[name][value] = counts[name].get(value, 0) + 1
    counts["updated"] = {"month": sum(counts["kind"].values())}
    return counts


@pytest.mark.parametrize("role", ["service_user", "practitioner", "pdm"])
def test_facets_count_what_the_role_may_see(app, corpus, doors, role):
    expected = _expected_gardening_facets(app, corpus, role)
    outcome = doors.service(role, "gardening")
    assert outcome.results.facets == expected
    assert outcome.results.total == sum(expected["kind"].values())
    assert doors.cli(role, "gardening")["facets"] == expected
    shown = page_facets(doors.page(role, "gardening"))
    assert shown["kind"] == expected["kind"]
    assert shown["tags"] == expected["tags"]
    assert shown["pathways"] == expected["pathways"]
    assert shown["updated"] == {"month": outcome.results.total}


def test_filters_narrow_results(app, corpus, doors):
    everything = doors.service("practitioner", "gardening", page_size=100).results
    facets = everything.facets
    for name, value in (
        ("kind", "finding"), ("kind", "workbank"), ("pathways", "ete"), ("tags", "indoor"),
        ("section", "library"), ("updated", "month"),
    ):  # fmt: skip
        narrowed = doors.service(
            "practitioner", "gardening", filters={name: [value]}, page_size=100
        )
        assert narrowed.results.total == facets[name][value], (name, value)
        assert set(ids(narrowed)) <= set(h.id for h in everything.hits)
        page = doors.page("practitioner", "gardening", **{name: value})
        assert page_total(page) == facets[name][value]
        assert f'name="{name}" type="checkbox" value="{value}" checked' in page
    # Two values of one facet widen within it; two facets narrow each other.
    both = doors.service("practitioner", "gardening", filters={"kind": ["finding", "workbank"]})
    assert both.results.total == facets["kind"]["finding"] + facets["kind"]["workbank"]
    crossed = doors.service(
        "practitioner", "gardening", filters={"kind": ["finding"], "pathways": ["accommodation"]}
    )
    assert 0 < crossed.results.total < facets["kind"]["finding"]
    # An unknown filter name is ignored; an unknown value finds nothing.
    assert (
        doors.service("practitioner", "gardening", filters={"acl": ["cleared"]}).results.total
        == everything.total
    )
    assert (
        doors.service("practitioner", "gardening", filters={"kind": ["nothing"]}).results.total == 0
    )


def _age(app, slugs_days: dict[str, int]) -> None:
    """Set items' updated dates (days ago) in the database and queue them for the index."""
    with app.app_context():
        for slug, days in slugs_days.items():
            item = db.session.scalar(sa.select(Item).where(Item.slug == slug))
            item.updated_at = utcnow() - timedelta(days=days)
            outbox.enqueue(f"item:{item.id}")
        db.session.commit()
    sync(app)


def test_sort_by_date_and_the_updated_facet(app, corpus, doors):
    ages = {
        corpus.slugs[f"gardening{n}"]: 3 * n + 2 + (400 if n in (1, 3) else 0) for n in range(23)
    }
    ages[corpus.slugs["gardening5"]] = 100
    _age(app, ages)
    visible = {
        slug for c in ("open", "staff") for slug in corpus.gardening[c]
    }  # practitioner's gardening items; section items are newest (not aged)
    outcome = doors.service("practitioner", "gardening", sort="date", page_size=100)
    slugs = [h.slug for h in outcome.results.hits]
    aged = [s for s in slugs if s in visible]
    assert aged == sorted(visible, key=lambda s: ages[s])
    assert slugs[: len(slugs) - len(aged)] == [s for s in slugs if s not in visible]
    page = doors.page("practitioner", "gardening", sort="date")
    assert page_titles(page) == [h.title for h in outcome.results.hits[:10]]
    assert '<option value="date" selected>' in page
    counts = outcome.results.facets["updated"]
    assert counts.get("older") == 2
    assert counts.get("year") == sum(1 for d in ages.values() if 31 < d < 366)
    older = doors.service("practitioner", "gardening", filters={"updated": ["older"]})
    assert {h.slug for h in older.results.hits} == {
        corpus.slugs["gardening1"],
        corpus.slugs["gardening3"],
    }


def test_pagination(app, corpus, doors):
    total = doors.service("practitioner", "gardening").results.total
    assert total > 20
    pages = [doors.service("practitioner", "gardening", page=n) for n in (1, 2, 3)]
    seen = [h.id for p in pages for h in p.results.hits]
    assert [len(p.results.hits) for p in pages] == [10, 10, total - 20]
    assert len(set(seen)) == total == len(seen)
    assert set(seen) == set(ids(doors.service("practitioner", "gardening", page_size=100)))
    assert doors.service("practitioner", "gardening", page=4).results.hits == []
    first = doors.page("practitioner", "gardening")
    assert "Page 1 of 3" in first and 'rel="next"' in first and 'rel="prev"' not in first
    last = doors.page("practitioner", "gardening", page=3)
    assert "Page 3 of 3" in last and 'rel="prev"' in last and 'rel="next"' not in last
    assert page_titles(last) == [h.title for h in pages[2].results.hits]
    assert page_total(doors.page("practitioner", "gardening", page="abc")) == total
    assert doors.page("practitioner", "gardening", page=-5)
    assert len(doors.cli("practitioner", "gardening", "--limit", "25")["hits"]) == 25


def test_did_you_mean(app, corpus, doors):
    for text, better in (("quilwort", "quillwort"), ("quilwort induction", "quillwort induction")):
        outcome = doors.service("practitioner", text)
        assert outcome.suggestion == better
        # One word: nothing found; two: what has some of the words is offered as well.
        assert outcome.results.total == 0 if " " not in text else outcome.partial
        page = doors.page("practitioner", text)
        assert (
            f'Did you mean <a class="govuk-link" href="/search?q={better.replace(" ", "+")}">{better}</a>'
            in page
        )
        assert doors.cli("practitioner", text)["suggestion"] == better
        assert doors.service("practitioner", better).results.total > 0
    assert doors.service("practitioner", "gardening").suggestion is None


def test_a_zero_result_page_suggests_what_to_try(app, corpus, doors):
    page = doors.page("service_user", "xylophone")
    assert page_total(page) == 0
    assert "Nothing was found" in page
    assert "check the spelling" in page and "remove filters" in page
    assert 'href="/library"' in page
    assert doors.cli("service_user", "xylophone") == {
        "query": "xylophone", "total": 0, "estimated": False,
        "facets": doors.cli("service_user", "xylophone")["facets"],
        "suggestion": None, "hits": [],
    }  # fmt: skip


HOSTILE = [
    "acl:cleared", "acl:staff", "acl:everyone", "kind:finding", "title:cleared",
    "classification:confidential", "restricted:gardening", "tags:secret-only-tag", "*", "**", "w*",
    "?", "*:*", "a*", '"unbalanced gardening', 'gardening "', '"', "-", "--", "-gardening",
    "gardening AND NOT housing", "(gardening", "gardening)", "gar?ening", "[a TO z]",
    "gardening^10", "g" * 5000, "gardening " * 600, "gardening\x00", "\x00", "\x00*", "%00",
    "'; DROP TABLE search_documents; --", "<script>alert(1)</script>", "\u202egardening",
    "gardening\\", "{{ 7*7 }}", "ga*", "gard*",
]  # fmt: skip


@pytest.mark.parametrize("role", ["service_user", "practitioner"])  # admin: as practitioner
def test_malformed_and_engine_syntax_never_500_and_never_widen(app, corpus, doors, role, caplog):
    readable = READABLE[role]
    with app.app_context():
        allowed = {
            f"item:{i}"
            for i, c in db.session.execute(sa.select(Item.id, Item.classification))
            if c in readable
        }
    batch = doors.cli_lines(role, [q.replace("\x00", "") for q in HOSTILE if "\n" not in q])
    for text in HOSTILE:
        outcome = doors.service(role, text, page_size=100)
        assert outcome.error is None, text
        if outcome.results is not None:
            assert set(ids(outcome)) <= allowed, text
            assert outcome.results.total <= len(allowed)
            assert "womens-services" not in outcome.results.facets.get("pathways", {})
            assert "secret-only-tag" not in outcome.results.facets.get("tags", {})
        page = doors.page(role, text)
        assert not any(token in page for token in corpus.tokens)
        assert "<script>alert" not in page
        assert not any(token in json.dumps(doors.suggest(role, text)) for token in corpus.tokens)
    for payload in batch:
        assert {h["id"] for h in payload["hits"]} <= allowed
    # Field syntax is read as plain words: the same results as the words themselves.
    for text, words in (("kind:finding", "kind finding"), ("title:cleared", "title cleared"),
                        ("acl:cleared", "acl cleared"), ("w*", "w")):  # fmt: skip
        assert ids(doors.service(role, text)) == ids(doors.service(role, words))
    if role != "service_user":
        assert (
            doors.service(role, "kind:finding").results.total == 1
        )  # only the item with those words
    # Malformed filters and sort orders are harmless too.
    for params in ({"tags": "\x00"}, {"kind": "\x00"}, {"sort": "\x00"}, {"updated": "never"},
                   {"page": "99999999999999999999"}, {"pathways": "x" * 3000}):  # fmt: skip
        doors.page(role, "gardening", **params)
    assert not [r for r in caplog.records if "ALERT" in r.getMessage()]


def test_snippets_are_escaped(app, corpus, doors):
    outcome = doors.service("practitioner", "zebrafish")
    [hit] = outcome.results.hits
    assert "<mark" in hit.snippet
    assert "&lt;script" in hit.snippet and "<script" not in hit.snippet
    assert "<b>" not in hit.snippet
    page = doors.page("practitioner", "zebrafish")
    assert "&lt;script" in page and "<script>alert" not in page and "<b>bold" not in page
    assert "<script" not in doors.cli("practitioner", "zebrafish")["hits"][0]["snippet"]


# --- 2. the leak test --------------------------------------------------------------------------


def decoy(text: str) -> str:
    """A query of the same shape that matches nothing anywhere (no canary starts with 'zz')."""
    return re.sub("zq", "zz", re.sub("ZQ", "ZZ", text, count=1), count=1)


def blank(page: str, text: str) -> str:
    """The page with every echo of the query (as typed, and as normalised) blanked, and the
    per-response values (CSP nonce, CSRF token) removed."""
    echoes = {text, text.lower(), " ".join(text.lower().split())}
    echoes |= {str(escape(e)) for e in echoes} | {quote_plus(e, safe="/*") for e in echoes}
    for echo in sorted(echoes, key=len, reverse=True):
        page = page.replace(echo, "QUERY")
    return VARYING.sub("", page)


def shape(text: str) -> str:
    """What kind of query a text is, so one decoy answers for every query of that kind."""
    return re.sub(r"[a-z]", "a", re.sub(r"[A-Z]", "A", text))


@pytest.mark.parametrize("role", UNCLEARED)
def test_no_canary_reaches_an_uncleared_role(app, corpus, doors, role):
    queries = []
    for canary in corpus.canaries:
        t = canary.token
        queries += [t, t.upper(), *misspellings(t), t[:4] + "*", t[:7] + "*"]
        queries += [f'"{t} gardening"', f"{t} gardening"]
    queries = list(dict.fromkeys(queries))
    assert len(corpus.canaries) >= 10
    # Service, page and autocomplete: the response to a canary query is exactly the response to
    # a query of the same shape that matches nothing at all (the query's echo aside).
    decoys: dict[str, tuple] = {}
    for text in queries:
        if shape(text) not in decoys:
            other = decoy(text)
            outcome = doors.service(role, other)
            decoys[shape(text)] = (outcome, blank(doors.page(role, other), other))
        nothing, nothing_page = decoys[shape(text)]
        outcome = doors.service(role, text)
        assert outcome.results.total == nothing.results.total, text
        assert ids(outcome) == ids(nothing) and outcome.results.facets == nothing.results.facets
        assert outcome.suggestion is None and outcome.partial == nothing.partial, text
        assert blank(doors.page(role, text), text) == nothing_page, text
        assert doors.suggest(role, text) == doors.suggest(role, decoy(text))
    # Facet filters: a canary tag, alone and with the kind of the confidential finding.
    for params in ({}, {"kind": "finding"}):
        nothing_page = blank(doors.page(role, "gardening", tags="zzzzzz", **params), "gardening")
        for canary in corpus.canaries:
            filters = {"tags": [canary.token], **{k: [v] for k, v in params.items()}}
            assert doors.service(role, "gardening", filters=filters).results.total == 0
            page = doors.page(role, "gardening", tags=canary.token, **params)
            assert blank(page, "gardening") == nothing_page
    findings = doors.service(role, "gardening", filters={"kind": ["finding"]}, page_size=100)
    assert all(h.classification != "confidential" for h in findings.results.hits)
    assert findings.results.total == (0 if role == "service_user" else 4)
    # The CLI, one query a line.
    got = doors.cli_lines(role, queries)
    expected = doors.cli_lines(role, [decoy(q) for q in queries])
    for text, line, other in zip(queries, got, expected, strict=True):
        assert line == {**other, "query": text}, text
    # Nothing anywhere says a canary exists.
    answers = [{k: v for k, v in line.items() if k != "query"} for line in got]
    responses = [json.dumps(answers), doors.page(role, "gardening"), doors.page(role, "housing")]
    responses += [json.dumps(doors.suggest(role, t[:5])) for t in corpus.tokens]
    for response in responses:
        assert not any(token in response.lower() for token in corpus.tokens)
        assert "secret-only-tag" not in response and "womens-services" not in response


ORDINARY = [
    ("gardening", {}), ("housing", {}), ("hous*", {}), ("review", {}), ("sfo", {}),
    ("victim", {}), ("gardening -outdoor", {}), ('"gardening placement"', {}), ("gardenning", {}),
    ("review zebrafish", {}), ("gardening", {"kind": ["finding"]}),
    ("gardening", {"pathways": ["womens-services"]}), ("gardening", {"tags": ["secret-only-tag"]}),
    ("housing", {"tags": ["gardening"], "updated": ["month"]}),
]  # fmt: skip


def _snapshot(doors, role: str) -> list:
    """Everything an ordinary search tells a role: totals, facets, hits, suggestions."""
    seen = []
    for text, filters in ORDINARY:
        outcome = doors.service(role, text, filters=filters, page_size=100)
        page = doors.page(role, text, **filters)
        seen.append(
            (text, filters, outcome.results.total, outcome.results.facets, sorted(ids(outcome)),
             outcome.suggestion, outcome.partial, page_total(page), page_facets(page))
        )  # fmt: skip
    for line in doors.cli_lines(role, [text for text, _ in ORDINARY], "--limit", "100"):
        seen.append(
            (
                line["total"],
                line["facets"],
                sorted(h["id"] for h in line["hits"]),
                line["suggestion"],
            )
        )
    return seen


def test_uncleared_totals_and_facets_equal_an_index_without_confidential_content(
    app, corpus, doors
):
    full = {role: _snapshot(doors, role) for role in UNCLEARED}
    cleared = [doors.service("pdm", text, filters=f).results.total for text, f in ORDINARY]
    rebuild(app, keep=without_confidential)
    for role in UNCLEARED:
        for one, other in zip(full[role], _snapshot(doors, role), strict=True):
            assert one == other, role
    # The confidential content does match these queries for a cleared reader.
    bare = [doors.service("pdm", text, filters=f).results.total for text, f in ORDINARY]
    assert sum(cleared) > sum(bare)
    rebuild(app)
    assert _snapshot(doors, "practitioner") == full["practitioner"]


@pytest.mark.parametrize("role", CLEARED)
def test_cleared_users_find_every_canary(app, corpus, doors, role):
    for canary in corpus.canaries:
        outcome = doors.service(role, canary.token)
        assert [h.slug for h in outcome.results.hits] == [canary.slug], canary
        if canary.place == "section":
            assert f"<mark>{canary.token}" in outcome.results.hits[0].snippet.replace(
                ' class="match term0"', ""
            ), outcome.results.hits[0].snippet
        if canary.place in ("title", "summary", "body"):
            assert doors.service(role, misspellings(canary.token)[0]).suggestion == canary.token
    if role != "pdm":
        return
    for canary in corpus.canaries:
        assert canary.token in doors.page(role, canary.token).replace(
            f'value="{canary.token}"', ""
        ).replace(f"for “{canary.token}”", "").replace(f"for {canary.token} ", "")
        assert [h["slug"] for h in doors.cli(role, canary.token)["hits"]] == [canary.slug]
        if canary.place == "title":
            assert doors.suggest(role, canary.token[:7]) == [
                {"title": title_of(app, canary.slug), "url": f"/library/{canary.slug}"}
            ]
        assert doors.service(role, "gardening", filters={"tags": [canary.token]}).results.total == (
            1 if canary.place == "tags" else 0
        )
    facets = doors.service(role, "gardening").results.facets
    assert facets["pathways"]["womens-services"] == 3 and facets["tags"]["secret-only-tag"] == 3


# --- 3. a change of classification or an archive shows at the very next search -------------------


def test_a_reclassified_or_archived_item_leaves_no_trace_at_the_next_search(
    app, doors, monkeypatch, backend
):
    seed(app, canaries=False, gardening=2)

    def refresh(self):
        raise AssertionError("Searcher.refresh() must never be called: reopen the searcher")

    monkeypatch.setattr(whoosh.searching.Searcher, "refresh", refresh)
    token, other = new_token(), new_token()
    with app.test_request_context("/"):
        first = add("guidance", f"Lanternfish {token} guidance", summary="Open for now.",
                    body=f"The {token} procedure.", tags=["lanternfish"], pathways=["drugs"])  # fmt: skip
        second = add("guidance", f"Marlinfish {other} guidance", body=f"The {other} procedure.")
        db.session.commit()
        first_slug, second_slug, first_id = first.slug, second.slug, first.id
    sync(app)
    engine = app.extensions["wisdom_search"]

    def searcher():
        return engine._local.__dict__.get("searcher") if backend == "sqlite" else None

    for role in UNCLEARED:
        assert [h.slug for h in doors.service(role, token).results.hits] == [first_slug]
        assert token in doors.page(role, "lanternfish")
        assert doors.suggest(role, "lanternf")
    before = searcher()
    for round_ in range(3):  # confidential, open, confidential: only ever the current state
        classification = "confidential" if round_ % 2 == 0 else "open"
        with app.test_request_context("/"):
            item = db.session.get(Item, first_id)
            data = ItemData.of(item, item.kind)
            data.classification = classification
            services.update(
                item, data, item.lock_version, user("pdm"), change_note=f"Now {classification}"
            )
            db.session.commit()
        sync(app)
        for role in UNCLEARED:
            outcome = doors.service(role, token)
            if classification == "open":
                assert [(h.slug, h.classification) for h in outcome.results.hits] == [
                    (first_slug, "open")
                ]
                continue
            assert (
                outcome.results.total == 0
                and outcome.results.facets == doors.service(role, decoy(token)).results.facets
            )
            assert doors.service(role, misspellings(token)[0]).suggestion is None
            assert token not in doors.page(
                role, "lanternfish"
            ) and "lanternfish" not in page_facets(doors.page(role, "guidance")).get("tags", {})
            assert doors.suggest(role, "lanternf") == []
            assert token not in json.dumps(doors.cli(role, "lanternfish"))
        hits = doors.service("pdm", token).results.hits
        assert [(h.slug, h.classification) for h in hits] == [(first_slug, classification)]
    if backend == "sqlite":
        assert searcher() is not before  # reopened, not refreshed
    # Archiving through the page: the page's after_request applies the outbox.
    response = post_form(
        doors.client("pdm"), f"/library/{second_slug}/archive", {}, f"/library/{second_slug}"
    )
    assert response.status_code == 302
    doors.client("pdm").get(response.headers["Location"])  # the page that shows the message
    for role in (*UNCLEARED, *CLEARED):
        assert doors.service(role, other).results.total == 0
        assert other not in doors.page(role, "marlinfish")
        assert doors.suggest(role, "marlinf") == []


def test_no_code_calls_searcher_refresh():
    """Whoosh's Searcher.refresh() keeps cached state of the old reader: searchers are reopened."""
    calls = [
        f"{path.name}:{node.lineno}"
        for path in sorted(Path(search.__file__).parent.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and node.attr == "refresh"
    ]
    assert calls == []


# --- 4. the outbox and the commands ------------------------------------------------------------


def test_sync_applies_queued_changes(app, doors):
    seed(app, canaries=False, gardening=2)
    token = new_token()
    with app.test_request_context("/"):
        add("guidance", f"Queued {token}", body="Written while the index was not updated.")
        db.session.commit()
        assert outbox.pending() == 1
    assert doors.service("practitioner", token).results.total == 0
    result = app.test_cli_runner().invoke(args=["search", "sync"])
    assert result.exit_code == 0, result.output
    assert "Applied 1 queued changes; 0 waiting" in result.output
    assert doors.service("practitioner", token).results.total == 1
    with app.app_context():
        assert outbox.pending() == 0


def test_check_reports_missing_stale_and_extra_and_rebuild_repairs(app, corpus, doors):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0 and "The index matches the database" in result.output
    missing, stale = item_id(app, corpus.slugs["house"]), item_id(app, corpus.slugs["ap"])
    engine = app.extensions["wisdom_search"]
    with app.test_request_context("/"):
        engine.write({missing: None})  # behind the outbox's back
        engine.write({"item:999999": SearchDocument(
            id="item:999999", kind="guidance", title="Ghost", url="/library/ghost",
            acl=frozenset({"everyone"}),
        )})  # fmt: skip
        db.session.execute(
            sa.update(Item)
            .where(Item.id == int(stale.split(":")[1]))
            .values(title="Renamed directly")
        )
        db.session.commit()
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code != 0
    assert f"missing: {missing}" in result.output
    assert f"stale: {stale}" in result.output
    assert "extra: item:999999" in result.output
    assert "differs from the database in 3 documents" in result.output
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0 and "Rebuilt the search index" in result.output
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0, result.output
    assert doors.everywhere("practitioner", "renamed directly") == ["Renamed directly"]
    assert doors.everywhere("practitioner", "ghost") == []


# The index directory is Whoosh's (the SQLite default); PostgreSQL keeps its index in the database.
WHOOSH_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def _fails_closed(doors, caplog, role="practitioner"):
    caplog.clear()
    page = doors.page(role, "gardening", status=503)
    assert "Search is not working" in page
    assert page_total(page) is None and page_titles(page) == []
    assert not any(t in page for t in ("Gardening project", "Traceback"))
    alerts = [r for r in caplog.records if r.levelno >= logging.ERROR and "ALERT" in r.getMessage()]
    assert alerts, [r.getMessage() for r in caplog.records]
    assert doors.suggest(role, "garden") == []
    assert "Search is not working" in doors.cli(role, "gardening", code=1)
    outcome = doors.service(role, "gardening")
    assert outcome.results is None and outcome.error


@WHOOSH_ONLY
def test_a_deleted_index_fails_closed_and_rebuild_repairs_it(app, doors, backend, caplog):
    seed(app, canaries=False, gardening=5)
    assert page_total(doors.page("practitioner", "gardening")) == 5  # a searcher is open now
    shutil.rmtree(app.config["WISDOM_INDEX_DIR"])
    _fails_closed(doors, caplog)
    result = app.test_cli_runner().invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert page_total(doors.page("practitioner", "gardening")) == 5


@WHOOSH_ONLY
def test_an_index_from_an_earlier_version_fails_closed_and_sync_rebuilds_it(
    app, doors, backend, caplog
):
    seed(app, canaries=False, gardening=5)
    assert page_total(doors.page("practitioner", "gardening")) == 5
    engine = app.extensions["wisdom_search"]
    older = whoosh_backend.schema()  # as it was before titles and summaries had word pairs
    older.remove("title_pairs")
    older.remove("summary_pairs")
    target = engine._new_directory()
    whoosh.index.create_in(str(target), older)
    engine._swap(target)
    _fails_closed(doors, caplog)
    assert any("earlier version" in r.getMessage() for r in caplog.records)
    result = app.test_cli_runner().invoke(args=["search", "sync"])  # as 'make run' does
    assert result.exit_code == 0, result.output
    assert "rebuilding it from the database" in result.output
    assert page_total(doors.page("practitioner", "gardening")) == 5


# Whoosh 2.7.4 leaves a corrupt segment file open when it fails to read it; the warning comes
# when the garbage collector closes it.
@WHOOSH_ONLY
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_a_corrupt_index_fails_closed_and_rebuild_repairs_it(app, make_app, doors, backend, caplog):
    seed(app, canaries=False, gardening=5)
    root = app.extensions["wisdom_search"]._target()
    for path in root.iterdir():
        if path.suffix in (".seg", ".trm", ".pst", ".col"):  # every file of every segment
            garbage = path.with_name(path.name + ".tmp")
            garbage.write_bytes(b"\x00not an index\xff" * 64)
            garbage.replace(path)  # a new file: open readers keep the old one
    other = Doors(make_app())  # another worker, opening the index afresh
    _fails_closed(other, caplog)
    result = other.app.test_cli_runner().invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert page_total(other.page("practitioner", "gardening")) == 5
    assert page_total(doors.page("practitioner", "gardening")) == 5
    # Close what Whoosh left open while this test's warning filter applies: the captured log
    # records hold the errors, whose tracebacks hold the files.
    for handler in logging.getLogger().handlers:
        if isinstance(getattr(handler, "records", None), list):
            handler.records.clear()
    gc.collect()


# --- 5. search analytics -----------------------------------------------------------------------


def test_the_search_log_holds_query_roles_and_count_but_no_identity(app, corpus, doors):
    doors.page("practitioner", "Housing  ")
    doors.page("service_user", "xylophone")
    with app.app_context():
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("search_log")}
        assert columns == {"id", "at", "roles", "query", "results", "clicked"}
        rows = db.session.execute(
            sa.select(
                SearchLog.roles, SearchLog.query, SearchLog.results, SearchLog.clicked
            ).order_by(SearchLog.id)
        ).all()
        total = doors.service("practitioner", "housing").results.total
    assert [tuple(r) for r in rows] == [
        ("practitioner", "housing", total, False),
        ("service_user", "xylophone", 0, False),
    ]
    for email, name, _roles, _password in PEOPLE.values():
        assert not any(email in str(r) or name in str(r) for r in rows)


def test_a_click_is_counted_and_only_local_paths_are_followed(app, corpus, doors):
    page = doors.page("practitioner", "quillwort")
    href = html.unescape(HIT.findall(page)[0][0])
    assert href.startswith("/search/go/")
    response = doors.client("practitioner").get(href)
    assert (
        response.status_code == 302
        and response.headers["Location"] == f"/library/{corpus.slugs['rank_title']}"
    )
    with app.app_context():
        assert db.session.scalars(sa.select(SearchLog.clicked)).all() == [True]
        log_id = db.session.scalar(sa.select(SearchLog.id))
    client = doors.client("practitioner")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example/", "\\\\evil.example",
                   "/\t/evil.example", "javascript:alert(1)", "", "evil.example"):  # fmt: skip
        assert client.get(f"/search/go/{log_id}", query_string={"to": target}).status_code == 404, (
            target
        )


def _table(page: str, caption: str) -> dict[str, int]:
    part = page.split(caption, 1)[1].split("</table>", 1)[0]
    cells = re.findall(
        r'<td class="govuk-table__cell">(.*?)</td><td class="govuk-table__cell govuk-table__cell--numeric">(\d+)</td>',
        part,
    )
    return {html.unescape(q): int(n) for q, n in cells}


def test_analytics_show_top_zero_result_and_unclicked_queries_by_role_and_period(
    app, corpus, doors
):
    for _ in range(3):
        doors.page("practitioner", "housing")
    doors.page("practitioner", "xylophone")
    doors.page("service_user", "housing")
    doors.page("service_user", "trombone")
    page = doors.page("practitioner", "quillwort")
    doors.client("practitioner").get(html.unescape(HIT.findall(page)[0][0]))  # clicked
    with app.app_context():  # a search from long ago
        db.session.add(
            SearchLog(
                at=utcnow() - timedelta(days=60), roles="practitioner", query="ancient", results=0
            )
        )
        db.session.commit()
    pdm = doors.client("pdm")
    everyone = pdm.get("/search/analytics").get_data(as_text=True)
    assert _table(everyone, "Top queries") == {
        "housing": 4,
        "xylophone": 1,
        "trombone": 1,
        "quillwort": 1,
    }
    assert _table(everyone, "Queries that found nothing") == {"xylophone": 1, "trombone": 1}
    assert _table(everyone, "Queries where no result was opened") == {"housing": 4}
    practitioners = pdm.get("/search/analytics?role=practitioner&days=30").get_data(as_text=True)
    assert _table(practitioners, "Top queries") == {"housing": 3, "xylophone": 1, "quillwort": 1}
    assert _table(practitioners, "Queries that found nothing") == {"xylophone": 1}
    longer = pdm.get("/search/analytics?role=practitioner&days=90").get_data(as_text=True)
    assert _table(longer, "Queries that found nothing") == {"xylophone": 1, "ancient": 1}
    people = pdm.get("/search/analytics?role=service_user&days=7").get_data(as_text=True)
    assert _table(people, "Top queries") == {"housing": 1, "trombone": 1}
    for email, *_ in PEOPLE.values():
        assert email not in everyone.split("</header>", 1)[-1]
    assert doors.client("practitioner").get("/search/analytics").status_code == 403
