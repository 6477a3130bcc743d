"""The audit log: what is recorded, the admin's view of it, its hash chain, and no secrets in it."""

from __future__ import annotations

import html
import importlib.util
import json
import logging
import re
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from support import PEOPLE, csrf_token, post_form, sign_in

import wisdom
from wisdom.audit.models import AuditRecord
from wisdom.auth.models import User
from wisdom.db import db

CLIENT_IP = "203.0.113.9"
ADMIN, PRIYA = PEOPLE["admin"][0], PEOPLE["practitioner"][0]
TEMPORARY = "temporary-secret-given-by-admin"
CHOSEN = "chosen-secret-after-reset"
WRONG = "wrong-secret-typed-by-mistake"


def _client(app):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = CLIENT_IP
    return client


def _records(app, action: str | None = None) -> list[AuditRecord]:
    with app.app_context():
        query = select(AuditRecord).order_by(AuditRecord.id)
        if action:
            query = query.where(AuditRecord.action == action)
        rows = db.session.scalars(query).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def _user_id(app, email: str) -> str:
    with app.app_context():
        return str(db.session.scalar(select(User.id).where(User.email == email)))


@pytest.fixture
def far_from_utc(monkeypatch):
    """Run with the local clock 14 hours ahead of UTC, so a local time would show."""
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    time.tzset()
    assert abs(datetime.now() - datetime.now(UTC).replace(tzinfo=None)) > timedelta(hours=13)
    yield
    monkeypatch.undo()
    time.tzset()


def _assert_recorded(app, action: str, actor: str, object_id: str, since: datetime):
    """One record of ``action`` with UTC time, the actor, the object and the client address."""
    rows = _records(app, action)
    assert rows, f"no {action} record"
    row = rows[-1]
    now = datetime.now(UTC).replace(tzinfo=None)
    assert since - timedelta(seconds=1) <= row.at <= now + timedelta(seconds=1), (action, row.at)
    assert row.actor == actor, (action, row.actor)
    assert (row.object_type, row.object_id) == ("user", object_id), action
    assert row.ip == CLIENT_IP, (action, row.ip)
    return row


def test_sign_in_sign_out_and_failures_are_recorded(app, far_from_utc):
    since = datetime.now(UTC).replace(tzinfo=None)
    priya = _user_id(app, PRIYA)
    client = _client(app)
    token = csrf_token(client)
    client.post("/sign-in", data={"email": PRIYA, "password": WRONG, "csrf_token": token})
    failed = _assert_recorded(app, "sign_in_failed", "", priya, since)
    assert failed.actor_id is None and json.loads(failed.detail) == {"attempts": 1}

    client.post(
        "/sign-in", data={"email": "nobody@example.org", "password": WRONG, "csrf_token": token}
    )
    unknown = _records(app, "sign_in_failed")[-1]
    assert unknown.object_id == "" and unknown.ip == CLIENT_IP
    # What was typed is not kept, only a keyed fingerprint that links repeats of the same address.
    assert "nobody" not in unknown.detail and "example.org" not in unknown.detail
    for typed in (" Nobody@Example.org ", "my secret password"):
        client.post("/sign-in", data={"email": typed, "password": WRONG, "csrf_token": token})
    again, other = (json.loads(r.detail)["address"] for r in _records(app, "sign_in_failed")[-2:])
    assert json.loads(unknown.detail) == {"address": again} and len(again) == 16
    assert other != again
    assert not any("secret" in r.detail for r in _records(app, "sign_in_failed"))

    assert sign_in(client, "practitioner").status_code == 302
    signed = _assert_recorded(app, "sign_in", PRIYA, priya, since)
    assert signed.actor_id == int(priya)
    post_form(client, "/sign-out", {})
    _assert_recorded(app, "sign_out", PRIYA, priya, since)


def test_a_lockout_is_recorded(app, far_from_utc):
    since = datetime.now(UTC).replace(tzinfo=None)
    client = _client(app)
    token = csrf_token(client)
    for _ in range(10):
        client.post("/sign-in", data={"email": PRIYA, "password": WRONG, "csrf_token": token})
    locked = _assert_recorded(app, "account_locked", "", _user_id(app, PRIYA), since)
    until = datetime.fromisoformat(json.loads(locked.detail)["until"])
    assert timedelta(minutes=14) < until - locked.at <= timedelta(minutes=15)
    assert [r.ip for r in _records(app, "sign_in_failed")] == [CLIENT_IP] * 10


