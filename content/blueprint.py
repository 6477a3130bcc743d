"""Routes for reading the library: browse, item, history, differences, print and export."""

from __future__ import annotations

import frontmatter
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from content import attachments, policy, reading
from content.forms import REASONS, ReasonForm
from content.kinds import FIELDS, label_of
from content.models import CLASSIFICATIONS, KINDS, PLURALS, Item, ItemTerm, ItemVersion, Pathway
from content.transfer import item_document
from wisdom import access
from wisdom.db import db

bp = Blueprint("library", __name__, url_prefix="/library", template_folder="templates")
PAGE_SIZE = 20


@bp.app_context_processor
def _helpers():
    return {
        "KINDS": KINDS,
        "PLURALS": PLURALS,
        "CLASSIFICATIONS": CLASSIFICATIONS,
        "KIND_FIELDS": FIELDS,
        "field_label": label_of,
    }


@bp.get("")
@access.require("library.read")
def browse():
    """Browse the library by kind, pathway and tag."""
    kind = request.args.get("kind", "")
    pathway = request.args.get("pathway", "")
    tag = request.args.get("tag", "")
    page = max(1, request.args.get("page", 1, type=int) or 1)
    query = select(Item).where(~Item.archived, policy.readable(current_user))
    if kind in KINDS:
        query = query.where(Item.kind == kind)
    for facet, value in (("pathway", pathway), ("tag", tag)):
        if value:
            terms = select(ItemTerm.item_id).where(ItemTerm.facet == facet, ItemTerm.value == value)
            query = query.where(Item.id.in_(terms))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(
        query.order_by(Item.updated_at.desc(), Item.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    counts = dict(
        db.session.execute(
            select(Item.kind, func.count())
            .where(~Item.archived, policy.readable(current_user))
            .group_by(Item.kind)
        ).all()
    )
    pathways = db.session.scalars(
        select(Pathway).where(Pathway.active).order_by(Pathway.position, Pathway.name)
    ).all()
    return render_template(
        "content/browse.html", items=items, total=total, page=page,
        pages=max(1, -(-total // PAGE_SIZE)), kind=kind, pathway=pathway, tag=tag,
        counts=counts, pathways=pathways, pathway_names=reading.pathway_names(),
        writable_kinds=[k for k in KINDS if policy.may_edit_kind(current_user, k)],
    )  # fmt: skip


@bp.get("/<slug>")
@access.require("library.read")
def item(slug: str):
    """An item's current version."""
    found = reading.find(slug, current_user)
    if reading.sees_confidential(current_user, found) and not reading.reason_given(found):
        return redirect(url_for("library.reason", slug=slug, next=request.full_path))
    if reading.sees_confidential(current_user, found):
        reading.audit_view(found, found.current_version, current_user)
        db.session.commit()
    return render_template(
        "content/item.html", item=found, body=reading.body_html(found.body, current_user),
        backlinks=reading.backlinks(found, current_user),
        related=reading.related(found, current_user),
        pathway_names=reading.pathway_names(),
        can_edit=access.can(current_user, "library.edit", found),
        files=attachments.in_version(found, found.current_version),
        source_link=_beacon_source(found),
    )  # fmt: skip


def _beacon_source(found: Item) -> Item | None:
    """The review a beacon came from, only for readers cleared for that review."""
    slug = found.fields.get("source_item") if found.kind == "beacon" else None
    if not slug:
        return None
    source = db.session.scalar(select(Item).where(Item.slug == slug))
    if source is None or not access.can(current_user, "library.read", source):
        return None
    return source


@bp.route("/<slug>/reason", methods=["GET", "POST"])
@access.require("library.read")
def reason(slug: str):
    """Ask once a session why a cleared reader is opening confidential content."""
    found = reading.find(slug, current_user)
    form = ReasonForm()
    if form.validate_on_submit():
        why = (
            form.other.data.strip()
            if form.reason.data == "other"
            else dict(REASONS)[form.reason.data]
        )
        if form.reason.data == "other" and not why:
            form.other.errors = ["Give the reason you are opening this"]
        else:
            reading.give_reason(found, why)
            target = request.args.get("next", "")
            if not target.startswith(f"/library/{slug}"):
                target = url_for("library.item", slug=slug)
            return redirect(target)
    return render_template("content/reason.html", item=found, form=form)


@bp.get("/<slug>/history")
@access.require("library.read")
def history(slug: str):
    """Every version of an item, newest first."""
    found = reading.find(slug, current_user)
    versions = db.session.scalars(
        select(ItemVersion)
        .where(ItemVersion.item_id == found.id)
        .order_by(ItemVersion.number.desc())
    ).all()
    visible = {v.number: reading.may_see_version(current_user, found, v) for v in versions}
    return render_template(
        "content/history.html", item=found, versions=versions, visible=visible,
        can_edit=access.can(current_user, "library.edit", found),
    )  # fmt: skip


@bp.get("/<slug>/versions/<int:number>")
@access.require("library.read")
def version(slug: str, number: int):
    """One old version of an item, and why it changed."""
    found = reading.find(slug, current_user)
    old = _visible_version(found, number)
    if reading.sees_confidential(current_user, old):
        if not reading.reason_given(found):
            return redirect(url_for("library.reason", slug=slug, next=request.full_path))
        reading.audit_view(found, number, current_user)
        db.session.commit()
    return render_template(
        "content/version.html", item=found, version=old,
        body=reading.body_html(old.body, current_user), pathway_names=reading.pathway_names(),
    )  # fmt: skip


@bp.get("/<slug>/diff")
@access.require("library.read")
def diff(slug: str):
    """The differences between any two versions, field by field."""
    found = reading.find(slug, current_user)
    a = request.args.get("a", type=int) or max(1, found.current_version - 1)
    b = request.args.get("b", type=int) or found.current_version
    older, newer = _visible_version(found, min(a, b)), _visible_version(found, max(a, b))
    if reading.sees_confidential(current_user, older) or reading.sees_confidential(
        current_user, newer
    ):
        if not reading.reason_given(found):
            return redirect(url_for("library.reason", slug=slug, next=request.full_path))
        reading.audit_view(found, newer.number, current_user, how="compared")
        db.session.commit()
    return render_template(
        "content/diff.html", item=found, older=older, newer=newer,
        fields=reading.compare(found, older, newer, current_user),
    )  # fmt: skip


@bp.get("/<slug>/print")
@access.require("library.read")
def print_view(slug: str):
    """A print-friendly page of the current version."""
    found = reading.find(slug, current_user)
    if reading.sees_confidential(current_user, found):
        if not reading.reason_given(found):
            return redirect(url_for("library.reason", slug=slug, next=request.full_path))
        reading.audit_view(found, found.current_version, current_user, how="printed")
        db.session.commit()
    return render_template(
        "content/print.html", item=found, body=reading.body_html(found.body, current_user),
        pathway_names=reading.pathway_names(),
    )  # fmt: skip


@bp.get("/<slug>/export")
@access.require("library.read")
def export(slug: str):
    """The current version as a Markdown file with front matter (what this reader may see)."""
    found = reading.find(slug, current_user)
    if reading.sees_confidential(current_user, found):
        if not reading.reason_given(found):
            return redirect(url_for("library.reason", slug=slug, next=request.full_path))
        reading.audit_view(found, found.current_version, current_user, how="exported")
        db.session.commit()
    document = item_document(
        found, cleared=access.may_read_confidential_sections(current_user), reader=current_user
    )
    return Response(
        frontmatter.dumps(document) + "\n",
        mimetype="text/markdown",
        headers={"Content-Disposition": f'attachment; filename="{found.slug}.md"'},
    )


def _visible_version(found: Item, number: int) -> ItemVersion:
    """A version the reader may see, or 404."""
    from content.services import version_of

    old = version_of(found, number)
    if old is None or not reading.may_see_version(current_user, found, old):
        abort(404)
    return old
