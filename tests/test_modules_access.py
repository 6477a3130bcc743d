"""Facilitator notes and risk language never reach people on probation: pages, print, exports,
the page's JSON, search results and the search documents themselves."""

from __future__ import annotations

import json

import pytest
from modules_support import content, person

from modules import services
from modules.search_provider import ModuleProvider
from search import indexing, outbox
from wisdom.db import db

NOTE_WORD = "quokkanote"  # only in facilitator notes
STAFF_WORD = "wombatstaff"  # only in the staff description
OPEN_WORD = "numbatopen"  # in participant materials, which are open
SECRETS = ("FACILITATOR-ONLY", NOTE_WORD, STAFF_WORD)
RISK_WORDS = ("RoSH", "risk", "Risk", "offender", "Offender", "eligib", "complexity", "Facilitator")


@pytest.fixture
def module_app(app):
    made = content(description=f"Staff description mentioning {STAFF_WORD}. Suits medium RoSH.")
    made["sessions"][0]["facilitator_notes"] = (
        f"FACILITATOR-ONLY: {NOTE_WORD} watch for disclosures"
    )
    made["sessions"][0]["participant_materials"] = f"Worksheet about {OPEN_WORD}"
    with app.app_context():
        services.create_module(made, actor=person("pdm"), change_note="First version")
        services.create_module(
            content(title="Paused course", status="suspended"), actor=person("pdm"),
            change_note="First version",
        )  # fmt: skip
        backend = app.extensions["wisdom_search"]
        backend.rebuild(indexing.all_documents())
        outbox.apply_pending(backend)
    return app


SERVICE_USER_URLS = (
    "/directory",
    "/directory?q=worksheet",
    "/directory/managing-emotions",
    "/directory/managing-emotions/print",
    "/directory/managing-emotions/data.json",
    "/directory/export?download=csv",
    "/directory/export?download=json",
    "/directory/export?download=json&format=group",
)
# Searches for words only staff may see: they find nothing for a person on probation.
HIDDEN_SEARCHES = (f"/search?q={NOTE_WORD}", f"/search?q={STAFF_WORD}", "/search?q=disclosures")


def test_nothing_a_person_on_probation_opens_holds_staff_notes_or_risk_words(module_app, signed_in):
    client = signed_in("service_user")
    for url in SERVICE_USER_URLS:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        for secret in SECRETS:
            assert secret not in text, f"{secret} in {url}"
        for word in RISK_WORDS:
            assert word not in text, f"{word} in {url}"
    for url in HIDDEN_SEARCHES:
        text = client.get(url).get_data(as_text=True)
        assert "/directory/managing-emotions" not in text and "FACILITATOR-ONLY" not in text, url
    for prefix in (NOTE_WORD[:5], STAFF_WORD[:5]):
        assert client.get(f"/search/suggest?q={prefix}").get_json() in ([], {"suggestions": []})
    # What they may see is there: the open materials, found by search too.
    assert OPEN_WORD in client.get("/directory/managing-emotions").get_data(as_text=True)
    assert "/directory/managing-emotions" in client.get(f"/search?q={OPEN_WORD}").get_data(
        as_text=True
    )


def test_the_page_json_and_exports_give_people_on_probation_the_easy_read_fields_only(
    module_app, signed_in
):
    client = signed_in("service_user")
    data = client.get("/directory/managing-emotions/data.json").get_json()
    assert set(data) == {
        "slug", "version", "title", "summary", "pathways", "delivered_by", "formats",
        "session_count", "session_length_minutes", "areas", "outcomes", "status",
        "review_date", "sessions",
    }  # fmt: skip
    assert set(data["sessions"][0]) == {
        "title", "objectives", "duration_minutes", "participant_materials",
    }  # fmt: skip
    exported = json.loads(client.get("/directory/export?download=json").get_data(as_text=True))
    assert [m["slug"] for m in exported["modules"]] == ["managing-emotions"]  # not the suspended
    assert "eligibility" not in exported["modules"][0]
    header = client.get("/directory/export?download=csv").get_data(as_text=True).splitlines()[0]
    assert "rosh_levels" not in header and "description" not in header and "title" in header


def test_staff_see_facilitator_notes_on_every_view(module_app, signed_in):
    client = signed_in("practitioner")
    for url in (
        "/directory/managing-emotions",
        "/directory/managing-emotions/print",
        "/directory/managing-emotions/data.json",
        "/directory/managing-emotions/versions/1",
        "/directory/export?download=json",
    ):
        assert "FACILITATOR-ONLY" in client.get(url).get_data(as_text=True), url
    data = client.get("/directory/managing-emotions/data.json").get_json()
    assert data["eligibility"]["rosh_levels"] == ["low", "medium"]
    assert "Paused course" in client.get("/directory").get_data(as_text=True)


def test_history_and_differences_are_staff_only(module_app, signed_in):
    client = signed_in("service_user")
    for url in ("history", "versions/1", "diff?a=1&b=1"):
        assert client.get(f"/directory/managing-emotions/{url}").status_code == 403, url


def test_the_search_documents_carry_the_right_acl_and_keep_notes_restricted(module_app):
    with module_app.app_context(), module_app.test_request_context():
        module = services.find_module("managing-emotions")
        paused = services.find_module("paused-course")
        keys = [str(module.id), f"{module.id}-easy", str(paused.id), f"{paused.id}-easy"]
        docs = ModuleProvider().documents(keys)
        staff, easy = docs[str(module.id)], docs[f"{module.id}-easy"]
        assert staff.acl == frozenset({"staff"}) and easy.acl == frozenset({"role:service_user"})
        assert NOTE_WORD in staff.restricted and NOTE_WORD not in staff.body
        assert STAFF_WORD in staff.body
        for field in (easy.title, easy.summary, easy.body, easy.restricted):
            for secret in SECRETS:
                assert secret not in field
        assert OPEN_WORD in easy.body
        # A suspended module has a staff document and no easy-read one.
        assert docs[str(paused.id)] is not None and docs[f"{paused.id}-easy"] is None
        db.session.rollback()


def test_search_finds_notes_only_for_cleared_staff_and_staff_text_only_for_staff(
    module_app, signed_in
):
    client = signed_in("pdm")
    assert "/directory/managing-emotions" in client.get(f"/search?q={NOTE_WORD}").get_data(
        as_text=True
    )
    practitioner = module_app.test_client()
    from support import sign_in

    sign_in(practitioner, "practitioner")
    assert "/directory/managing-emotions" in practitioner.get(f"/search?q={STAFF_WORD}").get_data(
        as_text=True
    )
    assert "/directory/managing-emotions" not in practitioner.get(
        f"/search?q={NOTE_WORD}"
    ).get_data(as_text=True)


def test_every_demo_module_reads_plainly_for_a_person_on_probation(app, signed_in):
    from modules.component import load_demo
    from modules.directory import current_modules

    with app.app_context():
        load_demo()
        staff_only = {m.slug for m, c in current_modules(person("pdm"), True)} - {
            m.slug for m, c in current_modules(person("service_user"))
        }
        slugs = [m.slug for m, c in current_modules(person("service_user"))]
    assert len(slugs) >= 18 and staff_only  # suspended and retired ones are not theirs
    client = signed_in("service_user")
    for slug in slugs:
        text = client.get(f"/directory/{slug}").get_data(as_text=True)
        for word in ("RoSH", "risk", "Risk", "offender", "Offender", "Facilitator", "facilitator"):
            assert word not in text, f"{word} on {slug}"
    for slug in staff_only:
        assert client.get(f"/directory/{slug}").status_code == 404
