"""A tiny third-party WISDOM plugin, used by tests/test_plugins.py.

It uses only the public plugin API: a blueprint with one page, a navigation link, a home-page
panel and an access action of its own.
"""

from flask import Blueprint, Flask, render_template_string

from wisdom import access
from wisdom.components import (
    DashboardPanel,
    NavItem,
    Plugin,
    add_dashboard_panel,
    add_nav_item,
    register_blueprint,
)

NAME = "example"
ACTION = "example.view"
ROLES = ("practitioner", "pdm")
PAGE_TEXT = "The example plugin's page"

bp = Blueprint("example", __name__, url_prefix="/example", template_folder="templates")


@bp.get("/")
@access.require(ACTION)
def index():
    """The plugin's one page."""
    return render_template_string(
        '{% extends "layout.html" %}{% set title = "Example" %}'
        '{% block content %}<h1 class="govuk-heading-l">{{ text }}</h1>{% endblock %}',
        text=PAGE_TEXT,
    )


def init_app(app: Flask) -> None:
    """Register the plugin's page, link, panel and action."""
    access.define(ACTION, ROLES)
    register_blueprint(app, bp, NAME)
    add_nav_item(app, NavItem("Example", "example.index", ACTION, order=50, plugin=NAME))
    add_dashboard_panel(
        app, DashboardPanel("Example", "example/panel.html", ACTION, order=50, plugin=NAME)
    )


plugin = Plugin(name=NAME, init_app=init_app, description="An example plugin for the tests")
