"""Word-level differences between two texts, as escaped HTML with <ins> and <del>."""

from __future__ import annotations

import difflib
import re

from markupsafe import Markup, escape

TOKEN = re.compile(r"\s+|[^\s]+")


def diff_html(before: str, after: str) -> Markup:
    """Escaped HTML of ``after`` with words removed from ``before`` in <del> and added in <ins>."""
    old, new = TOKEN.findall(before or ""), TOKEN.findall(after or "")
    out: list[str] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.append(str(escape("".join(old[a1:a2]))))
            continue
        if op in ("delete", "replace"):
            out.append(f"<del>{escape(''.join(old[a1:a2]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{escape(''.join(new[b1:b2]))}</ins>")
    return Markup("".join(out))  # noqa: S704 - every piece is escaped


def changed(before: str, after: str) -> bool:
    """Whether two texts differ."""
    return (before or "") != (after or "")
