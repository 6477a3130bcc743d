"""Seeding for the search conformance suite: an ordinary library plus confidential canaries.

Everything is written through ``content.services`` as the PDM and committed, then the search
outbox is applied, exactly as a save through the pages would be. A canary is a unique made-up
word that lives only in confidential places: a confidential item's title, summary, body or tags,
or a ```confidential section of an open or staff item.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from support import PEOPLE

import search.indexing
import search.outbox
import wisdom
from content import services
from content.models import Item, Pathway
from content.services import ItemData
from search.models import Synonym
from wisdom.auth.models import User
from wisdom.db import db

CONSONANTS = "bcdfghjklmnpqrstvwxz"
VOWELS = "aeiou"
UNCLEARED = ("service_user", "practitioner", "admin")

# The fields each kind must have (content.kinds); the values are never searched.
KIND_FIELDS = {
    "guidance": {},
    "finding": {"source": "audit", "found_on": "2026-03-27", "severity": "medium"},
    "beacon": {"nominated_by": "A reviewer", "why_it_worked": "Good joint working"},
    "resource": {"network": "community"},
    "workbank": {
        "place": "Riverside allotments",
        "work_type": "community_payback",
        "tasks": "Clearing and planting",
        "capacity": 6,
        "contact": "Site supervisor",
        "project_status": "open",
    },
    "feedback": {"exercise": "Quarterly survey", "period": "April to June 2026"},
}


def new_token() -> str:
    """A made-up pronounceable word no dictionary, stemmer or other test will produce."""
    letters = [
        secrets.choice(CONSONANTS if n % 2 == 0 else VOWELS) for n in range(9)
    ]  # c v c v c v c v c
    return "zq" + "".join(letters)


def misspellings(token: str) -> list[str]:
    """The token with one letter changed, and with one letter dropped."""
    middle = len(token) // 2
    changed = token[:middle] + ("x" if token[middle] != "x" else "y") + token[middle + 1 :]
    dropped = token[: middle + 1] + token[middle + 2 :]
    return [changed, dropped]


@dataclass
class Canary:
    """One secret token and where it lives."""

    token: str
    place: str  # title, summary, body, tags or section
    slug: str
    whole_item: bool


@dataclass
class Corpus:
    """What was seeded."""

    slugs: dict[str, str] = field(default_factory=dict)  # name -> slug
    canaries: list[Canary] = field(default_factory=list)
    confidential_slugs: set[str] = field(default_factory=set)
    gardening: dict[str, list[str]] = field(default_factory=dict)  # classification -> slugs

    @property
    def tokens(self) -> list[str]:
        return [c.token for c in self.canaries]


def user(role: str) -> User:
    """The test account of a role (inside an app context)."""
    return db.session.scalar(select(User).where(User.email == PEOPLE[role][0]))


def add(
    kind: str,
    title: str,
    *,
    summary: str = "",
    body: str = "",
    classification: str = "open",
    tags=(),
    pathways=(),
) -> Item:
    """Create one item through the library service as the PDM (not committed)."""
    data = ItemData(
        kind=kind, title=title, summary=summary, body=body, classification=classification,
        tags=list(tags), pathways=list(pathways), fields=dict(KIND_FIELDS[kind]),
    )  # fmt: skip
    return services.create(data, user("pdm"))


def _migration(name: str):
    """A migration module of the real history (their file names are not importable names)."""
    path = Path(wisdom.__file__).parent / "migrations" / "versions" / name
    spec = importlib.util.spec_from_file_location(f"search_support_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reference_data() -> None:
    """Put back the pathways and thesaurus the migrations seed (the PostgreSQL fixture empties
    every table between tests, reference rows included)."""
    if not db.session.scalar(select(Pathway.id).limit(1)):
        for n, (slug, name) in enumerate(_migration("0002_library.py").PATHWAYS):
            db.session.add(Pathway(slug=slug, name=name, description="", position=n))
    if not db.session.scalar(select(Synonym.id).limit(1)):
        for term, expansion in _migration("0003_search.py").THESAURUS:
            db.session.add(Synonym(term=term, expansion=expansion))
    db.session.commit()


def start_index(app) -> None:
    """Create the (empty) index, as 'wisdom search rebuild' does on a new installation."""
    with app.test_request_context("/"):
        app.extensions["wisdom_search"].rebuild(search.indexing.all_documents())


def sync(app) -> int:
    """Apply the outbox to the index, as the after-request hook does."""
    with app.app_context():
        return search.outbox.apply_pending(app.extensions["wisdom_search"])


def rebuild(app, keep=None) -> int:
    """Rebuild the index from the database; ``keep(document)`` may drop or change documents."""
    with app.test_request_context("/"):
        documents = search.indexing.all_documents()
        if keep is not None:
            documents = [d for d in (keep(d) for d in documents) if d is not None]
        return app.extensions["wisdom_search"].rebuild(documents)


def without_confidential(document):
    """The document as an index built without confidential content would hold it."""
    if document.classification == "confidential":
        return None
    return dataclasses.replace(document, restricted="")


def section(text: str) -> str:
    """A fenced confidential section."""
    return f"\n\n```confidential\n{text}\n```\n\n"


GARDENING_PATHWAYS = ["accommodation", "ete", "alcohol", "relationships"]


def seed(app, *, canaries: bool = True, gardening: int = 23) -> Corpus:
    """Seed the library, commit, and bring the index up to date through the outbox."""
    with app.app_context():
        reference_data()
    start_index(app)
    corpus = Corpus()
    with app.test_request_context("/"):
        made: dict[str, Item] = {}

        def put(name: str, *args, **kwargs) -> Item:
            made[name] = add(*args, **kwargs)
            return made[name]

        # Stemming: only "house" and "household" here; searching "housing" must find them.
        put(
            "house", "guidance", "Keeping a house after release",
            summary="Practical steps for a person on probation moving into a house.",
            body="Tenancy support, rent arrears and household bills. Speak to the landlord early.",
            tags=["housing"], pathways=["accommodation"],
        )  # fmt: skip
        put(
            "prison_housing", "guidance", "Housing on release from prison",
            summary="Duty to refer before release.",
            body="Start the housing referral twelve weeks before release from prison.",
            tags=["housing"], pathways=["accommodation"], classification="staff",
        )  # fmt: skip
        # Thesaurus targets (the query words themselves appear nowhere in these items).
        put(
            "abuse", "guidance", "Safeguarding when there is domestic abuse",
            summary="Checks with police and children's services.",
            body="Domestic abuse enquiries must be made before any home visit.",
            pathways=["relationships"],
        )  # fmt: skip
        put(
            "misuse", "resource", "Substance misuse services in the county",
            summary="Community treatment teams and needle exchanges.",
            body="Referral routes for substance misuse treatment, with opening times.",
            pathways=["drugs"],
        )  # fmt: skip
        put(
            "ete", "resource", "Education training employment support hub",
            summary="Local colleges and job coaches.",
            body="Help into education, training and employment for people on probation.",
            pathways=["ete"],
        )  # fmt: skip
        put(
            "ap", "guidance", "Moving into approved premises",
            summary="What residents can expect in the first week.",
            body="Approved premises rules, curfews and keyworker sessions.",
            pathways=["accommodation"],
        )  # fmt: skip
        # Ranking: the same rare word in a title, in a summary, and only deep in a body.
        put("rank_title", "guidance", "Quillwort induction pack", body=_filler(60))
        put(
            "rank_summary", "guidance", "Induction pack for new starters",
            summary="Covers quillwort and the other first-week tasks.", body=_filler(60),
        )  # fmt: skip
        put(
            "rank_body", "guidance", "Another induction pack",
            body=_filler(30) + " quillwort " + _filler(30),
        )  # fmt: skip
        # Exact phrase: both hold both words; only one holds them as the phrase.
        put(
            "phrase_scattered", "guidance", "Licence conditions explained",
            body="A curfew is set by the court. " + _filler(25) + " Any breach is reported. "
            + "The breach process and the curfew monitor differ. Curfew times vary.",
        )  # fmt: skip
        put(
            "phrase_exact", "guidance", "Responding to a curfew breach",
            body="What to do on a curfew breach. " + _filler(25),
        )  # fmt: skip
        # Escaping: hostile markup in open text.
        put(
            "script", "guidance", "Snippet escaping check",
            body="Zebrafish notes <script>alert(1)</script> zebrafish <b>bold</b> end.",
        )  # fmt: skip
        # Words that look like field syntax, so 'acl:cleared' etc. have something to match.
        put(
            "fieldish", "guidance", "When a person is cleared for work",
            body="An acl finding about a kind title for cleared staff.", classification="staff",
        )  # fmt: skip

        # A larger set for facets, filters, sorting and paging: "gardening" everywhere.
        classifications = ["open", "staff"]
        kinds = ["guidance", "resource", "workbank", "beacon", "finding", "feedback"]
        for n in range(gardening):
            kind = kinds[n % len(kinds)]
            classification = classifications[n % 2] if kind != "finding" else "staff"
            item = put(
                f"gardening{n}", kind, f"Gardening project {n} {_word(n)}",
                summary=f"Community gardening placement number {n}.",
                body=f"Gardening, planting and housing estate upkeep. {_filler(8)}",
                tags=["gardening", "outdoor" if n % 3 else "indoor"],
                pathways=[GARDENING_PATHWAYS[n % len(GARDENING_PATHWAYS)]],
                classification=classification,
            )  # fmt: skip
            corpus.gardening.setdefault(classification, []).append(item.slug)

        if canaries:
            _seed_canaries(corpus, put)
        db.session.commit()
        corpus.slugs = {name: item.slug for name, item in made.items()}
    sync(app)
    return corpus


def _seed_canaries(corpus: Corpus, put) -> None:
    """Confidential items (a token in each of title, summary, body, tags) and sections."""
    for n, kind in enumerate(("finding", "guidance", "beacon")):
        tokens = {place: new_token() for place in ("title", "summary", "body", "tags")}
        item = put(
            f"secret{n}", kind, f"Review of case {tokens['title']} gardening housing",
            summary=f"Serious further offence review {tokens['summary']} gardening.",
            body=f"Details of the gardening placement and housing {tokens['body']} history.",
            tags=[tokens["tags"], "gardening", "secret-only-tag"],
            pathways=["womens-services"], classification="confidential",
        )  # fmt: skip
        corpus.confidential_slugs.add(item.slug)
        corpus.canaries += [Canary(t, p, item.slug, True) for p, t in tokens.items()]
    for n, classification in enumerate(("open", "staff", "open", "staff")):
        token = new_token()
        item = put(
            f"sectioned{n}", "guidance", f"Gardening supervision notes {n}",
            summary="Supervising gardening placements.",
            body="Open advice on gardening and housing."
            + section(f"Victim lives near the site. {token} gardening housing details.")
            + "More open advice.",
            classification=classification, pathways=["alcohol"],
        )  # fmt: skip
        corpus.canaries.append(Canary(token, "section", item.slug, False))


def _word(n: int) -> str:
    return ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"][n % 6]


def _filler(words: int) -> str:
    """Neutral text of a given number of words."""
    vocabulary = ["the", "plan", "was", "agreed", "at", "the", "meeting", "and", "recorded"]
    return " ".join(vocabulary[n % len(vocabulary)] for n in range(words))
