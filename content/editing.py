"""Routes for writing the library: new, edit (with preview and conflict), restore, archive, files."""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from content import attachments, reading, services
from content.blueprint import bp
from content.forms import AttachmentForm, ConfirmForm, item_form_class
from content.kinds import FIELDS
from content.models import KINDS, Attachment, Item, Pathway
from content.policy import may_edit_kind
from wisdom import access, markup
from wisdom.access import STAFF_ROLES
from wisdom.auth.models import User, UserRole
from wisdom.db import db


def _form(kind: str, item: Item | None = None):
    """The item form for a kind, with its database choices, filled from ``item`` on first show."""
    pathways = db.session.scalars(
        select(Pathway).where(Pathway.active).order_by(Pathway.position, Pathway.name)
    ).all()
    owners = db.session.scalars(
        select(User)
        .join(UserRole)
        .where(UserRole.role.in_(STAFF_ROLES), User.active)
        .order_by(User.name)
        .distinct()
    ).all()
    form = item_form_class(kind)().setup(pathways, owners)
    if item is not None and not form.is_submitted():
        form.title.data, form.summary.data, form.body.data = item.title, item.summary, item.body
        form.classification.data = item.classification
        form.pathways.data = item.pathways
        form.tags.data = ", ".join(item.tags)
        form.owner_id.data = str(item.owner_id or "")
        form.review_by.data = item.review_by
        for spec in FIELDS[kind]:
            getattr(form, f"field_{spec.key}").data = _form_value(spec, item.fields.get(spec.key))
        form.lock_version.data = str(item.lock_version)
    return form


def _form_value(spec, value):
    if spec.type == "date" and value:
        from datetime import date

        return date.fromisoformat(value)
    return value


def _data(kind: str, form) -> services.ItemData:
    """What the form says, as item data for the services."""
    return services.ItemData(
        kind=kind, title=form.title.data or "", summary=form.summary.data or "",
        body=form.body.data or "", classification=form.classification.data or "",
        tags=[t for t in (form.tags.data or "").split(",")], pathways=form.pathways.data or [],
        fields=form.kind_values(kind), owner_id=int(form.owner_id.data) if (form.owner_id.data or "").isdigit() else None,
        review_by=form.review_by.data,
    )  # fmt: skip


def _show_errors(form, errors: dict[str, str]) -> None:
    """Put a service's refusals against the form's fields."""
    for key, message in errors.items():
        target = getattr(form, key, None) or getattr(form, f"field_{key}", None) or form.title
        target.errors = [*list(target.errors or []), message]


@bp.route("/new/<kind>", methods=["GET", "POST"])
@access.require("library.edit")
def new(kind: str):
    """Write a new item of a kind."""
    if kind not in KINDS:
        abort(404)
    if not may_edit_kind(current_user, kind):
        abort(403)
    form = _form(kind)
    preview = None
    if form.validate_on_submit():
        if form.preview.data:
            preview = markup.render(form.body.data or "", cleared=True)
        else:
            try:
                item = services.create(
                    _data(kind, form),
                    current_user,
                    change_note=form.change_note.data or "First version",
                )
            except services.InvalidItem as error:
                db.session.rollback()
                _show_errors(form, error.errors)
            else:
                db.session.commit()
                flash(f"{item.title} was published", "success")
                return redirect(url_for("library.item", slug=item.slug))
    return render_template(
        "content/edit.html", form=form, kind=kind, item=None, preview=preview, conflict=None
    )


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@access.require("library.edit")
def edit(slug: str):
    """Edit an item; a save that would overwrite someone else's is refused, keeping your text."""
    item = reading.find(slug, current_user, "library.edit")
    form = _form(item.kind, item)
    preview, conflict = None, None
    if form.validate_on_submit():
        if form.preview.data:
            preview = markup.render(form.body.data or "", cleared=True)
        else:
            expected = (
                int(form.lock_version.data) if (form.lock_version.data or "").isdigit() else -1
            )
            try:
                services.update(
                    item,
                    _data(item.kind, form),
                    expected,
                    current_user,
                    change_note=form.change_note.data or "",
                )
            except services.StaleEdit as stale:
                db.session.rollback()
                conflict = stale.item
                form.lock_version.data = str(conflict.lock_version)
                form.change_note.errors = [
                    "Someone else saved this item while you were editing. Your text is below, beside the current version. Copy what you need, then save again."
                ]
            except services.InvalidItem as error:
                db.session.rollback()
                item = db.session.get(Item, item.id)
                _show_errors(form, error.errors)
            else:
                db.session.commit()
                flash(
                    f"Your changes to {item.title} were saved as version {item.current_version}",
                    "success",
                )
                return redirect(url_for("library.item", slug=item.slug))
    conflict_body = reading.body_html(conflict.body, current_user) if conflict is not None else None
    return render_template(
        "content/edit.html", form=form, kind=item.kind, item=item, preview=preview,
        conflict=conflict, conflict_body=conflict_body,
    )  # fmt: skip


