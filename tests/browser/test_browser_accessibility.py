"""axe-core over every page each role can reach, plus error pages and forms showing errors.

Each role (and someone not signed in) crawls the same-origin links from the home page, breadth
first, with the demo library loaded so item pages exist. Pages are grouped by their shape (the
route, the kind of library item, and which query parameters are set), and one page of each shape
is checked: a list filtered by twenty different tags is one page, not twenty. Every page checked
must have no WCAG 2.0, 2.1 or 2.2 A or AA violations, and every link followed must work.

axe-core is loaded into every document by an init script (no 570 KB evaluate per page), and its
verdicts are remembered by document (AxeCache): the sqlite and postgres runs of a role render
the same pages, so most of the second run's pages are opened and snapshotted but not re-run.
"""

from __future__ import annotations

from collections import Counter, deque
from urllib.parse import parse_qsl, urldefrag, urlsplit

import pytest
from browser_support import AxeCache, axe_violations, describe, sign_in
from support import ROLES

from wisdom.db import db

pytestmark = pytest.mark.browser

MAX_DEPTH = 4
MAX_PAGES = 150
PER_SHAPE = 1
SKIP_PREFIXES = ("/sign-out", "/assets/")

# Links shown to a role that do not work, found by this crawl and reported to their owners.
# They are listed at the end of the run instead of failing it; remove each when it is fixed.
KNOWN_BROKEN_LINKS: tuple[tuple[str, str, str], ...] = ()


def _shapes(app):
    """A function from a URL to its shape: (endpoint, item kind, names of query parameters)."""
    kinds = {}
    try:
        from content.models import Item
    except ImportError:  # the library component is not installed
        pass
    else:
        with app.app_context():
            kinds = dict(db.session.execute(db.select(Item.slug, Item.kind)).all())
            db.session.remove()
    adapter = app.url_map.bind("127.0.0.1")

    def shape(url: str) -> tuple:
        parts = urlsplit(url)
        try:
            endpoint, args = adapter.match(parts.path, method="GET")
        except Exception:  # a 404, a redirect or a POST-only route: a shape of its own
            return (parts.path, None, ())
        params = tuple(sorted({name for name, _value in parse_qsl(parts.query)}))
        return (endpoint, kinds.get(args.get("slug")) or args.get("kind"), params)

    return shape


def _links(page, origin: str) -> list[str]:
    """Same-origin link targets on the page, without fragments."""
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    found = []
    for href in hrefs:
        url, _fragment = urldefrag(href)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != origin:
            continue
        if parts.path.startswith(SKIP_PREFIXES):
            continue
        found.append(url)
    return found


def _visit(page, url: str):
    """Open a URL; None when it is not an HTML page (a download, say)."""
    try:
        response = page.goto(url)
    except Exception as error:  # Playwright raises when a link starts a download
        if "Download is starting" in str(error):
            return None
        raise
    if response is None or "text/html" not in response.headers.get("content-type", ""):
        return None
    return response


def _crawl(page, base: str, start: str, shape, check) -> list[tuple[str, int, str]]:
    """Visit same-origin pages breadth first from ``start``, checking each.

    Returns (url, status, the page that linked to it) for each page visited.

    At most PER_SHAPE pages of each shape are visited.
    """
    seen = {start}
    queue = deque([(start, 0, "")])
    visited = []
    per_shape = Counter()
    while queue and len(visited) < MAX_PAGES:
        url, depth, linked_from = queue.popleft()
        key = shape(url)
        if per_shape[key] >= PER_SHAPE:
            continue
        per_shape[key] += 1
        response = _visit(page, url)
        if response is None:
            continue
        landed = urldefrag(page.url)[0]
        if landed in {url for url, _status, _from in visited}:
            continue  # a redirect to a page already checked
        visited.append((landed, response.status, linked_from))
        seen.add(landed)
        check(landed.removeprefix(base))
        if depth < MAX_DEPTH:
            for link in _links(page, base):
                if link not in seen:
                    seen.add(link)
                    queue.append((link, depth + 1, landed))
    return visited


def _extra_pages(page, base: str, role: str | None) -> list:
    """Pages the crawl does not reach by links: errors, searches, and forms sent with mistakes.

    Each entry is (label, show): show() leaves the page showing what is to be checked, or
    returns False when this role cannot open the form at all.
    """

    def goto(path):
        return lambda: page.goto(f"{base}{path}")

    def submit_empty(path):
        def show():
            if page.goto(f"{base}{path}").status != 200:
                return False
            page.locator("main form[method=post] [type=submit]").first.click()
            page.wait_for_load_state()
            assert page.locator(".govuk-error-summary").is_visible(), f"{path}: no errors shown"
            return True

        return show

    def submit_empty_note(path):
        def show():
            if page.goto(f"{base}{path}").status != 200:
                return False
            page.get_by_label("What did you correct, and why?").fill("")
            page.locator("main form[method=post] [type=submit]").first.click()
            page.wait_for_load_state()
            assert page.locator(".govuk-error-summary").is_visible(), f"{path}: no errors shown"
            return True

        return show

    extras = [("not found", goto("/no-such-page"))]
    if role is None:
        return [*extras, ("sign-in with errors", submit_empty("/sign-in"))]
    extras += [
        ("change password with errors", submit_empty("/account/password")),
        ("search", goto("/search")),
        ("search results", goto("/search?q=housing")),
        ("search without results", goto("/search?q=xylophone")),
        ("new library item with errors", submit_empty("/library/new/guidance")),
        ("new proposal with errors", submit_empty("/proposals/new")),
        ("notifications", goto("/notifications")),
        ("you said, we did", goto("/proposals/you-said-we-did")),
        (
            "directory filtered for a person",
            goto(
                "/directory?pathway=finance-benefit-debt&sex=female&age=34&rosh=medium"
                "&area=Wakefield&format=online"
            ),
        ),
        ("directory search", goto("/directory?q=debt")),
        (
            "directory with nothing matching",
            goto("/directory?format=online&area=Leeds&sex=male&age=70"),
        ),
        ("module differences", goto("/directory/managing-emotions/diff?a=1&b=3")),
        (
            "module correction with errors",
            submit_empty_note("/directory/managing-emotions/correct"),
        ),
    ]
    if role == "admin":
        extras += [
            ("create account with errors", submit_empty("/admin/users/new")),
            ("audit log with a bad date", goto("/admin/audit?from=bad")),
        ]
    else:
        extras.append(("forbidden", goto("/admin/users")))
    return extras


