"""Reading the library: what a person may see of an item, its versions and differences."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, session
from markupsafe import Markup
from sqlalchemy import and_, func, or_, select

from content import policy
from content.kinds import FIELDS, label_of
from content.models import CLASSIFICATIONS, Item, ItemLink, ItemTerm, ItemVersion, Pathway
from wisdom import access, diffs, markup
from wisdom.audit.services import record
from wisdom.db import db

REASONS_KEY = "confidential_reasons"


def find(slug: str, user, action: str = "library.read") -> Item:
    """The item at ``slug`` if the user may do ``action`` to it; the same 404 otherwise."""
    item = db.session.scalar(select(Item).where(Item.slug == slug))
    if item is None or not access.can(user, action, item):
        abort(404)
    return item


def may_see_version(user, item: Item, version: ItemVersion) -> bool:
    """Whether a version's content may be shown (its classification then, as well as now)."""
    return access.may_read(user, version.classification, policy.shared_principals(item))


def body_html(text: str, user) -> Markup:
    """An item's text as safe HTML for this reader."""
    return markup.render(
        text,
        cleared=access.may_read_confidential_sections(user),
        linkable=lambda slugs: readable_slugs(slugs, user),
    )


def readable_slugs(slugs: set[str], user) -> set[str]:
    """Which of these slugs name items the user may open."""
    if not slugs:
        return set()
    items = db.session.scalars(select(Item).where(Item.slug.in_(slugs))).all()
    return {item.slug for item in items if access.can(user, "library.read", item)}


def is_sensitive(item_or_version) -> bool:
    """Confidential as a whole, or holding confidential sections."""
    return item_or_version.classification == "confidential" or markup.has_confidential(
        item_or_version.body
    )


def sees_confidential(user, item_or_version) -> bool:
    """Whether this reader is shown confidential content of it (and so must be audited)."""
    if item_or_version.classification == "confidential":
        return True  # they could open it, so they are cleared or it is shared with them
    return access.may_read_confidential_sections(user) and markup.has_confidential(
        item_or_version.body
    )


def reason_given(item: Item) -> str | None:
    """The reason given this session for opening a confidential item."""
    return session.get(REASONS_KEY, {}).get(str(item.id))


def give_reason(item: Item, reason: str) -> None:
    """Remember for this session why the reader opened a confidential item."""
    reasons = dict(session.get(REASONS_KEY, {}))
    reasons[str(item.id)] = reason[:300]
    session[REASONS_KEY] = reasons


def audit_view(item: Item, version: int, user, how: str = "viewed") -> None:
    """Record a view, export or print of confidential content: who, when, what, why.

    The item is named by its id, not its slug: a slug is made from the title, and the audit log
    is read by administrators who may hold no clearance.
    """
    record(
        f"confidential_{how}", "item", item.id, actor=user,
        reason=reason_given(item) or "", version=version,
    )  # fmt: skip


@dataclass
class FieldDiff:
    """One field's difference between two versions."""

    label: str
    html: Markup
    changed: bool


def compare(item: Item, a: ItemVersion, b: ItemVersion, user) -> list[FieldDiff]:
    """Field-by-field differences of two versions, as this reader may see them."""
    cleared = access.may_read_confidential_sections(user)

    def text(v: ItemVersion) -> str:
        return v.body if cleared else markup.open_text(v.body)

    pairs = [
        ("Title", a.title, b.title),
        ("Summary", a.summary, b.summary),
        ("Text", text(a), text(b)),
        ("Tags", ", ".join(a.tags), ", ".join(b.tags)),
        ("Pathways", ", ".join(a.pathways), ", ".join(b.pathways)),
        ("Classification", CLASSIFICATIONS[a.classification], CLASSIFICATIONS[b.classification]),
        ("Review by", str(a.review_by or ""), str(b.review_by or "")),
    ]
    fields_a = visible_fields(item.kind, a.fields, user)
    fields_b = visible_fields(item.kind, b.fields, user)
    for spec in FIELDS[item.kind]:
        pairs.append(
            (
                spec.label,
                label_of(item.kind, spec.key, fields_a.get(spec.key)),
                label_of(item.kind, spec.key, fields_b.get(spec.key)),
            )
        )
    return [FieldDiff(label, diffs.diff_html(x, y), diffs.changed(x, y)) for label, x, y in pairs]


def visible_fields(kind: str, fields: dict, user) -> dict:
    """A kind's fields as a reader may see them: a beacon's source review only if they may read it."""
    slug = fields.get("source_item") if kind == "beacon" else None
    if not slug or access.may_read_confidential_sections(user):
        return fields
    source = db.session.scalar(select(Item).where(Item.slug == slug))
    if source is not None and access.can(user, "library.read", source):
        return fields
    return {k: v for k, v in fields.items() if k != "source_item"}


def backlinks(item: Item, user) -> list[Item]:
    """Items that link to this one and that the reader may see."""
    cleared = access.may_read_confidential_sections(user)
    query = (
        select(Item)
        .join(ItemLink, ItemLink.source_id == Item.id)
        .where(ItemLink.target_slug == item.slug, ~Item.archived, policy.readable(user))
        .order_by(Item.title)
    )
    if not cleared:
        query = query.where(~ItemLink.confidential)
    return list(db.session.scalars(query).unique())


def related(item: Item, user, limit: int = 5) -> list[Item]:
    """Other items sharing the most tags and pathways with this one."""
    terms = select(ItemTerm.facet, ItemTerm.value).where(ItemTerm.item_id == item.id)
    pairs = [(f, v) for f, v in db.session.execute(terms)]
    if not pairs:
        return []
    matches = or_(*[and_(ItemTerm.facet == f, ItemTerm.value == v) for f, v in pairs])
    query = (
        select(Item, func.count(ItemTerm.id).label("shared"))
        .join(ItemTerm, ItemTerm.item_id == Item.id)
        .where(matches, Item.id != item.id, ~Item.archived, policy.readable(user))
        .group_by(Item.id)
        .order_by(func.count(ItemTerm.id).desc(), Item.title)
        .limit(limit)
    )
    return [row[0] for row in db.session.execute(query)]


def pathway_names() -> dict[str, str]:
    """Pathway names by slug."""
    return dict(db.session.execute(select(Pathway.slug, Pathway.name)).all())
