"""The library's import and export in the admin pages: a .zip of the Markdown folder."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from flask import render_template, send_file
from flask_login import current_user

from content.blueprint import bp
from content.forms import ImportForm
from content.transfer import ImportFailed, export_library, import_library
from wisdom import access
from wisdom.db import db, utcnow

MAX_FILES = 50_000


@bp.get("/transfer")
@access.require("library.transfer")
def transfer():
    """Export the library, or import a folder of Markdown files."""
    return render_template("content/transfer.html", form=ImportForm(), report=None, problems=None)


@bp.post("/transfer/export")
@access.require("library.transfer")
def export_zip():
    """Download everything the user may read as a .zip of Markdown files."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "library"
        export_library(root, current_user)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(root))
    buffer.seek(0)
    name = f"wisdom-library-{utcnow():%Y-%m-%d}.zip"
    return send_file(buffer, mimetype="application/zip", as_attachment=True, download_name=name)


@bp.post("/transfer/import")
@access.require("library.transfer")
def import_zip():
    """Import a .zip written by the export: all of it, or nothing with every problem listed."""
    form = ImportForm()
    report, problems = None, None
    if form.validate_on_submit():
        upload = form.archive.data
        try:
            with tempfile.TemporaryDirectory() as folder:
                _unpack(upload, Path(folder))
                report = import_library(Path(folder), current_user, dry_run=form.dry_run.data)
        except ImportFailed as failed:
            db.session.rollback()
            problems = [str(p).replace(folder, "", 1).lstrip("/") for p in failed.problems]
        except ValueError as error:
            form.archive.errors = [str(error)]
    status = 200 if problems is None and not form.errors else 400
    return render_template(
        "content/transfer.html", form=form, report=report, problems=problems
    ), status


def _unpack(upload, target: Path) -> None:
    """Unpack an uploaded .zip safely (no paths outside the folder, bounded size)."""
    if upload is None or not getattr(upload, "filename", ""):
        raise ValueError("Select a .zip file exported from WISDOM")
    try:
        archive = zipfile.ZipFile(upload.stream)
    except zipfile.BadZipFile:
        raise ValueError("The selected file must be a .zip file exported from WISDOM") from None
    members = archive.infolist()
    if len(members) > MAX_FILES or sum(m.file_size for m in members) > 2 * 1024**3:
        raise ValueError("The .zip file is too large to import here. Use 'wisdom library import'")
    for member in members:
        path = (target / member.filename).resolve()
        if not str(path).startswith(str(target.resolve())):
            raise ValueError(f"The .zip file holds a path outside its folder: {member.filename}")
    archive.extractall(target)
