"""The Directory of Services: every filter, counts, reasons, search, statuses and the easy-read view."""

from __future__ import annotations

import html
import re
import threading

import pytest
from modules_support import content, person

from modules import services
from search import indexing, outbox
from wisdom.db import db

RESULT = re.compile(
    r'<h2 class="govuk-heading-s[^"]*"><a class="govuk-link" href="/directory/([a-z0-9-]+)">'
)


def _catalogue(app) -> None:
    """Five modules that differ in every filtered attribute, indexed for search."""
    rows = {
        "alpha-housing": content(
            title="Alpha housing", pathways=["accommodation"], areas=["Leeds"],
            description="Alpha is about tenancies.",
        ),
        "bravo-money-online": content(
            title="Bravo money online", pathways=["finance-benefit-debt"], core=False,
            delivered_by="Fresh Start Money Advice", formats=["online"], areas=["All areas"],
            eligibility={
                "sexes": ["female"], "age_min": 25, "age_max": 40,
                "rosh_levels": ["medium", "high"], "complexity": {"high": "Court orders and arrears"},
            },
            description="Bravo deals with creditors and arrears.",
        ),
        "charlie-mens-group": content(
            title="Charlie men's group", pathways=["thinking-behaviour"],
            formats=["group", "one-to-one"], areas=["Bradford"],
            eligibility={
                "sexes": ["male"], "age_min": 18, "age_max": 25, "rosh_levels": ["very high"],
                "complexity": {"medium": "Impulsive decisions"},
            },
            description="Charlie works on zanzibarish impulsivity.",
        ),
        "delta-suspended": content(
            title="Delta suspended", pathways=["accommodation"], areas=["Leeds"], status="suspended"
        ),
        "echo-retired": content(
            title="Echo retired", pathways=["finance-benefit-debt"], status="retired"
        ),
    }  # fmt: skip
    with app.app_context():
        pdm = person("pdm")
        for slug, made in rows.items():
            services.create_module(made, actor=pdm, change_note="First version", slug=slug)
        backend = app.extensions["wisdom_search"]
        backend.rebuild(indexing.all_documents())
        outbox.apply_pending(backend)


@pytest.fixture
def catalogue(app, snapshot):
    """The app with the test catalogue (made once per backend, put back for each test)."""
    snapshot(app, "directory-catalogue", _catalogue)
    return app


def _results(client, query: str) -> list[str]:
    response = client.get(f"/directory?{query}")
    assert response.status_code == 200
    return RESULT.findall(response.get_data(as_text=True))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"alpha-housing", "bravo-money-online", "charlie-mens-group", "delta-suspended"}),
        ("pathway=accommodation", {"alpha-housing", "delta-suspended"}),
        (
            "pathway=accommodation&pathway=finance-benefit-debt",
            {"alpha-housing", "bravo-money-online", "delta-suspended"},
        ),
        ("complexity=high", {"bravo-money-online"}),
        ("complexity=medium", {"alpha-housing", "charlie-mens-group", "delta-suspended"}),
        ("sex=female", {"alpha-housing", "bravo-money-online", "delta-suspended"}),
        ("sex=male", {"alpha-housing", "charlie-mens-group", "delta-suspended"}),
        ("age=30", {"alpha-housing", "bravo-money-online", "delta-suspended"}),
        ("age=45", {"alpha-housing", "delta-suspended"}),
        ("age=20", {"alpha-housing", "charlie-mens-group", "delta-suspended"}),
        ("rosh=very+high", {"charlie-mens-group"}),
        ("rosh=high", {"bravo-money-online"}),
        ("area=Leeds", {"alpha-housing", "bravo-money-online", "delta-suspended"}),
        ("area=Bradford", {"bravo-money-online", "charlie-mens-group"}),
        ("delivery=partner", {"bravo-money-online"}),
        ("delivery=in-house", {"alpha-housing", "charlie-mens-group", "delta-suspended"}),
        ("format=online", {"bravo-money-online"}),
        ("format=one-to-one", {"alpha-housing", "charlie-mens-group", "delta-suspended"}),
        ("core=optional", {"bravo-money-online"}),
        ("core=core", {"alpha-housing", "charlie-mens-group", "delta-suspended"}),
        ("sex=female&age=30&format=online&area=Leeds", {"bravo-money-online"}),
        ("sex=male&format=online", set()),
        ("retired=1&pathway=finance-benefit-debt", {"bravo-money-online", "echo-retired"}),
        ("q=zanzibarish", {"charlie-mens-group"}),
        ("q=arrears", {"bravo-money-online"}),
        ("q=arrears&format=group", set()),
    ],
)
def test_every_filter_narrows_the_directory(catalogue, signed_in, query, expected):
    assert set(_results(signed_in("practitioner"), query)) == expected


def test_counts_show_what_ticking_a_value_would_leave(catalogue, signed_in):
    page = signed_in("practitioner").get("/directory?format=online").get_data(as_text=True)
    assert re.search(r"Finance, benefit and debt \(1\)</label>", page)
    assert re.search(r"Accommodation \(0\)</label>", page)
    # A filter's own values are counted without it: ticking "group" as well would add 3.
    assert re.search(r">Group \(3\)</label>", page)
    assert re.search(r">Online \(1\)</label>", page)


