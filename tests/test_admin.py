"""Administrators manage accounts through the pages: create, roles, clearance, disable, enable."""

from __future__ import annotations

import html
import json

import pytest
from route_matrix import changed_tables, snapshot
from sqlalchemy import select
from support import PEOPLE, csrf_token, post_form, sign_in

from wisdom import access
from wisdom.audit.models import AuditRecord
from wisdom.auth.models import User
from wisdom.db import db

NEW_PASSWORD = "first-password-for-them"


def _user(app, email: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


def _records(app, action: str) -> list[AuditRecord]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)
        ).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _edit(client, user_id: int, **fields):
    page = f"/admin/users/{user_id}"
    return post_form(client, page, fields, page)


def _toggle(client, user_id: int):
    page = f"/admin/users/{user_id}"
    return post_form(client, f"{page}/active", {}, page)


@pytest.fixture
def admin(client, signed_in):
    """The administrator's browser."""
    return signed_in("admin")


def test_admin_creates_an_account_with_several_roles(app, admin):
    response = post_form(
        admin,
        "/admin/users/new",
        {
            "name": "Robin Carter",
            "email": "Robin.Carter@Example.org ",
            "roles": ["pdm", "panel_member"],
            "password": NEW_PASSWORD,
        },
        "/admin/users/new",
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/users")
    listing = _page(admin.get("/admin/users"))
    assert "Account created for Robin Carter" in listing
    assert "Service Development Panel member, Practice Development Manager" in listing
    made = _user(app, "robin.carter@example.org")  # addresses are kept in lower case
    assert made is not None and made.name == "Robin Carter"
    with app.app_context():
        made = db.session.get(User, made.id)
        assert made.role_keys == ["panel_member", "pdm"]
        assert made.must_change_password and made.active and not made.cleared
    (created,) = _records(app, "user_created")
    assert created.actor == PEOPLE["admin"][0] and created.object_id == str(made.id)
    assert json.loads(created.detail) == {"cleared": False, "roles": ["panel_member", "pdm"]}
    assert sign_in(app.test_client(), "admin").status_code == 302  # nothing else disturbed


def test_admin_changes_roles_and_it_is_audited_with_before_and_after(app, admin):
    target = _user(app, PEOPLE["practitioner"][0])
    response = _edit(
        admin, target.id, name=target.name, email=target.email, roles=["practitioner", "pdm"]
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, target.id).role_keys == ["pdm", "practitioner"]
    (changed,) = _records(app, "roles_changed")
    assert changed.actor == PEOPLE["admin"][0]
    assert (changed.object_type, changed.object_id) == ("user", str(target.id))
    assert json.loads(changed.detail) == {
        "before": ["practitioner"],
        "after": ["pdm", "practitioner"],
    }


def test_a_role_change_ends_the_persons_sessions(app, admin):
    theirs = app.test_client()
    assert sign_in(theirs, "practitioner").status_code == 302
    target = _user(app, PEOPLE["practitioner"][0])
    _edit(admin, target.id, name=target.name, email=target.email, roles=["quality_lead"])
    response = theirs.get("/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_disable_ends_the_session_and_stops_sign_in_then_enable_restores_it(app, admin):
    theirs = app.test_client()
    assert sign_in(theirs, "practitioner").status_code == 302
    assert theirs.get("/").status_code == 200
    target = _user(app, PEOPLE["practitioner"][0])

    disabled = _toggle(admin, target.id)
    assert disabled.status_code == 302
    assert "Priya Shah's account is now disabled" in _page(admin.get(f"/admin/users/{target.id}"))
    assert not _user(app, target.email).active
    assert "Disabled" in _page(admin.get("/admin/users"))

    # Their open session ends at its next request, and they cannot sign in again.
    response = theirs.get("/library")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    again = sign_in(app.test_client(), "practitioner")
    assert again.status_code == 200
    assert "Enter a correct email address and password" in _page(again)
    assert [r.object_id for r in _records(app, "user_disabled")] == [str(target.id)]

    enabled = _toggle(admin, target.id)
    assert enabled.status_code == 302
    assert _user(app, target.email).active
    assert sign_in(app.test_client(), "practitioner").status_code == 302
    assert [r.actor for r in _records(app, "user_enabled")] == [PEOPLE["admin"][0]]


def test_admin_grants_confidential_clearance_by_name(app, admin):
    target = _user(app, PEOPLE["practitioner"][0])
    with app.app_context():
        assert not access.is_cleared(db.session.get(User, target.id))
    response = _edit(
        admin, target.id, name=target.name, email=target.email, roles="practitioner", cleared="y"
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, target.id)
        assert user.cleared and user.role_keys == ["practitioner"]
        assert access.is_cleared(user) and "cleared" in access.principals(user)
    assert "Priya Shah" in _page(admin.get("/admin/users"))
    assert "(cleared by name)" in _page(admin.get("/admin/users"))
    (granted,) = _records(app, "clearance_changed")
    assert json.loads(granted.detail) == {"cleared": True}
    assert granted.actor == PEOPLE["admin"][0]
    # And withdrawn again: an unticked box.
    _edit(admin, target.id, name=target.name, email=target.email, roles="practitioner")
    assert not _user(app, target.email).cleared


NEW = {
    "name": "Robin Carter",
    "email": "robin@example.org",
    "roles": "pdm",
    "password": NEW_PASSWORD,
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"email": PEOPLE["pdm"][0].upper()},
            f"An account with the email address {PEOPLE['pdm'][0]} already exists",
        ),
        ({"roles": "superuser"}, "superuser"),
        ({"roles": ["pdm", "superuser"]}, "superuser"),
        ({"roles": []}, "Choose at least one role"),
        ({"password": "short-one"}, "Your password must be at least 12 characters long"),
        ({"name": ""}, "Enter the person's full name"),
        ({"name": "   "}, "Enter the person's full name"),
        ({"email": "not-an-address"}, "Enter an email address in the correct format"),
    ],
)
def test_bad_input_on_create_gets_a_message_and_changes_nothing(app, admin, change, message):
    admin.get("/admin/users/new")
    before = snapshot(app)
    response = post_form(admin, "/admin/users/new", {**NEW, **change}, "/admin/users/new")
    page = _page(response)
    assert response.status_code == 200
    assert "There is a problem" in page and message in page
    assert changed_tables(before, snapshot(app)) == set()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"email": PEOPLE["pdm"][0]},
            f"An account with the email address {PEOPLE['pdm'][0]} already exists",
        ),
        ({"roles": "superuser"}, "superuser"),
        ({"roles": []}, "Choose at least one role"),
        ({"name": " "}, "Enter the person's full name"),
    ],
)
def test_bad_input_on_edit_gets_a_message_and_changes_nothing(app, admin, change, message):
    target = _user(app, PEOPLE["practitioner"][0])
    fields = {"name": "Priya Shah-Jones", "email": target.email, "roles": "pdm", **change}
    before = snapshot(app)
    response = _edit(admin, target.id, **fields)
    page = _page(response)
    assert response.status_code == 200
    assert "There is a problem" in page and message in page
    # Nothing half-saved: not the new name, not the new role.
    assert changed_tables(before, snapshot(app)) == set()


