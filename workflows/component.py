"""Registers the proposal pipeline with the centre through the plugin API."""

from __future__ import annotations

from flask import Flask

from wisdom.components import (
    DashboardPanel,
    NavItem,
    Plugin,
    add_dashboard_panel,
    add_demo_loader,
    add_nav_item,
    add_search_provider,
    register_blueprint,
)


def init_app(app: Flask) -> None:
    """Register the pipeline's routes, navigation, home-page panels, search and demo proposals."""
    from workflows import decide_views, policy  # noqa: F401 - routes register on import
    from workflows.blueprint import bp
    from workflows.demo import load_demo
    from workflows.search_provider import ProposalProvider

    policy.define_actions()
    register_blueprint(app, bp, "workflows")
    add_search_provider(app, "proposal", ProposalProvider())
    for item in (
        NavItem("Proposals", "proposals.index", "proposals.list", order=50, plugin="workflows"),
        NavItem(
            "You said, we did",
            "proposals.you_said",
            "proposals.you_said",
            order=55,
            plugin="workflows",
        ),  # fmt: skip
    ):
        add_nav_item(app, item)
    for panel in (
        DashboardPanel("Proposals", "workflows/panel_mine.html", "proposals.propose", order=50),
        DashboardPanel("To evaluate", "workflows/panel_pdm.html", "proposals.queue", order=51),
        DashboardPanel("To decide", "workflows/panel_panel.html", "proposals.panel", order=52),
    ):
        add_dashboard_panel(app, panel)
    add_demo_loader(app, load_demo)


component = Plugin(
    name="workflows",
    init_app=init_app,
    requires=("modules", "content"),
    description="The proposal pipeline",
)
