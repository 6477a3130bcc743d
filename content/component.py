"""Registers the library with the centre through the plugin API."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import select

from wisdom.cli import ServerReader, account
from wisdom.components import (
    DashboardPanel,
    NavItem,
    Plugin,
    add_dashboard_panel,
    add_demo_loader,
    add_link_provider,
    add_nav_item,
    add_search_provider,
    register_blueprint,
)

DEMO = Path(__file__).parent / "demo"


def init_app(app: Flask) -> None:
    """Register the library's routes, navigation, home-page panels, commands and demo content."""
    from content import editing, findings, policy, transfer_views  # noqa: F401 - routes register on import
    from content.blueprint import bp
    from content.search_provider import LibraryProvider

    policy.define_actions()
    register_blueprint(app, bp, "content")
    add_search_provider(app, "item", LibraryProvider())
    add_nav_item(
        app, NavItem("Library", "library.browse", "library.read", order=20, plugin="content")
    )
    add_nav_item(
        app, NavItem("Actions", "library.actions", "library.actions", order=40, plugin="content")
    )
    add_dashboard_panel(
        app,
        DashboardPanel("Library", "content/panel.html", "library.read", order=20, plugin="content"),
    )
    app.cli.add_command(library)
    add_demo_loader(app, load_demo)
    from content.links import related_library_items

    add_link_provider(app, related_library_items)


def load_demo() -> str:
    """Import the demo library once; later runs find it there and change nothing."""
    from content.models import Item
    from content.transfer import import_library
    from wisdom.auth.services import find_by_email
    from wisdom.db import db

    if db.session.scalar(select(Item.id).limit(1)) is not None:
        return "Demo library: already loaded, unchanged"
    report = import_library(DEMO, find_by_email("morgan@example.org"))
    return f"Demo library: {report.items} items, {report.versions} versions, {report.actions} actions loaded"


@click.group(help="Export and import the library.")
def library():
    """The ``library`` command group."""


@library.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--as", "email", default=None, help="Export what this user may see (default: everything)."
)
@with_appcontext
def export_command(directory: Path, email: str | None):
    """Write the whole library as Markdown files with YAML front matter into DIRECTORY."""
    from content.transfer import export_library

    user = account(email) if email else ServerReader()
    with click.progressbar(length=0, label="Exporting") as bar:

        def progress(items):
            bar.length = len(items)
            for item in items:
                yield item
                bar.update(1)

        count = export_library(directory, user, progress=progress)
    click.echo(f"Exported {count} items to {directory}")


@library.command("import")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check everything and report, but change nothing.")
@click.option("--as", "email", default=None, help="Record the import as this user.")
@with_appcontext
def import_command(directory: Path, dry_run: bool, email: str | None):
    """Import a folder written by 'wisdom library export': all of it, or nothing."""
    from content.transfer import ImportFailed, import_library

    actor = account(email) if email else None
    with click.progressbar(length=0, label="Importing") as bar:

        def progress(items):
            bar.length = len(items)
            for item in items:
                yield item
                bar.update(1)

        try:
            report = import_library(directory, actor, dry_run=dry_run, progress=progress)
        except ImportFailed as failed:
            for problem in failed.problems:
                click.echo(str(problem), err=True)
            raise click.ClickException(
                f"Nothing was imported: {len(failed.problems)} problems"
            ) from None
    verb = "Would import" if dry_run else "Imported"
    click.echo(
        f"{verb} {report.items} items, {report.versions} versions, {report.actions} actions, {report.attachments} attachments"
    )


component = Plugin(
    name="content", init_app=init_app, requires=("search",), description="The library"
)
