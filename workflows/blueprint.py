"""Routes for proposing: start, the step-by-step form, check your answers, and the proposal page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from content.models import Pathway
from modules import services as modules
from modules.models import Module
from wisdom import access, diffs
from wisdom.db import db
from workflows import policy, reading, services, similar
from workflows.forms import (
    ChangeForm,
    CommentForm,
    CreditForm,
    KindForm,
    ModuleForm,
    NewModuleForm,
    ReasonForm,
    SendForm,
    SessionForm,
    TitleForm,
    VoteForm,
    WithdrawForm,
)
from workflows.machine import EVENT_LABELS, STATE_LABELS
from workflows.models import RECOMMENDATIONS, VOTES, Proposal
from workflows.services import IllegalMove, InvalidProposal

bp = Blueprint("proposals", __name__, url_prefix="/proposals", template_folder="templates")

STEPS = {
    "new_module": ("title", "details", "reason", "credit"),
    "change_module": ("module", "title", "change", "reason", "credit"),
    "new_session": ("module", "title", "session", "reason", "credit"),
    "retire_module": ("module", "title", "reason", "credit"),
}
FORMS = {
    "module": ModuleForm, "title": TitleForm, "details": NewModuleForm, "change": ChangeForm,
    "session": SessionForm, "reason": ReasonForm, "credit": CreditForm,
}  # fmt: skip


def find(proposal_id: int, action: str = "proposals.read") -> Proposal:
    """The proposal, if the user may do ``action`` to it; the same 404 otherwise."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not access.can(current_user, action, proposal):
        abort(404)
    return proposal


@bp.get("")
@access.require("proposals.list")
def index():
    """Your proposals; staff also see every other proposal's title and status."""
    rows = db.session.scalars(
        select(Proposal).where(policy.listed_for(current_user)).order_by(Proposal.id.desc())
    ).all()
    mine = [p for p in rows if policy.is_mine(current_user, p)]
    others = [p for p in rows if not policy.is_mine(current_user, p)]
    return render_template("workflows/index.html", mine=mine, others=others)


@bp.route("/new", methods=["GET", "POST"])
@access.require("proposals.propose")
def new():
    """Start a proposal: what kind, and (staff) for whom."""
    form = KindForm()
    if form.validate_on_submit():
        name = form.person_name.data or ""
        if name and not access.can(current_user, "proposals.on_behalf"):
            name = ""
        proposal = services.start(form.kind.data, current_user, on_behalf_name=name)
        db.session.commit()
        return redirect(url_for(".step", proposal_id=proposal.id, name=STEPS[proposal.kind][0]))
    return render_template(
        "workflows/new.html", form=form, staff=access.can(current_user, "proposals.on_behalf")
    )


@bp.route("/<int:proposal_id>/<any(module, title, details, change, session, reason, credit):name>",
          methods=["GET", "POST"])  # fmt: skip
@access.require("proposals.propose")
def step(proposal_id: int, name: str):
    """One page of the proposal form."""
    proposal = find(proposal_id)
    if name not in STEPS[proposal.kind]:
        abort(404)
    if not access.can(current_user, "proposals.edit", proposal):
        flash(f"This proposal is {services.label(proposal)}, so it cannot be changed now.")
        return redirect(url_for(".show", proposal_id=proposal.id))
    form = FORMS[name]()
    _choices(form, name)
    similar_found = None
    if request.method == "GET":
        _fill(form, name, proposal)
    elif form.validate_on_submit():
        try:
            services.save(proposal, current_user, **_answers(form, name, proposal))
        except InvalidProposal as invalid:
            db.session.rollback()
            for key, text in invalid.errors.items():
                form[key].errors = [*form[key].errors, text]
            return render_template(
                f"workflows/step_{name}.html", form=form, proposal=proposal, similar=None,
                back=_previous(proposal, name), steps=STEPS[proposal.kind], name=name,
            )  # fmt: skip
        except IllegalMove as illegal:
            db.session.rollback()
            flash(str(illegal))
            return redirect(url_for(".show", proposal_id=proposal.id))
        db.session.commit()
        if name == "title" and form.check.data:
            similar_found = similar.find(current_user, form.title.data, exclude=proposal.id)
        elif form.later.data:
            flash("Your proposal is saved as a draft. Find it under Your proposals.", "success")
            return redirect(url_for(".index"))
        else:
            return redirect(_next(proposal, name))
    return render_template(
        f"workflows/step_{name}.html", form=form, proposal=proposal, similar=similar_found,
        back=_previous(proposal, name), steps=STEPS[proposal.kind], name=name,
    )  # fmt: skip


