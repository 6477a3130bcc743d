"""Export the library to a folder of Markdown files with YAML front matter, and import it back.

Layout: ``pathways.yaml``; ``<kind>/<slug>.md`` (the current version); for items with history,
``<kind>/<slug>/versions/0001.md``…; attachments in ``<kind>/<slug>/attachments/``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import frontmatter
import yaml
from sqlalchemy import select

from content import attachments as files
from content import services
from content.kinds import FIELDS
from content.models import KINDS, Attachment, Item, ItemVersion, Pathway
from wisdom import access, markup
from wisdom.audit.services import record
from wisdom.auth.models import User
from wisdom.db import db

CORE_KEYS = (
    "kind",
    "title",
    "slug",
    "summary",
    "classification",
    "pathways",
    "tags",
    "owner",
    "review_by",
)


def item_document(
    item: Item | ItemVersion,
    *,
    cleared: bool,
    kind: str | None = None,
    slug: str | None = None,
    reader=None,
) -> frontmatter.Post:
    """An item (or one version) as front matter and Markdown, as a reader may see it.

    An uncleared ``reader`` sees a beacon's source review only if they may read it.
    """
    kind = kind or item.kind
    meta = {
        "kind": kind,
        "title": item.title,
        "slug": slug or item.slug,
        "summary": item.summary,
        "classification": item.classification,
        "pathways": item.pathways,
        "tags": item.tags,
    }
    owner = db.session.get(User, item.owner_id) if item.owner_id else None
    if owner is not None:
        meta["owner"] = owner.email
    if item.review_by:
        meta["review_by"] = item.review_by.isoformat()
    if cleared:
        meta.update(item.fields)
    else:
        from content import reading

        meta.update(reading.visible_fields(kind, item.fields, reader))
    body = item.body if cleared else markup.open_text(item.body)
    return frontmatter.Post(body, **meta)


@dataclass
class Problem:
    """Something wrong with one file of an import."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class ImportReport:
    """What an import did, or would do."""

    items: int = 0
    versions: int = 0
    actions: int = 0
    attachments: int = 0
    problems: list[Problem] = field(default_factory=list)


class ImportFailed(Exception):
    """The import found problems and changed nothing."""

    def __init__(self, problems: list[Problem]):
        shown = "; ".join(str(p) for p in problems[:3])
        super().__init__(f"{len(problems)} problems, first: {shown}")
        self.problems = problems


def export_library(target: Path, user, progress: Callable[[Iterable], Iterable] = iter) -> int:
    """Write every item the user may read (archived ones too) into ``target``; return the count."""
    from content import policy

    target.mkdir(parents=True, exist_ok=True)
    cleared = access.may_read_confidential_sections(user)
    pathways = db.session.scalars(select(Pathway).order_by(Pathway.position, Pathway.name)).all()
    (target / "pathways.yaml").write_text(
        yaml.safe_dump(
            [
                {"slug": p.slug, "name": p.name, "description": p.description, "active": p.active}
                for p in pathways
            ],
            sort_keys=False,
        )
    )
    items = db.session.scalars(select(Item).where(policy.readable(user)).order_by(Item.id)).all()
    for item in progress(items):
        _export_item(target, item, user, cleared)
    sensitive = [
        i.id
        for i in items
        if i.classification == "confidential" or (cleared and markup.has_confidential(i.body))
    ]
    record(
        "library_exported",
        "library",
        "",
        actor=user,
        items=len(items),
        confidential_items=sensitive,
    )
    db.session.commit()
    return len(items)


def _export_item(target: Path, item: Item, user, cleared: bool) -> None:
    from content import reading

    folder = target / item.kind
    folder.mkdir(exist_ok=True)
    current = item_document(item, cleared=cleared, reader=user)
    if item.archived:
        current["archived"] = True
    if item.kind == "finding" and item.actions:
        current["actions"] = [_action_meta(a, user) for a in item.actions]
    versions = [v for v in item.versions if reading.may_see_version(user, item, v)]
    if len(versions) == 1:
        _add_version_meta(current, versions[0])  # no history folder: keep who, when and why
    (folder / f"{item.slug}.md").write_text(frontmatter.dumps(current) + "\n")
    if len(versions) > 1:
        history = folder / item.slug / "versions"
        history.mkdir(parents=True, exist_ok=True)
        for v in versions:
            post = item_document(v, cleared=cleared, kind=item.kind, slug=item.slug, reader=user)
            _add_version_meta(post, v)
            (history / f"{v.number:04d}.md").write_text(frontmatter.dumps(post) + "\n")
    current_version = services.version_of(item, item.current_version)
    if current_version.attachment_ids:
        folder_att = folder / item.slug / "attachments"
        folder_att.mkdir(parents=True, exist_ok=True)
        for att in db.session.scalars(
            select(Attachment).where(Attachment.id.in_(current_version.attachment_ids))
        ):
            (folder_att / att.filename).write_bytes(files.read(att))


