"""The user's query language: plain words, "quoted phrases", -exclusions and prefix*.

Nothing else reaches an engine: field syntax (``acl:staff``), bare or short wildcards and
operators are read as plain words, so the query cannot widen what a person may see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MIN_PREFIX = 3  # "w*" over a large index is refused: it is searched as the word "w"
MAX_PARTS = 20
MAX_LENGTH = 300
TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')
WORD = re.compile(r"[\w']+", re.UNICODE)


@dataclass
class ParsedQuery:
    """A query broken into what the engines understand."""

    words: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    excluded_words: list[str] = field(default_factory=list)
    excluded_phrases: list[list[str]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Nothing positive to search for."""
        return not (self.words or self.phrases or self.prefixes)

    def text(self) -> str:
        """The query written back out (normalised), for logs and 'did you mean'."""
        parts = list(self.words)
        parts += [f'"{" ".join(p)}"' for p in self.phrases]
        parts += [f"{p}*" for p in self.prefixes]
        parts += [f"-{w}" for w in self.excluded_words]
        parts += [f'-"{" ".join(p)}"' for p in self.excluded_phrases]
        return " ".join(parts)


def parse(text: str) -> ParsedQuery:
    """Read what a person typed into a ParsedQuery; never raises."""
    query = ParsedQuery()
    text = (text or "")[:MAX_LENGTH]
    for n, match in enumerate(TOKEN.finditer(text)):
        if n >= MAX_PARTS:
            break
        negative, phrase, raw = match.group(1), match.group(2), match.group(3)
        if phrase is not None:
            words = _words(phrase)
            target = query.excluded_phrases if negative else query.phrases
            if len(words) > 1:
                target.append(words)
            elif words:
                (query.excluded_words if negative else query.words).extend(words)
            continue
        excluded = raw.startswith("-") and len(raw) > 1
        body = raw[1:] if excluded else raw
        is_prefix = body.endswith("*")
        words = _words(body)
        if not words:
            continue
        if excluded:
            query.excluded_words.extend(words)
        elif is_prefix and len(words[-1]) >= MIN_PREFIX:
            query.words.extend(words[:-1])
            query.prefixes.append(words[-1])
        else:
            query.words.extend(words)
    return query


def _words(text: str) -> list[str]:
    """The plain words of a piece of text, lower case, punctuation and field syntax dropped."""
    return [w.strip("'").lower() for w in word_text(text).split() if w.strip("'")]


def word_text(text: str) -> str:
    """The words of a text as the query language reads them, one space apart.

    An engine that parses punctuation itself (PostgreSQL reads "REF-2024" as "ref" and the
    number -2024) indexes this instead, so a word found in a query is the word in the index.
    """
    return " ".join(WORD.findall(text.replace("_", " ")))