def test_a_reset_with_a_short_password_gets_a_message_and_changes_nothing(app, admin):
    target = _user(app, PEOPLE["practitioner"][0])
    before = snapshot(app)
    page = f"/admin/users/{target.id}"
    response = post_form(admin, f"{page}/password", {"password": "too-short"}, page)
    assert response.status_code == 400
    assert "Your password must be at least 12 characters long" in _page(response)
    assert changed_tables(before, snapshot(app)) == set()


def test_admin_cannot_disable_themselves(app, admin):
    me = _user(app, PEOPLE["admin"][0])
    before = snapshot(app)
    response = _toggle(admin, me.id)
    assert response.status_code == 302
    assert "You cannot disable your own account" in _page(admin.get(response.headers["Location"]))
    assert _user(app, me.email).active
    assert changed_tables(before, snapshot(app)) == set()
    assert admin.get("/admin/users").status_code == 200  # still signed in


def test_the_pages_need_a_csrf_token_from_this_session(app, admin):
    """A token from another browser's session does not work here."""
    stranger = app.test_client()
    foreign = csrf_token(stranger, "/sign-in")
    response = admin.post("/admin/users/new", data={**NEW, "csrf_token": foreign})
    assert response.status_code == 400
    assert _user(app, "robin@example.org") is None