def _add_version_meta(post: frontmatter.Post, version: ItemVersion) -> None:
    """Who saved a version, when and why."""
    post["change_note"] = version.change_note
    post["saved_at"] = version.created_at.isoformat()
    if version.author is not None:
        post["author"] = version.author.email
    if version.restored_from:
        post["restored_from"] = version.restored_from


def _action_meta(action, user) -> dict:
    meta = {"description": action.description, "status": action.status}
    if action.owner is not None:
        meta["owner"] = action.owner.email
    if action.due:
        meta["due"] = action.due.isoformat()
    if action.evidence:
        meta["evidence"] = action.evidence
    if action.answered_by is not None and access.can(user, "library.read", action.answered_by):
        meta["answered_by"] = action.answered_by.slug
        meta["answered_by_version"] = action.answered_by_version
    return meta


@dataclass
class _Planned:
    path: Path
    versions: list[tuple[Path, frontmatter.Post, str]]  # file, document, raw text
    current: frontmatter.Post
    raw: str


def import_library(
    source: Path, actor, *, dry_run: bool = False, progress: Callable[[Iterable], Iterable] = iter
) -> ImportReport:
    """Import a folder written by ``export_library``: all of it, or nothing if any file is bad."""
    problems: list[Problem] = []
    _import_pathways(source, problems)
    # Carry on past unreadable files, so one run reports every problem (nothing is committed).
    planned = _read_all(source, problems)
    report = ImportReport()
    emails = {u.email: u for u in db.session.scalars(select(User))}
    created: dict[str, Item] = {}
    for plan in progress(planned):
        item = _import_item(plan, source, actor, emails, report, problems)
        if item is not None:
            created[item.slug] = item
    for plan in planned:
        slug = plan.current.metadata.get("slug")
        if slug in created and plan.current.metadata.get("actions"):
            _import_actions(plan, created[slug], actor, emails, report, problems)
    if problems:
        db.session.rollback()
        raise ImportFailed(problems)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return report


def _import_pathways(source: Path, problems: list[Problem]) -> None:
    path = source / "pathways.yaml"
    if not path.exists():
        return
    try:
        rows = yaml.safe_load(path.read_text()) or []
    except yaml.YAMLError as error:
        problems.append(
            Problem(
                str(path), _yaml_line(error), f"not valid YAML: {getattr(error, 'problem', error)}"
            )
        )
        return
    known = {p.slug: p for p in db.session.scalars(select(Pathway))}
    for position, row in enumerate(rows):
        if not isinstance(row, dict) or not row.get("slug") or not row.get("name"):
            problems.append(
                Problem(str(path), position + 1, "each pathway needs a slug and a name")
            )
            continue
        if row["slug"] not in known:
            db.session.add(
                Pathway(
                    slug=row["slug"],
                    name=row["name"],
                    description=row.get("description", ""),
                    position=position,
                    active=row.get("active", True),
                )
            )
    db.session.flush()


def _read_all(source: Path, problems: list[Problem]) -> list[_Planned]:
    """Parse every item file and its history; collect every problem."""
    planned: list[_Planned] = []
    seen: set[str] = set()
    for kind in KINDS:
        for path in sorted((source / kind).glob("*.md")) if (source / kind).is_dir() else []:
            parsed = _parse(path, problems)
            if parsed is None:
                continue
            post, raw = parsed
            meta = post.metadata
            slug = meta.get("slug") or path.stem
            if meta.get("kind") != kind:
                problems.append(
                    Problem(
                        str(path),
                        _line_of(raw, "kind"),
                        f"kind must be {kind} for a file in the {kind} folder",
                    )
                )
                continue
            if slug in seen:
                problems.append(
                    Problem(str(path), _line_of(raw, "slug"), f"the slug {slug} is used twice")
                )
                continue
            seen.add(slug)
            history = sorted((source / kind / path.stem / "versions").glob("*.md"))
            versions = []
            for version_path in history:
                parsed_version = _parse(version_path, problems)
                if parsed_version is not None:
                    versions.append((version_path, parsed_version[0], parsed_version[1]))
            planned.append(_Planned(path, versions or [(path, post, raw)], post, raw))
    return planned


def _parse(path: Path, problems: list[Problem]) -> tuple[frontmatter.Post, str] | None:
    raw = path.read_text(encoding="utf-8", errors="replace")
    try:
        post = frontmatter.loads(raw)
    except yaml.YAMLError as error:
        problems.append(
            Problem(
                str(path),
                _yaml_line(error),  # the YAML text starts with the newline after ---
                f"the front matter is not valid YAML: {getattr(error, 'problem', error)}",
            )
        )
        return None
    if not isinstance(post.metadata, dict) or not post.metadata:
        problems.append(
            Problem(str(path), 1, "the file has no front matter (it must start with ---)")
        )
        return None
    return post, raw


