"""Browser fixtures: a live WISDOM server, one headless Chromium per module, and axe-core.

Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright; no browser is ever
downloaded. Without it these tests are skipped, unless ``WISDOM_REQUIRE_BROWSER=1`` (as in CI),
when they fail instead.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

import pytest
from browser_support import AxeCache
from werkzeug.serving import WSGIRequestHandler, make_server

from wisdom.components import registry
from wisdom.db import db

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}
TIMEOUT_MS = 15_000


def _unavailable(reason: str) -> None:
    """Skip the browser tests, or fail them when the environment says they must run."""
    if os.environ.get("WISDOM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}; WISDOM_REQUIRE_BROWSER=1 requires the browser tests", pytrace=False)
    pytest.skip(f"{reason} (WISDOM_REQUIRE_BROWSER=1 makes this a failure)")


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (each test gets a fresh context).

    Module rather than session scope: each module's Playwright session ends with the module.
    """
    if not CHROMIUM.exists():
        _unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core as shipped inside the axe-playwright-python package."""
    try:
        return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text("utf-8")
    except ModuleNotFoundError:
        _unavailable("axe-playwright-python is not installed (pip install -e '.[dev]')")


@pytest.fixture(scope="session")
def axe_cache_dir(tmp_path_factory) -> Path:
    """Where axe's verdicts are kept for this run: one directory that all xdist workers share."""
    base = tmp_path_factory.getbasetemp()
    # Under pytest-xdist each worker's base (.../pytest-N/popen-gw0) is in the run's (.../pytest-N),
    # which is new for each run: verdicts never outlive the run (nor the code they were for).
    directory = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "axe-cache"
    directory.mkdir(exist_ok=True)
    return directory


@pytest.fixture
def axe(axe_source, axe_cache_dir) -> AxeCache:
    """axe-core with its verdicts remembered by document (AxeCache), counting this test's runs."""
    return AxeCache(axe_cache_dir, axe_source)


class _QuietHandler(WSGIRequestHandler):
    """Serve without logging every request (a crawl makes hundreds)."""

    def log_request(self, *args, **kwargs):
        pass


@pytest.fixture
def serve() -> Iterator[Callable]:
    """Serve apps on 127.0.0.1, each on a free port in a background thread, until the test ends."""
    running = []

    def start(app) -> str:
        tracked = _InFlight(app)
        server = make_server("127.0.0.1", 0, tracked, threaded=True, request_handler=_QuietHandler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        running.append((server, thread, tracked))
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server, thread, tracked in running:
        server.shutdown()
        thread.join(timeout=10)
        tracked.wait_idle(timeout=10)
        server.server_close()


class _InFlight:
    """The app, counting requests in progress, so a test's app (and its database engine) is
    not torn down while a request the page made last (a script's fetch) still holds a connection.
    """

    def __init__(self, app):
        self.app = app
        self.count = 0
        self.idle = threading.Condition()

    def __call__(self, environ, start_response):
        with self.idle:
            self.count += 1
        try:
            return self.app(environ, start_response)  # Flask has released its session here
        finally:
            with self.idle:
                self.count -= 1
                self.idle.notify_all()

    def wait_idle(self, timeout: float) -> None:
        with self.idle:
            self.idle.wait_for(lambda: self.count == 0, timeout=timeout)


@pytest.fixture
def live_server(app, serve) -> str:
    """The base URL of a real WISDOM (one account per role) served for this test."""
    return serve(app)


def _load_demo(app) -> None:
    """Load every component's demo content into the app's database, and index it."""
    with app.app_context():
        for loader in registry(app).demo_loaders:
            loader()
            db.session.commit()
        db.session.remove()
    if "search" in app.cli.commands:
        result = app.test_cli_runner().invoke(args=["search", "rebuild"])
        assert result.exit_code == 0, result.output


@pytest.fixture
def demo_app(app, snapshot):
    """The test app with the components' demo content loaded and indexed, so item pages exist."""
    # Loading and indexing takes over a second; after the first test on each backend (in each
    # pytest-xdist worker) the database and index are put back from a snapshot instead.
    snapshot(app, "browser-demo", _load_demo)
    return app


@pytest.fixture
def new_context(browser):
    """Open browser contexts (fresh cookies each) that are closed when the test ends."""
    opened = []

    def new(**options):
        context = browser.new_context(**{"viewport": VIEWPORT, **options})
        context.set_default_timeout(TIMEOUT_MS)
        opened.append(context)
        return context

    yield new
    for context in opened:
        context.close()


@pytest.fixture
def page(new_context):
    """A page in a fresh browser context."""
    return new_context().new_page()
