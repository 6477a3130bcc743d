"""Versions through the pages: edit, history, differences, restore, archive, refusals, preview."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from library_support import (
    errors_on,
    form_values,
    item_by_slug,
    new_item,
    seed_pathways,
    submit,
    submit_page,
    textarea,
)
from support import csrf_token, post_form, sign_in

from content import services
from wisdom.db import db

REVIEW_BY = date.today() + timedelta(days=200)

# Every save changes every field that the differences page compares, so any pair differs in all.
VERSIONS = [
    {
        "title": "Finding a home after custody",
        "summary": "Alpha summary about housing on release.",
        "body": "## Before release\n\nRefer to the housing team alphaword.",
        "tags": "housing",
        "classification": "open",
        "change_note": "First version",
    },
    {
        "title": "Finding a home after a prison sentence",
        "summary": "Bravo summary about housing on release.",
        "body": "## Before release\n\nRefer to the council bravoword.",
        "tags": "housing, release",
        "classification": "staff",
        "change_note": "Named the sentence, not the place",
    },
    {
        "title": "Securing a home after a prison sentence",
        "summary": "Charlie summary about housing on release.",
        "body": "## Before release\n\nRefer to CAS3 charlieword.",
        "tags": "cas3, housing",
        "classification": "open",
        "change_note": "Added the CAS3 referral route",
    },
    {
        "title": "Securing accommodation after a prison sentence",
        "summary": "Delta summary about housing on release.",
        "body": "## Before release\n\nRefer to the duty to refer deltaword.",
        "tags": "duty to refer",
        "classification": "staff",
        "change_note": "Explained the duty to refer after the 2026 audit",
    },
]
DIFFED = {
    "Title": "title",
    "Summary": "summary",
    "Text": "body",
    "Tags": "tags",
    "Classification": "classification",
}
CLASS_WORDS = {"open": "Open", "staff": "Staff only"}
ROW = re.compile(
    r'<dt class="govuk-summary-list__key">(?P<label>[^<]+).*?</dt>\s*'
    r'<dd class="govuk-summary-list__value wisdom-diff">(?P<value>.*?)</dd>',
    re.S,
)


@pytest.fixture(autouse=True)
def _pathways(app):
    """The seeded pathways, on PostgreSQL too."""
    seed_pathways(app)


def first_version(client) -> str:
    """Write version 1 of the guidance through the page; return its slug."""
    fields = {**VERSIONS[0], "pathways": ["accommodation"], "review_by": _date(REVIEW_BY)}
    return new_item(client, "guidance", fields)


def _date(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def edit_to(client, slug: str, n: int):
    """Save version ``n + 1`` through the edit page, changing only what VERSIONS says."""
    response = submit(client, f"/library/{slug}/edit", VERSIONS[n])
    assert response.status_code == 302, errors_on(response.get_data(as_text=True))
    return response


def diff_rows(page: str) -> dict[str, str]:
    """The differences page's rows: label -> the HTML shown for that field."""
    return {m["label"].strip(): m["value"] for m in ROW.finditer(page)}


def _words(value: str) -> list[str]:
    """The words of a field as the differences page compares them."""
    return html.escape(value).split()


@pytest.fixture
def four_versions(app, signed_in):
    """A guidance item saved four times by the PDM, through the pages."""
    client = signed_in("pdm")
    slug = first_version(client)
    for n in (1, 2, 3):
        edit_to(client, slug, n)
    return client, slug


def test_every_save_is_a_version_with_author_and_note(app, four_versions):
    client, slug = four_versions
    with app.app_context():
        item = item_by_slug(slug)
        assert services.version_count(item) == 4
        assert item.current_version == 4
        assert item.title == VERSIONS[3]["title"]
        # Fields the edits did not touch survive every save made from the rendered form.
        assert item.pathways == ["accommodation"]
        assert item.review_by == REVIEW_BY
    page = client.get(f"/library/{slug}/history").get_data(as_text=True)
    assert "4 versions" in page
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', page, re.S)[1:]
    assert len(rows) == 4
    for row, number in zip(rows, (4, 3, 2, 1), strict=True):
        assert f"Version {number}</a>" in row
        assert "Morgan Ellis" in row
        assert html.escape(VERSIONS[number - 1]["change_note"]) in row


