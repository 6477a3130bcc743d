"""The canary test (issue 3): uncleared readers find no confidential token anywhere.

Twenty canaries are seeded (tests/canaries.py): ten confidential items of every kind and ten
confidential sections inside open and staff items, each marked by a unique token in every place it
can live, plus an item that was confidential before it became staff, a staff beacon that came from
a confidential SFO review, and a staff finding answered by confidential guidance.

Then, for anonymous visitors and each uncleared role (service_user, practitioner, admin), every page
reachable from "/" is crawled breadth first, and every URL of every seeded item is requested directly
(page, history, each version, the diff of every pair, print, export, each attachment of each version,
the reason, edit and upload pages), with the browse, search, actions, review and error pages. No
response body or header (nor any file inside an exported .zip) may hold a token.

A URL that itself holds a token (a confidential item's slug, a ``?tag=`` or ``?q=``) is also asked
for with a decoy in its place: both answers must be the same, byte for byte once the token and the
decoy, the CSP nonce and the CSRF token are set aside, so the page says nothing the asker did not
already know — in particular, the same 404 as an item that does not exist.

The positive control crawls the same way as the PDM (cleared), after giving a reason for each
sensitive item, and must find every token, which proves the crawl reaches where the tokens live.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections import Counter, defaultdict, deque
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from canaries import Seeded, new_hex, seed
from support import csrf_token, post_form, sign_in

from content.models import KINDS
from wisdom.db import db

UNCLEARED = ["service_user", "practitioner", "admin"]
ANONYMOUS = "anonymous"
MAX_PAGES = 6000  # per reader; reaching it fails the test rather than silently stopping
HREF = re.compile(rb"""href=["']([^"']+)["']""")
NONCE = re.compile(rb'nonce="[^"]*"|nonce-[A-Za-z0-9+/=_-]+')
CSRF = re.compile(
    rb'(name="csrf_token"[^>]*value=")[^"]*(")|(value=")[^"]*("[^>]*name="csrf_token")'
)
FILTERS = {
    "/library": {"kind", "pathway", "tag"},
    "/search": {"kind", "pathways", "tags", "section", "updated"},
}


def _blob(response) -> bytes:
    """Everything a reader receives: headers, body, and every file inside a .zip (names too)."""
    parts = [f"{k}: {v}".encode() for k, v in response.headers.items()]
    body = response.get_data()
    parts.append(body)
    if response.mimetype == "application/zip":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            for info in archive.infolist():
                parts.append(info.filename.encode())
                parts.append(archive.read(info))
    return b"\n".join(parts).lower()


def _normal(response, secrets: dict[str, str]) -> tuple:
    """A response with tokens and decoys, nonces and CSRF tokens set aside, for comparison."""
    body = CSRF.sub(rb"\1\2\3\4", NONCE.sub(b"nonce", response.get_data()))
    # A result link carries the search-log row's sequence number, which every search advances.
    body = re.sub(rb"/search/go/\d+", b"/search/go/N", body)
    headers = {
        k: response.headers.get(k, "")
        for k in ("Location", "Content-Type", "Content-Disposition", "Content-Length")
    }
    text = repr((response.status_code, headers)).encode() + body
    for real, decoy in secrets.items():
        for value in (real, decoy):
            text = re.sub(re.escape(value).encode(), b"HEX", text, flags=re.IGNORECASE)
    if b"Content-Length" in text:
        text = re.sub(rb"'Content-Length': '\d+'", b"", text)
    return text


class Reader:
    """One reader's crawl: every response is checked and counted."""

    def __init__(self, client, role: str, seeded: Seeded, cleared: bool):
        self.client, self.role, self.seeded, self.cleared = client, role, seeded, cleared
        self.canaries = seeded.all_canaries
        self.decoys = {c.hex: new_hex() for c in self.canaries}
        self.pages = 0
        self.leaks: list[str] = []
        self.found: Counter[str] = Counter()  # hex -> responses it was found in (cleared)
        self.places: defaultdict[str, set[str]] = defaultdict(set)  # hex -> kinds of page
        self.seen: set[str] = set()
        self.statuses: Counter[int] = Counter()
        self.compared = 0  # URLs holding a token, compared with a decoy's answer
        self.searched: set[str] = set()  # tokens whose search found their item
        self.crawled = 0

    # --- checking ---------------------------------------------------------------------------

    def check(self, url: str, response, *, decoy_of=None) -> None:
        """Look for every token in a response; compare a URL holding tokens with its decoy."""
        self.pages += 1
        self.statuses[response.status_code] += 1
        blob = _blob(response)
        echoed = {c.hex for c in self.canaries if c.hex in url.lower()}
        if self.cleared:
            self._count(url, blob, echoed)
            return
        for c in self.canaries:
            if c.hex not in echoed and c.hex.encode() in blob:
                self.leaks.append(f"{self.role}: {c.label} ({c.token}) in {url}")
        if echoed:
            # The URL holds a token: the answer must be the one a nonexistent token gets.
            secrets = {h: self.decoys[h] for h in echoed}
            decoy_url = url
            for real, decoy in secrets.items():
                decoy_url = re.sub(real, decoy, decoy_url, flags=re.IGNORECASE)
            other = self._request(decoy_url, decoy_of)
            self.check(decoy_url, other)
            self.compared += 1
            if _normal(response, secrets) != _normal(other, secrets):
                self.leaks.append(
                    f"{self.role}: {url} answers differently from the same URL for a "
                    f"nonexistent token ({response.status_code} vs {other.status_code})"
                )

    def _count(self, url: str, blob: bytes, echoed: set[str]) -> None:
        """The cleared reader: which tokens the page shows (not links to them, not echoes)."""
        for c in self.canaries:
            if c.slug:
                blob = blob.replace(c.slug.encode(), b"")
        place = self._place(url)
        for c in self.canaries:
            if c.hex in echoed and f"/library/{c.slug}" not in url:
                continue  # a ?tag= or ?q= echoing the token proves nothing
            if c.hex.encode() in blob:
                self.found[c.hex] += 1
                self.places[c.hex].add(place)

    def _place(self, url: str) -> str:
        """What kind of page a URL is, for the positive control's coverage."""
        path = urlsplit(url).path
        parts = path.strip("/").split("/")
        if parts[0] == "library" and len(parts) > 1 and parts[1] in self.seeded.slugs:
            if len(parts) == 2:
                return "page"
            if parts[2] == "attachments":
                return "attachment" if len(parts) > 3 else "upload"
            return {"versions": "version"}.get(parts[2], parts[2])
        return {
            "/library": "browse",
            "/library/transfer/export": "zip",
            "/admin/audit": "audit",
        }.get(path, path.strip("/").replace("library/", "") or "home")

    def _request(self, url: str, post: dict | None):
        if post is not None:
            return self.client.post(url, data={**post, "csrf_token": csrf_token(self.client, "/")})
        return self.client.get(url)

    def get(self, url: str):
        response = self.client.get(url)
        self.check(url, response)
        return response

    def post(self, url: str, data: dict):
        response = self._request(url, data)
        self.check(url, response, decoy_of=data)
        return response

    # --- crawling ---------------------------------------------------------------------------

    def crawl(self, start: str = "/") -> int:
        """Follow every same-origin link (and redirect) from ``start``, breadth first."""
        queue, crawled = deque([start]), 0
        while queue:
            url = queue.popleft()
            if url in self.seen:
                continue
            self.seen.add(url)
            assert self.pages < MAX_PAGES, f"{self.role}: the crawl passed {MAX_PAGES} pages"
            response = self.get(url)
            crawled += 1
            for link in self._links(url, response):
                if link not in self.seen:
                    queue.append(link)
        return crawled

    def _links(self, base: str, response) -> list[str]:
        found = []
        if response.headers.get("Location"):
            found.append(response.headers["Location"])
        if response.mimetype == "text/html":
            found += [html.unescape(m.decode()) for m in HREF.findall(response.get_data())]
        links = []
        for raw in found:
            parts = urlsplit(urljoin(f"http://localhost{base}", raw))
            if parts.scheme not in ("http", "https") or parts.netloc != "localhost":
                continue
            path = parts.path or "/"
            if path.startswith("/assets") or path == "/sign-out":
                continue
            query = parse_qsl(parts.query, keep_blank_values=True)
            # Combined filters only narrow a single filter's list: one filter at a time.
            if sum(1 for k, _ in query if k in FILTERS.get(path, ())) > 1:
                continue
            links.append(path + (f"?{urlencode(query)}" if query else ""))
        return links

    # --- every URL of every seeded item, and the lists ----------------------------------------

    def direct(self) -> None:
        """Ask directly for every place a seeded item (or its absence) shows."""
        s = self.seeded
        for slug in s.slugs:
            base = f"/library/{slug}"
            count = s.versions[slug]
            numbers = range(1, count + 2)  # and one version too many
            for suffix in ("", "/history", "/print", "/export", "/reason", "/edit", "/attachments"):
                self.get(base + suffix)
            self.get(base + "/actions/new")
            for n in numbers:
                self.get(f"{base}/versions/{n}")
                for m in numbers:
                    self.get(f"{base}/diff?a={n}&b={m}")
            self.get(f"{base}/diff")
            for attachment in s.files[slug]:
                self.get(f"{base}/attachments/{attachment}")
                for n in numbers:
                    self.get(f"{base}/attachments/{attachment}?version={n}")
        for c in s.all_canaries:
            self.get(f"/library?tag={c.token.lower()}")
            results = self.get(f"/search?q={c.token}")
            if c.slug in results.get_data(as_text=True):
                self.searched.add(c.hex)
            self.get(f"/search?q=&tags={c.token.lower()}")
            self.get(f"/search/suggest?q={c.hex[:6]}")
        for pathway in s.pathways:
            self.get(f"/library?pathway={pathway}")
            self.get(f"/search?q=&pathways={pathway}")
        for kind in KINDS:
            self.get(f"/library?kind={kind}")
        for url in (
            "/library?tag=canary-test",
            "/library/actions",
            "/library/actions?show=overdue",
            "/library/review",
            "/library/archived",
            "/library/transfer",
            "/search?q=canary",
            "/search?q=canary*",
            "/search/suggest?q=canary",
            "/search?q=restricted",
            "/admin/audit",
            "/library/no-such-item",
            "/library/no-such-item/history",
            "/library/no-such-item/export",
            "/no-such-page",
        ):
            self.get(url)
        if self.role not in ("anonymous",):
            self.post("/library/transfer/export", {})


