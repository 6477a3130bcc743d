"""Registers search with the centre: the backend, the page, the commands, the outbox hook."""

from __future__ import annotations

import logging

from flask import Flask, current_app, g

from wisdom import access
from wisdom.access import ALL_ROLES, PDM
from wisdom.components import DashboardPanel, Plugin, add_dashboard_panel, register_blueprint

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Choose the backend and register the search page, commands and the after-commit hook."""
    from search import commands, models  # noqa: F401 - models join the metadata
    from search.blueprint import bp

    access.define("search.use", ALL_ROLES)
    access.define("search.manage", {PDM})
    app.extensions["wisdom_search"] = make_backend(app)
    register_blueprint(app, bp, "search")
    add_dashboard_panel(
        app,
        DashboardPanel("Search", "search/panel.html", "search.manage", order=80, plugin="search"),
    )
    app.cli.add_command(commands.search)
    app.after_request(_apply_outbox)


def make_backend(app: Flask):
    """The configured backend: PostgreSQL full text on PostgreSQL unless told otherwise."""
    choice = app.config.get("WISDOM_SEARCH_BACKEND")
    if choice is None:
        choice = (
            "postgres"
            if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
            else "whoosh"
        )
    if choice == "postgres":
        from search.postgres_backend import PostgresBackend

        return PostgresBackend()
    if choice == "whoosh":
        from search.whoosh_backend import WhooshBackend

        return WhooshBackend(app.config["WISDOM_INDEX_DIR"])
    raise ValueError(f"WISDOM_SEARCH_BACKEND must be whoosh or postgres, not {choice!r}")


def _apply_outbox(response):
    """After a request that changed something, bring the index up to date (failures wait)."""
    if g.get("search_outbox_dirty"):
        from search.engine import SearchUnavailable
        from search.outbox import apply_pending

        backend = current_app.extensions["wisdom_search"]
        try:
            apply_pending(backend)
            if hasattr(backend, "merge"):
                response.call_on_close(lambda: _merge(backend))
        except SearchUnavailable as error:
            log.warning("search index not updated now (%s); 'wisdom search sync' will", error)
        except Exception:  # noqa: BLE001 - the user's save is committed; the outbox keeps the change
            log.exception("search index not updated now; the outbox keeps the change")
    return response


def _merge(backend) -> None:
    """Tidy the index once the response has been sent; a failure here costs nothing but speed."""
    try:
        backend.merge()
    except Exception:  # noqa: BLE001 - the next save or sync merges instead
        log.exception("search index segments not merged now")


component = Plugin(name="search", init_app=init_app, description="Search")
