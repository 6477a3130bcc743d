"""Writing the library: every save is a new immutable version, audited, in one transaction."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm.exc import StaleDataError

from content.kinds import check_fields
from content.models import (
    CLASSIFICATIONS,
    KINDS,
    Action,
    Item,
    ItemLink,
    ItemShare,
    ItemTerm,
    ItemVersion,
    Pathway,
)
from search import outbox
from wisdom import markup, signals
from wisdom.audit.services import record
from wisdom.db import db, utcnow

MAX_TITLE = 300
MAX_SUMMARY = 2000
MAX_BODY = 500_000
TAG = re.compile(r"^[a-z0-9][a-z0-9 '&-]{0,59}$")


class InvalidItem(ValueError):
    """The item was not saved; ``errors`` says what to fix, by field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class StaleEdit(RuntimeError):
    """Someone else saved the item first; nothing was saved."""

    def __init__(self, item: Item):
        super().__init__(f"{item.title} was changed by someone else while you were editing it")
        self.item = item


@dataclass
class ItemData:
    """What an author gives for an item: the shared core and the kind's own fields."""

    kind: str
    title: str
    summary: str = ""
    body: str = ""
    classification: str = ""
    tags: list[str] = field(default_factory=list)
    pathways: list[str] = field(default_factory=list)
    fields: dict = field(default_factory=dict)
    owner_id: int | None = None
    review_by: date | None = None
    slug: str | None = None

    @classmethod
    def of(cls, item: Item | ItemVersion, kind: str) -> ItemData:
        """The data of an item or one of its versions."""
        return cls(
            kind=kind, title=item.title, summary=item.summary, body=item.body,
            classification=item.classification, tags=item.tags, pathways=item.pathways,
            fields=item.fields, owner_id=item.owner_id, review_by=item.review_by,
        )  # fmt: skip


def default_classification(kind: str, fields: dict) -> str:
    """Case-based inspection findings and SFO reviews are confidential unless said otherwise."""
    if kind == "finding" and (fields.get("source") == "sfo_review" or fields.get("case_based")):
        return "confidential"
    return "staff" if kind in ("finding", "feedback") else "open"


def clean(data: ItemData) -> ItemData:
    """Check and normalise an item's data; raise InvalidItem listing every problem."""
    errors: dict[str, str] = {}
    if data.kind not in KINDS:
        raise InvalidItem({"kind": f"Kind must be one of {', '.join(KINDS)}"})
    title = " ".join((data.title or "").split())
    if not title:
        errors["title"] = "Enter a title"
    elif len(title) > MAX_TITLE:
        errors["title"] = f"The title must be {MAX_TITLE} characters or fewer"
    summary = (data.summary or "").strip()
    if len(summary) > MAX_SUMMARY:
        errors["summary"] = f"The summary must be {MAX_SUMMARY} characters or fewer"
    body = (data.body or "").replace("\r\n", "\n")
    if len(body) > MAX_BODY:
        errors["body"] = "The text is too long. Split it into more than one item"
    fields, field_errors = check_fields(data.kind, data.fields or {})
    errors.update(field_errors)
    classification = data.classification or default_classification(data.kind, fields)
    if classification not in CLASSIFICATIONS:
        errors["classification"] = "Choose open, staff only or confidential"
    tags = sorted({" ".join(t.lower().split()) for t in data.tags if t and t.strip()})
    bad = [t for t in tags if not TAG.match(t)]
    if bad:
        errors["tags"] = f"Tags use letters, numbers, spaces and hyphens only: {', '.join(bad)}"
    known = set(db.session.scalars(select(Pathway.slug)))
    pathways = sorted(set(data.pathways))
    unknown = [p for p in pathways if p not in known]
    if unknown:
        errors["pathways"] = f"Unknown pathway: {', '.join(unknown)}"
    if data.slug is not None and not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,119}", data.slug):
        errors["slug"] = "A web address name uses lower-case letters, numbers and hyphens only"
    if errors:
        raise InvalidItem(errors)
    return ItemData(
        kind=data.kind, title=title, summary=summary, body=body, classification=classification,
        tags=tags, pathways=pathways, fields=fields, owner_id=data.owner_id,
        review_by=data.review_by, slug=data.slug,
    )  # fmt: skip


