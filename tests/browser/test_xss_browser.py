"""Every XSS payload, rendered by wisdom.markup, loaded into a real Chromium: nothing may run.

Pages are batches of 50 rendered payloads (cleared=True, so confidential sections are included),
served from a fake origin by Playwright's router (every other request is aborted and recorded).
alert, confirm, prompt and print are replaced by calls to the exposed binding window.__xss, dialogs
are counted too, every element is focused and sent pointer, mouse and focus events, the real
mouse hovers each innermost element (and so its ancestors), and the DOM Chromium built is audited
against the allow-list (this catches mutation XSS that Python's html.parser would not see).

Chromium comes from the ``browser`` fixture in conftest.py (Debian's, never downloaded), which
also decides what happens when it is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from xss_payloads import load_payloads

from wisdom import markup

pytestmark = pytest.mark.browser

MIN_PAYLOADS = 500
BATCH = 50
ORIGIN = "https://wisdom.test"
IGNORED_REQUESTS = {f"{ORIGIN}/favicon.ico"}


# --- What the DOM may hold ------------------------------------------------------------------------

ALLOWED_TAGS = sorted(set(markup.TAGS) | {"div", "strong"})
ALLOWED_ATTRIBUTES: dict[str, list[str]] = {}
for _tag in ALLOWED_TAGS:
    _names = set(markup.ATTRIBUTES.get(_tag, set())) | set(markup.ATTRIBUTES.get("*", set()))
    if _tag in markup.CLASSES or _tag in {"div", "strong"}:
        _names.add("class")
    if _tag == "a":
        _names.add("rel")
    if _tag == "div":
        _names |= {"role", "aria-label"}
    ALLOWED_ATTRIBUTES[_tag] = sorted(_names)
ALLOWED_PROTOCOLS = sorted(f"{scheme}:" for scheme in markup.URL_SCHEMES)

INSTRUMENT = """
(() => {
  for (const name of ['alert', 'confirm', 'prompt', 'print']) {
    try {
      Object.defineProperty(window, name, {
        value: (...args) => window.__xss(name, ...args.map(String)),
        writable: false, configurable: false,
      });
    } catch (e) {}
  }
})();
"""

AUDIT = """
({tags, attributes, protocols}) => {
  const problems = [];
  for (const child of document.body.children) {
    if (!(child.localName === 'section' && child.hasAttribute('data-payload'))) {
      problems.push(`stray <${child.localName}> directly in body`);
    }
  }
  for (const el of document.head.children) {
    if (el.localName !== 'title') problems.push(`stray <${el.localName}> in head`);
  }
  for (const el of document.querySelectorAll('section[data-payload] *')) {
    const where = `payload line ${el.closest('section[data-payload]').dataset.payload}`;
    const tag = el.localName;
    if (el.namespaceURI !== 'http://www.w3.org/1999/xhtml') {
      problems.push(`${where}: <${tag}> in namespace ${el.namespaceURI}`);
    }
    if (!tags.includes(tag)) problems.push(`${where}: <${tag}> is not allowed`);
    for (const attr of el.attributes) {
      if (!(attributes[tag] || []).includes(attr.name)) {
        problems.push(`${where}: <${tag} ${attr.name}="${attr.value}"> is not allowed`);
      }
    }
    if (el.shadowRoot) problems.push(`${where}: <${tag}> has a shadow root`);
    if (el.hasAttribute('href')) {
      let protocol = null;
      try {
        protocol = new URL(el.getAttribute('href'), document.baseURI).protocol;
      } catch (e) {
        protocol = null;  // an unparsable URL cannot be followed
      }
      if (protocol !== null && !protocols.includes(protocol)) {
        problems.push(`${where}: href ${JSON.stringify(el.getAttribute('href'))} is ${protocol}`);
      }
    }
  }
  return problems;
}
"""

# Focus every element and send it pointer, mouse and focus events; return the indexes of the
# innermost elements, which the real mouse then visits (their ancestors are hovered with them).
SWEEP = """
() => {
  const all = [...document.querySelectorAll('section[data-payload] *')];
  const events = [
    ['pointerover', true], ['pointerenter', false], ['mouseover', true], ['mouseenter', false],
    ['mousemove', true], ['focus', false], ['focusin', true],
  ];
  for (const el of all) {
    try { el.focus({preventScroll: true}); } catch (e) {}
    for (const [type, bubbles] of events) el.dispatchEvent(new Event(type, {bubbles}));
  }
  return {count: all.length, leaves: all.flatMap((el, i) => el.childElementCount ? [] : [i])};
}
"""

POINT = """
(i) => {
  const el = document.querySelectorAll('section[data-payload] *')[i];
  if (!el) return null;
  el.scrollIntoView({block: 'center', inline: 'center'});
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0 ? [r.x + r.width / 2, r.y + r.height / 2] : null;
}
"""


@dataclass
class Outcome:
    """What happened while one batch page was loaded and touched."""

    calls: list = field(default_factory=list)
    dialogs: list = field(default_factory=list)
    requests: list = field(default_factory=list)
    popups: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    elements: int = 0

    @property
    def ran_script(self) -> bool:
        return bool(self.calls or self.dialogs or self.popups)


class Watcher:
    """A browser context whose pages report any script a payload manages to run."""

    def __init__(self, browser, *, instrument: bool = True):
        self.context = browser.new_context(viewport={"width": 1024, "height": 768})
        self.context.set_default_timeout(20_000)
        self.outcome = Outcome()
        self.documents: dict[str, str] = {}
        self.context.expose_function("__xss", lambda *args: self.outcome.calls.append(args))
        if instrument:
            self.context.add_init_script(INSTRUMENT)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("dialog", self._dialog)
        self.context.on("page", self._popup)  # only pages opened after ours are popups

    def _route(self, route) -> None:
        url = route.request.url
        if url in self.documents:
            route.fulfill(
                status=200, content_type="text/html; charset=utf-8", body=self.documents[url]
            )
            return
        if url not in IGNORED_REQUESTS:
            self.outcome.requests.append(url)
        route.abort()

    def _dialog(self, dialog) -> None:
        self.outcome.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _popup(self, page) -> None:
        self.outcome.popups.append(page.url)
        page.on("dialog", self._dialog)

    def run(self, name: str, fragments: list[tuple[int, str]]) -> Outcome:
        """Load one page holding the fragments (line number, HTML), touch everything, audit it."""
        self.outcome = Outcome()
        url = f"{ORIGIN}/batch/{name}"
        sections = "\n".join(
            f'<section data-payload="{number}">{html}</section>' for number, html in fragments
        )
        self.documents[url] = (
            f'<!DOCTYPE html>\n<html lang="en"><head><title>XSS batch {name}</title></head>'
            f"<body>\n{sections}\n</body></html>"
        )
        self.page.goto(url, wait_until="load")
        self.page.wait_for_timeout(150)  # onload/onerror, ontoggle, animations, autofocus
        swept = self.page.evaluate(SWEEP)
        self.outcome.elements = swept["count"]
        for index in swept["leaves"]:
            point = self.page.evaluate(POINT, index)
            if point:
                self.page.mouse.move(*point)
        self.page.wait_for_timeout(100)
        if self.page.url != url:
            self.outcome.problems.append(f"the page navigated away to {self.page.url}")
        else:
            self.outcome.problems += self.page.evaluate(
                AUDIT,
                {
                    "tags": ALLOWED_TAGS,
                    "attributes": ALLOWED_ATTRIBUTES,
                    "protocols": ALLOWED_PROTOCOLS,
                },
            )
        return self.outcome

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watcher(browser):
    made: list[Watcher] = []

    def make(*, instrument: bool = True) -> Watcher:
        made.append(Watcher(browser, instrument=instrument))
        return made[-1]

    yield make
    for each in made:
        each.close()


# --- The harness notices script when there is some ------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "<img src=x onerror=alert(1)>",
        "<svg onload=__xss()></svg>",
        "<input autofocus onfocus=confirm(1)>",
        "<b onmouseover=prompt(1)>hover me</b>",
        "<div onpointerover=__xss() style='width:50px;height:50px'></div>",
        "<details open ontoggle=alert(1)><summary>x</summary></details>",
        '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
        "<script>print()</script>",
    ],
)
def test_harness_detects_script_in_unsanitised_html(watcher, html):
    outcome = watcher().run("control", [(0, html)])
    assert outcome.calls, f"the harness missed {html!r}"


def test_harness_counts_real_dialogs(watcher):
    outcome = watcher(instrument=False).run("dialog", [(0, "<img src=x onerror=alert(1)>")])
    assert outcome.dialogs == ["alert: 1"]


def test_harness_notices_requests_and_foreign_markup(watcher):
    outcome = watcher().run(
        "audit",
        [(0, "<img src=https://evil.example/x.png><svg></svg><a href=javascript:void(0)>x</a>")],
    )
    assert outcome.requests == ["https://evil.example/x.png"]
    assert any("<img> is not allowed" in problem for problem in outcome.problems)
    assert any("namespace http://www.w3.org/2000/svg" in problem for problem in outcome.problems)
    assert any("is javascript:" in problem for problem in outcome.problems)


# --- Every payload --------------------------------------------------------------------------------


def test_no_payload_runs_script_in_chromium(watcher):
    payloads = load_payloads()
    assert len(payloads) >= MIN_PAYLOADS
    rendered = [
        (number, str(markup.render(payload, cleared=True)))
        for number, payload in enumerate(payloads, start=1)
    ]
    page = watcher()
    failures: list[str] = []
    elements = 0
    for start in range(0, len(rendered), BATCH):
        batch = rendered[start : start + BATCH]
        name = f"{batch[0][0]}-{batch[-1][0]}"
        outcome = page.run(name, batch)
        elements += outcome.elements
        for label, found in [
            ("script calls", outcome.calls),
            ("dialogs", outcome.dialogs),
            ("popups", outcome.popups),
            ("requests", outcome.requests),
            ("DOM problems", outcome.problems),
        ]:
            if found:
                failures.append(f"lines {name}: {label}: {found[:10]}")
    print(
        f"{len(rendered)} payloads rendered and loaded into Chromium in "
        f"{-(-len(rendered) // BATCH)} pages; {elements} elements focused and hovered"
    )
    assert not failures, "\n".join(failures)
