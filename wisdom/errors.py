"""Error pages in the service's style; never a stack trace, never a hint of what exists."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from wisdom.db import db

log = logging.getLogger(__name__)

PAGES = {
    400: ("Sorry, there is a problem with your request", "Go back and try again."),
    403: (
        "You do not have permission to see this page",
        "If you think you should, ask your manager or an administrator.",
    ),
    404: (
        "Page not found",
        "If you typed the web address, check it is correct. If you pasted it, check you copied all of it.",
    ),
    405: ("Sorry, there is a problem with your request", "Go back and try again."),
    413: ("The file is too large", "Files must be smaller than 20 MB."),
    429: ("Too many attempts", "Wait 15 minutes, then try again."),
    500: (
        "Sorry, there is a problem with the service",
        "Try again later. What you saved before this happened has been kept.",
    ),
}


def init_app(app: Flask) -> None:
    """Register the error pages."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def render_error(status: int, detail: str | None = None):
    """Render the error page for a status."""
    title, advice = PAGES.get(status, PAGES[400 if status < 500 else 500])
    return render_template(
        "errors/error.html", title=title, advice=detail or advice, status=status
    ), status


def _csrf_error(_error: CSRFError):
    return render_error(
        400,
        "The form had expired or was not sent from WISDOM. Go back, reload the page and try again.",
    )


def _http_error(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    return render_error(error.code)


def _unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return _http_error(error)
    log.exception("unexpected error", exc_info=error)
    db.session.rollback()
    return render_error(InternalServerError.code)
