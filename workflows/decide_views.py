"""Routes for deciding: the PDM's evaluation and queue, Panel votes, decisions, minutes, publishing."""

from __future__ import annotations

from datetime import date

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from content.models import Pathway
from wisdom import access
from wisdom.db import db
from workflows import deciding, minutes, publishing, reading, services
from workflows.blueprint import bp, find
from workflows.forms import ConfirmForm, DecisionForm, EvaluationForm, PublishForm, VoteForm
from workflows.machine import DECIDED, TO_EVALUATE
from workflows.models import Proposal
from workflows.services import IllegalMove, InvalidProposal


def _errors(invalid: InvalidProposal) -> list[dict]:
    return [{"text": text, "href": f"#{key}"} for key, text in invalid.errors.items()]


@bp.route("/<int:proposal_id>/evaluate", methods=["GET", "POST"])
@access.require("proposals.evaluate")
def evaluate(proposal_id: int):
    """The PDM evaluates: need, evidence, fit, feasibility, cost, risk; then what happens next."""
    proposal = find(proposal_id, "proposals.evaluate")
    if proposal.state not in TO_EVALUATE:
        flash(f"This proposal is {services.label(proposal)}, so it cannot be evaluated now.")
        return redirect(url_for(".show", proposal_id=proposal.id))
    form, error_list = EvaluationForm(obj=deciding.evaluation_of(proposal)), []
    if form.validate_on_submit():
        answers = {k: form[k].data for k in deciding.EVALUATION_FIELDS}
        try:
            deciding.evaluate(
                proposal, current_user, answers, form.recommendation.data, form.comment.data or ""
            )
        except InvalidProposal as invalid:
            db.session.rollback()
            error_list = _errors(invalid)
        else:
            db.session.commit()
            flash("Your evaluation is saved.", "success")
            return redirect(url_for(".show", proposal_id=proposal.id))
    return render_template(
        "workflows/evaluate.html", proposal=proposal, form=form, error_list=error_list,
        flags=services.personal_data(proposal), changes=reading.changes(proposal),
    )  # fmt: skip


@bp.post("/<int:proposal_id>/vote")
@access.require("proposals.vote")
def vote(proposal_id: int):
    """A Panel member votes on a referred proposal."""
    proposal = find(proposal_id, "proposals.vote")
    form = VoteForm()
    if not form.validate_on_submit():
        flash("Choose your vote before recording it.")
        return redirect(url_for(".show", proposal_id=proposal.id, _anchor="your-vote"))
    try:
        deciding.vote(proposal, current_user, form.vote.data, form.comment.data or "")
        deciding.notify_chair_if_quorate(proposal)
    except (IllegalMove, InvalidProposal) as problem:
        db.session.rollback()
        flash(str(problem) if isinstance(problem, IllegalMove) else "Choose your vote.")
    else:
        db.session.commit()
        flash("Your vote is recorded.", "success")
    return redirect(url_for(".show", proposal_id=proposal.id))


@bp.route("/<int:proposal_id>/decide", methods=["GET", "POST"])
@access.require("proposals.decide")
def decide(proposal_id: int):
    """The chair records the Panel's decision, with reasons, conditions and a review date."""
    proposal = find(proposal_id, "proposals.decide")
    if proposal.state != "referred":
        flash(f"This proposal is {services.label(proposal)}; there is nothing to decide now.")
        return redirect(url_for(".show", proposal_id=proposal.id))
    form, error_list = DecisionForm(), []
    if form.validate_on_submit():
        try:
            deciding.decide(
                proposal, current_user, form.outcome.data, form.reasons.data or "",
                conditions=form.conditions.data or "", review_date=form.review_date.data,
                meeting_date=form.meeting_date.data,
            )  # fmt: skip
        except InvalidProposal as invalid:
            db.session.rollback()
            error_list = _errors(invalid)
        else:
            db.session.commit()
            flash("The Panel's decision is recorded and the proposer has been told.", "success")
            return redirect(url_for(".show", proposal_id=proposal.id))
    return render_template(
        "workflows/decide.html", proposal=proposal, form=form, error_list=error_list,
        tally=deciding.tally(proposal), quorum=deciding.quorum(),
    )  # fmt: skip


@bp.post("/<int:proposal_id>/reconsider")
@access.require("proposals.evaluate")
def reconsider(proposal_id: int):
    """Put a deferred proposal back on the Panel's agenda."""
    proposal = find(proposal_id, "proposals.evaluate")
    if ConfirmForm().validate_on_submit():
        try:
            deciding.reconsider(proposal, current_user)
        except IllegalMove as illegal:
            db.session.rollback()
            flash(str(illegal))
        else:
            db.session.commit()
            flash("The proposal is back on the Panel's agenda.", "success")
    return redirect(url_for(".show", proposal_id=proposal.id))