@pytest.mark.parametrize("a,b", [(1, 4), (2, 3), (4, 1)])
def test_differences_of_any_two_versions_field_by_field(four_versions, a, b):
    client, slug = four_versions
    page = client.get(f"/library/{slug}/diff?a={a}&b={b}").get_data(as_text=True)
    older, newer = VERSIONS[min(a, b) - 1], VERSIONS[max(a, b) - 1]
    assert f"From version {min(a, b)}" in page and f"to version {max(a, b)}" in page
    rows = diff_rows(page)
    for label, key in DIFFED.items():
        shown = rows[label]
        before, after = older[key], newer[key]
        if key == "classification":
            before, after = CLASS_WORDS[before], CLASS_WORDS[after]
        if key == "tags":
            before = ", ".join(sorted(t.strip() for t in before.split(",")))
            after = ", ".join(sorted(t.strip() for t in after.split(",")))
        removed = set(_words(before)) - set(_words(after))
        added = set(_words(after)) - set(_words(before))
        deleted = " ".join(re.findall(r"<del>(.*?)</del>", shown, re.S)).split()
        inserted = " ".join(re.findall(r"<ins>(.*?)</ins>", shown, re.S)).split()
        assert removed and removed <= set(deleted), (label, shown)
        assert added and added <= set(inserted), (label, shown)
    # The why of the newer version is on the page.
    assert html.escape(newer["change_note"]) in page


def test_restore_the_first_version_makes_version_five_equal_to_it(app, four_versions):
    client, slug = four_versions
    history = client.get(f"/library/{slug}/history").get_data(as_text=True)
    lock = re.search(r'id="restore-1".*?name="lock_version" value="(\d+)"', history, re.S)
    response = post_form(client, f"/library/{slug}/restore/1", {"lock_version": lock.group(1)})
    assert response.status_code == 302
    with app.app_context():
        item = item_by_slug(slug)
        assert services.version_count(item) == 5 and item.current_version == 5
        first, fifth = services.version_of(item, 1), services.version_of(item, 5)
        for name in ("title", "summary", "body", "classification", "tags", "pathways", "fields"):
            assert getattr(fifth, name) == getattr(first, name), name
            assert getattr(item, name) == getattr(first, name), name
        assert fifth.restored_from == 1
        assert item.title == VERSIONS[0]["title"]
    page = client.get(f"/library/{slug}/history").get_data(as_text=True)
    assert "5 versions" in page and "(restored from version 1)" in page
    # Nothing was lost: version 4 is still there to read.
    old = client.get(f"/library/{slug}/versions/4").get_data(as_text=True)
    assert VERSIONS[3]["title"] in old


def test_a_stale_restore_is_refused(app, four_versions):
    client, slug = four_versions
    response = post_form(client, f"/library/{slug}/restore/1", {"lock_version": "1"})
    assert response.status_code == 302
    with app.app_context():
        assert services.version_count(item_by_slug(slug)) == 4
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Someone else changed this item just now" in page


def test_why_did_this_change_shows_the_change_note(four_versions):
    client, slug = four_versions
    for number in (1, 3, 4):
        page = client.get(f"/library/{slug}/versions/{number}").get_data(as_text=True)
        why = re.search(r"Why did this change\?</strong>(.*?)</div>", page, re.S)
        assert why, page[:500]
        assert html.escape(VERSIONS[number - 1]["change_note"]) in why.group(1)
        assert f'<h1 class="govuk-heading-l">{html.escape(VERSIONS[number - 1]["title"])}' in page


