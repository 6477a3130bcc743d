"""Notifications: the page, the unread count in the header, and emails that carry only a link."""

from __future__ import annotations

from sqlalchemy import select
from support import PEOPLE, csrf_token
from workflows_support import smtp_server, user

from wisdom.db import db
from wisdom.notifications import services
from wisdom.notifications.models import Notification


def tell(app, role: str, message: str, link: str = "/proposals") -> None:
    with app.test_request_context("/"):
        services.notify(user(PEOPLE[role][0]), message, link)
        db.session.commit()


def test_the_header_counts_unread_and_reading_them_clears_it(app, signed_in):
    client = signed_in("service_user")
    assert "wisdom-unread" not in client.get("/").get_data(as_text=True)
    tell(app, "service_user", "Your proposal 7 has been sent back to you")
    tell(app, "service_user", "The Panel said yes to your proposal 7")
    tell(app, "pdm", "Not for Sam")
    home = client.get("/").get_data(as_text=True)
    assert 'class="wisdom-unread">(2 new)<' in home
    page = client.get("/notifications").get_data(as_text=True)
    assert "sent back to you" in page and "said yes" in page and "Not for Sam" not in page
    marked = client.post(
        "/notifications/read", data={"csrf_token": csrf_token(client, "/notifications")}
    )
    assert marked.status_code == 302
    assert "wisdom-unread" not in client.get("/").get_data(as_text=True)


def test_emails_go_after_commit_and_hold_only_a_link(make_app, password_hashes):
    with smtp_server() as inbox:
        app = make_app(WISDOM_SMTP_HOST="127.0.0.1", WISDOM_SMTP_PORT=inbox.port)
        with app.app_context():
            from wisdom.auth.models import User, UserRole

            person = User(
                email="sam@example.org",
                name="Sam Okafor",
                password_hash=password_hashes["service_user"],
            )
            person.roles = [UserRole(role="service_user")]
            db.session.add(person)
            db.session.commit()
        with app.test_request_context("/"):
            services.notify(user("sam@example.org"), "Secret words CRN X123456", "/proposals/3")
            db.session.rollback()  # a change that did not happen tells nobody
            assert inbox.messages == []
            services.notify(user("sam@example.org"), "Secret words CRN X123456", "/proposals/3")
            db.session.commit()
    assert len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    body = message.get_payload(decode=True).decode()
    assert recipients == ["sam@example.org"]
    assert "http://localhost/proposals/3" in body and "Secret" not in body and "X123456" not in body


def test_email_is_off_without_a_host_and_a_dead_server_loses_nothing(app):
    tell(app, "service_user", "Told in the app only")
    app.config["WISDOM_SMTP_HOST"], app.config["WISDOM_SMTP_PORT"] = (
        "127.0.0.1",
        9,
    )  # nothing listens
    tell(app, "service_user", "Told in the app; the email could not be sent")
    with app.app_context():
        messages = db.session.scalars(select(Notification.message).order_by(Notification.id)).all()
        assert messages == ["Told in the app only", "Told in the app; the email could not be sent"]