def test_each_result_says_why_it_matched(catalogue, signed_in):
    page = signed_in("practitioner").get(
        "/directory?area=Leeds&sex=female&age=30&rosh=medium&pathway=finance-benefit-debt&q=arrears"
    )
    text = html.unescape(page.get_data(as_text=True))
    for reason in (
        "Mentions “arrears”",
        "Addresses Finance, benefit and debt",
        "Open to women",
        "Age 30 is within 25 to 40",
        "Suits medium RoSH",
        "Runs in all areas",
    ):
        assert reason in text, reason


def test_selected_filters_can_be_removed_one_by_one_without_javascript(catalogue, signed_in):
    client = signed_in("practitioner")
    page = client.get("/directory?format=online&sex=female").get_data(as_text=True)
    removal = re.search(
        r'href="(/directory\?[^"]*)"><span class="govuk-visually-hidden">Remove this filter</span> Online',
        page,
    )
    assert removal, "no link removes the Online filter"
    url = html.unescape(removal.group(1))
    assert "format=online" not in url and "sex=female" in url
    assert set(RESULT.findall(client.get(url).get_data(as_text=True))) == {
        "alpha-housing", "bravo-money-online", "delta-suspended",
    }  # fmt: skip


def test_people_on_probation_see_active_modules_in_plain_words(catalogue, signed_in):
    client = signed_in("service_user")
    # Risk and eligibility filters are not theirs to use, so they are ignored.
    assert set(_results(client, "rosh=very+high&sex=male")) == {
        "alpha-housing", "bravo-money-online", "charlie-mens-group",
    }  # fmt: skip
    assert set(_results(client, "format=online")) == {"bravo-money-online"}
    page = client.get("/directory").get_data(as_text=True)
    for word in ("RoSH", "risk", "Risk", "offender", "complexity", "Suspended"):
        assert word not in page, word
    assert client.get("/directory/delta-suspended").status_code == 404
    assert client.get("/directory/echo-retired").status_code == 404
    assert client.get("/directory?retired=1").get_data(as_text=True).count("echo-retired") == 0


def test_staff_see_suspended_modules_marked_and_retired_only_when_asked(catalogue, signed_in):
    client = signed_in("practitioner")
    page = client.get("/directory").get_data(as_text=True)
    assert "delta-suspended" in page and ">Suspended</strong>" in page
    assert "echo-retired" not in page
    assert client.get("/directory/echo-retired").status_code == 200
    assert "This module is retired" in client.get("/directory/echo-retired").get_data(as_text=True)


def test_a_version_being_worked_on_never_reaches_the_directory(catalogue, signed_in):
    """Another process publishes without committing yet: readers still see the published version.

    (On PostgreSQL the reader answers at once; on SQLite it waits for the writer, whose
    transaction ends after a second, and then reads the published version.)
    """
    client = signed_in("practitioner")
    written, finish = threading.Event(), threading.Event()

    def writer():
        with catalogue.app_context():
            module = services.find_module("alpha-housing")
            services.publish_version(
                module, content(title="Alpha housing DRAFT", pathways=["accommodation"]),
                actor=person("pdm"), change_note="Draft", commit=False,
            )  # fmt: skip
            db.session.flush()
            written.set()
            finish.wait(1.0)
            db.session.rollback()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert written.wait(30)
        page = client.get("/directory/alpha-housing").get_data(as_text=True)
        assert "DRAFT" not in page and "Alpha housing" in page
        listing = client.get("/directory?pathway=accommodation").get_data(as_text=True)
        assert "DRAFT" not in listing and "alpha-housing" in listing
    finally:
        finish.set()
        thread.join(30)
    assert "DRAFT" not in client.get("/directory/alpha-housing").get_data(as_text=True)


def test_a_practitioner_finds_the_right_module_in_one_screen_of_filters(app, signed_in):
    """'A woman of 34, medium RoSH, in Wakefield, with debt problems, who can only do online
    sessions': five filters, ticked on one form and applied once, put the right module on the
    first screen, and it is the only finance module she can join."""
    with app.app_context():
        from modules.component import load_demo

        load_demo()
    client = signed_in("practitioner")
    start = client.get("/directory").get_data(as_text=True)
    total = len(RESULT.findall(start))
    assert total >= 20  # the whole Directory before filtering
    filters = {
        "pathway": "finance-benefit-debt",  # debt problems
        "sex": "female",  # a woman
        "age": "34",
        "rosh": "medium",
        "area": "Wakefield",
        "format": "online",  # can only do online sessions
    }
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    found = _results(client, query)
    assert "getting-on-top-of-debt" in found[:5]  # on the first screen
    assert len(found) <= 3, found
    # Every choice is on the one filter form: one page load to see it, one "Apply filters".
    for name in filters:
        assert f'name="{name}"' in start
    # The women-only group in Wakefield and the young men's online course are filtered out.
    assert "womens-money-and-benefits-group" not in found
    assert "budgeting-for-young-men" not in found
    print(
        f"\nUNDER A MINUTE: {len(filters)} filters, 1 form submission, {total} -> {len(found)} modules: {found}"
    )
