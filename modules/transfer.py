"""Export the Directory as JSON or CSV, and import modules from either: all of a file, or nothing.

JSON: ``{"modules": [entry, ...]}`` (or a bare list). An entry is module content (see
``modules.shape``) with an optional ``slug``, ``change_note`` and ``provenance``; or
``{"slug": ..., "versions": [content + change_note (+ provenance, correction)...]}``, oldest
first, to bring a module's history. CSV: one row per module, the flat fields only (see
``CSV_COLUMNS``); lists are separated by ``;``; a row for an existing slug keeps its sessions.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from modules import services, shape
from modules.models import Module
from modules.shape import Problem
from modules.text import slugify
from wisdom.db import db, utcnow

FORMAT_NAME = "wisdom-modules/1"
ENTRY_KEYS = ("slug", "version", "change_note", "provenance", "correction")
LIST_COLUMNS = {"pathways", "formats", "sexes", "rosh_levels", "areas", "outcomes"}
CSV_COLUMNS = (
    "slug", "title", "summary", "description", "pathways", "core", "delivered_by", "formats",
    "session_count", "session_length_minutes", "sexes", "age_min", "age_max", "rosh_levels",
    "complexity_low", "complexity_medium", "complexity_high", "areas", "referral_route",
    "referral_contact", "outcomes", "status", "review_date",
)  # fmt: skip


@dataclass
class ImportReport:
    """What an import did, or would do."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    versions: int = 0
    problems: list[Problem] = field(default_factory=list)


class ImportFailed(Exception):
    """The file has problems; nothing was imported."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problems, first: {problems[0] if problems else ''}")
        self.problems = problems


@dataclass
class _Planned:
    slug: str
    versions: list[tuple[dict, str, dict | None, bool]]  # content, note, provenance, correction


# Export --------------------------------------------------------------------------------------


def export_json(entries: list[tuple[Module, dict]]) -> str:
    """Modules (with the content their reader may see) as the JSON import reads."""
    document = {
        "format": FORMAT_NAME,
        "exported_at": utcnow().isoformat(timespec="seconds") + "Z",
        "modules": [
            {"slug": m.slug, "version": m.current_version, **content} for m, content in entries
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def export_csv(entries: list[tuple[Module, dict]]) -> str:
    """Modules' flat fields as CSV; columns the reader may not see are left out."""
    rows = [flat_row(m.slug, content) for m, content in entries]
    columns = [c for c in CSV_COLUMNS if not rows or c in rows[0]]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def flat_row(slug: str, content: dict) -> dict:
    """One CSV row of module content (only the columns present in ``content``)."""
    row = {"slug": slug}
    eligibility = content.get("eligibility", {})
    referral = content.get("referral", {})
    values = {**content, **eligibility}
    for column in CSV_COLUMNS[1:]:
        if column.startswith("complexity_") and "complexity" in eligibility:
            row[column] = eligibility["complexity"].get(column.removeprefix("complexity_"), "")
        elif column.startswith("referral_") and referral:
            row[column] = referral[column.removeprefix("referral_")]
        elif column in values and column not in ("eligibility", "referral", "sessions"):
            value = values[column]
            if column in LIST_COLUMNS:
                value = "; ".join(value)
            elif column == "core":
                value = "yes" if value else "no"
            row[column] = "" if value is None else value
    return row


# Import --------------------------------------------------------------------------------------


def import_file(path: Path, actor, *, dry_run: bool = False) -> ImportReport:
    """Import a JSON or CSV file of modules, all or nothing; ImportFailed lists every problem."""
    raw = path.read_text(encoding="utf-8-sig")
    problems: list[Problem] = []
    if path.suffix.lower() == ".csv":
        planned = _read_csv(raw, problems)
    else:
        planned = _read_json(raw, problems)
    slugs = [p.slug for p in planned]
    for n, slug in enumerate(slugs, start=1):
        if slug in slugs[: n - 1]:
            problems.append(Problem("slug", f"{slug} appears more than once in the file", n))
    if problems:
        raise ImportFailed(problems)
    report = ImportReport()
    for plan in planned:
        _import_one(plan, actor, report)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return report


def _read_json(raw: str, problems: list[Problem]) -> list[_Planned]:
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as error:
        problems.append(Problem("file", f"This is not JSON: {error.msg} at line {error.lineno}"))
        return []
    entries = document.get("modules") if isinstance(document, dict) else document
    if not isinstance(entries, list):
        problems.append(Problem("modules", "Give a list of modules under the key 'modules'"))
        return []
    planned = []
    for row, entry in enumerate(entries, start=1):
        plan = _plan_entry(entry, row, problems)
        if plan is not None:
            planned.append(plan)
    return planned