def _sign_in(app, role: str):
    client = app.test_client()
    if role != ANONYMOUS:
        response = sign_in(client, role)
        assert response.status_code == 302, f"{role} could not sign in"
    return client


def _read_everything(app, seeded: Seeded, role: str, cleared: bool) -> Reader:
    client = _sign_in(app, role)
    reader = Reader(client, role, seeded, cleared)
    if cleared:
        for slug in seeded.sensitive_slugs:
            response = post_form(client, f"/library/{slug}/reason", {"reason": "qa"})
            assert response.status_code == 302, f"the reason was refused for {slug}"
    reader.crawl("/")
    crawled = len(reader.seen)
    reader.direct()
    reader.crawled = crawled
    return reader


def _seed_and_sync(app) -> Seeded:
    """Seed the canaries, then bring the index up to date as an operator would."""
    with app.app_context():
        out = seed()
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["search", "sync"])  # 'wisdom search sync'
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def seeded(app, snapshot) -> Seeded:
    """The canaries, seeded once per backend and put back for each test."""
    return snapshot(app, "canaries", _seed_and_sync)


@pytest.mark.slow
def test_no_canary_reaches_an_uncleared_reader(app, seeded):
    # The cleared crawl runs first, so the audit log and search history hold its views too.
    control = _read_everything(app, seeded, "pdm", cleared=True)
    readers = [
        _read_everything(app, seeded, role, cleared=False) for role in [ANONYMOUS, *UNCLEARED]
    ]

    leaks = [leak for reader in readers for leak in reader.leaks]
    missing = [c for c in seeded.all_canaries if not control.found[c.hex]]

    print(
        f"\ncanaries: {len(seeded.canaries)} (+{len(seeded.extras)} in an old confidential version)"
    )
    print(f"roles: {', '.join(r.role for r in readers)} (positive control: pdm)")
    for reader in [*readers, control]:
        print(
            f"  {reader.role:13} pages checked {reader.pages:5} "
            f"(crawled {reader.crawled}, statuses {dict(sorted(reader.statuses.items()))})"
        )
    print(
        f"URLs holding a token compared with a decoy's answer: {sum(r.compared for r in readers)}"
    )
    print(f"tokens found by uncleared readers: {len(leaks)}")
    print(
        "tokens found by the pdm: "
        f"{sum(1 for c in seeded.all_canaries if control.found[c.hex])}/{len(seeded.all_canaries)}"
        f" (fewest responses holding one: {min(control.found[c.hex] for c in seeded.all_canaries)})"
    )
    print("where the pdm found each canary:")
    for c in seeded.all_canaries:
        print(
            f"  {c.label:72} {control.found[c.hex]:4}  {', '.join(sorted(control.places[c.hex]))}"
        )
    assert not leaks, "\n".join(sorted(set(leaks))[:400])
    assert not missing, "the cleared crawl never reached: " + ", ".join(c.label for c in missing)
    unreached = {
        c.label: sorted(c.places - control.places[c.hex])
        for c in seeded.all_canaries
        if c.places - control.places[c.hex]
    }
    assert not unreached, f"the cleared crawl did not find canaries where they live: {unreached}"
    # Searching for a token finds its item for the cleared reader (title, body or restricted
    # section), so the uncleared readers' identical-to-a-decoy answers are meaningful.
    unsearched = [
        c.label
        for c in seeded.all_canaries
        if "page" in c.places and "archived" not in c.places and c.hex not in control.searched
    ]
    assert not unsearched, f"the cleared reader's search did not find: {unsearched}"


