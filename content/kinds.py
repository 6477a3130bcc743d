"""What each kind of library item holds beyond the shared core, and how its fields are checked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Field:
    """One field of a kind: its key, label, type and whether it must be given."""

    key: str
    label: str
    type: str = "text"  # text, long, date, int, choice, url, bool
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    hint: str = ""


FINDING_SOURCES = (
    ("inspection", "HM Inspectorate of Probation inspection"),
    ("audit", "Audit"),
    ("sfo_review", "Serious Further Offence review"),
    ("peer_review", "Peer review"),
    ("manager_review", "Manager review"),
    ("feedback", "Feedback"),
)
SEVERITIES = (("low", "Low"), ("medium", "Medium"), ("high", "High"))
NETWORKS = (
    ("people_on_probation", "People on probation network"),
    ("staff", "Staff network"),
    ("organisational", "Organisational network"),
    ("community", "Community network"),
)
WORKBANK_STATUSES = (
    ("open", "Taking people"),
    ("full", "Full"),
    ("paused", "Paused"),
    ("closed", "Closed"),
)
WORKBANK_TYPES = (
    ("community_payback", "Community payback (unpaid work)"),
    ("voluntary_reparation", "Voluntary reparation"),
)

FIELDS: dict[str, tuple[Field, ...]] = {
    "guidance": (),
    "finding": (
        Field("source", "Where the finding came from", "choice", True, FINDING_SOURCES),
        Field("found_on", "Date of the finding", "date", True, hint="For example, 2026-03-27"),
        Field("severity", "Severity", "choice", True, SEVERITIES),
        Field("case_based", "This finding is about an individual case", "bool"),
    ),
    "beacon": (
        Field("nominated_by", "Nominated by", "text", True, hint="The reviewer who nominated it"),
        Field("why_it_worked", "Why it worked", "long", True),
        Field(
            "source_item",
            "The review it came from",
            "text",
            hint="The review's web address name (slug), if it is in WISDOM",
        ),
    ),
    "resource": (
        Field("network", "Network", "choice", True, NETWORKS),
        Field("link", "Web address", "url", hint="Starting with https://"),
        Field("contact", "Contact"),
    ),
    "workbank": (
        Field("place", "Place", "text", True),
        Field("work_type", "Type of work", "choice", True, WORKBANK_TYPES),
        Field("tasks", "What people do", "text", True),
        Field("capacity", "How many people at a time", "int", True),
        Field("contact", "Contact", "text", True),
        Field("project_status", "Status", "choice", True, WORKBANK_STATUSES),
    ),
    "feedback": (
        Field("exercise", "Feedback exercise", "text", True),
        Field("period", "Period covered", "text", True, hint="For example, April to June 2026"),
        Field("respondents", "Number of people who responded", "int"),
    ),
}


def check_fields(kind: str, values: dict) -> tuple[dict, dict[str, str]]:
    """Clean a kind's field values; return (clean values, errors by field key)."""
    clean, errors = {}, {}
    for field in FIELDS[kind]:
        raw = values.get(field.key)
        raw = raw.strip() if isinstance(raw, str) else raw
        if raw in (None, "", False):
            if field.required and field.type != "bool":
                errors[field.key] = f"Enter {field.label.lower()}"
            if field.type == "bool":
                clean[field.key] = False
            continue
        value, problem = _convert(field, raw)
        if problem:
            errors[field.key] = problem
        else:
            clean[field.key] = value
    return clean, errors


def _convert(field: Field, raw) -> tuple[object, str | None]:
    """Convert one raw value to the field's type, or say what is wrong with it."""
    if field.type == "bool":
        return raw in (True, "y", "yes", "true", "on", "1"), None
    if field.type == "date":
        try:
            return date.fromisoformat(str(raw)).isoformat(), None
        except ValueError:
            return None, f"{field.label} must be a real date, like 2026-03-27"
    if field.type == "int":
        try:
            number = int(str(raw))
        except ValueError:
            return None, f"{field.label} must be a whole number, like 12"
        return (number, None) if number >= 0 else (None, f"{field.label} must be 0 or more")
    if field.type == "choice":
        keys = [k for k, _ in field.choices]
        return (raw, None) if raw in keys else (None, f"Select {field.label.lower()}")
    if field.type == "url":
        text = str(raw)
        ok = text.startswith(("https://", "http://")) and " " not in text
        return (text, None) if ok else (None, "Enter a web address starting with https://")
    text = str(raw)
    limit = 20000 if field.type == "long" else 500
    return (
        (text, None)
        if len(text) <= limit
        else (None, f"{field.label} must be {limit} characters or fewer")
    )


def label_of(kind: str, key: str, value) -> str:
    """A field value in words (choice labels rather than keys)."""
    for field in FIELDS[kind]:
        if field.key == key:
            if field.type == "choice":
                return dict(field.choices).get(value, str(value))
            if field.type == "bool":
                return "Yes" if value else "No"
    return "" if value is None else str(value)
