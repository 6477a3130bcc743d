"""Turns library items into search documents (registered with the search component)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import lazyload, load_only

from content import policy
from content.models import Item
from search.documents import SearchDocument
from wisdom import access, markup
from wisdom.db import db

KIND = "item"
RULE_COLUMNS = (Item.id, Item.kind, Item.classification, Item.archived, Item.lock_version)
MARKDOWN_NOISE = re.compile(r"[#*_`>|~]+|\[\[([^\]|]+)(?:\|([^\]]+))?\]\]|\[([^\]]*)\]\([^)]*\)")


def plain(text: str) -> str:
    """Markdown as plain words, for indexing and snippets."""

    def keep(match: re.Match) -> str:
        return match.group(2) or match.group(1) or match.group(3) or " "

    return " ".join(MARKDOWN_NOISE.sub(keep, text or "").split())


def document(item: Item) -> SearchDocument:
    """The search document of an item's current version."""
    return SearchDocument(
        id=f"{KIND}:{item.id}", kind=item.kind, title=item.title, summary=item.summary,
        body=plain(markup.open_text(item.body)), restricted=plain(markup.confidential_text(item.body)),
        tags=item.tags, pathways=item.pathways, section="library", classification=item.classification,
        acl=access.acl(item.classification, policy.shared_principals(item)),
        updated=item.updated_at, review_by=item.review_by, slug=item.slug,
        url=url_for("library.item", slug=item.slug),
    )  # fmt: skip


class LibraryProvider:
    """Search provider for library items."""

    kind = KIND

    def documents(self, keys: Iterable[str]) -> dict[str, SearchDocument | None]:
        """Documents for item ids; archived or missing items are removed from the index."""
        ids = [int(k) for k in keys if str(k).isdigit()]
        items = {str(i.id): i for i in db.session.scalars(select(Item).where(Item.id.in_(ids)))}
        return {
            k: (document(items[k]) if k in items and not items[k].archived else None)
            for k in map(str, keys)
        }

    def all_keys(self) -> Iterable[str]:
        """Every item that belongs in the index."""
        return [
            str(i)
            for i in db.session.scalars(select(Item.id).where(~Item.archived).order_by(Item.id))
        ]

    def visible(self, user, keys: Iterable[str]) -> set[str]:
        """Items the user may read now, checked against the database."""
        ids = [int(k) for k in keys if str(k).isdigit()]
        # Only what the access rule reads (the rest loads if anything later asks for it).
        lean = (lazyload(Item.owner), lazyload(Item.actions), load_only(*RULE_COLUMNS))
        items = db.session.scalars(
            select(Item).options(*lean).where(Item.id.in_(ids), ~Item.archived)
        )
        return {str(i.id) for i in items if access.can(user, "library.read", i)}
