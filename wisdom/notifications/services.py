"""Telling people: a notification row in the writer's transaction, an email after it commits.

Emails carry no content beyond a sentence and a link, so nothing confidential leaves WISDOM by
email. Email is off unless WISDOM_SMTP_HOST is set; a failed send is logged, never raised, and the
in-app notification stays.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app, has_request_context, request
from flask_sqlalchemy.session import Session
from sqlalchemy import event, func, select, update

from wisdom.db import db, utcnow
from wisdom.notifications.models import Notification

log = logging.getLogger(__name__)
PENDING = "wisdom_pending_mail"
EMAIL_TEXT = (
    "Hello {name},\n\nThere is news for you in WISDOM. Sign in to read it:\n\n{link}\n\n"
    "This email has no details in it on purpose, to keep information safe.\n"
)


def notify(user, message: str, link: str, topic: str = "") -> Notification:
    """Tell ``user`` something in the app, and by email (only a link) once the change commits."""
    note = Notification(user_id=user.id, message=message, url=link, topic=topic)
    db.session.add(note)
    if current_app.config.get("WISDOM_SMTP_HOST"):
        db.session.info.setdefault(PENDING, []).append((user.email, user.name, absolute(link)))
    return note


def absolute(link: str) -> str:
    """The full address of a page of this WISDOM, for emails."""
    if has_request_context():
        return request.host_url.rstrip("/") + link
    return (current_app.config.get("WISDOM_BASE_URL") or "http://127.0.0.1:5000").rstrip("/") + link


def unread_count(user) -> int:
    """How many notifications the user has not read."""
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def recent(user, limit: int = 50) -> list[Notification]:
    """The user's newest notifications."""
    return db.session.scalars(
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.id.desc())
        .limit(limit)
    ).all()


def mark_all_read(user) -> int:
    """Mark every notification of the user as read; return how many were unread."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount


def send_email(to: str, name: str, link: str) -> bool:
    """Send one plain email with a link; False (and a log line) if it could not be sent."""
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = "WISDOM: there is news for you"
    message["From"] = config.get("WISDOM_SMTP_FROM") or "wisdom@localhost"
    message["To"] = to
    message.set_content(EMAIL_TEXT.format(name=name, link=link))
    try:
        port = int(config.get("WISDOM_SMTP_PORT") or 25)
        with smtplib.SMTP(config["WISDOM_SMTP_HOST"], port, timeout=10) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        log.warning("could not send a notification email: %s", type(error).__name__)
        return False
    return True


@event.listens_for(Session, "after_commit", propagate=True)
def _send_after_commit(session) -> None:
    """Send the emails of a transaction only once it has committed."""
    pending = session.info.pop(PENDING, [])
    for to, name, link in pending:
        send_email(to, name, link)


@event.listens_for(Session, "after_soft_rollback", propagate=True)
def _forget_after_rollback(session, previous_transaction) -> None:
    """A rolled-back change tells nobody."""
    if previous_transaction.parent is None:
        session.info.pop(PENDING, None)
