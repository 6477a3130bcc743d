"""Helpers the browser tests share: signing in through the form, and running axe-core."""

from __future__ import annotations

import json

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


def axe_violations(page, source: str) -> list[dict]:
    """Run axe-core's WCAG 2.2 A and AA rules over the page; return the violations."""
    # evaluate() is not subject to the page's CSP, which (rightly) forbids inline scripts.
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(source)
    return page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {
                runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
            });
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary})),
            }));
        }""",
        WCAG_TAGS,
    )


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