def slugify(title: str) -> str:
    """A web address name from a title."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:100].strip("-")
    return slug or "item"


def _unique_slug(wanted: str) -> str:
    """``wanted``, or ``wanted-2``, ``wanted-3``… if taken."""
    taken = set(
        db.session.scalars(
            select(Item.slug).where((Item.slug == wanted) | Item.slug.like(f"{wanted}-%"))
        )
    )
    if wanted not in taken:
        return wanted
    n = 2
    while f"{wanted}-{n}" in taken:
        n += 1
    return f"{wanted}-{n}"


def create(
    data: ItemData,
    actor,
    *,
    change_note: str = "First version",
    cause: str = "",
    saved_at=None,
    attach: Callable[[Item], list[int]] | None = None,
) -> Item:
    """Create an item and its first version."""
    data = clean(data)
    if data.slug and db.session.scalar(select(Item.id).where(Item.slug == data.slug)):
        raise InvalidItem({"slug": f"The web address name {data.slug} is already used"})
    now = utcnow()
    item = Item(
        kind=data.kind, slug=data.slug or _unique_slug(slugify(data.title)),
        created_at=now, current_version=0,
    )  # fmt: skip
    _apply(item, data)
    db.session.add(item)
    db.session.flush()
    ids = attach(item) if attach else []
    _new_version(
        item, actor, change_note or "First version", cause, saved_at=saved_at, attachment_ids=ids
    )
    # A confidential item's slug is made from its title: keep it out of the audit log, which
    # administrators without clearance read.
    named = {} if item.classification == "confidential" else {"slug": item.slug}
    record("item_created", "item", item.id, actor=actor, kind=item.kind, **named)
    return item


def update(
    item: Item,
    data: ItemData,
    expected_lock: int,
    actor,
    *,
    change_note: str,
    cause: str = "",
    attachment_ids: list[int] | None = None,
    saved_at=None,
) -> ItemVersion:
    """Save a new version of an item, refusing if someone saved since ``expected_lock``."""
    if item.lock_version != expected_lock:
        raise StaleEdit(item)
    data = clean(data)
    if not (change_note or "").strip():
        raise InvalidItem({"change_note": "Say what you changed and why"})
    _apply(item, data)
    # Write the row (and take its lock) now, so a race lost to another writer on PostgreSQL is
    # a StaleEdit here rather than a StaleDataError from a later autoflush.
    _flush_or_stale(item)
    version = _new_version(
        item, actor, change_note.strip(), cause, attachment_ids=attachment_ids, saved_at=saved_at
    )
    _flush_or_stale(item)
    record("item_updated", "item", item.id, actor=actor, version=version.number)
    return version


def restore(item: Item, number: int, expected_lock: int, actor) -> ItemVersion:
    """Make an old version current again, as a new version."""
    old = version_of(item, number)
    if old is None:
        raise InvalidItem({"version": f"There is no version {number}"})
    if item.lock_version != expected_lock:
        raise StaleEdit(item)
    _apply(item, clean(ItemData.of(old, item.kind)))
    _flush_or_stale(item)  # as in update: a lost race is a StaleEdit
    version = _new_version(
        item, actor, f"Restored version {number}", "", restored_from=number,
        attachment_ids=old.attachment_ids,
    )  # fmt: skip
    _flush_or_stale(item)
    record("item_restored", "item", item.id, actor=actor, version=version.number, source=number)
    return version


def set_archived(item: Item, archived: bool, actor) -> None:
    """Archive an item (hidden everywhere but restorable by editors), or bring it back."""
    if item.archived == archived:
        return
    item.archived = archived
    item.updated_at = utcnow()
    outbox.enqueue(f"item:{item.id}")
    _flush_or_stale(item)
    record("item_archived" if archived else "item_unarchived", "item", item.id, actor=actor)
    signals.item_archived.send(current_app._get_current_object(), item=item)


def _apply(item: Item, data: ItemData) -> None:
    """Copy clean data onto the item's current state."""
    item.title, item.summary, item.body = data.title, data.summary, data.body
    item.classification = data.classification
    item.tags_json = json.dumps(data.tags)
    item.pathways_json = json.dumps(data.pathways)
    item.fields_json = json.dumps(data.fields, sort_keys=True)
    item.owner_id, item.review_by = data.owner_id, data.review_by
    item.updated_at = utcnow()


