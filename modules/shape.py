"""The shape of a module's content: what create, publish, forms, import and export all share.

A module's content is a plain dict::

    {title, summary, description (Markdown), pathways: [slug], core: bool,
     delivered_by: "in-house" | partner name, formats: [group|one-to-one|online|self-directed],
     session_count, session_length_minutes,
     eligibility: {sexes: [female|male], age_min, age_max, rosh_levels: [low|medium|high|very high],
                   complexity: {low|medium|high: description}},
     areas: [...], referral: {route, contact}, outcomes: [...], status: active|suspended|retired,
     review_date: ISO date,
     sessions: [{title, objectives, duration_minutes, participant_materials, facilitator_notes}]}
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from modules.models import AUDIENCES, COMPLEXITY, FORMATS, ROSH_LEVELS, SEXES, STATUSES

TOP_KEYS = (
    "title", "summary", "description", "pathways", "core", "delivered_by", "formats",
    "session_count", "session_length_minutes", "eligibility", "areas", "referral", "outcomes",
    "status", "review_date", "sessions",
)  # fmt: skip
ELIGIBILITY_KEYS = ("sexes", "age_min", "age_max", "rosh_levels", "complexity")
REFERRAL_KEYS = ("route", "contact")
SESSION_KEYS = (
    "title", "objectives", "duration_minutes", "participant_materials", "facilitator_notes",
    "attachments",  # optional: [{id, filename, for: participants | facilitators}]
)  # fmt: skip
MAX_TITLE = 200
MAX_TEXT = 100_000
MIN_AGE, MAX_AGE = 18, 120


@dataclass(frozen=True)
class Problem:
    """Something wrong with module content: where (a field path) and what, in plain words."""

    field: str
    message: str
    row: int | None = None

    def __str__(self) -> str:
        where = f"row {self.row}, " if self.row is not None else ""
        return f"{where}{self.field}: {self.message}"


def validate_content(content: dict, pathways: set[str] | None = None) -> list[Problem]:
    """Every problem with ``content``, by field path; empty when it can be published.

    ``pathways`` is the set of known pathway slugs (None: not checked here).
    """
    if not isinstance(content, dict):
        return [Problem("", "A module must be a set of named fields")]
    problems: list[Problem] = []
    add = problems.append
    for key in sorted(set(content) - set(TOP_KEYS)):
        add(Problem(key, f"{key} is not a module field"))
    _text(content, "title", add, required=True, limit=MAX_TITLE)
    _text(content, "summary", add, required=True, limit=2000)
    _text(content, "description", add, required=False, limit=MAX_TEXT)
    _choices(content, "pathways", pathways, add, "a pathway")
    if "core" in content and not isinstance(content["core"], bool):
        add(Problem("core", "Say whether the module is core (true) or optional (false)"))
    _text(content, "delivered_by", add, required=True, limit=200)
    _choices(content, "formats", set(FORMATS), add, "a format")
    _number(content, "session_count", 1, 200, add, "the number of sessions")
    _number(content, "session_length_minutes", 5, 600, add, "the length of a session in minutes")
    _eligibility(content.get("eligibility"), add)
    _word_list(content, "areas", add, required=True)
    _referral(content.get("referral"), add)
    _word_list(content, "outcomes", add, required=False)
    if content.get("status") not in STATUSES:
        add(Problem("status", "Choose active, suspended or retired"))
    if _date(content.get("review_date")) is None:
        add(Problem("review_date", "Give the next review date as YYYY-MM-DD"))
    _sessions(content, add)
    return problems


def normalise(content: dict) -> dict:
    """Valid content in its stored form: defaults filled in, text trimmed, keys in order."""
    eligibility = content["eligibility"]
    return {
        "title": " ".join(content["title"].split()),
        "summary": content["summary"].strip(),
        "description": (content.get("description") or "").replace("\r\n", "\n").strip(),
        "pathways": _unique(content["pathways"]),
        "core": bool(content.get("core", False)),
        "delivered_by": content["delivered_by"].strip(),
        "formats": [f for f in FORMATS if f in content["formats"]],
        "session_count": int(content["session_count"]),
        "session_length_minutes": int(content["session_length_minutes"]),
        "eligibility": {
            "sexes": [s for s in SEXES if s in eligibility["sexes"]],
            "age_min": int(eligibility["age_min"]),
            "age_max": None if eligibility.get("age_max") is None else int(eligibility["age_max"]),
            "rosh_levels": [r for r in ROSH_LEVELS if r in eligibility["rosh_levels"]],
            "complexity": {
                k: eligibility["complexity"][k].strip()
                for k in COMPLEXITY
                if k in eligibility["complexity"]
            },
        },
        "areas": _unique(a.strip() for a in content["areas"]),
        "referral": {k: content["referral"][k].strip() for k in REFERRAL_KEYS},
        "outcomes": [o.strip() for o in content.get("outcomes") or [] if o.strip()],
        "status": content["status"],
        "review_date": _date(content["review_date"]).isoformat(),
        "sessions": [_session(s) for s in content.get("sessions") or []],
    }


def _session(session: dict) -> dict:
    made = {
        "title": " ".join(session["title"].split()),
        "objectives": (session.get("objectives") or "").strip(),
        "duration_minutes": int(session["duration_minutes"]),
        "participant_materials": (session.get("participant_materials") or "").strip(),
        "facilitator_notes": (session.get("facilitator_notes") or "").strip(),
    }
    if session.get("attachments"):  # only when there are files, so the usual shape is unchanged
        made["attachments"] = [
            {"id": a["id"], "filename": a["filename"], "for": a["for"]}
            for a in session["attachments"]
        ]
    return made


def _unique(values) -> list:
    seen: list = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


def _date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def _text(data: dict, key: str, add, *, required: bool, limit: int, prefix: str = "") -> None:
    value = data.get(key)
    where = f"{prefix}{key}"
    if value is None and not required:
        return
    if not isinstance(value, str):
        add(Problem(where, "Enter some text" if required else "This must be text"))
    elif required and not value.strip():
        add(Problem(where, f"Enter the {key.replace('_', ' ')}"))
    elif len(value) > limit:
        add(Problem(where, f"This must be {limit:,} characters or fewer"))


def _number(data: dict, key: str, low: int, high: int, add, what: str, prefix="") -> None:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        add(Problem(f"{prefix}{key}", f"Enter {what} as a whole number"))
    elif not low <= value <= high:
        add(Problem(f"{prefix}{key}", f"{what.capitalize()} must be between {low} and {high}"))


def _choices(data: dict, key: str, allowed: set | None, add, what: str, prefix="") -> None:
    values = data.get(key)
    where = f"{prefix}{key}"
    if not isinstance(values, list) or not values:
        add(Problem(where, f"Choose at least one {what.removeprefix('a ').removeprefix('an ')}"))
        return
    if allowed is None:
        return
    unknown = [str(v) for v in values if v not in allowed]
    if unknown:
        add(
            Problem(
                where, f"Not {what}: {', '.join(unknown)}. Use one of: {', '.join(sorted(allowed))}"
            )
        )


def _word_list(data: dict, key: str, add, *, required: bool) -> None:
    values = data.get(key)
    if values is None and not required:
        return
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        add(Problem(key, "Give a list of words or phrases"))
    elif required and not [v for v in values if v.strip()]:
        add(Problem(key, f"Give at least one of the {key}"))


def _eligibility(value, add) -> None:
    if not isinstance(value, dict):
        add(
            Problem("eligibility", "Say who the module suits: sexes, ages, RoSH levels, complexity")
        )
        return
    for key in sorted(set(value) - set(ELIGIBILITY_KEYS)):
        add(Problem(f"eligibility.{key}", f"{key} is not an eligibility field"))
    _choices(value, "sexes", set(SEXES), add, "a sex (female, male)", "eligibility.")
    _number(value, "age_min", MIN_AGE, MAX_AGE, add, "the youngest age", "eligibility.")
    if value.get("age_max") is not None:
        _number(value, "age_max", MIN_AGE, MAX_AGE, add, "the oldest age", "eligibility.")
        low, high = value.get("age_min"), value.get("age_max")
        if isinstance(low, int) and isinstance(high, int) and high < low:
            add(Problem("eligibility.age_max", "The oldest age must not be below the youngest"))
    _choices(value, "rosh_levels", set(ROSH_LEVELS), add, "a RoSH level", "eligibility.")
    complexity = value.get("complexity")
    if not isinstance(complexity, dict) or not complexity:
        add(Problem("eligibility.complexity", "Describe at least one complexity of need it suits"))
        return
    for key, text in complexity.items():
        if key not in COMPLEXITY:
            add(Problem(f"eligibility.complexity.{key}", "Complexity is low, medium or high"))
        elif not isinstance(text, str) or not text.strip():
            add(
                Problem(
                    f"eligibility.complexity.{key}", "Describe what this level of need means here"
                )
            )


def attachment_ids(content: dict) -> set:
    """The ids of every file the sessions of some content list."""
    return {
        a.get("id")
        for s in content.get("sessions") or []
        if isinstance(s, dict) and isinstance(s.get("attachments"), list)
        for a in s["attachments"]
        if isinstance(a, dict)
    }


def _attachments(value, add, where: str) -> None:
    if value is None:
        return
    if not isinstance(value, list):
        add(Problem(where, "Files must be a list"))
        return
    for n, item in enumerate(value, start=1):
        ok = (
            isinstance(item, dict)
            and isinstance(item.get("id"), int)
            and isinstance(item.get("filename"), str)
            and item.get("for") in AUDIENCES
        )
        if not ok:
            add(Problem(f"{where}[{n}]", "A file needs an id, a filename and who it is for"))


def _referral(value, add) -> None:
    if not isinstance(value, dict):
        add(Problem("referral", "Say how to refer: a route and a contact"))
        return
    for key in REFERRAL_KEYS:
        _text(value, key, add, required=True, limit=1000, prefix="referral.")
    for key in sorted(set(value) - set(REFERRAL_KEYS)):
        add(Problem(f"referral.{key}", f"{key} is not a referral field"))


def _sessions(content: dict, add) -> None:
    sessions = content.get("sessions")
    if sessions is None:
        return
    if not isinstance(sessions, list):
        add(Problem("sessions", "Sessions must be a list"))
        return
    for n, session in enumerate(sessions, start=1):
        where = f"sessions[{n}]."
        if not isinstance(session, dict):
            add(Problem(f"sessions[{n}]", "A session must be a set of named fields"))
            continue
        for key in sorted(set(session) - set(SESSION_KEYS)):
            add(Problem(f"{where}{key}", f"{key} is not a session field"))
        _text(session, "title", add, required=True, limit=MAX_TITLE, prefix=where)
        for key in ("objectives", "participant_materials", "facilitator_notes"):
            _text(session, key, add, required=False, limit=MAX_TEXT, prefix=where)
        _number(session, "duration_minutes", 5, 600, add, "the session's length in minutes", where)
        _attachments(session.get("attachments"), add, f"{where}attachments")
    count = content.get("session_count")
    if isinstance(count, int) and len(sessions) > count:
        add(
            Problem(
                "session_count",
                f"The module lists {len(sessions)} sessions but says it has only {count}",
            )
        )
