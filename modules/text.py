"""Small text helpers: web address names, Markdown as plain words, and the pathway taxonomy."""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa

from wisdom.db import db

MARKDOWN_NOISE = re.compile(r"[#*_`>|~]+|\[\[([^\]|]+)(?:\|([^\]]+))?\]\]|\[([^\]]*)\]\([^)]*\)")

# The pathway taxonomy is the centre's shared table (seeded by migration 0002 and edited in the
# library); modules read it by name rather than importing the library, a sibling component.
PATHWAYS = sa.table(
    "pathways",
    sa.column("slug", sa.String),
    sa.column("name", sa.String),
    sa.column("position", sa.Integer),
    sa.column("active", sa.Boolean),
)


def slugify(title: str) -> str:
    """A web address name from a title."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:100].strip("-")
    return slug or "module"


def plain(text: str) -> str:
    """Markdown as plain words, for indexing and CSV."""

    def keep(match: re.Match) -> str:
        return match.group(2) or match.group(1) or match.group(3) or " "

    return " ".join(MARKDOWN_NOISE.sub(keep, text or "").split())


def pathway_names() -> dict[str, str]:
    """Pathway names by slug, in the taxonomy's order."""
    rows = db.session.execute(
        sa.select(PATHWAYS.c.slug, PATHWAYS.c.name).order_by(PATHWAYS.c.position, PATHWAYS.c.name)
    )
    return dict(rows.all())