def test_backlinks_and_beacon_source_show_only_to_cleared_readers(app, seeded):
    readers = {role: _sign_in(app, role) for role in [*UNCLEARED, "pdm"]}
    for slug in seeded.sensitive_slugs:
        post_form(readers["pdm"], f"/library/{slug}/reason", {"reason": "qa"})
    for role, client in readers.items():
        for source, target in seeded.secret_links:
            page = client.get(f"/library/{target}")
            if role == "service_user" and page.status_code == 404:
                continue  # a staff target: the person on probation cannot open it at all
            assert page.status_code == 200, (role, target)
            shown = f'href="/library/{source}"' in page.get_data(as_text=True)
            assert shown == (role == "pdm"), f"{role}: backlink {source} -> {target}"
        page = client.get(f"/library/{seeded.beacon_slug}")
        if role == "service_user":
            assert page.status_code == 404
            continue
        shown = f'href="/library/{seeded.review_slug}"' in page.get_data(as_text=True)
        assert shown == (role == "pdm"), f"{role}: the beacon's source link"


def test_a_confidential_slug_gets_the_same_404_as_a_missing_one(app, seeded):
    suffixes = ("", "/history", "/versions/1", "/diff?a=1&b=2", "/print", "/export", "/reason")
    clients = {role: _sign_in(app, role) for role in UNCLEARED}
    for secret in seeded.confidential_slugs:
        for role, client in clients.items():
            for suffix in suffixes:
                real = client.get(f"/library/{secret}{suffix}")
                missing = client.get(f"/library/no-such-item-{new_hex()}{suffix}")
                assert real.status_code == missing.status_code == 404, (role, secret, suffix)
                assert _normal(real, {}) == _normal(missing, {}), (role, secret, suffix)
        # Anonymous visitors are sent to sign in, whether or not the item exists.
        anonymous = app.test_client()
        missing_slug = f"no-such-item-{new_hex()}"
        real = anonymous.get(f"/library/{secret}")
        missing = anonymous.get(f"/library/{missing_slug}")
        assert real.status_code == missing.status_code == 302
        assert real.headers["Location"].replace(secret, "SLUG") == missing.headers[
            "Location"
        ].replace(missing_slug, "SLUG")
