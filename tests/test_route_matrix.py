"""Every route, for every kind of visitor, answers with the status the route matrix gives."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from route_matrix import (
    ANON,
    MATRIX,
    SAMPLE_ARGS,
    VISITORS,
    build_app,
    method_of,
    rules,
    url_of,
)
from support import csrf_token, sign_in


def _client(app, visitor: str):
    client = app.test_client()
    if visitor != ANON:
        assert sign_in(client, visitor).status_code == 302
    return client


def _status(app, rule, visitor: str, signed_in_client):
    """Request a rule as the matrix says: GET, or POST with a valid CSRF token."""
    url = url_of(app, rule)
    if method_of(rule) == "GET":
        return signed_in_client.get(url)
    client = _client(app, visitor)  # a POST may end the session (sign out), so use a fresh one
    token = csrf_token(client, "/sign-in" if visitor == ANON else "/")
    return client.post(url, data={"csrf_token": token})


def test_every_route_has_a_row_and_every_row_a_route(make_app, password_hashes):
    app = build_app(make_app, password_hashes)
    endpoints = {rule.endpoint for rule in rules(app)}
    missing = sorted(endpoints - set(MATRIX))
    assert not missing, (
        f"routes without a row in the route matrix: {', '.join(missing)}. "
        "Add a row to tests/route_matrix.py saying who may reach each one"
    )
    stale = sorted(set(MATRIX) - endpoints)
    assert not stale, f"rows in tests/route_matrix.py for routes that no longer exist: {stale}"


def test_every_route_with_parameters_has_sample_arguments(make_app, password_hashes):
    app = build_app(make_app, password_hashes)
    lacking = sorted(
        f"{rule.endpoint} ({', '.join(sorted(rule.arguments - set(SAMPLE_ARGS.get(rule.endpoint, {}))))})"
        for rule in rules(app)
        if rule.arguments - set(SAMPLE_ARGS.get(rule.endpoint, {}))
    )
    assert not lacking, f"add sample arguments to SAMPLE_ARGS in tests/route_matrix.py: {lacking}"


def test_the_matrix_keeps_the_house_rules(make_app, password_hashes):
    """Protected pages send visitors to sign in; /admin pages are for administrators only."""
    app = build_app(make_app, password_hashes)
    for rule in rules(app):
        row = MATRIX[rule.endpoint]
        if rule.endpoint != "auth.sign_in":
            assert row[ANON] == 302, f"{rule.endpoint} must send anonymous visitors to sign in"
        if rule.rule.startswith("/admin"):
            others = {v: s for v, s in row.items() if v not in (ANON, "admin")}
            assert set(others.values()) == {403}, f"{rule.endpoint} must be 403 to non-admins"


@pytest.mark.parametrize("visitor", VISITORS)
def test_every_route_answers_as_the_matrix_says(full_app, visitor):
    client = _client(full_app, visitor)
    wrong = []
    # Signing out ends every session of the account, so it comes last.
    for rule in sorted(rules(full_app), key=lambda r: r.endpoint == "auth.sign_out"):
        response = _status(full_app, rule, visitor, client)
        expected = MATRIX[rule.endpoint][visitor]
        if response.status_code != expected:
            wrong.append(
                f"{method_of(rule)} {rule.endpoint}: expected {expected}, got {response.status_code}"
            )
        elif visitor == ANON and expected == 302:
            target = urlsplit(response.headers["Location"]).path
            if target != "/sign-in":
                wrong.append(f"{rule.endpoint}: anonymous visitor sent to {target}, not /sign-in")
        elif expected == 403:
            page = response.get_data(as_text=True)
            if "You do not have permission to see this page" not in page:
                wrong.append(f"{rule.endpoint}: 403 without the WISDOM permission page")
    assert not wrong, f"as {visitor}:\n" + "\n".join(wrong)
