"""Helpers the browser tests share: signing in through the form, and running axe-core."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

from support import PEOPLE

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails) these tests with the reason
    expect = None

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# A test reports, in its user properties, the pages axe checked ("axe_pages", (role, count)) and
# the known problems it tolerated ("known_problem", text); tests/conftest.py sums them at the end
# of the run (under pytest-xdist, user properties are what a worker sends back with its report).


def sign_in(page, base: str, role: str) -> None:
    """Sign in through the form as the test account of ``role``; expect to leave the form."""
    email, _name, _roles, password = PEOPLE[role]
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/sign-in" not in page.url, f"could not sign in as {role}: {page.url}"


# Resolves to None when axe-core is not loaded in the page yet.
_RUN_AXE = """async (tags) => {
    if (typeof window.axe !== 'object') return null;
    const results = await axe.run(document, {
        runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
    });
    return results.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
        nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary})),
    }));
}"""


def axe_violations(page, source: str) -> list[dict]:
    """Run axe-core's WCAG 2.2 A and AA rules over the page; return the violations."""
    found = page.evaluate(_RUN_AXE, WCAG_TAGS)
    if found is None:  # no init script loaded it (the crawl's context has one)
        # evaluate() is not subject to the page's CSP, which (rightly) forbids inline scripts.
        page.evaluate(source)
        found = page.evaluate(_RUN_AXE, WCAG_TAGS)
    return found


# The page as axe would see it: its markup, and what else its verdict could depend on that the
# markup does not show: the URL (relative links and stylesheets resolve against it), viewport
# and scroll (layout, so contrast and target sizes), focus, and form controls changed since
# loading. "nested" says whether it has content axe checks but outerHTML leaves out (frames,
# shadow roots): such a page is always checked afresh.
_SNAPSHOT = """() => {
    const all = document.getElementsByTagName('*');
    const dirty = [];
    document.querySelectorAll('input, textarea, select').forEach((control, index) => {
        const changed = control.tagName === 'SELECT'
            ? [...control.options].some(option => option.selected !== option.defaultSelected)
            : control.value !== control.defaultValue || control.checked !== control.defaultChecked;
        if (changed) dirty.push([index, control.value, control.checked === true]);
    });
    return {
        where: location.pathname + location.search,
        view: [innerWidth, innerHeight, devicePixelRatio, scrollX, scrollY],
        focus: Array.prototype.indexOf.call(all, document.activeElement),
        dirty,
        nested: document.querySelector('iframe, frame, object, embed, portal') !== null
            || Array.prototype.some.call(all, element => element.shadowRoot),
        html: (document.doctype ? new XMLSerializer().serializeToString(document.doctype) : '')
            + document.documentElement.outerHTML,
    };
}"""

# Parts of a page that differ from one request to the next and that axe cannot tell apart:
# nonces (Chromium hides them from the DOM anyway), search-log ids in result links, and the
# values of CSRF tokens (hidden inputs, blanked by _blank_csrf).
_VARYING = (
    (re.compile(r'\bnonce="[^"]*"'), 'nonce=""'),
    (re.compile(r"/search/go/\d+"), "/search/go/N"),
)
_INPUT = re.compile(r"<input\b[^>]*>")
_VALUE = re.compile(r'\bvalue="[^"]*"')


def _blank_csrf(match: re.Match) -> str:
    """The input tag matched, with its value blanked if it is the hidden CSRF token."""
    tag = match.group(0)
    return _VALUE.sub('value=""', tag) if 'name="csrf_token"' in tag else tag


def _normalised(text: str) -> str:
    """Markup (or a URL) with what varies between requests for the same page made constant."""
    for pattern, constant in _VARYING:
        text = pattern.sub(constant, text)
    return _INPUT.sub(_blank_csrf, text)


class AxeCache:
    """axe-core's verdicts remembered by the document they are for, so a page is checked once.

    The sqlite and postgres runs of a crawl render mostly the same documents; axe, the slowest
    part of a crawl, runs on the first of each and its verdict is reused for the others. Each
    verdict is a JSON file named by the SHA-256 of the normalised document (with axe's source,
    its rules and the rest of _SNAPSHOT) in a directory all pytest-xdist workers of the run
    share. Every page is still opened and its document compared; only axe's work is reused.
    """

    def __init__(self, directory: Path, source: str):
        """Keep verdicts in ``directory``, running ``source`` (axe-core) for those not there."""
        self.directory = directory
        self.source = source
        # A different axe, rule set or way of running it is a different verdict.
        self.salt = hashlib.sha256(
            json.dumps([source, WCAG_TAGS, _RUN_AXE, _SNAPSHOT]).encode()
        ).hexdigest()
        self.ran = 0
        self.reused = 0

    def violations(self, page) -> list[dict]:
        """axe's violations on the page: remembered for this document, or found and remembered."""
        snapshot = page.evaluate(_SNAPSHOT)
        if snapshot["nested"]:  # what is inside is not in the markup hashed
            self.ran += 1
            return axe_violations(page, self.source)
        html = snapshot.pop("html")
        snapshot["where"] = _normalised(snapshot["where"])
        digest = hashlib.sha256(
            json.dumps([self.salt, snapshot, _normalised(html)], sort_keys=True).encode()
        ).hexdigest()
        path = self.directory / f"{digest}.json"
        try:
            found = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            pass
        else:
            self.reused += 1
            return found
        found = axe_violations(page, self.source)
        self.ran += 1
        # Written whole and then renamed, so another worker never reads half a verdict.
        handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(found, out)
        os.replace(temporary, path)
        return found


def describe(found: dict[str, list[dict]], checked: int) -> str:
    """Violations by page, grouped by rule and element so one fault in the layout reads once."""
    groups: dict[tuple, dict] = {}
    for where, violations in found.items():
        for violation in violations:
            for node in violation["nodes"]:
                key = (violation["id"], node["html"])
                group = groups.setdefault(key, {"violation": violation, "node": node, "pages": []})
                group["pages"].append(where)
    pages_with = sum(1 for violations in found.values() if violations)
    lines = [
        f"{len(groups)} distinct axe violation(s) on {pages_with} of {checked} pages checked:",
    ]
    for group in groups.values():
        violation, node, pages = group["violation"], group["node"], group["pages"]
        lines += [
            "",
            f"[{violation['impact']}] {violation['id']}: {violation['help']}",
            f"  {violation['helpUrl']}",
            f"  element {json.dumps(node['target'])}: {node['html'][:300]}",
            *(f"    {detail}" for detail in (node["summary"] or "").splitlines()),
            f"  on {len(pages)} page(s): {', '.join(pages[:8])}"
            + (f" and {len(pages) - 8} more" if len(pages) > 8 else ""),
        ]
    return "\n".join(lines)
