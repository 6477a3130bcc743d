"""Registers the modules component with the centre through the plugin API."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from wisdom.components import (
    NavItem,
    Plugin,
    add_demo_loader,
    add_nav_item,
    add_search_provider,
    register_blueprint,
)

DEMO = Path(__file__).parent / "demo" / "modules.json"


def init_app(app: Flask) -> None:
    """Register the Directory's access rules, routes, navigation, search, commands and demo."""
    from modules import models, policy  # noqa: F401 - models join the metadata
    from modules.blueprint import bp
    from modules.commands import modules
    from modules.search_provider import ModuleProvider

    policy.define_actions()
    register_blueprint(app, bp, "modules")
    add_search_provider(app, "module", ModuleProvider())
    add_nav_item(
        app,
        NavItem(
            "Directory of Services",
            "directory.browse",
            "directory.read",
            order=30,
            plugin="modules",
        ),
    )
    app.cli.add_command(modules)
    add_demo_loader(app, load_demo)


def load_demo() -> str:
    """Import the demo modules through the ordinary import; a second run changes nothing."""
    from modules.transfer import import_file
    from wisdom.auth.services import find_by_email

    report = import_file(DEMO, find_by_email("morgan@example.org"))
    return (
        f"Demo modules: {report.created} new, {report.updated} updated, "
        f"{report.unchanged} unchanged ({report.versions} versions written)"
    )


component = Plugin(
    name="modules",
    init_app=init_app,
    requires=("search",),
    description="Rehabilitative modules and the Directory of Services",
)
