"""The Notifications page: what has happened that a person should know."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from wisdom import access
from wisdom.db import db
from wisdom.notifications import services

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

access.define("notifications.view", access.ALL_ROLES)


@bp.get("")
@access.require("notifications.view")
def index():
    """The signed-in person's notifications, newest first; unread ones are marked."""
    return render_template(
        "notifications/index.html",
        notes=services.recent(current_user),
        unread=services.unread_count(current_user),
    )


@bp.post("/read")
@access.require("notifications.view")
def mark_read():
    """Mark every notification as read."""
    count = services.mark_all_read(current_user)
    db.session.commit()
    flash(
        f"{count} notifications marked as read" if count != 1 else "1 notification marked as read",
        "success",
    )
    return redirect(url_for("notifications.index"))


def unread_for_header() -> int:
    """The unread count the header shows (0 when signed out)."""
    if not current_user.is_authenticated:
        return 0
    return services.unread_count(current_user)
