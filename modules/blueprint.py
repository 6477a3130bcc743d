"""Routes of the Directory of Services: browse and filter, module pages, history, exports, corrections."""

from __future__ import annotations

import io
import json

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from modules import directory, history, policy, reading, services, transfer
from modules.forms import CorrectionForm, SessionFileForm
from modules.models import (
    AUDIENCES,
    COMPLEXITY,
    FORMATS,
    ROSH_LEVELS,
    SEXES,
    STATUSES,
    Module,
    ModuleVersion,
)
from modules.text import pathway_names
from wisdom import access, markup, uploads
from wisdom.components import LinkSubject, links_for
from wisdom.db import db

bp = Blueprint("directory", __name__, url_prefix="/directory", template_folder="templates")
LIBRARY_GROUPS = ("Related guidance", "Good-practice beacons")
FILTER_LABELS = {
    "pathway": "Need (pathway)",
    "complexity": "Complexity of need",
    "sex": "Sex",
    "age": "Age",
    "rosh": "Risk of serious harm (RoSH)",
    "area": "Area",
    "delivery": "Delivered by",
    "format": "Format",
    "core": "Core or optional",
}
EASY_LABELS = {"pathway": "What do you want help with?", "format": "How", "area": "Where"}


@bp.app_context_processor
def _helpers():
    return {
        "MODULE_FORMATS": FORMATS,
        "MODULE_SEXES": SEXES,
        "MODULE_ROSH": ROSH_LEVELS,
        "MODULE_COMPLEXITY": COMPLEXITY,
        "MODULE_STATUSES": STATUSES,
        "MODULE_AUDIENCES": AUDIENCES,
    }


@bp.app_template_filter("format_names")
def _format_names(formats) -> str:
    return ", ".join(FORMATS.get(f, f) for f in formats)


def _render(text: str):
    """Markdown as safe HTML, confidential sections only for cleared readers."""
    return markup.render(text, cleared=access.may_read_confidential_sections(current_user))


def _selected(found: directory.Listing, names: dict[str, str]) -> list[tuple[str, list]]:
    """The chosen filters as (heading, [(label, url that removes it)]), for the filter tags."""
    labels = {"sex": SEXES, "rosh": ROSH_LEVELS, "complexity": COMPLEXITY, "format": FORMATS,
              "pathway": names, "delivery": directory.DELIVERY, "core": directory.CORE}  # fmt: skip
    args = request.args.to_dict(flat=False)
    groups = []
    for name, values in found.chosen.items():
        items = []
        for value in values:
            rest = {**args, name: [v for v in args.get(name, []) if v != value]}
            label = labels.get(name, {}).get(value, value)
            items.append((label, url_for("directory.browse", **rest)))
        if items:
            groups.append((FILTER_LABELS[name], items))
    return groups


def _find(slug: str) -> Module:
    """A module the reader may see, or 404 (the same for missing and not allowed)."""
    module = services.find_module(slug)
    if module is None or not access.can(current_user, "directory.read", module):
        abort(404)
    return module


def _version(module: Module, number: int) -> ModuleVersion:
    version = services.version_of(module, number)
    if version is None:
        abort(404)
    return version


@bp.get("")
@access.require("directory.read")
def browse():
    """The Directory: filters with counts, free-text search, and why each module matched."""
    found = directory.listing(current_user, request.args)
    staff = policy.full_view(current_user)
    return render_template(
        "modules/browse.html" if staff else "modules/easy_browse.html", listing=found,
        labels=FILTER_LABELS if staff else EASY_LABELS, names=pathway_names(),
        export_args=request.args.to_dict(flat=False), selected=_selected(found, pathway_names()),
    )  # fmt: skip


@bp.get("/export")
@access.require("directory.read")
def export():
    """The Directory, or the filtered view, as CSV or JSON (what this reader may see)."""
    found = directory.listing(current_user, request.args)
    entries = [(e.module, reading.for_reader(e.content, current_user)) for e in found.entries]
    if request.args.get("download") == "json":
        body, mimetype, name = transfer.export_json(entries), "application/json", "directory.json"
    else:
        body, mimetype, name = transfer.export_csv(entries), "text/csv", "directory.csv"
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.get("/<slug>")
@access.require("directory.read")
def module(slug: str):
    """A module's current published version: the full staff view, or the easy-read one."""
    found = _find(slug)
    version = services.current_version(found)
    content = reading.for_reader(version.content, current_user)
    origin = _origin(found)
    if not policy.full_view(current_user):
        return render_template(
            "modules/easy_read.html", module=found, content=content, origin=origin,
            names=pathway_names(), render=markup.render_plain,
        )  # fmt: skip
    links = links_for(
        current_app._get_current_object(),
        LinkSubject("module", found.slug, found.title, version.number, tuple(content["pathways"])),
        current_user,
    )
    return render_template(
        "modules/module.html", module=found, version=version, content=content, origin=origin,
        names=pathway_names(), description=_render(content["description"]),
        library={g: links[g] for g in LIBRARY_GROUPS if g in links},
        evidence={g: v for g, v in links.items() if g not in LIBRARY_GROUPS},
        ages=history.ages(content["eligibility"]), render=_render,
    )  # fmt: skip


def _origin(module: Module) -> ModuleVersion | None:
    """The latest version a proposal and panel decision produced (corrections keep it)."""
    for version in services.versions(module):
        if version.has_provenance or version.credit:
            return version
    return None