def test_changes_to_accounts_are_recorded_with_who_did_them(app, far_from_utc):
    since = datetime.now(UTC).replace(tzinfo=None)
    admin = _client(app)
    assert sign_in(admin, "admin").status_code == 302
    priya = _user_id(app, PRIYA)
    page = f"/admin/users/{priya}"

    post_form(
        admin,
        page,
        {
            "name": "Priya Shah-Jones",
            "email": PRIYA,
            "roles": ["practitioner", "pdm"],
            "cleared": "y",
        },
        page,
    )
    changed = _assert_recorded(app, "user_changed", ADMIN, priya, since)
    assert json.loads(changed.detail) == {"fields": ["name"]}
    roles = _assert_recorded(app, "roles_changed", ADMIN, priya, since)
    assert json.loads(roles.detail) == {
        "before": ["practitioner"],
        "after": ["pdm", "practitioner"],
    }
    _assert_recorded(app, "clearance_changed", ADMIN, priya, since)

    post_form(admin, f"{page}/password", {"password": TEMPORARY}, page)
    _assert_recorded(app, "password_reset", ADMIN, priya, since)
    post_form(admin, f"{page}/active", {}, page)
    _assert_recorded(app, "user_disabled", ADMIN, priya, since)
    post_form(admin, f"{page}/active", {}, page)
    _assert_recorded(app, "user_enabled", ADMIN, priya, since)

    post_form(
        admin,
        "/admin/users/new",
        {
            "name": "Robin Carter",
            "email": "robin@example.org",
            "roles": "pdm",
            "password": TEMPORARY,
        },
        "/admin/users/new",
    )
    _assert_recorded(app, "user_created", ADMIN, _user_id(app, "robin@example.org"), since)

    theirs = _client(app)
    token = csrf_token(theirs)
    theirs.post("/sign-in", data={"email": PRIYA, "password": TEMPORARY, "csrf_token": token})
    post_form(
        theirs,
        "/account/password",
        {"current": TEMPORARY, "new": CHOSEN, "confirm": CHOSEN},
        "/account/password",
    )
    _assert_recorded(app, "password_changed", PRIYA, priya, since)


# --- The administrator's view of the log --------------------------------------------------------


def _rows(response) -> list[dict]:
    """The audit log page's table, as dicts."""
    page = response.get_data(as_text=True)
    body = page.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    keys = ("when", "who", "action", "object", "ip", "detail")
    rows = []
    for row in re.findall(r"<tr.*?</tr>", body, re.S):
        cells = re.findall(r'<td class="govuk-table__cell">(.*?)</td>', row, re.S)
        rows.append(
            dict(zip(keys, (" ".join(html.unescape(c).split()) for c in cells), strict=True))
        )
    return rows


@pytest.fixture
def history(app):
    """Sign-ins by three people and one failure, then the administrator's browser."""
    for role in ("practitioner", "pdm"):
        assert sign_in(_client(app), role).status_code == 302
    client = _client(app)
    client.post(
        "/sign-in", data={"email": PRIYA, "password": WRONG, "csrf_token": csrf_token(client)}
    )
    admin = _client(app)
    assert sign_in(admin, "admin").status_code == 302
    return admin


def test_admin_sees_the_log_newest_first(app, history):
    rows = _rows(history.get("/admin/audit"))
    assert [r["action"] for r in rows] == ["sign_in", "sign_in_failed", "sign_in", "sign_in"]
    assert [r["who"] for r in rows] == [ADMIN, "—", PEOPLE["pdm"][0], PRIYA]
    assert all(r["ip"] == CLIENT_IP for r in rows)


def test_filter_by_action(app, history):
    rows = _rows(history.get("/admin/audit?action=sign_in_failed"))
    assert [r["action"] for r in rows] == ["sign_in_failed"]


def test_filter_by_actor(app, history):
    rows = _rows(history.get("/admin/audit?actor=PRIYA@"))
    assert rows and {r["who"] for r in rows} == {PRIYA}