def _new_version(
    item: Item, actor, note: str, cause: str, restored_from=None, attachment_ids=None, saved_at=None
) -> ItemVersion:
    """Write the immutable version of the item's current state, and refresh links and terms."""
    if attachment_ids is None:
        previous = version_of(item, item.current_version) if item.current_version else None
        attachment_ids = previous.attachment_ids if previous else []
    item.current_version += 1
    version = ItemVersion(
        item_id=item.id, number=item.current_version, title=item.title, summary=item.summary,
        body=item.body, classification=item.classification, tags_json=item.tags_json,
        pathways_json=item.pathways_json, fields_json=item.fields_json,
        attachments_json=json.dumps(attachment_ids),
        owner_id=item.owner_id, review_by=item.review_by, author_id=getattr(actor, "id", None),
        created_at=saved_at or utcnow(), change_note=note, cause=cause, restored_from=restored_from,
    )  # fmt: skip
    db.session.add(version)
    _refresh_links_and_terms(item)
    outbox.enqueue(f"item:{item.id}")
    signals.item_saved.send(current_app._get_current_object(), item=item, version=version)
    return version


def _refresh_links_and_terms(item: Item) -> None:
    """Rebuild the item's outgoing links and its tag and pathway terms."""
    db.session.execute(delete(ItemLink).where(ItemLink.source_id == item.id))
    db.session.execute(delete(ItemTerm).where(ItemTerm.item_id == item.id))
    open_links = markup.linked_slugs(markup.open_text(item.body))
    secret_links = markup.linked_slugs(markup.confidential_text(item.body)) - open_links
    for slug in sorted(open_links - {item.slug}):
        db.session.add(ItemLink(source_id=item.id, target_slug=slug, confidential=False))
    for slug in sorted(secret_links - {item.slug}):
        db.session.add(ItemLink(source_id=item.id, target_slug=slug, confidential=True))
    for tag in item.tags:
        db.session.add(ItemTerm(item_id=item.id, facet="tag", value=tag))
    for pathway in item.pathways:
        db.session.add(ItemTerm(item_id=item.id, facet="pathway", value=pathway))


def _flush_or_stale(item: Item) -> None:
    """Flush, turning a lost optimistic-lock race into StaleEdit."""
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        fresh = db.session.get(Item, item.id)
        raise StaleEdit(fresh) from None


def version_of(item: Item, number: int) -> ItemVersion | None:
    """One version of an item."""
    return db.session.scalar(
        select(ItemVersion).where(ItemVersion.item_id == item.id, ItemVersion.number == number)
    )


def version_count(item: Item) -> int:
    """How many versions an item has."""
    return db.session.scalar(select(func.count()).where(ItemVersion.item_id == item.id))


def share(item: Item, *, user_id: int | None = None, team_id: int | None = None, actor) -> None:
    """Share an item with a named user or a team."""
    if (user_id is None) == (team_id is None):
        raise InvalidItem({"share": "Choose a person or a team to share with"})
    exists = any(s.user_id == user_id and s.team_id == team_id for s in item.shares)
    if not exists:
        item.shares.append(ItemShare(user_id=user_id, team_id=team_id))
        outbox.enqueue(f"item:{item.id}")
        record("item_shared", "item", item.id, actor=actor, user=user_id, team=team_id)


ACTION_STATUSES = tuple(Action.STATUSES)


def add_action(finding: Item, description: str, owner_id, due, actor) -> Action:
    """Agree an action on a finding."""
    if finding.kind != "finding":
        raise InvalidItem({"description": "Actions belong to findings"})
    if not (description or "").strip():
        raise InvalidItem({"description": "Enter what will be done"})
    action = Action(
        finding_id=finding.id, description=description.strip(), owner_id=owner_id, due=due
    )
    db.session.add(action)
    db.session.flush()
    finding.actions.append(action)
    record("action_added", "finding", finding.id, actor=actor, action_id=action.id)
    return action


def update_action(
    action: Action, *, status: str, evidence: str, answered_by: Item | None, actor
) -> None:
    """Move an action on; done needs evidence. Links the version of guidance that answered it."""
    if status not in Action.STATUSES:
        raise InvalidItem({"status": "Choose not started, in progress or done"})
    if status == "done" and not (evidence or "").strip():
        raise InvalidItem({"evidence": "Say what shows the action is done"})
    action.status, action.evidence = status, (evidence or "").strip()
    action.completed_at = utcnow() if status == "done" else None
    if answered_by is not None:
        action.answered_by_item_id = answered_by.id
        action.answered_by_version = answered_by.current_version
    record(
        "action_updated",
        "finding",
        action.finding_id,
        actor=actor,
        action_id=action.id,
        status=status,
    )
