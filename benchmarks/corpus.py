"""A realistic probation-library corpus for benchmarks, deterministic for a given seed.

Each document is about one or two pathways: most of its words come from those topics' vocabulary,
the rest from general probation practice and everyday English, as real guidance reads.
"""

from __future__ import annotations

import random

TOPICS = {
    "accommodation": "housing homeless tenancy landlord council CAS3 hostel eviction rough sleeping no fixed abode duty to refer approved premises rent deposit housing officer temporary accommodation licence address",
    "ete": "education training employment job centre apprenticeship CV interview qualification college course employer disclosure work placement careers adviser literacy numeracy",
    "finance-benefit-debt": "Universal Credit sanction benefit debt budget bank account arrears loan advance payment bailiff fine court costs money advice food bank",
    "relationships": "domestic abuse partner family children parenting contact safeguarding MARAC victim controlling coercive relationship social services",
    "emotional-wellbeing": "anxiety depression mental health GP trauma self-harm suicide counselling talking therapies crisis team wellbeing sleep bereavement",
    "drugs": "substance misuse crack cocaine heroin opiate methadone treatment recovery naloxone overdose needle exchange drug test DRR",
    "alcohol": "alcohol drinking ATR brief advice detox units dependency AUDIT screening sobriety tag relapse",
    "thinking-behaviour": "thinking skills behaviour programme accredited consequential impulsivity problem solving Building Better Relationships Thinking Skills Programme",
    "attitudes": "attitudes pro-criminal beliefs victim empathy responsibility minimisation motivation change talk",
    "lifestyle-associates": "associates peers gang county lines lifestyle leisure structure boredom exploitation mentor",
    "womens-services": "women's centre female caring responsibilities trauma-informed pregnancy maternity sex work coercion women-only",
}
GENERAL = [
    "person",
    "on",
    "probation",
    "case",
    "manager",
    "sentence",
    "plan",
    "risk",
    "of",
    "serious",
    "harm",
    "RoSH",
    "assessment",
    "referral",
    "supervision",
    "appointment",
    "attendance",
    "engagement",
    "compliance",
    "breach",
    "recall",
    "licence",
    "release",
    "custody",
    "prison",
    "resettlement",
    "inspection",
    "audit",
    "finding",
    "action",
    "improvement",
    "plan",
    "evidence",
    "quality",
    "review",
    "partnership",
    "police",
    "MAPPA",
    "senior",
    "case",
    "manager",
    "team",
    "manager",
    "practitioner",
    "partner",
    "agency",
    "community",
    "payback",
    "unpaid",
    "work",
]
COMMON = [
    "the",
    "and",
    "to",
    "of",
    "a",
    "in",
    "for",
    "is",
    "on",
    "that",
    "with",
    "as",
    "be",
    "this",
    "are",
    "by",
    "at",
    "from",
    "it",
    "or",
    "an",
    "should",
    "will",
    "can",
    "may",
    "when",
    "where",
    "who",
    "what",
    "how",
    "each",
    "their",
    "they",
    "them",
    "have",
    "has",
    "been",
    "was",
    "were",
    "not",
    "all",
    "any",
    "more",
    "some",
    "most",
    "first",
    "next",
    "then",
    "also",
    "after",
    "before",
    "during",
    "within",
    "about",
    "between",
    "other",
    "such",
    "only",
    "very",
    "well",
    "make",
    "sure",
    "time",
    "week",
    "month",
    "day",
    "date",
    "record",
    "note",
    "meeting",
    "plan",
    "support",
    "help",
    "need",
    "needs",
    "service",
    "services",
    "local",
    "area",
    "team",
    "office",
    "staff",
    "information",
    "check",
    "agree",
    "discuss",
    "review",
    "update",
    "keep",
    "follow",
    "contact",
    "ask",
    "tell",
]
KINDS = ["guidance", "finding", "beacon", "resource", "workbank", "feedback"]
PATHWAYS = list(TOPICS)
VOCABULARY = sorted({w for words in TOPICS.values() for w in words.split()} | set(GENERAL))


def words(rng: random.Random, n: int, topics: list[str]) -> str:
    """``n`` words: 40% topic, 25% general probation practice, 35% everyday English."""
    topic_words = [w for t in topics for w in TOPICS[t].split()]
    out = []
    for _ in range(n):
        roll = rng.random()
        source = topic_words if roll < 0.4 else GENERAL if roll < 0.65 else COMMON
        out.append(rng.choice(source))
    return " ".join(out)


def document(rng: random.Random, n: int, confidential_share: float = 0.2) -> dict:
    """One item's data: about 300 words of body, a fifth confidential by default."""
    kind = KINDS[n % len(KINDS)]
    topics = rng.sample(PATHWAYS, rng.choice((1, 1, 2)))
    fields = {
        "guidance": {},
        "finding": {"source": "audit", "found_on": "2026-05-01", "severity": "medium"},
        "beacon": {"nominated_by": "Quality lead", "why_it_worked": words(rng, 30, topics)},
        "resource": {"network": "community", "contact": "Front desk"},
        "workbank": {
            "place": "Northshire",
            "work_type": "community_payback",
            "tasks": "Gardening",
            "capacity": 6,
            "contact": "Site lead",
            "project_status": "open",
        },
        "feedback": {"exercise": "Survey", "period": "April to June 2026", "respondents": 40},
    }[kind]
    paragraphs = "\n\n".join(words(rng, 60, topics) for _ in range(5))
    title_words = [w for w in TOPICS[topics[0]].split() if len(w) > 3]
    return {
        "kind": kind,
        "title": f"{' '.join(rng.sample(title_words, 3)).capitalize()} {n}",
        "slug": f"bench-{n}",
        "summary": words(rng, 25, topics),
        "classification": "confidential"
        if rng.random() < confidential_share
        else rng.choice(["open", "staff"]),
        "pathways": topics,
        "tags": rng.sample(TOPICS[topics[0]].lower().split(), 2),
        "fields": fields,
        "body": paragraphs,
    }
