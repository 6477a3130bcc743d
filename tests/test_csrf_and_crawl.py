"""Walk the URL map: every state change needs a CSRF token, and no GET changes the database."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from route_matrix import (
    ANON,
    AUDIT_TABLES,
    GET_WRITES_ALLOWED,
    VISITORS,
    changed_tables,
    rules,
    snapshot,
    url_of,
)
from support import PEOPLE, csrf_token, sign_in

from wisdom.db import db

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_PAGE = "The form had expired or was not sent from WISDOM"

# Form data that would make the change if the token were not checked (the rest post nothing,
# which is already enough to toggle, archive, restore, delete or sign out).
WOULD_SUCCEED = {
    "auth.sign_in": {"email": PEOPLE["pdm"][0], "password": PEOPLE["pdm"][3]},
    "auth.change_password": {
        "current": PEOPLE["admin"][3],
        "new": "a-brand-new-passphrase",
        "confirm": "a-brand-new-passphrase",
    },
    "admin.new_user": {
        "name": "Forged Person",
        "email": "forged@example.org",
        "roles": "admin",
        "password": "forged-password-long",
    },
    "admin.edit_user": {"name": "Renamed", "email": "renamed@example.org", "roles": "admin"},
    "admin.reset_password": {"password": "forged-password-long"},
    "library.new": {"title": "Forged guidance", "classification": "open"},
    "library.pathways": {"name": "Forged pathway"},
    "search.synonyms": {"term": "forged", "expansion": "forgery"},
    "directory.correct": {
        "title": "Forged title",
        "summary": "Forged summary.",
        "referral_route": "Forged route",
        "referral_contact": "forged@example.org",
        "areas": "Leeds",
        "outcomes": "Forged",
        "status": "active",
        "review_date": "2027-06-30",
        "change_note": "Forged correction",
        "expected_version": "1",
    },
}


def _signed_in(app, role: str | None):
    client = app.test_client()
    if role is not None:
        assert sign_in(client, role).status_code == 302
    return client


@pytest.mark.parametrize("role", ["admin", "pdm"])
def test_every_state_change_is_refused_without_a_csrf_token(full_app, role):
    client = _signed_in(full_app, role)
    writes = [(r, m) for r in rules(full_app) for m in sorted(r.methods & WRITE_METHODS)]
    assert any(r.endpoint == "auth.sign_out" for r, _ in writes)  # the walk found the routes
    for rule, method in writes:
        url = url_of(full_app, rule)
        data = WOULD_SUCCEED.get(rule.endpoint, {})
        for token in (None, "forged-token-from-another-site"):
            before = snapshot(full_app)
            form = data if token is None else {**data, "csrf_token": token}
            response = client.open(url, method=method, data=form)
            where = f"{method} {rule.endpoint} with token {token!r}"
            assert response.status_code == 400, where
            page = response.get_data(as_text=True)
            assert CSRF_PAGE in page and "govuk-template" in page, where
            assert changed_tables(before, snapshot(full_app)) == set(), where
    # The refused sign-out did not sign anyone out.
    assert client.get("/").status_code == 200


def test_the_same_request_with_its_token_does_change_something(full_app):
    """The refusals above are the token's doing: with it, the same POST disables the account."""
    client = _signed_in(full_app, "admin")
    before = snapshot(full_app, leave_out=AUDIT_TABLES)
    url = f"/admin/users/{full_app.seeded['user_id']}/active"
    response = client.post(url, data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302
    assert changed_tables(before, snapshot(full_app, leave_out=AUDIT_TABLES)) == {"users"}


@pytest.mark.parametrize("visitor", VISITORS)
def test_no_get_changes_the_database_but_the_audit_log(full_app, visitor):
    client = _signed_in(full_app, None if visitor == ANON else visitor)  # sign-in writes; done
    gets = [rule for rule in rules(full_app) if "GET" in rule.methods]
    assert len(gets) > 20
    problems = []
    for rule in gets:
        before = snapshot(full_app)
        response = client.get(url_of(full_app, rule))
        assert response.status_code < 500, rule.endpoint
        allowed = AUDIT_TABLES | GET_WRITES_ALLOWED.get(rule.endpoint, set())
        changed = changed_tables(before, snapshot(full_app)) - allowed
        if changed:
            problems.append(f"GET {rule.endpoint} changed {sorted(changed)}")
    assert not problems, f"as {visitor}:\n" + "\n".join(problems)


def test_the_crawl_would_notice_a_change(full_app):
    """The snapshot sees a changed column, so an empty difference above means something."""
    before = snapshot(full_app, leave_out=AUDIT_TABLES)
    with full_app.app_context():
        db.session.execute(
            sa.text("UPDATE users SET name = 'Changed' WHERE email = :e"), {"e": PEOPLE["pdm"][0]}
        )
        db.session.commit()
    assert changed_tables(before, snapshot(full_app, leave_out=AUDIT_TABLES)) == {"users"}
