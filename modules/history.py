"""A module's content as labelled fields, and the field-by-field differences between two versions."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from modules.models import COMPLEXITY, FORMATS, ROSH_LEVELS, SEXES
from wisdom.diffs import changed, diff_html


@dataclass
class FieldDiff:
    """One field of two versions: its label, whether it changed, and the marked-up difference."""

    label: str
    changed: bool
    html: Markup


def ages(eligibility: dict) -> str:
    """An age range in words."""
    top = eligibility["age_max"]
    return f"{eligibility['age_min']} to {top}" if top else f"{eligibility['age_min']} and over"


def fields(content: dict, names: dict[str, str], staff_notes: bool) -> list[tuple[str, str]]:
    """Every field of module content as (label, text), sessions and eligibility included."""
    e = content["eligibility"]
    rows = [
        ("Title", content["title"]),
        ("Summary", content["summary"]),
        ("Full description", content["description"]),
        ("Pathways", ", ".join(names.get(p, p) for p in content["pathways"])),
        ("Core or optional", "Core" if content["core"] else "Optional"),
        (
            "Delivered by",
            "In-house" if content["delivered_by"] == "in-house" else content["delivered_by"],
        ),
        ("Formats", ", ".join(FORMATS[f] for f in content["formats"])),
        ("Number of sessions", str(content["session_count"])),
        ("Session length", f"{content['session_length_minutes']} minutes"),
        ("Open to", ", ".join(SEXES[s] for s in e["sexes"])),
        ("Ages", ages(e)),
        ("RoSH levels it suits", ", ".join(ROSH_LEVELS[r] for r in e["rosh_levels"])),
        *[
            (f"{COMPLEXITY[level]} complexity of need", e["complexity"].get(level, "Not suited"))
            for level in COMPLEXITY
        ],
        ("Areas", ", ".join(content["areas"])),
        ("How to refer", content["referral"]["route"]),
        ("Referral contact", content["referral"]["contact"]),
        ("Outcomes", "\n".join(content["outcomes"])),
        ("Status", content["status"].capitalize()),
        ("Next review date", content["review_date"]),
    ]
    for n, s in enumerate(content["sessions"], start=1):
        rows += [
            (f"Session {n}: title", s["title"]),
            (f"Session {n}: objectives", s["objectives"]),
            (f"Session {n}: length", f"{s['duration_minutes']} minutes"),
            (f"Session {n}: participant materials", s["participant_materials"]),
        ]
        if staff_notes:
            rows.append((f"Session {n}: facilitator notes", s["facilitator_notes"]))
        files = [
            f"{a['filename']} ({a['for']})"
            for a in s.get("attachments", [])
            if staff_notes or a["for"] == "participants"
        ]
        if files:
            rows.append((f"Session {n}: files", "\n".join(files)))
    return rows


def compare(older: dict, newer: dict, names: dict[str, str], staff_notes: bool) -> list[FieldDiff]:
    """The differences between two versions' content, field by field (sessions by position)."""
    before = dict(fields(older, names, staff_notes))
    after = dict(fields(newer, names, staff_notes))
    labels = list(after) + [label for label in before if label not in after]
    return [
        FieldDiff(label, changed(before.get(label, ""), after.get(label, "")),
                  diff_html(before.get(label, ""), after.get(label, "")))
        for label in labels
    ]  # fmt: skip
