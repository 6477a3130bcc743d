"""Highlighted snippets cut from stored text with one regular expression (fast, always escaped)."""

from __future__ import annotations

import re

from markupsafe import escape

from search.engine import SearchRequest

WIDTH = 240
LEAD = 80


def query_words(request: SearchRequest) -> list[str]:
    """Every word a request looks for, synonyms included (not the excluded ones)."""
    found = []
    for clause in request.clauses:
        for alternative in clause.alternatives:
            found.extend(alternative)
    return found


def pattern(words: list[str]) -> re.Pattern | None:
    """Words, or their stems' likely start, as a case-insensitive pattern."""
    starts = sorted(
        {w[: max(4, len(w) - 3)] if len(w) > 4 else w for w in words if len(w) > 1},
        key=len,
        reverse=True,
    )
    if not starts:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(s) for s in starts) + r")\w*", re.IGNORECASE)


def snippet(text: str, matcher: re.Pattern | None) -> str:
    """Safe HTML: a window of ``text`` around the first match, matches wrapped in <mark>."""
    if not text or matcher is None:
        return ""
    first = matcher.search(text)
    if first is None:
        return ""
    start = max(0, first.start() - LEAD)
    if start:
        start = text.find(" ", start) + 1 or start
    end = min(len(text), start + WIDTH)
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > first.end() else end
    piece = text[start:end]
    out, last = [], 0
    for match in matcher.finditer(piece):
        out.append(str(escape(piece[last : match.start()])))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(str(escape(piece[last:])))
    return ("… " if start else "") + "".join(out) + (" …" if end < len(text) else "")
