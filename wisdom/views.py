"""The home page, and what every template is given: navigation, roles, the CSP nonce."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, render_template, request, url_for
from flask_login import current_user

from wisdom import access
from wisdom.components import NavItem, registry
from wisdom.notifications.blueprint import unread_for_header

bp = Blueprint("home", __name__)

# The centre's own navigation; components add theirs through wisdom.components.add_nav_item.
CORE_NAV = (
    NavItem("Home", "home.index", "home.view", order=0),
    NavItem("Users", "admin.users", "admin.users", order=900),
    NavItem("Audit log", "audit.log", "admin.audit", order=910),
)


@bp.get("/")
@access.require("home.view")
def index():
    """The home page: what this person can do next, by role."""
    panels = [
        p for p in registry(current_app).dashboard_panels if access.can(current_user, p.permission)
    ]
    return render_template("home/index.html", panels=panels)


def navigation() -> list[dict]:
    """The service navigation for the signed-in user, as govukServiceNavigation items."""
    if not current_user.is_authenticated:
        return []
    items = sorted([*CORE_NAV, *registry(current_app).nav_items], key=lambda i: (i.order, i.label))
    blueprint = (request.endpoint or "").partition(".")[0]
    shown = []
    for item in items:
        if item.endpoint in current_app.view_functions and access.can(
            current_user, item.permission
        ):
            current = request.endpoint == item.endpoint
            active = (
                not current
                and item.endpoint != "home.index"
                and blueprint == item.endpoint.partition(".")[0]
            )
            shown.append(
                {
                    "text": item.label,
                    "href": url_for(item.endpoint),
                    "current": current,
                    "active": active,
                }
            )
    return shown


def init_templates(app: Flask) -> None:
    """Give every template the navigation and the access helpers."""

    @app.context_processor
    def _globals():
        return {
            "service_name": "WISDOM",
            "navigation": navigation,
            "can": lambda action, obj=None: access.can(current_user, action, obj),
            "is_cleared": lambda: access.is_cleared(current_user),
            "is_staff": lambda: access.is_staff(current_user),
            "search_available": "search.page" in app.view_functions,
            "unread_notifications": unread_for_header,
        }