def test_the_axe_harness_reports_violations(page, axe_source):
    page.set_content('<html><body><img src="x.png"><a href="/x"></a></body></html>')
    violations = axe_violations(page, axe_source)
    assert {"html-has-lang", "image-alt", "link-name"} <= {v["id"] for v in violations}
    report = describe({"/broken": violations}, 1)
    assert "[critical] image-alt" in report and '<img src="x.png">' in report


BROKEN = (
    '<html><body><img src="x.png"><a href="/x"></a>'
    '<form method="post"><input type="hidden" name="csrf_token" value="{token}"></form>'
    "</body></html>"
)


def test_remembered_verdicts_still_report_violations(new_context, axe_source, tmp_path):
    # As the crawl runs axe: loaded by an init script, which a CSP forbidding scripts allows.
    context = new_context()
    context.add_init_script(axe_source)
    page = context.new_page()
    served = []

    def serve(route):
        """The broken page, with a new CSRF token each time, as WISDOM would send it."""
        served.append(route.request.url)
        route.fulfill(
            headers={"content-type": "text/html", "content-security-policy": "script-src 'none'"},
            body=BROKEN.format(token=f"token-{len(served)}"),
        )

    page.route("http://axe.test/broken*", serve)
    page.goto("http://axe.test/broken")
    assert page.evaluate("typeof window.axe") == "object"
    axe = AxeCache(tmp_path, axe_source)
    violations = axe.violations(page)
    assert {"html-has-lang", "image-alt", "link-name"} <= {v["id"] for v in violations}
    assert (axe.ran, axe.reused) == (1, 0)

    # The same page again, with a new CSRF token, in another worker: the verdict is reused.
    page.goto("http://axe.test/broken")
    elsewhere = AxeCache(tmp_path, axe_source)
    assert elsewhere.violations(page) == violations
    assert (elsewhere.ran, elsewhere.reused) == (0, 1)

    # Another page, however alike, is checked afresh.
    page.goto("http://axe.test/broken?again")
    assert [v["id"] for v in elsewhere.violations(page)] == [v["id"] for v in violations]
    assert (elsewhere.ran, elsewhere.reused) == (1, 1)


@pytest.mark.slow
@pytest.mark.parametrize("role", [None, *ROLES], ids=["anonymous", *ROLES])
def test_every_page_meets_wcag_22_aa(new_context, demo_app, serve, axe, role, backend, request):
    base = serve(demo_app)
    context = new_context()
    # Each document gets axe before its own scripts run: much cheaper than evaluating 570 KB
    # into each page (Chromium reuses its compilation), and not subject to the page's CSP.
    context.add_init_script(axe.source)
    page = context.new_page()
    if role:
        sign_in(page, base, role)
    checked: dict[str, list[dict]] = {}

    def check(label):
        checked[label] = axe.violations(page)

    pages = _crawl(page, base, f"{base}/", _shapes(demo_app), check)
    for label, show in _extra_pages(page, base, role):
        if show() is not False:
            check(f"{label} ({page.url.removeprefix(base)})")

    who = role or "anonymous"
    request.node.user_properties.append(("axe_pages", (f"{who} ({backend})", len(checked))))
    request.node.user_properties += [("axe_ran", axe.ran), ("axe_reused", axe.reused)]
    print(f"axe ran on {axe.ran} pages and its verdicts on {axe.reused} were reused")
    print(f"axe checked {len(checked)} pages as {who}:", *checked, sep="\n  ")
    broken = []
    for url, status, linked_from in pages:
        if status == 200:
            continue
        path = url.removeprefix(base)
        problem = f"{who}: {path} is {status}, linked from {linked_from.removeprefix(base)}"
        known = [
            why for r, prefix, why in KNOWN_BROKEN_LINKS if r == role and path.startswith(prefix)
        ]
        if known and status < 500:
            request.node.user_properties.append(("known_problem", f"{problem} ({known[0]})"))
        else:
            broken.append(problem)
    assert not broken, "links shown to this role that do not work:\n" + "\n".join(broken)
    assert not any(checked.values()), describe(checked, len(checked))
