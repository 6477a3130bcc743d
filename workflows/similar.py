"""Similar modules and open proposals for a title, through the search service."""

from __future__ import annotations

from search import service as search
from search.engine import Hit

KINDS = ["module", "proposal"]
LIMIT = 5


def find(user, title: str, exclude: int | None = None) -> list[Hit]:
    """Up to five modules and open proposals like ``title`` that the user may see."""
    if not (title or "").strip():
        return []
    outcome = search.run(user, title, kinds=KINDS, record=False, page_size=LIMIT * 2)
    if outcome.results is None:
        return []
    seen, found = set(), []
    for hit in outcome.results.hits:
        if hit.url in seen or hit.id == f"proposal:{exclude}":
            continue
        seen.add(hit.url)
        found.append(hit)
    return found[:LIMIT]
