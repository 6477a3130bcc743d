"""Publishing: a new session, a retirement, and one transaction that leaves nothing half done."""

from __future__ import annotations

from datetime import date

import pytest
import workflows_support
from sqlalchemy import func, select
from support import PEOPLE
from workflows_support import CHAIR, PANEL, make_module, user

from wisdom.db import db
from workflows import deciding, publishing, services
from workflows.models import Proposal

panel_app = workflows_support.panel_app
MEMBERS = (PEOPLE["panel_member"][0], PANEL["panel_two"][0], CHAIR)


def approved(kind: str, slug: str | None, content: dict, credit="full_name") -> Proposal:
    """A proposal taken by services from draft to approved (inside an app context)."""
    from modules import services as modules

    sam, pdm = user(PEOPLE["service_user"][0]), user(PEOPLE["pdm"][0])
    proposal = services.start(kind, sam)
    module = modules.find_module(slug) if slug else None
    services.save(
        proposal, sam, title="An idea", reason="It would help.", content=content,
        module_slug=slug, base_version=module.current_version if module else None,
        credit_choice=credit,
    )  # fmt: skip
    services.submit(proposal, sam)
    deciding.evaluate(proposal, pdm, {k: "x" for k in deciding.EVALUATION_FIELDS}, "refer", "")
    for email in MEMBERS:
        deciding.vote(proposal, user(email), "approve")
    deciding.decide(proposal, user(CHAIR), "approve", "Yes.", review_date=date(2027, 1, 1))
    db.session.commit()
    return proposal


def test_a_new_session_is_added_with_credit(panel_app):
    app = panel_app()
    slug = make_module(app)
    with app.test_request_context():
        from modules import services as modules

        session = {"title": "Talking to employers", "objectives": "Practise.", "duration_minutes": 60,
                   "participant_materials": "", "facilitator_notes": ""}  # fmt: skip
        proposal = approved("new_session", slug, session, credit="person_on_probation")
        publishing.publish(proposal, user(PEOPLE["pdm"][0]))
        module = modules.find_module(slug)
        content = modules.module_content(module)
        assert [s["title"] for s in content["sessions"]] == ["Talking to employers"]
        assert modules.current_version(module).credit == "A person on probation"
        assert proposal.state == "published" and proposal.published_version == 2


def test_a_retirement_retires_the_module(panel_app):
    app = panel_app()
    slug = make_module(app)
    with app.test_request_context():
        from modules import services as modules

        proposal = approved("retire_module", slug, {}, credit="none")
        publishing.publish(proposal, user(PEOPLE["pdm"][0]))
        module = modules.find_module(slug)
        assert module.status == "retired"
        assert modules.current_version(module).credit is None


def test_a_failed_publication_changes_nothing(panel_app):
    app = panel_app()
    with app.test_request_context():
        from modules import services as modules
        from modules.models import Module, ModuleVersion

        proposal = approved("new_module", None, {"summary": "Cheap meals.", "pathways": []})
        number = proposal.id
        # No pathway: the module is invalid, so neither the module nor the move may be kept.
        with pytest.raises(modules.InvalidModule):
            publishing.publish(proposal, user(PEOPLE["pdm"][0]), practical={"pathways": []})
        db.session.rollback()
        assert db.session.get(Proposal, number).state == "approved"
        assert db.session.scalar(select(func.count()).select_from(Module)) == 0
        assert db.session.scalar(select(func.count()).select_from(ModuleVersion)) == 0
        slug = publishing.publish(
            db.session.get(Proposal, number), user(PEOPLE["pdm"][0]),
            practical={"pathways": ["ete"]},
        )  # fmt: skip
        version = modules.current_version(modules.find_module(slug))
        assert version.credit == PEOPLE["service_user"][1] and version.proposal_id == number


def test_two_publishers_at_once_make_one_module(panel_app):
    import threading

    app = panel_app()
    with app.test_request_context():
        number = approved("new_module", None, {"summary": "Cheap meals.", "pathways": ["ete"]}).id
        db.session.remove()
    start, outcomes = threading.Barrier(2), []

    def publish() -> None:
        with app.test_request_context():
            try:
                pdm = user(PEOPLE["pdm"][0])
                db.session.rollback()
                start.wait(timeout=30)
                outcomes.append(publishing.publish(db.session.get(Proposal, number), pdm))
            except services.IllegalMove as refused:
                outcomes.append(str(refused))
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with app.app_context():
        from modules.models import Module

        assert db.session.scalar(select(func.count()).select_from(Module)) == 1
        assert len(outcomes) == 2 and sum("only approved" in o for o in outcomes) == 1
        assert db.session.get(Proposal, number).state == "published"