@bp.route("/<int:proposal_id>/publish", methods=["GET", "POST"])
@access.require("proposals.publish")
def publish(proposal_id: int):
    """Publish an approved proposal; first resolve any change the module had meanwhile."""
    proposal = find(proposal_id, "proposals.publish")
    if proposal.state not in DECIDED:
        flash(
            f"This proposal is {services.label(proposal)}; only approved proposals are published."
        )
        return redirect(url_for(".show", proposal_id=proposal.id))
    form, error_list = PublishForm(), []
    form.pathways.choices = [
        (p.slug, p.name)
        for p in db.session.scalars(
            select(Pathway).where(Pathway.active).order_by(Pathway.position)
        )
    ]
    defaults = publishing.new_module_content(proposal)
    if request.method == "GET":
        _fill_practical(form, defaults)
    merge = publishing.three_way(proposal) if proposal.kind == "change_module" else None
    if form.validate_on_submit():
        choices = (
            {k[len("resolve_") :]: v for k, v in request.form.items() if k.startswith("resolve_")}
            if merge is not None
            else None
        )
        try:
            slug = publishing.publish(
                proposal, current_user, choices=choices, practical=_practical(form)
            )
        except InvalidProposal as invalid:
            db.session.rollback()
            error_list = _errors(invalid)
        except (IllegalMove, publishing.NeedsResolving) as problem:
            db.session.rollback()
            error_list = [{"text": str(problem), "href": "#resolve"}]
        except publishing.modules.InvalidModule as invalid:
            db.session.rollback()
            error_list = [{"text": str(p), "href": "#publish"} for p in invalid.problems]
        except publishing.modules.VersionConflict as conflict:
            db.session.rollback()
            error_list = [{"text": str(conflict), "href": "#resolve"}]
        else:
            flash("Published. The proposer has been told and credited as they chose.", "success")
            return redirect(reading.module_url(slug) or url_for(".show", proposal_id=proposal.id))
        merge = publishing.three_way(proposal) if proposal.kind == "change_module" else None
    return render_template(
        "workflows/publish.html", proposal=proposal, form=form, error_list=error_list,
        merge=merge, credit=services.credit(proposal), module=reading.module_of(proposal),
    )  # fmt: skip


def _fill_practical(form: PublishForm, content: dict) -> None:
    form.delivered_by.data = content["delivered_by"]
    form.areas.data = ", ".join(content["areas"])
    form.referral_route.data = content["referral"]["route"]
    form.referral_contact.data = content["referral"]["contact"]
    form.pathways.data = content["pathways"]


def _practical(form: PublishForm) -> dict:
    """The practical details of a new module as the PDM set them."""
    return {
        "delivered_by": (form.delivered_by.data or "").strip(),
        "areas": [a.strip() for a in (form.areas.data or "").split(",") if a.strip()],
        "referral": {
            "route": (form.referral_route.data or "").strip(),
            "contact": (form.referral_contact.data or "").strip(),
        },
        "pathways": form.pathways.data or [],
    }


@bp.get("/to-evaluate")
@access.require("proposals.queue")
def queue():
    """The PDM's queue: proposals to evaluate, oldest first, with age and overdue markers."""
    rows = db.session.scalars(
        select(Proposal).where(Proposal.state.in_(TO_EVALUATE)).order_by(Proposal.submitted_at)
    ).all()
    approved = db.session.scalars(
        select(Proposal).where(Proposal.state.in_(DECIDED)).order_by(Proposal.updated_at)
    ).all()
    return render_template(
        "workflows/queue.html", rows=[(p, *reading.age(p, p.submitted_at)) for p in rows],
        approved=approved,
    )  # fmt: skip


@bp.get("/to-decide")
@access.require("proposals.panel")
def panel():
    """The Panel's queue: referred proposals, with votes so far, age and overdue markers."""
    rows = db.session.scalars(
        select(Proposal).where(Proposal.state == "referred").order_by(Proposal.referred_at)
    ).all()
    return render_template(
        "workflows/panel.html",
        rows=[(p, deciding.tally(p), *reading.age(p, p.referred_at)) for p in rows],
        quorum=deciding.quorum(),
    )


@bp.get("/minutes")
@access.require("proposals.minutes")
def meeting():
    """The agenda (proposals with the Panel) and the minutes of one meeting; exportable as text."""
    day = _day(request.args.get("date", ""))
    record = minutes.meeting(day)
    if request.args.get("format") == "text":
        return Response(
            minutes.as_text(record), mimetype="text/markdown",
            headers={"Content-Disposition": f'attachment; filename="panel-{record.day}.md"'},
        )  # fmt: skip
    return render_template("workflows/minutes.html", record=record, days=minutes.meeting_days())


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return date.today()


@bp.get("/you-said-we-did")
@access.require("proposals.you_said")
def you_said():
    """Implemented proposals and who to thank for them, for everyone."""
    rows = db.session.scalars(
        select(Proposal).where(Proposal.state == "published").order_by(Proposal.published_at.desc())
    ).all()
    return render_template("workflows/you_said.html", rows=[(p, services.credit(p)) for p in rows])
