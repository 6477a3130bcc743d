"""The library's link provider: guidance and beacons related to another component's object."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from content import policy
from content.models import Item, ItemTerm
from wisdom.components import Link, LinkSubject
from wisdom.db import db

GROUPS = {"guidance": "Related guidance", "beacon": "Good-practice beacons"}
LIMIT = 6


def related_library_items(subject: LinkSubject, user) -> list[Link]:
    """Guidance and beacons on the subject's pathways that the reader may see, newest first."""
    if subject.kind == "item" or not subject.pathways:
        return []
    on_pathways = select(ItemTerm.item_id).where(
        ItemTerm.facet == "pathway", ItemTerm.value.in_(subject.pathways)
    )
    links = []
    for kind, group in GROUPS.items():
        items = db.session.scalars(
            select(Item)
            .where(
                Item.kind == kind, ~Item.archived, Item.id.in_(on_pathways),
                policy.readable(user),
            )
            .order_by(Item.updated_at.desc(), Item.id.desc())
            .limit(LIMIT)
        )  # fmt: skip
        links += [
            Link(
                title=i.title,
                url=url_for("library.item", slug=i.slug),
                group=group,
                detail=i.summary,
            )
            for i in items
        ]
    return links