def _plan_entry(entry, row: int, problems: list[Problem]) -> _Planned | None:
    if not isinstance(entry, dict):
        problems.append(Problem("", "A module must be a set of named fields", row))
        return None
    if "versions" in entry:
        raw_versions, prefix = entry["versions"], "versions[{n}]."
        if not isinstance(raw_versions, list) or not raw_versions:
            problems.append(Problem("versions", "Give at least one version", row))
            return None
    else:
        raw_versions, prefix = [entry], ""
    versions = []
    for n, version in enumerate(raw_versions, start=1):
        if not isinstance(version, dict):
            problems.append(
                Problem(
                    prefix.format(n=n).rstrip("."), "A version must be a set of named fields", row
                )
            )
            continue
        version_content = {k: v for k, v in version.items() if k not in (*ENTRY_KEYS, "versions")}
        where = prefix.format(n=n)
        found = services.validate_content(version_content)
        found += services.provenance_problems(version.get("provenance") or {})
        problems += [Problem(f"{where}{p.field}", p.message, row) for p in found]
        note = version.get("change_note") or ("Imported" if n == 1 else "")
        if not str(note).strip():
            problems.append(Problem(f"{where}change_note", "Say what changed in this version", row))
        versions.append(
            (version_content, str(note), version.get("provenance"), bool(version.get("correction")))
        )
    slug = entry.get("slug") or (slugify(str(versions[0][0].get("title", ""))) if versions else "")
    if not isinstance(slug, str) or slug != slugify(slug):
        problems.append(Problem("slug", "A slug uses lower-case letters, numbers and hyphens", row))
    return _Planned(slug=str(slug), versions=versions)


def _read_csv(raw: str, problems: list[Problem]) -> list[_Planned]:
    reader = csv.DictReader(io.StringIO(raw))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        problems.append(Problem("columns", f"The file has no column for: {', '.join(missing)}", 1))
        return []
    planned = []
    for row_number, row in enumerate(reader, start=2):  # the header is row 1
        content = _content_of_row(row)
        slug = (row["slug"] or "").strip() or slugify(content["title"])
        existing = services.find_module(slug)
        if existing is not None:
            content["sessions"] = services.module_content(existing)["sessions"]
        found = services.validate_content(content)
        problems += [Problem(p.field, p.message, row_number) for p in found]
        planned.append(
            _Planned(slug=slug, versions=[(content, "Imported from a spreadsheet", None, False)])
        )
    return planned


def _content_of_row(row: dict) -> dict:
    """Module content from one CSV row; values that do not convert are left for validation."""

    def cell(name):
        return (row.get(name) or "").strip()

    def number(name):
        value = cell(name)
        return int(value) if value.isdigit() else (value or None)

    def words(name):
        return [w.strip() for w in cell(name).split(";") if w.strip()]

    core = cell("core").lower()
    return {
        "title": cell("title"), "summary": cell("summary"), "description": row.get("description") or "",
        "pathways": words("pathways"),
        "core": {"yes": True, "true": True, "no": False, "false": False, "": False}.get(core, core),
        "delivered_by": cell("delivered_by"), "formats": words("formats"),
        "session_count": number("session_count"),
        "session_length_minutes": number("session_length_minutes"),
        "eligibility": {
            "sexes": words("sexes"), "age_min": number("age_min"), "age_max": number("age_max"),
            "rosh_levels": words("rosh_levels"),
            "complexity": {
                level: cell(f"complexity_{level}")
                for level in ("low", "medium", "high") if cell(f"complexity_{level}")
            },
        },
        "areas": words("areas"),
        "referral": {"route": cell("referral_route"), "contact": cell("referral_contact")},
        "outcomes": words("outcomes"), "status": cell("status"), "review_date": cell("review_date"),
        "sessions": [],
    }  # fmt: skip


def _import_one(plan: _Planned, actor, report: ImportReport) -> None:
    """Create the module or publish what changed; a module already as the file says is left alone."""
    module = services.find_module(plan.slug)
    if module is None:
        first, *rest = plan.versions
        module = services.create_module(
            first[0], actor=actor, change_note=first[1], provenance=first[2], commit=False,
            slug=plan.slug,
        )  # fmt: skip
        report.created += 1
        report.versions += 1
        for content, note, provenance, correction in rest:
            _publish(module, content, note, provenance, correction, actor)
            report.versions += 1
        return
    content, note, provenance, correction = plan.versions[-1]
    if shape.normalise(content) == services.module_content(module):
        report.unchanged += 1
        return
    _publish(module, content, note, provenance, correction, actor)
    report.updated += 1
    report.versions += 1


def _publish(module, content, note, provenance, correction, actor) -> None:
    services.publish_version(
        module, content, actor=actor, change_note=note, provenance=provenance, commit=False,
        correction=correction,
    )  # fmt: skip
