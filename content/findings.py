"""Routes for findings' actions, items due for review, and the pathway taxonomy."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from content import reading, services
from content.blueprint import bp
from content.forms import ActionForm, ActionProgressForm, PathwayForm
from content.models import Action, Item, Pathway
from content.policy import readable
from wisdom import access
from wisdom.access import STAFF_ROLES
from wisdom.auth.models import User, UserRole
from wisdom.db import db


def _owners() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole)
            .where(UserRole.role.in_(STAFF_ROLES), User.active)
            .order_by(User.name)
            .distinct()
        )
    )


@bp.get("/actions")
@access.require("library.actions")
def actions():
    """Open and overdue actions on the findings the reader may see."""
    show = request.args.get("show", "open")
    query = (
        select(Action)
        .join(Item, Action.finding_id == Item.id)
        .where(Action.status != "done", ~Item.archived, readable(current_user))
        .order_by(Action.due.is_(None), Action.due, Action.id)
    )
    if show == "overdue":
        query = query.where(Action.due < date.today())
    rows = db.session.scalars(query).all()
    return render_template("content/actions.html", rows=rows, show=show, today=date.today())


@bp.route("/<slug>/actions/new", methods=["GET", "POST"])
@access.require("library.findings_manage")
def new_action(slug: str):
    """Agree an action on a finding."""
    finding = reading.find(slug, current_user)
    if finding.kind != "finding":
        abort(404)
    form = ActionForm()
    form.owner_id.choices = [("", "No owner yet")] + [(str(u.id), u.name) for u in _owners()]
    if form.validate_on_submit():
        owner = int(form.owner_id.data) if (form.owner_id.data or "").isdigit() else None
        try:
            services.add_action(finding, form.description.data, owner, form.due.data, current_user)
        except services.InvalidItem as error:
            db.session.rollback()
            form.description.errors = list(error.errors.values())
        else:
            db.session.commit()
            flash("The action was added", "success")
            return redirect(url_for("library.item", slug=slug))
    return render_template("content/action_form.html", finding=finding, form=form)


@bp.route("/<slug>/actions/<int:action_id>", methods=["GET", "POST"])
@access.require("library.findings_manage")
def progress_action(slug: str, action_id: int):
    """Move an action on, with evidence, and link what answered it."""
    finding = reading.find(slug, current_user)
    action = db.session.get(Action, action_id)
    if action is None or action.finding_id != finding.id:
        abort(404)
    form = ActionProgressForm(obj=None if request.method == "POST" else action)
    if request.method == "GET" and action.answered_by is not None:
        form.answered_by.data = action.answered_by.slug
    if form.validate_on_submit():
        answered = None
        wanted = (form.answered_by.data or "").strip()
        if wanted:
            answered = db.session.scalar(select(Item).where(Item.slug == wanted))
            if answered is None or not access.can(current_user, "library.read", answered):
                form.answered_by.errors = [f"There is no item called {wanted} that you can see"]
                return render_template(
                    "content/action_progress.html", finding=finding, action=action, form=form
                )
        try:
            services.update_action(
                action,
                status=form.status.data,
                evidence=form.evidence.data,
                answered_by=answered,
                actor=current_user,
            )
        except services.InvalidItem as error:
            db.session.rollback()
            for key, message in error.errors.items():
                getattr(form, key, form.status).errors = [message]
        else:
            db.session.commit()
            flash("The action was updated", "success")
            return redirect(url_for("library.item", slug=slug))
    return render_template(
        "content/action_progress.html", finding=finding, action=action, form=form
    )


@bp.get("/review")
@access.require("library.review_list")
def due_for_review():
    """Items due for review: the PDM sees all, owners see their own."""
    horizon = date.today() + timedelta(days=30)
    query = select(Item).where(
        ~Item.archived,
        Item.review_by.is_not(None),
        Item.review_by <= horizon,
        readable(current_user),
    )
    everyone = access.can(current_user, "library.taxonomy")
    if not everyone:
        query = query.where(Item.owner_id == current_user.id)
    rows = db.session.scalars(query.order_by(Item.review_by)).all()
    return render_template("content/review.html", rows=rows, today=date.today(), everyone=everyone)


@bp.route("/pathways", methods=["GET", "POST"])
@access.require("library.taxonomy")
def pathways():
    """The pathway taxonomy, editable by the PDM."""
    form = PathwayForm()
    if form.validate_on_submit():
        name = " ".join((form.name.data or "").split())
        slug = services.slugify(name)
        if not name:
            form.name.errors = ["Enter the pathway's name"]
        elif db.session.scalar(
            select(Pathway).where((Pathway.slug == slug) | (Pathway.name == name))
        ):
            form.name.errors = [f"There is already a pathway called {name}"]
        else:
            position = len(db.session.scalars(select(Pathway.id)).all())
            db.session.add(
                Pathway(
                    slug=slug,
                    name=name,
                    description=(form.description.data or "").strip(),
                    position=position,
                )
            )
            from wisdom.audit.services import record

            record("pathway_added", "pathway", slug, actor=current_user)
            db.session.commit()
            flash(f"The pathway {name} was added", "success")
            return redirect(url_for("library.pathways"))
    rows = db.session.scalars(select(Pathway).order_by(Pathway.position, Pathway.name)).all()
    return render_template("content/pathways.html", rows=rows, form=form)
