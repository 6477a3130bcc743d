"""The XSS payload corpus (tests/data/xss_payloads.txt; format: tests/data/README.md)."""

from __future__ import annotations

import re
from pathlib import Path

PAYLOAD_FILE = Path(__file__).parent / "data" / "xss_payloads.txt"

ESCAPE = re.compile(r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|(.?))", re.DOTALL)
SIMPLE_ESCAPES = {"\\": "\\", "n": "\n", "r": "\r", "t": "\t", "0": "\0"}


def decode(line: str) -> str:
    """One line of the payload file as the payload it stands for."""

    def one(match: re.Match) -> str:
        hex2, hex4, other = match.groups()
        if hex2 or hex4:
            return chr(int(hex2 or hex4, 16))
        if other in SIMPLE_ESCAPES:
            return SIMPLE_ESCAPES[other]
        raise ValueError(f"bad escape \\{other} in payload line {line!r}")

    return ESCAPE.sub(one, line)


def payload_lines() -> list[str]:
    """The raw lines of the payload file (split on \\n only: U+2028 and friends are not breaks)."""
    lines = PAYLOAD_FILE.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def load_payloads() -> list[str]:
    """Every payload of the corpus, decoded."""
    return [decode(line) for line in payload_lines()]
