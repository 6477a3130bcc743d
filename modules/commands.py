"""The ``wisdom modules`` commands: import a file of modules, export the Directory."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from wisdom.cli import ServerReader, account


@click.group(help="Import and export the modules of the Directory of Services.")
def modules():
    """The ``modules`` command group."""


@modules.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check everything and report, but change nothing.")
@click.option("--as", "email", default=None, help="Record the import as this user.")
@with_appcontext
def import_command(file: Path, dry_run: bool, email: str | None):
    """Import FILE (.json, or .csv for the flat fields): all of it, or nothing."""
    from modules.transfer import ImportFailed, import_file

    actor = account(email) if email else None
    try:
        report = import_file(file, actor, dry_run=dry_run)
    except ImportFailed as failed:
        for problem in failed.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(
            f"Nothing was imported: {len(failed.problems)} problems"
        ) from None
    verb = "Would import" if dry_run else "Imported"
    click.echo(
        f"{verb}: {report.created} new modules, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.versions} versions"
    )


@modules.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True
)
@click.option("--retired", is_flag=True, help="Include retired modules.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
@with_appcontext
def export_command(fmt: str, retired: bool, output: Path | None):
    """Write every module's current version, facilitator notes included, as JSON or CSV."""
    from modules import directory, transfer

    reader = ServerReader()
    entries = directory.current_modules(reader, show_retired=retired)
    text = transfer.export_json(entries) if fmt == "json" else transfer.export_csv(entries)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Exported {len(entries)} modules to {output}", err=True)