def _next(proposal: Proposal, name: str) -> str:
    """The next page: the following step, or the check page when all are answered."""
    steps = STEPS[proposal.kind]
    if request.args.get("from") == "check" or name == steps[-1]:
        return url_for(".check", proposal_id=proposal.id)
    return url_for(".step", proposal_id=proposal.id, name=steps[steps.index(name) + 1])


def _previous(proposal: Proposal, name: str) -> str:
    steps = STEPS[proposal.kind]
    if steps.index(name) == 0:
        return url_for(".index")
    return url_for(".step", proposal_id=proposal.id, name=steps[steps.index(name) - 1])


def _choices(form, name: str) -> None:
    """Fill the choices that come from the database."""
    if name == "module":
        listed = db.session.scalars(
            select(Module).where(Module.status != "retired").order_by(Module.title)
        ).all()
        form.module_slug.choices = [("", "Choose a module")] + [(m.slug, m.title) for m in listed]
    if name == "details":
        pathways = db.session.scalars(
            select(Pathway).where(Pathway.active).order_by(Pathway.position)
        )
        form.pathways.choices = [(p.slug, p.name) for p in pathways]


def _fill(form, name: str, proposal: Proposal) -> None:
    """Show what was answered before."""
    content = proposal.content
    values = {
        "module": {"module_slug": proposal.module_slug},
        "title": {"title": proposal.title},
        "details": {k: content.get(k) for k in ("summary", "description", "pathways")},
        "change": {"module_title": content.get("title"), "summary": content.get("summary"),
                   "description": content.get("description")},
        "session": {"session_title": content.get("title"), "objectives": content.get("objectives"),
                    "duration_minutes": content.get("duration_minutes"),
                    "participant_materials": content.get("participant_materials")},
        "reason": {"reason": proposal.reason},
        "credit": {"credit_choice": proposal.credit_choice,
                   "consent_given": proposal.consent_given},
    }[name]  # fmt: skip
    for key, value in values.items():
        if value is not None:
            form[key].data = value


def _answers(form, name: str, proposal: Proposal) -> dict:
    """What a step's answers change on the proposal."""
    content = proposal.content
    if name == "module":
        module = modules.find_module(form.module_slug.data)
        if module is None:
            raise InvalidProposal({"module_slug": "Choose a module from the list"})
        changes = {"module_slug": module.slug}
        if module.slug != proposal.module_slug or proposal.base_version is None:
            changes["base_version"] = module.current_version
            if proposal.kind == "change_module":
                changes["content"] = modules.module_content(module)
        return changes
    if name == "title":
        return {"title": " ".join(form.title.data.split())}
    if name == "details":
        return {"content": {**content, "summary": form.summary.data.strip(),
                            "description": (form.description.data or "").strip(),
                            "pathways": form.pathways.data or []}}  # fmt: skip
    if name == "change":
        return {"content": {**content, "title": " ".join(form.module_title.data.split()),
                            "summary": form.summary.data.strip(),
                            "description": (form.description.data or "").strip()}}  # fmt: skip
    if name == "session":
        return {"content": {
            "title": form.session_title.data.strip(), "objectives": form.objectives.data or "",
            "duration_minutes": form.duration_minutes.data,
            "participant_materials": form.participant_materials.data or "",
            "facilitator_notes": "",
        }}  # fmt: skip
    if name == "reason":
        return {"reason": form.reason.data.strip()}
    return {"credit_choice": form.credit_choice.data, "consent_given": form.consent_given.data}


@bp.route("/<int:proposal_id>/check", methods=["GET", "POST"])
@access.require("proposals.propose")
def check(proposal_id: int):
    """Check your answers, see the difference and any personal data, then send."""
    proposal = find(proposal_id)
    if not access.can(current_user, "proposals.edit", proposal):
        flash(f"This proposal is {services.label(proposal)}, so it cannot be sent again.")
        return redirect(url_for(".show", proposal_id=proposal.id))
    form = SendForm()
    error_list = []
    if form.validate_on_submit():
        try:
            services.submit(proposal, current_user)
        except InvalidProposal as invalid:
            db.session.rollback()
            error_list = [{"text": text, "href": f"#{key}"} for key, text in invalid.errors.items()]
        except IllegalMove as illegal:
            db.session.rollback()
            flash(str(illegal))
            return redirect(url_for(".show", proposal_id=proposal.id))
        else:
            db.session.commit()
            return redirect(url_for(".sent", proposal_id=proposal.id))
    return render_template(
        "workflows/check.html", proposal=proposal, form=form, error_list=error_list,
        missing=services.problems(proposal), flags=services.personal_data(proposal),
        changes=reading.changes(proposal), steps=STEPS[proposal.kind],
        module=reading.module_of(proposal), credit=services.credit(proposal),
    )  # fmt: skip


