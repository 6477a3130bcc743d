"""Helpers the module tests share: valid module content, and the accounts to act as."""

from __future__ import annotations

import copy

from sqlalchemy import select
from support import PEOPLE

from wisdom.auth.models import User
from wisdom.db import db

BASE = {
    "title": "Managing emotions",
    "summary": "Six group sessions on noticing anger and stress early and calming down safely.",
    "description": "Built on the **five-part model**. Suits people whose anger has led to harm.",
    "pathways": ["emotional-wellbeing", "thinking-behaviour"],
    "core": True,
    "delivered_by": "in-house",
    "formats": ["group", "one-to-one"],
    "session_count": 2,
    "session_length_minutes": 90,
    "eligibility": {
        "sexes": ["female", "male"],
        "age_min": 18,
        "age_max": None,
        "rosh_levels": ["low", "medium"],
        "complexity": {"low": "Occasional outbursts", "medium": "Anger linked to offending"},
    },
    "areas": ["Leeds", "Bradford"],
    "referral": {"route": "Referral form in the case record", "contact": "programmes@example.org"},
    "outcomes": ["Fewer incidents of aggression", "Uses a calming plan"],
    "status": "active",
    "review_date": "2027-06-30",
    "sessions": [
        {
            "title": "What sets me off",
            "objectives": "Name three of your own warning signs",
            "duration_minutes": 90,
            "participant_materials": "Warning-signs worksheet",
            "facilitator_notes": "FACILITATOR-ONLY: watch for disclosures of domestic abuse",
        },
        {
            "title": "Cooling down",
            "objectives": "Practise two ways to calm down",
            "duration_minutes": 90,
            "participant_materials": "Breathing card",
            "facilitator_notes": "FACILITATOR-ONLY: pair quieter members with a buddy",
        },
    ],
}


def content(**changes) -> dict:
    """Valid module content, with top-level changes."""
    made = copy.deepcopy(BASE)
    made.update(copy.deepcopy(changes))
    return made


def person(role: str) -> User:
    """The test account of a role (inside an app context)."""
    return db.session.scalar(select(User).where(User.email == PEOPLE[role][0]))
