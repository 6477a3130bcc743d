"""Writing modules: every change is a new immutable ModuleVersion, audited, indexed, in one transaction.

This is the contract the proposal pipeline codes against: ``create_module``, ``publish_version``,
``add_session``, ``retire_module``, ``module_content``, ``validate_content``, ``find_module`` and
``current_version``. Each write adds the version, an audit record and search-outbox rows to the
caller's transaction, then commits unless ``commit=False`` is passed, and emits
``module_published``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from modules import shape
from modules.models import AUDIENCES, Module, ModuleAttachment, ModuleVersion
from modules.shape import Problem
from modules.text import pathway_names, slugify
from search import outbox
from wisdom import access, signals, uploads
from wisdom.audit.services import record
from wisdom.db import db, utcnow

PROVENANCE_KEYS = ("proposal_id", "proposal_url", "decision", "decided_at", "credit")

__all__ = [
    "InvalidModule",
    "Problem",
    "VersionConflict",
    "add_session",
    "attach_file",
    "create_module",
    "current_version",
    "find_module",
    "module_content",
    "publish_version",
    "retire_module",
    "validate_content",
]


class InvalidModule(ValueError):
    """Nothing was published; ``problems`` lists what to fix, by field path."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class VersionConflict(RuntimeError):
    """The module has moved on since the version the caller worked from; nothing was published."""

    def __init__(self, module: Module, expected: int | None):
        if expected is None:
            message = f"{module.title} was published by someone else at the same moment"
        else:
            message = (
                f"{module.title} is now at version {module.current_version}, not version "
                f"{expected} that this change was based on. Look at the latest version and "
                "make the change again"
            )
        super().__init__(message)
        self.module = module
        self.expected = expected


def validate_content(content: dict) -> list[Problem]:
    """Every problem with module content (field path and plain message); empty if publishable."""
    problems = shape.validate_content(content, known_pathways())
    wanted = {i for i in shape.attachment_ids(content) if isinstance(i, int)}
    if wanted:
        found = set(
            db.session.scalars(select(ModuleAttachment.id).where(ModuleAttachment.id.in_(wanted)))
        )
        for missing in sorted(wanted - found):
            problems.append(Problem("sessions", f"There is no uploaded file number {missing}"))
    return problems


def known_pathways() -> set[str]:
    """Slugs of the pathways a module may address."""
    return set(pathway_names())


def find_module(slug: str) -> Module | None:
    """The module with this web address name, or None."""
    return db.session.scalar(select(Module).where(Module.slug == slug))


def current_version(module: Module) -> ModuleVersion:
    """The module's current published version."""
    return version_of(module, module.current_version)


def version_of(module: Module, number: int) -> ModuleVersion | None:
    """One published version of a module, or None."""
    return db.session.scalar(
        select(ModuleVersion).where(
            ModuleVersion.module_id == module.id, ModuleVersion.number == number
        )
    )


def versions(module: Module) -> list[ModuleVersion]:
    """Every version of a module, newest first."""
    return list(
        db.session.scalars(
            select(ModuleVersion)
            .where(ModuleVersion.module_id == module.id)
            .order_by(ModuleVersion.number.desc())
        )
    )


def module_content(version_or_module: Module | ModuleVersion) -> dict:
    """The full content as a plain dict, in the shape create_module and publish_version take."""
    if isinstance(version_or_module, Module):
        version_or_module = current_version(version_or_module)
    return version_or_module.content


def create_module(
    content: dict,
    *,
    actor,
    change_note: str,
    provenance: dict | None = None,
    commit: bool = True,
    slug: str | None = None,
) -> Module:
    """Create a module with its first published version (``slug``: made from the title if None)."""
    clean = _checked(content, change_note or "First version", provenance)
    if slug is not None:
        if find_module(slug) is not None:
            raise InvalidModule([Problem("slug", f"The web address name {slug} is already used")])
        if slug != slugify(slug):
            raise InvalidModule([Problem("slug", "Use lower-case letters, numbers and hyphens")])
    now = utcnow()
    module = Module(
        slug=slug or _unique_slug(slugify(clean["title"])), title=clean["title"],
        status=clean["status"], current_version=0, created_at=now, updated_at=now,
    )  # fmt: skip
    db.session.add(module)
    db.session.flush()
    version = _write(module, clean, actor, change_note or "First version", provenance, False)
    record("module_created", "module", module.id, actor=actor, slug=module.slug)
    _finish(module, version, commit)
    return module


def publish_version(
    module: Module,
    content: dict,
    *,
    actor,
    change_note: str,
    provenance: dict | None = None,
    correction: bool = False,
    expected_version: int | None = None,
    commit: bool = True,
) -> ModuleVersion:
    """Publish new content as the module's next version; refuse if it moved past expected_version.

    A ``correction`` is a minor fix the Practice Development Manager publishes directly; it is
    labelled as such in the history and needs the ``modules.edit`` permission.
    """
    if expected_version is not None and expected_version != module.current_version:
        raise VersionConflict(module, expected_version)
    if correction and actor is not None and not access.can(actor, "modules.edit", module):
        raise PermissionError("Only the Practice Development Manager may publish a correction")
    clean = _checked(content, change_note, provenance)
    version = _write(module, clean, actor, change_note, provenance, correction)
    _finish(module, version, commit)
    return version


def add_session(
    module: Module, session: dict, *, actor, change_note: str, provenance=None, commit=True
) -> ModuleVersion:
    """Publish a new version with ``session`` added after the module's last session."""
    content = module_content(module)
    sessions = [*content.get("sessions", []), session]
    content["sessions"] = sessions
    content["session_count"] = max(content["session_count"], len(sessions))
    return publish_version(
        module, content, actor=actor, change_note=change_note, provenance=provenance,
        commit=commit,
    )  # fmt: skip