def test_filter_by_date(app, history):
    today = datetime.now(UTC).date()
    day = timedelta(days=1)
    assert len(_rows(history.get(f"/admin/audit?from={today}&to={today}"))) == 4
    assert _rows(history.get(f"/admin/audit?from={today + day}")) == []
    assert _rows(history.get(f"/admin/audit?to={today - day}")) == []


@pytest.mark.parametrize("bad", ["2026-02-30", "yesterday", "22/11/2026", "2026-13-01"])
def test_a_bad_date_gets_a_message_not_an_error(app, history, bad):
    response = history.get("/admin/audit", query_string={"from": bad, "to": bad})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert "From date must be a real date, like 2026-11-22" in page
    assert "To date must be a real date, like 2026-11-22" in page
    assert len(_rows(response)) == 4  # the bad filter is ignored, not applied


def test_viewing_the_log_is_itself_recorded(app, history):
    history.get("/admin/audit?action=sign_in&actor=priya")
    viewed = _records(app, "audit_log_viewed")
    assert len(viewed) == 1
    assert viewed[0].actor == ADMIN and viewed[0].ip == CLIENT_IP
    assert json.loads(viewed[0].detail) == {"filters": {"action": "sign_in", "actor": "priya"}}
    # ... and shows in the next view.
    assert _rows(history.get("/admin/audit"))[0]["action"] == "audit_log_viewed"


def test_only_admins_see_the_log(app, client, signed_in):
    signed_in("quality_lead")
    assert client.get("/admin/audit").status_code == 403
    assert _records(app, "audit_log_viewed") == []


# --- The hash chain and `wisdom audit verify` ---------------------------------------------------


def _migration_0001():
    path = Path(wisdom.__file__).parent / "migrations" / "versions" / "0001_accounts_roles_audit.py"
    spec = importlib.util.spec_from_file_location("audit_test_migration_0001", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def append_only_triggers_dropped(app):
    """Drop the triggers that keep the log append-only, so a test can tamper; then restore them."""
    migration = _migration_0001()
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        with db.engine.begin() as conn:
            if postgres:
                conn.exec_driver_sql("DROP TRIGGER audit_records_no_change ON audit_records")
                conn.exec_driver_sql("DROP FUNCTION audit_records_append_only()")
            else:
                conn.exec_driver_sql("DROP TRIGGER audit_records_no_update")
                conn.exec_driver_sql("DROP TRIGGER audit_records_no_delete")
    try:
        yield
    finally:
        with app.app_context(), db.engine.begin() as conn:
            for statement in migration.POSTGRES_TRIGGERS if postgres else migration.SQLITE_TRIGGERS:
                conn.exec_driver_sql(statement)


def _tamper(app, statement: str, **params) -> None:
    with append_only_triggers_dropped(app), app.app_context():
        db.session.execute(sa.text(statement), params)
        db.session.commit()


def _verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


@pytest.fixture
def logged(app):
    """Five records in the log: sign-ins of five people."""
    for role in ("service_user", "practitioner", "pdm", "panel_member", "quality_lead"):
        assert sign_in(_client(app), role).status_code == 302
    assert len(_records(app)) == 5
    return app


def test_verify_passes_on_an_intact_log(logged):
    result = _verify(logged)
    assert result.exit_code == 0, result.output
    assert "The audit log is intact: 5 records checked" in result.output


def test_verify_names_a_record_whose_content_was_edited(logged):
    target = _records(logged)[2]
    _tamper(
        logged,
        "UPDATE audit_records SET actor = 'someone-else@example.org' WHERE id = :id",
        id=target.id,
    )
    result = _verify(logged)
    assert result.exit_code != 0
    assert f"record {target.id}: its content was changed after it was written" in result.output
    assert "tampered with" in result.output


def test_verify_notices_an_edit_that_recomputes_the_records_own_hash(logged):
    """Rewriting a record and its hash breaks the link from the record after it."""
    from wisdom.audit.services import digest

    rows = _records(logged)
    target = rows[1]
    target.ip = "198.51.100.1"
    _tamper(
        logged,
        "UPDATE audit_records SET ip = :ip, hash = :hash WHERE id = :id",
        ip=target.ip,
        hash=digest(target),
        id=target.id,
    )
    result = _verify(logged)
    assert result.exit_code != 0
    assert f"record {rows[2].id}: the record before it was deleted or changed" in result.output


def test_verify_names_the_record_after_a_deleted_one(logged):
    rows = _records(logged)
    _tamper(logged, "DELETE FROM audit_records WHERE id = :id", id=rows[2].id)
    result = _verify(logged)
    assert result.exit_code != 0
    assert f"record {rows[3].id}: the record before it was deleted or changed" in result.output


def test_verify_notices_the_newest_record_deleted(logged):
    rows = _records(logged)
    _tamper(logged, "DELETE FROM audit_records WHERE id = :id", id=rows[-1].id)
    result = _verify(logged)
    assert result.exit_code != 0
    assert f"the newest records after {rows[-2].id} were deleted" in result.output


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_records SET action = 'nothing_happened'",
        "UPDATE audit_records SET detail = '{}' WHERE id = 1",
        "DELETE FROM audit_records WHERE id = 1",
        "DELETE FROM audit_records",
    ],
)
def test_the_database_refuses_to_change_or_delete_records(logged, statement):
    before = [(r.id, r.action, r.detail, r.hash) for r in _records(logged)]
    with logged.app_context():
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            db.session.execute(sa.text(statement))
            db.session.commit()
        db.session.rollback()
    assert [(r.id, r.action, r.detail, r.hash) for r in _records(logged)] == before
    assert _verify(logged).exit_code == 0


