"""Markdown to safe HTML: render first, then sanitise with an allow-list (nh3).

Library text may hold confidential sections, fenced as ```confidential ... ```. They are split out
before rendering, so an uncleared reader's HTML is built from text that never contained them.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

import markdown
import nh3
from markdown.extensions.fenced_code import FencedBlockPreprocessor
from markdown.extensions.toc import slugify
from markupsafe import Markup, escape

RESTRICTED_NOTE = "Some content is restricted."
# attr_list and md_in_html stay off: they would let authors write attributes and raw blocks.
EXTENSIONS = ["tables", "fenced_code", "toc", "sane_lists"]
# Heading anchors get a prefix no page id uses, so an author's heading cannot take a page's id.
ANCHOR_PREFIX = "section-"
EXTENSION_CONFIGS = {
    "toc": {"permalink": False, "slugify": lambda text, sep: ANCHOR_PREFIX + slugify(text, sep)}
}
TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "del", "ins",
    "sup", "sub",
}  # fmt: skip
ATTRIBUTES = {
    "*": set(),  # nh3 otherwise lets lang and title onto every tag
    "a": {"href", "title"},
    **{f"h{n}": {"id"} for n in range(1, 7)},
    "th": {"scope"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# GOV.UK classes are set by the sanitiser itself, replacing whatever an author wrote.
CLASSES = {
    "p": {"class": "govuk-body"},
    "h1": {"class": "govuk-heading-l"},
    "h2": {"class": "govuk-heading-m"},
    "h3": {"class": "govuk-heading-s"},
    "h4": {"class": "govuk-heading-s"},
    "ul": {"class": "govuk-list govuk-list--bullet"},
    "ol": {"class": "govuk-list govuk-list--number"},
    "a": {"class": "govuk-link"},
    "table": {"class": "govuk-table"},
    "tr": {"class": "govuk-table__row"},
    "th": {"class": "govuk-table__header"},
    "td": {"class": "govuk-table__cell"},
    "thead": {"class": "govuk-table__head"},
    "tbody": {"class": "govuk-table__body"},
    "blockquote": {"class": "govuk-inset-text"},
    "hr": {"class": "govuk-section-break govuk-section-break--m govuk-section-break--visible"},
}
OPENING = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*?)[ \t]*$")
CLOSING_INDENT = re.compile(r" {0,3}[`~]")
# The renderer's own rule for a fenced code block, so the splitter agrees with it line for line.
CODE_BLOCK = FencedBlockPreprocessor.FENCED_BLOCK_RE
ITEM_LINK = re.compile(r"\[\[(?P<slug>[a-z0-9][a-z0-9-]{0,119})(?:\|(?P<text>[^\]\n]{1,200}))?\]\]")


@dataclass(frozen=True)
class Segment:
    """A run of Markdown, open or confidential."""

    text: str
    confidential: bool


def split(source: str) -> list[Segment]:
    """Split Markdown into open runs and ```confidential fenced runs (other fences are left alone)."""
    segments: list[Segment] = []
    current: list[str] = []
    # Line breaks as Python-Markdown reads them (it turns a lone \r into \n too), or a fence the
    # renderer sees would be missed here and its section shown to everyone.
    lines = (source or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    n = 0
    while n < len(lines):
        match = OPENING.match(lines[n])
        if match and match["info"].strip().lower() == "confidential":  # str.strip: nbsp too
            _close(segments, current, confidential=False)
            n, current = _confidential_run(lines, n + 1, match["fence"])
            _close(segments, current, confidential=True)
            current = []
            continue
        code = _code_block_lines(lines, n) if match else 0
        current.extend(lines[n : n + max(code, 1)])
        n += max(code, 1)
    _close(segments, current, confidential=False)
    return segments


def _confidential_run(lines: list[str], n: int, fence: str) -> tuple[int, list[str]]:
    """The lines of a confidential section from line ``n``, and the line after its closing fence.

    Indented four or more (or by a tab), a fence is content, as in CommonMark: a section must not
    end early and let the rest out. An unclosed section stays confidential to the end.
    """
    body: list[str] = []
    for index in range(n, len(lines)):
        line = lines[index]
        stripped = line.strip()
        if (
            stripped.startswith(fence)
            and set(stripped) == {fence[0]}
            and CLOSING_INDENT.match(line)
        ):
            return index + 1, body
        body.append(line)
    return len(lines), body


def _code_block_lines(lines: list[str], n: int) -> int:
    """How many lines the fenced code block opening at line ``n`` spans, as Python-Markdown sees it.

    Zero when Python-Markdown would not read a code block there (an info string it does not accept,
    an indented fence, no closing fence): the line is prose, and a confidential fence after it must
    still be found.
    """
    found = CODE_BLOCK.match("\n".join(lines[n:]))
    return found.group(0).count("\n") + 1 if found else 0


def _close(segments: list[Segment], lines: list[str], confidential: bool) -> None:
    text = "\n".join(lines)
    if text.strip() or confidential:
        segments.append(Segment(text, confidential))


def has_confidential(source: str) -> bool:
    """Whether Markdown holds a confidential section."""
    return any(s.confidential for s in split(source))


def open_text(source: str) -> str:
    """The Markdown an uncleared reader may see: confidential sections replaced by a note."""
    parts = [RESTRICTED_NOTE if s.confidential else s.text for s in split(source)]
    return "\n\n".join(parts)


def confidential_text(source: str) -> str:
    """Only the confidential sections' text (for the restricted search field)."""
    return "\n\n".join(s.text for s in split(source) if s.confidential)


def linked_slugs(source: str) -> set[str]:
    """Slugs of the library items this Markdown links to with [[slug]]."""
    return {m["slug"] for m in ITEM_LINK.finditer(source or "")}


def render(
    source: str,
    *,
    cleared: bool,
    link_base: str = "/library/",
    linkable: Callable[[set[str]], set[str]] | None = None,
) -> Markup:
    """Safe HTML for a reader: confidential sections shown only when ``cleared``.

    ``linkable`` picks, from the slugs the text links to, those this reader may open; links to
    the others are shown as plain text rather than as links that end in "page not found".
    """
    if linkable is not None:
        source = _unlink(source, linkable(linked_slugs(source)))
    placeholders: dict[str, str] = {}
    parts = []
    for segment in split(source):
        if not segment.confidential:
            parts.append(segment.text)
            continue
        key = f"WISDOMSECTION{secrets.token_hex(8)}"
        placeholders[key] = (
            _confidential_block(segment.text, link_base) if cleared else _restricted()
        )
        parts.append(f"\n\n{key}\n\n")
    html = _safe_html("\n".join(parts), link_base)
    for key, block in placeholders.items():
        html = html.replace(f'<p class="govuk-body">{key}</p>', block)
    return Markup(html)  # noqa: S704 - sanitised above


def _unlink(source: str, followable: set[str]) -> str:
    """Turn [[slug]] links the reader may not follow into their plain text."""

    def plain(match: re.Match) -> str:
        if match["slug"] in followable:
            return match[0]
        return (match["text"] or match["slug"]).replace("[", "\\[")

    return ITEM_LINK.sub(plain, source)


def render_plain(source: str, link_base: str = "/library/") -> Markup:
    """Safe HTML of Markdown that has no confidential sections (e.g. a preview of open text)."""
    return Markup(_safe_html(source, link_base))  # noqa: S704 - sanitised


def _safe_html(source: str, link_base: str) -> str:
    """Render Markdown, then sanitise the result."""
    linked = ITEM_LINK.sub(lambda m: f"[{m['text'] or m['slug']}]({link_base}{m['slug']})", source)
    html = markdown.markdown(
        linked, extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS, output_format="html"
    )
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        set_tag_attribute_values=CLASSES,
        link_rel="noopener noreferrer",
        strip_comments=True,
        attribute_filter=_own_anchors_only,
    )


def _own_anchors_only(tag: str, attribute: str, value: str) -> str | None:
    """Keep a heading id only if the renderer made it (raw HTML may not choose a page's ids)."""
    if attribute == "id" and not value.startswith(ANCHOR_PREFIX):
        return None
    return value


def _confidential_block(text: str, link_base: str) -> str:
    inner = _safe_html(text, link_base)
    return (
        '<div class="wisdom-confidential" role="region" aria-label="Confidential section">'
        '<strong class="govuk-tag govuk-tag--red">Confidential</strong>'
        f"{inner}</div>"
    )


def _restricted() -> str:
    return f'<div class="govuk-inset-text wisdom-restricted">{escape(RESTRICTED_NOTE)}</div>'
