"""The password policy: length by role, a deny-list, no composition rules, no truncation, scrypt,
and a temporary password that must be changed before anything else."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from support import PEOPLE, csrf_token, post_form, sign_in

from wisdom.auth import services
from wisdom.auth.models import User
from wisdom.auth.passwords import common_passwords
from wisdom.db import db

TOO_SHORT_STAFF = "Your password must be at least 12 characters long"
TOO_SHORT_SERVICE_USER = "Your password must be at least 8 characters long"
TOO_COMMON = "This password is too common. Choose a password that is harder to guess"
# Uncommon, and with no digits, capitals or symbols: composition is never required.
ELEVEN, TWELVE = "quietlyrowa", "quietlyrowan"
SEVEN, EIGHT = "kettleb", "kettlebu"
PASSPHRASE = "violet kettles hum under the old pier"


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def _sign_in(client, email: str, password: str):
    token = csrf_token(client, "/sign-in")
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token})


def test_the_test_passwords_are_not_on_the_deny_list():
    for password in (ELEVEN, TWELVE, SEVEN, EIGHT, PASSPHRASE):
        assert password.lower() not in common_passwords()
    assert {"password", "password1234", "qwertyuiop123"} <= common_passwords()


@pytest.mark.parametrize(
    ("roles", "short", "enough", "message"),
    [
        (["practitioner"], ELEVEN, TWELVE, TOO_SHORT_STAFF),
        (["admin"], ELEVEN, TWELVE, TOO_SHORT_STAFF),
        (["pdm", "panel_member"], ELEVEN, TWELVE, TOO_SHORT_STAFF),
        (["service_user"], SEVEN, EIGHT, TOO_SHORT_SERVICE_USER),
        # A person on probation who also holds a staff role meets the staff minimum.
        (["service_user", "practitioner"], ELEVEN, TWELVE, TOO_SHORT_STAFF),
    ],
)
def test_minimum_length_by_role_in_the_service(app, roles, short, enough, message):
    with app.app_context():
        with pytest.raises(services.AccountError, match=message):
            services.create_user("new@example.org", "New Person", short, roles)
        db.session.rollback()
        assert _user("new@example.org") is None
        user = services.create_user("new@example.org", "New Person", enough, roles)
        db.session.commit()
        assert user.password_hash.startswith("scrypt:")


@pytest.mark.parametrize(
    ("role", "short", "enough", "message"),
    [
        ("practitioner", ELEVEN, TWELVE, TOO_SHORT_STAFF),
        ("service_user", SEVEN, EIGHT, TOO_SHORT_SERVICE_USER),
    ],
)
def test_minimum_length_by_role_on_the_create_account_page(
    app, client, signed_in, role, short, enough, message
):
    signed_in("admin")
    form = {"name": "New Person", "email": "new@example.org", "roles": role}
    refused = post_form(client, "/admin/users/new", {**form, "password": short}, "/admin/users/new")
    assert refused.status_code == 200
    assert message in refused.get_data(as_text=True)
    with app.app_context():
        assert _user("new@example.org") is None
    made = post_form(client, "/admin/users/new", {**form, "password": enough}, "/admin/users/new")
    assert made.status_code == 302
    with app.app_context():
        assert _user("new@example.org").password_hash.startswith("scrypt:")


def test_a_200_character_password_signs_in_and_is_never_truncated(app):
    long_password = ("stone-river-" * 20)[:199] + "a"
    assert len(long_password) == 200
    with app.app_context():
        services.create_user("long@example.org", "Long Password", long_password, ["practitioner"])
        db.session.commit()
    for differs_at in (72, 128, 199):  # bcrypt stops at 72 bytes; we promise no limit near it
        near_miss = long_password[:differs_at] + "Z" + long_password[differs_at + 1 :]
        assert len(near_miss) == 200 and near_miss != long_password
        response = _sign_in(app.test_client(), "long@example.org", near_miss)
        assert response.status_code == 200, f"signed in with a password differing at {differs_at}"
        assert "Enter a correct email address and password" in response.get_data(as_text=True)
    assert _sign_in(app.test_client(), "long@example.org", long_password).status_code == 302


@pytest.mark.parametrize(
    ("roles", "password"),
    [
        (["practitioner"], "password1234"),
        (["practitioner"], "QwertyUiop123"),  # the deny-list ignores case
        (["service_user"], "password"),
    ],
)
def test_common_passwords_are_refused(app, roles, password):
    with app.app_context(), pytest.raises(services.AccountError, match=TOO_COMMON):
        services.create_user("new@example.org", "New Person", password, roles)


def test_a_common_password_is_refused_on_the_page_with_the_message(app, client, signed_in):
    signed_in("admin")
    with app.app_context():
        before = _count_users()
    response = post_form(
        client,
        "/admin/users/new",
        {"name": "New", "email": "new@example.org", "roles": "pdm", "password": "password1234"},
        "/admin/users/new",
    )
    assert TOO_COMMON in response.get_data(as_text=True)
    with app.app_context():
        assert _count_users() == before


def test_a_long_lowercase_passphrase_needs_no_digits_capitals_or_symbols(app):
    with app.app_context():
        user = services.create_user("phrase@example.org", "Pass Phrase", PASSPHRASE, ["pdm"])
        db.session.commit()
        assert user.password_hash.startswith("scrypt:")
        assert PASSPHRASE not in user.password_hash
    assert _sign_in(app.test_client(), "phrase@example.org", PASSPHRASE).status_code == 302


def test_every_stored_hash_is_scrypt(app, client, signed_in):
    signed_in("admin")
    post_form(
        client,
        "/admin/users/new",
        {"name": "New", "email": "new@example.org", "roles": "pdm", "password": PASSPHRASE},
        "/admin/users/new",
    )
    with app.app_context():
        hashes = db.session.scalars(select(User.password_hash)).all()
    assert len(hashes) == len(PEOPLE) + 1
    assert all(h.startswith("scrypt:") for h in hashes)


# --- A temporary password must be changed before anything else --------------------------------

TEMPORARY = "temporary-pass-given-26"
CHOSEN = "my own chosen passphrase"


def _reset_by_admin(app, role: str) -> None:
    """An administrator resets the password of a role's test account through the page."""
    admin = app.test_client()
    assert sign_in(admin, "admin").status_code == 302
    with app.app_context():
        user_id = _user(PEOPLE[role][0]).id
    page = f"/admin/users/{user_id}"
    response = post_form(admin, f"{page}/password", {"password": TEMPORARY}, page)
    assert response.status_code == 302
    with app.app_context():
        assert _user(PEOPLE[role][0]).must_change_password