def test_the_triggers_are_back_after_tampering(logged):
    _tamper(logged, "UPDATE audit_records SET reason = 'x' WHERE id = 1")
    with logged.app_context(), pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.execute(sa.text("DELETE FROM audit_records"))


# --- No secrets in the log or in the application's logs -----------------------------------------


def test_no_password_or_csrf_token_is_ever_recorded_or_logged(app, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("wisdom", "search", "content", "flask_limiter", "sqlalchemy.engine"):
        caplog.set_level(logging.DEBUG, logger=name)  # SQL with its parameters included
    secrets = {TEMPORARY, CHOSEN, WRONG, "first-password-for-robin"}
    secrets |= {person[3] for person in PEOPLE.values()}

    def post(client, url: str, data: dict, token_from: str):
        token = csrf_token(client, token_from)
        secrets.add(token)
        return client.post(url, data={**data, "csrf_token": token})

    # Failed sign-ins: a wrong password, and an unknown address.
    stranger = _client(app)
    for email in (PRIYA, "nobody@example.org"):
        post(stranger, "/sign-in", {"email": email, "password": WRONG}, "/sign-in")
    for role in PEOPLE:
        assert sign_in(_client(app), role).status_code == 302

    admin = _client(app)
    assert sign_in(admin, "admin").status_code == 302
    page = f"/admin/users/{_user_id(app, PRIYA)}"
    post(admin, f"{page}/password", {"password": TEMPORARY}, page)
    robin = {"name": "Robin", "email": "robin@example.org", "roles": "pdm"}
    post(admin, "/admin/users/new", {**robin, "password": "first-password-for-robin"}, page)

    theirs = _client(app)
    post(theirs, "/sign-in", {"email": PRIYA, "password": TEMPORARY}, "/sign-in")
    change = {"current": TEMPORARY, "new": CHOSEN, "confirm": CHOSEN}
    assert post(theirs, "/account/password", change, "/account/password").status_code == 302
    post(theirs, "/sign-out", {}, "/")
    admin.get("/admin/audit")

    expected = {"sign_in_failed", "sign_in", "password_reset", "user_created"}
    expected |= {"password_changed", "sign_out", "audit_log_viewed"}
    assert expected <= {r.action for r in _records(app)}
    assert "INSERT INTO audit_records" in caplog.text  # the logs really were captured
    for row in _records(app):
        stored = " ".join(str(v) for v in (row.actor, row.object_id, row.reason, row.detail))
        assert "password" not in json.loads(row.detail), row.action
        for secret in secrets:
            assert secret not in stored, f"a secret in the {row.action} record"
    for secret in secrets:
        assert secret not in caplog.text, "a secret in the application's logs"