@bp.post("/<slug>/restore/<int:number>")
@access.require("library.edit")
def restore(slug: str, number: int):
    """Make an old version current again, as a new version."""
    item = reading.find(slug, current_user, "library.edit")
    form = ConfirmForm()
    if form.validate_on_submit():
        expected = int(form.lock_version.data) if (form.lock_version.data or "").isdigit() else -1
        try:
            services.restore(item, number, expected, current_user)
        except services.StaleEdit:
            db.session.rollback()
            flash(
                "Someone else changed this item just now. Look at the history again before restoring",
                "error",
            )
            return redirect(url_for("library.history", slug=slug))
        except services.InvalidItem as error:
            db.session.rollback()
            flash("; ".join(error.errors.values()), "error")
            return redirect(url_for("library.history", slug=slug))
        db.session.commit()
        flash(f"Version {number} was restored as version {item.current_version}", "success")
    return redirect(url_for("library.item", slug=slug))


@bp.post("/<slug>/archive")
@access.require("library.archive")
def archive(slug: str):
    """Archive an item, or bring an archived item back."""
    item = reading.find(slug, current_user, "library.archive")
    if ConfirmForm().validate_on_submit():
        services.set_archived(item, not item.archived, current_user)
        db.session.commit()
        flash(
            f"{item.title} was {'archived' if item.archived else 'restored from the archive'}",
            "success",
        )
    return redirect(url_for("library.item", slug=slug))


@bp.get("/archived")
@access.require("library.archive")
def archived():
    """Archived items the editor may bring back."""
    from content.policy import readable

    items = [
        i
        for i in db.session.scalars(
            select(Item).where(Item.archived, readable(current_user)).order_by(Item.title)
        )
        if may_edit_kind(current_user, i.kind)
    ]
    return render_template("content/archived.html", items=items)


@bp.route("/<slug>/attachments", methods=["GET", "POST"])
@access.require("library.edit")
def upload(slug: str):
    """Attach a file to an item."""
    item = reading.find(slug, current_user, "library.edit")
    form = AttachmentForm()
    if not form.is_submitted():
        form.lock_version.data = str(item.lock_version)
    if form.validate_on_submit():
        upload_file = form.file.data
        expected = int(form.lock_version.data) if (form.lock_version.data or "").isdigit() else -1
        try:
            if upload_file is None or not getattr(upload_file, "filename", ""):
                raise attachments.AttachmentRefused("Select a file")
            attachments.attach(
                item,
                upload_file.filename,
                upload_file.read(attachments.MAX_BYTES + 1),
                current_user,
                expected,
            )
        except (attachments.AttachmentRefused, services.StaleEdit) as error:
            db.session.rollback()
            item = db.session.get(Item, item.id)
            form.file.errors = [str(error)]
            form.lock_version.data = str(item.lock_version)
        else:
            db.session.commit()
            flash("The file was attached", "success")
            return redirect(url_for("library.item", slug=slug))
    return render_template(
        "content/upload.html",
        item=item,
        form=form,
        files=attachments.in_version(item, item.current_version),
    )


@bp.get("/<slug>/attachments/<int:attachment_id>")
@access.require("library.read")
def download(slug: str, attachment_id: int):
    """Download an attachment of a version the reader may see, always as an attachment."""
    item = reading.find(slug, current_user)
    number = request.args.get("version", type=int) or item.current_version
    version = services.version_of(item, number)
    if (
        version is None
        or attachment_id not in version.attachment_ids
        or not reading.may_see_version(current_user, item, version)
    ):
        abort(404)
    found = db.session.get(Attachment, attachment_id)
    if found is None or found.item_id != item.id:
        abort(404)
    if reading.sees_confidential(current_user, version):
        reading.audit_view(item, number, current_user, how="downloaded")
        db.session.commit()
    response = send_file(
        io.BytesIO(attachments.read(found)),
        mimetype=found.content_type,
        as_attachment=True,
        download_name=found.filename,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