def _import_item(
    plan: _Planned, source: Path, actor, emails: dict, report: ImportReport, problems: list[Problem]
) -> Item | None:
    """Replay an item's versions; its files join the last version."""
    item = None
    kind, slug = (
        plan.current.metadata.get("kind"),
        plan.current.metadata.get("slug") or plan.path.stem,
    )
    folder = source / kind / slug / "attachments"
    file_paths = sorted(folder.iterdir()) if folder.is_dir() else []

    def attach(target: Item) -> list[int]:
        ids = []
        for file_path in file_paths:
            try:
                ids.append(files.store(target, file_path.name, file_path.read_bytes(), actor).id)
            except files.AttachmentRefused as error:
                problems.append(Problem(str(file_path), 1, str(error)))
        report.attachments += len(ids)
        return ids

    last = len(plan.versions) - 1
    for n, (path, post, raw) in enumerate(plan.versions):
        data = _data(post, emails)
        note = str(
            post.metadata.get("change_note")
            or ("First version" if item is None else "Imported version")
        )
        author = emails.get(post.metadata.get("author"), actor)
        saved = post.metadata.get("saved_at")
        saved_at = datetime.fromisoformat(str(saved)) if saved else None
        try:
            with db.session.begin_nested():
                if item is None:
                    if db.session.scalar(select(Item.id).where(Item.slug == data.slug)):
                        raise services.InvalidItem(
                            {"slug": f"an item with the slug {data.slug} already exists"}
                        )
                    item = services.create(
                        data,
                        author,
                        change_note=note,
                        saved_at=saved_at,
                        attach=attach if n == last else None,
                    )
                else:
                    ids = attach(item) if n == last else None
                    services.update(
                        item,
                        data,
                        item.lock_version,
                        author,
                        change_note=note,
                        saved_at=saved_at,
                        attachment_ids=ids,
                    )
        except services.InvalidItem as error:
            for key, message in error.errors.items():
                problems.append(Problem(str(path), _line_of(raw, key), message))
            return None
        report.versions += 1
    report.items += 1
    if plan.current.metadata.get("archived"):
        services.set_archived(item, True, actor)
    return item


def _data(post: frontmatter.Post, emails: dict) -> services.ItemData:
    meta = post.metadata
    kind = meta.get("kind", "")
    owner = emails.get(meta.get("owner")) if meta.get("owner") else None
    review_by = meta.get("review_by")
    if isinstance(review_by, str):
        try:
            review_by = date.fromisoformat(review_by)
        except ValueError:
            review_by = None
    kind_fields = {f.key: meta.get(f.key) for f in FIELDS.get(kind, ())}
    for key, value in kind_fields.items():
        if isinstance(value, date):
            kind_fields[key] = value.isoformat()
    return services.ItemData(
        kind=kind, title=str(meta.get("title") or ""), summary=str(meta.get("summary") or ""),
        body=post.content, classification=str(meta.get("classification") or ""),
        tags=[str(t) for t in meta.get("tags") or []], pathways=[str(p) for p in meta.get("pathways") or []],
        fields=kind_fields, owner_id=owner.id if owner else None,
        review_by=review_by if isinstance(review_by, date) else None,
        slug=str(meta.get("slug")) if meta.get("slug") else None,
    )  # fmt: skip


def _import_actions(
    plan: _Planned, item: Item, actor, emails: dict, report: ImportReport, problems: list[Problem]
) -> None:
    for entry in plan.current.metadata.get("actions") or []:
        if not isinstance(entry, dict):
            problems.append(
                Problem(
                    str(plan.path), _line_of(plan.raw, "actions"), "each action needs a description"
                )
            )
            continue
        owner = emails.get(entry.get("owner"))
        due = entry.get("due")
        due = date.fromisoformat(due) if isinstance(due, str) else due
        answered = None
        if entry.get("answered_by"):
            answered = db.session.scalar(select(Item).where(Item.slug == entry["answered_by"]))
        try:
            with db.session.begin_nested():
                action = services.add_action(
                    item,
                    str(entry.get("description") or ""),
                    owner.id if owner else None,
                    due,
                    actor,
                )
                services.update_action(
                    action,
                    status=entry.get("status", "open"),
                    evidence=str(entry.get("evidence") or ""),
                    answered_by=answered,
                    actor=actor,
                )
                _answered_version(action, answered, entry.get("answered_by_version"))
        except services.InvalidItem as error:
            for message in error.errors.values():
                problems.append(
                    Problem(str(plan.path), _line_of(plan.raw, "actions"), f"action: {message}")
                )
            continue
        report.actions += 1


def _answered_version(action, answered: Item | None, number) -> None:
    """Link the exact version that answered an action, when the file names one."""
    if answered is None or number is None:
        return
    if not isinstance(number, int) or not 1 <= number <= answered.current_version:
        raise services.InvalidItem(
            {"answered_by_version": f"{answered.slug} has no version {number}"}
        )
    action.answered_by_version = number


def _line_of(raw: str, key: str) -> int:
    """The line of a front-matter key in a file (1 if it is not there)."""
    match = re.search(rf"^{re.escape(key)}\s*:", raw, re.MULTILINE)
    return raw.count("\n", 0, match.start()) + 1 if match else 1


def _yaml_line(error: yaml.YAMLError) -> int:
    mark = getattr(error, "problem_mark", None)
    return (mark.line + 1) if mark is not None else 1