def test_archive_hides_from_readers_and_editors_bring_it_back(app, signed_in):
    editor = signed_in("pdm")
    slug = first_version(editor)
    reader = app.test_client()
    assert sign_in(reader, "practitioner").status_code == 302
    assert VERSIONS[0]["title"] in reader.get("/library").get_data(as_text=True)

    assert post_form(editor, f"/library/{slug}/archive", {}).status_code == 302
    with app.app_context():
        assert item_by_slug(slug).archived
    assert VERSIONS[0]["title"] not in reader.get("/library").get_data(as_text=True)
    assert VERSIONS[0]["title"] not in reader.get("/library?kind=guidance").get_data(as_text=True)
    for path in ("", "/history", "/versions/1", "/diff?a=1&b=1", "/print", "/export"):
        assert reader.get(f"/library/{slug}{path}").status_code == 404, path

    page = editor.get(f"/library/{slug}")
    assert page.status_code == 200
    assert "This item is archived" in page.get_data(as_text=True)
    assert VERSIONS[0]["title"] in editor.get("/library/archived").get_data(as_text=True)
    assert VERSIONS[0]["title"] not in editor.get("/library").get_data(as_text=True)

    assert post_form(editor, f"/library/{slug}/archive", {}).status_code == 302
    with app.app_context():
        assert not item_by_slug(slug).archived
    assert reader.get(f"/library/{slug}").status_code == 200
    assert VERSIONS[0]["title"] in reader.get("/library").get_data(as_text=True)


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"title": "   "}, "Enter a title"),
        ({"pathways": ["accommodation", "atlantis"]}, "Unknown pathway: atlantis"),
        ({"change_note": ""}, "Say what you changed and why"),
        ({"classification": "secret"}, "Choose open, staff only or confidential"),
    ],
)
def test_a_bad_save_says_what_is_wrong_and_changes_nothing(app, signed_in, changes, message):
    client = signed_in("pdm")
    slug = first_version(client)
    with app.app_context():
        before = item_by_slug(slug)
        lock, title = before.lock_version, before.title
    response = submit(
        client, f"/library/{slug}/edit", {"body": "An edit that must not be saved", **changes}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert message in errors_on(page)
    # The author's text is kept for them to correct.
    assert textarea(page, "body") == "An edit that must not be saved"
    with app.app_context():
        item = item_by_slug(slug)
        assert services.version_count(item) == 1
        assert (item.lock_version, item.title) == (lock, title)
        assert item.body == VERSIONS[0]["body"]


def test_a_bad_new_item_is_not_created(app, signed_in):
    client = signed_in("pdm")
    response = new_item(client, "guidance", {"title": "", "body": "x"}, expect_ok=False)
    assert response.status_code == 200
    assert "Enter a title" in errors_on(response.get_data(as_text=True))
    with app.app_context():
        from content.models import Item

        assert db.session.query(Item).count() == 0


def test_practitioner_and_quality_lead_cannot_edit_guidance(app, signed_in):
    editor = signed_in("pdm")
    slug = first_version(editor)
    edit_page = editor.get(f"/library/{slug}/edit").get_data(as_text=True)
    for role in ("practitioner", "quality_lead", "service_user"):
        other = app.test_client()
        assert sign_in(other, role).status_code == 302
        assert other.get(f"/library/{slug}/edit").status_code in (403, 404), role
        # Their own valid CSRF token, so only access can refuse it.
        forged = {"title": "Hijacked", "csrf_token": csrf_token(other, "/")}
        response = submit_page(other, f"/library/{slug}/edit", edit_page, forged)
        assert response.status_code in (403, 404), role
        response = post_form(other, f"/library/{slug}/archive", {})
        assert response.status_code in (403, 404), role
        page = other.get(f"/library/{slug}").get_data(as_text=True)
        assert f"/library/{slug}/edit" not in page
    with app.app_context():
        item = item_by_slug(slug)
        assert services.version_count(item) == 1 and not item.archived
        assert item.title == VERSIONS[0]["title"]


def _normalised(page: str) -> str:
    """A page without its per-request values (nonces, tokens)."""
    page = re.sub(r'nonce="[^"]*"', "", page)
    return re.sub(
        r'name="csrf_token"[^>]*value="[^"]*"|value="[^"]*"[^>]*name="csrf_token"', "", page
    )


def test_a_service_user_gets_the_same_404_for_a_staff_item_as_for_a_missing_one(app, signed_in):
    editor = signed_in("pdm")
    slug = first_version(editor)
    edit_to(editor, slug, 1)  # version 2 is staff only
    with app.app_context():
        assert item_by_slug(slug).classification == "staff"
    reader = app.test_client()
    assert sign_in(reader, "service_user").status_code == 302
    for path in ("", "/history", "/versions/1", "/diff?a=1&b=2", "/print", "/export"):
        hidden = reader.get(f"/library/{slug}{path}")
        missing = reader.get(f"/library/no-such-item{path}")
        assert hidden.status_code == missing.status_code == 404, path
        assert _normalised(hidden.get_data(as_text=True)) == _normalised(
            missing.get_data(as_text=True)
        )
    listing = reader.get("/library").get_data(as_text=True)
    assert VERSIONS[1]["title"] not in listing and VERSIONS[0]["title"] not in listing


def test_preview_renders_markdown_and_saves_nothing(app, signed_in):
    client = signed_in("pdm")
    slug = first_version(client)
    text = "## Getting ready\n\nPlan **two weeks** ahead.\n\n| Step | Who |\n|---|---|\n| Refer | PDM |"
    response = submit(client, f"/library/{slug}/edit", {"body": text}, button="preview")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    preview = re.search(r'class="wisdom-prose wisdom-preview">(.*?)</div>', page, re.S).group(1)
    assert "<strong>two weeks</strong>" in preview
    assert re.search(r'<h2 [^>]*id="section-getting-ready"[^>]*>Getting ready</h2>', preview)
    assert '<table class="govuk-table">' in preview
    assert textarea(page, "body") == text  # the text stays in the form
    with app.app_context():
        item = item_by_slug(slug)
        assert services.version_count(item) == 1 and item.body == VERSIONS[0]["body"]
    # Saving after previewing keeps what was previewed.
    response = submit_page(
        client, f"/library/{slug}/edit", page, {"change_note": "Added the steps"}
    )
    assert response.status_code == 302
    with app.app_context():
        assert item_by_slug(slug).body == text


def test_preview_of_a_new_item_creates_nothing(app, signed_in):
    client = signed_in("pdm")
    response = submit(
        client, "/library/new/guidance", {"title": "Draft", "body": "*soon*"}, button="preview"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<em>soon</em>" in page
    assert form_values(page)["title"] == ["Draft"]
    with app.app_context():
        from content.models import Item

        assert db.session.query(Item).count() == 0


@pytest.mark.parametrize(
    "role, kinds",
    [
        ("pdm", {"guidance", "finding", "beacon", "resource", "workbank", "feedback"}),
        ("quality_lead", {"finding", "beacon", "feedback"}),
        ("practitioner", set()),
        ("service_user", set()),
    ],
)
def test_browse_offers_to_write_only_the_kinds_a_role_may_write(client, signed_in, role, kinds):
    signed_in(role)
    response = client.get("/library")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    offered = set(re.findall(r'href="/library/new/([a-z]+)"', page))
    assert offered == kinds
    assert ("Write a new item" in page) == bool(kinds)
    for kind in {"guidance", "finding"} - kinds:
        assert client.get(f"/library/new/{kind}").status_code == 403


def test_links_between_items_and_backlinks_follow_each_readers_access(app, client, signed_in):
    signed_in("pdm")
    base = {"pathways": ["accommodation"], "review_by": _date(REVIEW_BY)}
    staff = new_item(
        client, "guidance", {**base, "title": "Staff checklist", "classification": "staff"}
    )
    source = new_item(
        client,
        "guidance",
        {
            **base,
            "title": "Open leaflet",
            "classification": "open",
            "body": f"Read [[{staff}|the staff checklist]] and [[no-such-item]].",
        },
    )
    readers = {}
    for role in ("practitioner", "service_user"):
        readers[role] = app.test_client()
        sign_in(readers[role], role)
    for role, follows in (("practitioner", True), ("service_user", False)):
        page = readers[role].get(f"/library/{source}").get_data(as_text=True)
        assert (f'href="/library/{staff}"' in page) is follows, role
        assert "the staff checklist" in page
        assert 'href="/library/no-such-item"' not in page
    target = readers["practitioner"].get(f"/library/{staff}").get_data(as_text=True)
    assert f'href="/library/{source}"' in target  # the backlink