def test_a_reset_password_must_be_changed_before_anything_else(app):
    _reset_by_admin(app, "practitioner")
    email = PEOPLE["practitioner"][0]
    client = app.test_client()
    first = _sign_in(client, email, TEMPORARY)
    assert first.status_code == 302 and first.headers["Location"].endswith("/account/password")
    page = client.get("/account/password").get_data(as_text=True)
    assert "You must choose a new password before you carry on" in page
    for url in ("/", "/library", "/search?q=housing", "/library/actions", "/admin/users"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].endswith("/account/password"), url
    pathway = post_form(client, "/library/pathways", {"name": "Sneaked in"}, "/account/password")
    assert pathway.status_code == 302 and pathway.headers["Location"].endswith("/account/password")

    changed = post_form(
        client,
        "/account/password",
        {"current": TEMPORARY, "new": CHOSEN, "confirm": CHOSEN},
        "/account/password",
    )
    assert changed.status_code == 302
    assert client.get("/").status_code == 200
    assert client.get("/library/actions").status_code == 200
    with app.app_context():
        assert not _user(email).must_change_password
    assert _sign_in(app.test_client(), email, TEMPORARY).status_code == 200
    assert _sign_in(app.test_client(), email, CHOSEN).status_code == 302


def test_a_person_with_a_temporary_password_can_still_sign_out(app):
    _reset_by_admin(app, "service_user")
    client = app.test_client()
    assert _sign_in(client, PEOPLE["service_user"][0], TEMPORARY).status_code == 302
    response = post_form(client, "/sign-out", {}, "/account/password")
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in")
    assert client.get("/account/password").status_code == 302  # signed out now


def test_the_reset_ends_the_session_the_person_already_had(app):
    client = app.test_client()
    assert sign_in(client, "pdm").status_code == 302
    assert client.get("/").status_code == 200
    _reset_by_admin(app, "pdm")
    response = client.get("/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_the_new_password_must_meet_the_policy_too(app):
    _reset_by_admin(app, "practitioner")
    client = app.test_client()
    _sign_in(client, PEOPLE["practitioner"][0], TEMPORARY)
    for new, message in ((ELEVEN, TOO_SHORT_STAFF), ("password1234", TOO_COMMON)):
        response = post_form(
            client,
            "/account/password",
            {"current": TEMPORARY, "new": new, "confirm": new},
            "/account/password",
        )
        assert response.status_code == 200
        assert message in response.get_data(as_text=True)
    with app.app_context():
        assert _user(PEOPLE["practitioner"][0]).must_change_password
    assert client.get("/").headers["Location"].endswith("/account/password")


def test_an_account_an_admin_creates_must_change_its_first_password(app, client, signed_in):
    signed_in("admin")
    post_form(
        client,
        "/admin/users/new",
        {
            "name": "New Person",
            "email": "new@example.org",
            "roles": "practitioner",
            "password": TEMPORARY,
        },
        "/admin/users/new",
    )
    newcomer = app.test_client()
    assert _sign_in(newcomer, "new@example.org", TEMPORARY).status_code == 302
    assert newcomer.get("/library").headers["Location"].endswith("/account/password")