@bp.get("/<int:proposal_id>/sent")
@access.require("proposals.propose")
def sent(proposal_id: int):
    """Your idea has been sent: what happens next."""
    proposal = find(proposal_id)
    if not policy.is_mine(current_user, proposal) or proposal.state in ("draft", "returned"):
        abort(404)
    return render_template("workflows/sent.html", proposal=proposal)


@bp.get("/<int:proposal_id>")
@access.require("proposals.list")
def show(proposal_id: int):
    """A proposal: everything, for those who may read it; title and status for other staff."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not access.can(current_user, "proposals.status", proposal):
        abort(404)
    if proposal.state == "draft" and not policy.is_mine(current_user, proposal):
        abort(404)
    if not access.can(current_user, "proposals.read", proposal):
        return render_template("workflows/status.html", proposal=proposal)
    return render_template("workflows/show.html", **reading.page(proposal, current_user))


@bp.route("/<int:proposal_id>/withdraw", methods=["GET", "POST"])
@access.require("proposals.withdraw")
def withdraw(proposal_id: int):
    """The proposer takes their proposal back, before a decision."""
    proposal = find(proposal_id, "proposals.withdraw")
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw(proposal, current_user, form.comment.data or "")
        except IllegalMove as illegal:
            db.session.rollback()
            flash(str(illegal))
        else:
            db.session.commit()
            flash("Your proposal is withdrawn.", "success")
        return redirect(url_for(".show", proposal_id=proposal.id))
    return render_template("workflows/withdraw.html", proposal=proposal, form=form)


@bp.route("/<int:proposal_id>/change-credit", methods=["GET", "POST"])
@access.require("proposals.credit")
def credit(proposal_id: int):
    """Change how the proposer is credited, until the idea is published."""
    proposal = find(proposal_id, "proposals.read")
    if not access.can(current_user, "proposals.credit", proposal):
        flash("The credit cannot be changed now.")
        return redirect(url_for(".show", proposal_id=proposal.id))
    form = CreditForm()
    if request.method == "GET":
        form.credit_choice.data = proposal.credit_choice
    elif form.validate_on_submit():
        services.set_credit(proposal, form.credit_choice.data, current_user)
        db.session.commit()
        flash("How you are credited is saved.", "success")
        return redirect(url_for(".show", proposal_id=proposal.id))
    return render_template("workflows/credit.html", proposal=proposal, form=form)


@bp.post("/<int:proposal_id>/comment")
@access.require("proposals.discuss")
def comment(proposal_id: int):
    """Add a message to the discussion between the proposer and the PDM."""
    return _comment(proposal_id, "proposals.discuss", internal=False)


@bp.post("/<int:proposal_id>/note")
@access.require("proposals.notes")
def note(proposal_id: int):
    """Add an internal note for the Panel and the PDM (never shown to the proposer)."""
    return _comment(proposal_id, "proposals.notes", internal=True)


def _comment(proposal_id: int, action: str, *, internal: bool):
    proposal = find(proposal_id, action)
    form = CommentForm()
    if form.validate_on_submit():
        services.comment(proposal, current_user, form.body.data, internal=internal)
        db.session.commit()
        flash("Your note is saved." if internal else "Your message is sent.", "success")
    else:
        flash("Write your message before sending it.")
    anchor = "notes" if internal else "discussion"
    return redirect(url_for(".show", proposal_id=proposal.id, _anchor=anchor))


@bp.get("/similar")
@access.require("proposals.propose")
def similar_titles():
    """Modules and open proposals like a title, as JSON for the title page's live check."""
    found = similar.find(current_user, request.args.get("q", ""))
    return jsonify([{"title": h.title, "url": h.url, "kind": h.kind} for h in found])


@bp.app_context_processor
def _helpers():
    return {
        "STATE_LABELS": STATE_LABELS, "EVENT_LABELS": EVENT_LABELS, "VOTES": VOTES,
        "RECOMMENDATIONS": RECOMMENDATIONS, "proposal_counts": reading.counts,
        "vote_form_for": _vote_form, "module_url": reading.module_url, "diff_html": diffs.diff_html,
    }  # fmt: skip


def _vote_form(previous) -> VoteForm:
    """The vote form, showing the member's earlier vote."""
    form = VoteForm(formdata=None)
    if previous is not None:
        form.vote.data, form.comment.data = previous.vote, previous.comment
    return form