@bp.get("/<slug>/print")
@access.require("directory.read")
def print_view(slug: str):
    """A print-friendly page of the module, as this reader may see it."""
    found = _find(slug)
    content = reading.for_reader(services.module_content(found), current_user)
    return render_template(
        "modules/print.html", module=found, content=content, names=pathway_names(),
        staff=policy.full_view(current_user), render=_render,
        ages=history.ages(content["eligibility"]) if "eligibility" in content else "",
    )  # fmt: skip


@bp.get("/<slug>/data.json")
@access.require("directory.read")
def data(slug: str):
    """The module page's data as JSON, exactly as much as this reader may see."""
    found = _find(slug)
    content = reading.for_reader(services.module_content(found), current_user)
    body = {"slug": found.slug, "version": found.current_version, **content}
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")


@bp.get("/<slug>/history")
@access.require("directory.staff_view")
def module_history(slug: str):
    """Every published version of a module, newest first, with why it changed."""
    found = _find(slug)
    return render_template("modules/history.html", module=found, versions=services.versions(found))


@bp.get("/<slug>/versions/<int:number>")
@access.require("directory.staff_view")
def version(slug: str, number: int):
    """One published version of a module, as it was."""
    found = _find(slug)
    old = _version(found, number)
    content = reading.for_reader(old.content, current_user)
    return render_template(
        "modules/version.html", module=found, version=old,
        fields=history.fields(content, pathway_names(), policy.sees_staff_notes(current_user)),
    )  # fmt: skip


@bp.get("/<slug>/diff")
@access.require("directory.staff_view")
def diff(slug: str):
    """The differences between any two versions, field by field, sessions and eligibility included."""
    found = _find(slug)
    a = request.args.get("a", type=int) or max(1, found.current_version - 1)
    b = request.args.get("b", type=int) or found.current_version
    older, newer = _version(found, min(a, b)), _version(found, max(a, b))
    notes = policy.sees_staff_notes(current_user)
    return render_template(
        "modules/diff.html", module=found, older=older, newer=newer,
        fields=history.compare(older.content, newer.content, pathway_names(), notes),
    )  # fmt: skip


@bp.route("/<slug>/correct", methods=["GET", "POST"])
@access.require("modules.edit")
def correct(slug: str):
    """Publish a minor correction directly, labelled as a correction with a change note."""
    found = _find(slug)
    current = services.module_content(found)
    form = CorrectionForm()
    if not form.is_submitted():
        form.fill(current, found.current_version)
    elif form.validate_on_submit():
        expected = (
            int(form.expected_version.data) if (form.expected_version.data or "").isdigit() else -1
        )
        try:
            services.publish_version(
                found, form.corrected(current), actor=current_user, change_note=form.change_note.data or "",
                correction=True, expected_version=expected,
            )  # fmt: skip
        except services.VersionConflict as conflict:
            form.title.errors = [str(conflict)]
        except services.InvalidModule as invalid:
            form.show_problems(invalid.problems)
        else:
            flash(f"Correction published as version {found.current_version}", "success")
            return redirect(url_for("directory.module", slug=found.slug))
    return render_template("modules/correct.html", module=found, form=form)


@bp.route("/<slug>/sessions/<int:number>/files", methods=["GET", "POST"])
@access.require("modules.edit")
def attach(slug: str, number: int):
    """Upload a file for a session; it is published at once as a labelled correction."""
    found = _find(slug)
    sessions = services.module_content(found)["sessions"]
    if not 1 <= number <= len(sessions):
        abort(404)
    form = SessionFileForm()
    if not form.is_submitted():
        form.expected_version.data = str(found.current_version)
    elif form.validate_on_submit():
        chosen = form.file.data
        expected = (
            int(form.expected_version.data) if (form.expected_version.data or "").isdigit() else -1
        )
        try:
            if chosen is None or not getattr(chosen, "filename", ""):
                raise uploads.UploadRefused("Select a file")
            services.attach_file(
                found, number, chosen.filename, chosen.read(uploads.MAX_BYTES + 1),
                form.audience.data or "", actor=current_user, expected_version=expected,
            )  # fmt: skip
        except (uploads.UploadRefused, services.VersionConflict, services.InvalidModule) as error:
            db.session.rollback()
            form.file.errors = [str(error)]
        else:
            flash(f"The file was attached to session {number}", "success")
            return redirect(url_for("directory.module", slug=found.slug))
    return render_template(
        "modules/attach.html", module=found, number=number, session=sessions[number - 1], form=form
    )


@bp.get("/<slug>/files/<int:attachment_id>")
@access.require("directory.read")
def download(slug: str, attachment_id: int):
    """Download a session file the reader may see (facilitators' files are staff only)."""
    found = _find(slug)
    if policy.full_view(current_user):
        contents = [v.content for v in services.versions(found)]
    else:
        contents = [services.module_content(found)]
    listed = {
        a["id"]
        for c in contents
        for s in reading.for_reader(c, current_user)["sessions"]
        for a in s.get("attachments", [])
    }
    attachment = services.find_attachment(found, attachment_id)
    if attachment is None or attachment_id not in listed:
        abort(404)
    response = send_file(
        io.BytesIO(uploads.read(attachment.sha256)), mimetype=attachment.content_type,
        as_attachment=True, download_name=attachment.filename,
    )  # fmt: skip
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
