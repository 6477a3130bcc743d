"""Plain checks on what a proposer wrote: text that looks like personal data, and credit lines."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Email addresses; UK phone numbers (07… mobiles, 01/02/03… landlines, +44); case references:
# a CRN (one letter, six digits), a PNC number (2001/0123456A) and a NOMIS number (A1234BC).
PATTERNS = (
    ("an email address", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("a phone number", re.compile(r"(?<!\d)(?:\+44\s?|0)(?:\d[\s-]?){9,10}(?!\d)")),
    ("a case reference", re.compile(r"\b(?:\d{2}|\d{4})/\d{5,7}[A-Z]\b")),
    ("a case reference", re.compile(r"\b[A-Z]\d{4}[A-Z]{2}\b")),
    ("a case reference", re.compile(r"\b[A-Z]\d{6}\b")),
)


@dataclass(frozen=True)
class PersonalDataFlag:
    """Something in a field that looks like personal data."""

    field: str
    what: str
    text: str


def personal_data(fields: dict[str, str]) -> list[PersonalDataFlag]:
    """Every piece of text in ``fields`` (label -> text) that looks like personal data."""
    found = []
    for label, text in fields.items():
        for what, pattern in PATTERNS:
            for match in pattern.finditer(text or ""):
                flag = PersonalDataFlag(label, what, match.group(0).strip())
                if flag not in found:
                    found.append(flag)
    return found


def initials(name: str) -> str:
    """A name's initials, for example "S. O." for Sam Okafor."""
    return " ".join(f"{part[0].upper()}." for part in name.split() if part[:1].isalpha())


def credit_line(choice: str, name: str) -> str | None:
    """How a proposer is credited, as they chose; None for no credit."""
    if choice == "full_name":
        return name
    if choice == "initials":
        return initials(name)
    if choice == "person_on_probation":
        return "A person on probation"
    return None