def retire_module(
    module: Module, *, actor, change_note: str, provenance=None, commit=True
) -> ModuleVersion:
    """Publish a new version that retires the module: it leaves the Directory but keeps its history."""
    content = module_content(module)
    if content["status"] == "retired":
        raise InvalidModule([Problem("status", f"{module.title} is already retired")])
    content["status"] = "retired"
    return publish_version(
        module, content, actor=actor, change_note=change_note, provenance=provenance,
        commit=commit,
    )  # fmt: skip


def attach_file(
    module: Module,
    session_number: int,
    filename: str,
    data: bytes,
    audience: str,
    *,
    actor,
    expected_version: int | None = None,
    commit: bool = True,
) -> ModuleVersion:
    """Store a file and publish a correction listing it under one session (``uploads`` checks it)."""
    content = module_content(module)
    if not 1 <= session_number <= len(content["sessions"]):
        raise InvalidModule([Problem("session", f"There is no session {session_number}")])
    if audience not in AUDIENCES:
        raise InvalidModule([Problem("for", "Choose who the file is for")])
    if expected_version is not None and expected_version != module.current_version:
        raise VersionConflict(module, expected_version)
    name, content_type, digest = uploads.keep(filename, data)
    attachment = ModuleAttachment(
        module_id=module.id, filename=name, content_type=content_type, size=len(data),
        sha256=digest, uploaded_by=getattr(actor, "id", None) or None,
    )  # fmt: skip
    db.session.add(attachment)
    db.session.flush()
    session = content["sessions"][session_number - 1]
    listed = {"id": attachment.id, "filename": name, "for": audience}
    session["attachments"] = [*session.get("attachments", []), listed]
    return publish_version(
        module, content, actor=actor, correction=True, commit=commit,
        change_note=f"Attached {name} to session {session_number}",
    )  # fmt: skip


def find_attachment(module: Module, attachment_id: int) -> ModuleAttachment | None:
    """One of a module's files, or None."""
    found = db.session.get(ModuleAttachment, attachment_id)
    return found if found is not None and found.module_id == module.id else None


def _checked(content: dict, change_note: str, provenance: dict | None) -> dict:
    """Content in its stored form, or InvalidModule listing every problem."""
    problems = validate_content(content)
    if not (change_note or "").strip():
        problems.append(Problem("change_note", "Say what changed and why"))
    problems += provenance_problems(provenance or {})
    if problems:
        raise InvalidModule(problems)
    return shape.normalise(content)


def provenance_problems(provenance: dict) -> list[Problem]:
    """Every problem with a provenance dict, by field path."""
    problems = [
        Problem(f"provenance.{k}", f"{k} is not a provenance field")
        for k in sorted(set(provenance) - set(PROVENANCE_KEYS))
    ]
    pid = provenance.get("proposal_id")
    if pid is not None and (isinstance(pid, bool) or not isinstance(pid, int)):
        problems.append(Problem("provenance.proposal_id", "The proposal number must be a number"))
    if provenance.get("decided_at") is not None and _when(provenance["decided_at"]) is None:
        problems.append(Problem("provenance.decided_at", "Give the decision's date and time"))
    for key in ("proposal_url", "decision", "credit"):
        if provenance.get(key) is not None and not isinstance(provenance[key], str):
            problems.append(Problem(f"provenance.{key}", "This must be text"))
    return problems


def _when(value) -> datetime | None:
    """A naive UTC datetime from a datetime or an ISO 8601 string; None if it is neither."""
    if not isinstance(value, datetime):
        try:
            value = datetime.fromisoformat(str(value))
        except ValueError:
            return None
    return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)


def _write(module, clean, actor, note, provenance, correction) -> ModuleVersion:
    """Write the next immutable version and the module's current state; queue the index."""
    provenance = provenance or {}
    author_id = getattr(actor, "id", None) or None  # read before the module changes (autoflush)
    module.current_version += 1
    module.title, module.status, module.updated_at = clean["title"], clean["status"], utcnow()
    version = ModuleVersion(
        module_id=module.id, number=module.current_version,
        content_json=json.dumps(clean, sort_keys=True), change_note=note.strip(),
        correction=bool(correction), author_id=author_id,
        proposal_id=provenance.get("proposal_id"),
        proposal_url=provenance.get("proposal_url") or "",
        decision=provenance.get("decision") or "",
        decided_at=_when(provenance["decided_at"]) if provenance.get("decided_at") else None,
        credit=provenance.get("credit") or None,
    )  # fmt: skip
    db.session.add(version)
    _flush_or_conflict(module)
    for key in (str(module.id), f"{module.id}-easy"):
        outbox.enqueue(f"module:{key}")
    record(
        "module_published", "module", module.id, actor=actor, version=version.number,
        correction=bool(correction), proposal_id=version.proposal_id,
    )  # fmt: skip
    return version


def _finish(module: Module, version: ModuleVersion, commit: bool) -> None:
    """Commit (unless the caller owns the transaction) and tell listeners."""
    if commit:
        db.session.commit()
    signals.module_published.send(current_app._get_current_object(), module=module, version=version)


def _flush_or_conflict(module: Module) -> None:
    """Flush, turning a lost optimistic-lock race into VersionConflict."""
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise VersionConflict(db.session.get(Module, module.id), None) from None


def _unique_slug(wanted: str) -> str:
    """``wanted``, or ``wanted-2``, ``wanted-3``… if taken."""
    taken = set(
        db.session.scalars(
            select(Module.slug).where((Module.slug == wanted) | Module.slug.like(f"{wanted}-%"))
        )
    )
    n, slug = 2, wanted
    while slug in taken:
        slug, n = f"{wanted}-{n}", n + 1
    return slug
