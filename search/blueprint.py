"""The search page, autocomplete, click logging, the thesaurus and search analytics."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from search import service
from search.engine import UPDATED_BUCKETS
from search.forms import SynonymForm
from search.models import SearchLog, Synonym
from wisdom import access
from wisdom.audit.services import record
from wisdom.db import db

bp = Blueprint("search", __name__, url_prefix="/search", template_folder="templates")
FACET_LABELS = {
    "kind": "Kind",
    "pathways": "Pathway",
    "tags": "Tag",
    "section": "Section",
    "updated": "Updated",
}


@bp.get("")
@access.require("search.use")
def page():
    """Search everything the user may see."""
    text = request.args.get("q", "")
    filters = {name: request.args.getlist(name) for name in service.FILTERABLE}
    sort = request.args.get("sort", "relevance")
    number = request.args.get("page", 1, type=int) or 1
    outcome = service.run(current_user, text, filters=filters, sort=sort, page=number)
    status = 503 if outcome.error else 200
    return render_template(
        "search/page.html", outcome=outcome, text=text, sort=sort, labels=FACET_LABELS,
        updated_labels={k: label for k, label, _ in UPDATED_BUCKETS},
    ), status  # fmt: skip


@bp.get("/suggest")
@access.require("search.use")
def suggest():
    """Autocomplete: titles the user may see that match what they have typed."""
    return jsonify(service.autocomplete(current_user, request.args.get("q", "")))


@bp.get("/go/<int:log_id>")
@access.require("search.use")
def go(log_id: int):
    """Follow a result, counting the click for analytics."""
    target = request.args.get("to", "")
    # Browsers read a backslash as a slash and drop tabs and newlines, so "/\host" and
    # "/<tab>/host" would leave the site: only plain local paths are followed.
    if (
        not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 32 or ord(c) == 127 for c in target)
    ):
        abort(404)
    entry = db.session.get(SearchLog, log_id)
    if entry is not None and not entry.clicked:
        entry.clicked = True
        db.session.commit()
    return redirect(target)


@bp.route("/thesaurus", methods=["GET", "POST"])
@access.require("search.manage")
def synonyms():
    """The PDM's thesaurus: words that find each other."""
    form = SynonymForm()
    if form.validate_on_submit():
        term = " ".join((form.term.data or "").lower().split())
        expansion = " ".join((form.expansion.data or "").lower().split())
        if not term:
            form.term.errors = ["Enter the word or abbreviation people search for"]
        elif not expansion:
            form.expansion.errors = ["Enter what it should also find"]
        elif db.session.scalar(select(Synonym).where(Synonym.term == term)):
            form.term.errors = [f"{term} is already in the thesaurus"]
        else:
            db.session.add(Synonym(term=term, expansion=expansion))
            record("synonym_added", "synonym", term, expansion=expansion)
            db.session.commit()
            flash(f"Searches for {term} now also find {expansion}", "success")
            return redirect(url_for("search.synonyms"))
    rows = db.session.scalars(select(Synonym).order_by(Synonym.term)).all()
    return render_template("search/thesaurus.html", form=form, rows=rows)


@bp.post("/thesaurus/<int:synonym_id>/delete")
@access.require("search.manage")
def delete_synonym(synonym_id: int):
    """Remove a thesaurus entry."""
    from flask_wtf import FlaskForm

    row = db.session.get(Synonym, synonym_id)
    if row is None:
        abort(404)
    if FlaskForm().validate_on_submit():
        record("synonym_removed", "synonym", row.term)
        db.session.delete(row)
        db.session.commit()
        flash(f"{row.term} was removed from the thesaurus", "success")
    return redirect(url_for("search.synonyms"))


@bp.get("/analytics")
@access.require("search.manage")
def analytics():
    """Top queries, zero-result queries and queries with no click, by role, over a period."""
    days = request.args.get("days", 30, type=int) or 30
    days = max(1, min(days, 366))
    role = request.args.get("role", "")
    since = datetime.now() - timedelta(days=days)
    base = select(SearchLog).where(SearchLog.at >= since)
    if role in access.ROLES:
        base = base.where(SearchLog.roles.contains(role))
    sub = base.subquery()

    def top(condition=None, limit=20):
        query = (
            select(sub.c.query, func.count().label("n"))
            .group_by(sub.c.query)
            .order_by(func.count().desc(), sub.c.query)
            .limit(limit)
        )
        if condition is not None:
            query = query.where(condition)
        return db.session.execute(query).all()

    return render_template(
        "search/analytics.html", days=days, role=role, roles=access.ROLES,
        total=db.session.scalar(select(func.count()).select_from(sub)),
        top_queries=top(), zero=top(sub.c.results == 0), unclicked=top((sub.c.results > 0) & ~sub.c.clicked),
    )  # fmt: skip
