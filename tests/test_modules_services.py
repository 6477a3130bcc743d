"""The modules service contract: versions, validation, provenance, conflicts, audit and outbox."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from modules_support import content, person
from sqlalchemy import func, select

from modules import services
from modules.models import Module, ModuleVersion
from search.models import OutboxEntry
from wisdom import signals
from wisdom.audit.models import AuditRecord
from wisdom.db import db


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_writes_version_one_with_audit_and_outbox(app):
    with app.app_context():
        module = services.create_module(content(), actor=person("pdm"), change_note="First version")
        assert module.slug == "managing-emotions" and module.current_version == 1
        version = services.current_version(module)
        assert version.number == 1 and version.author.email == "morgan@example.org"
        stored = services.module_content(module)
        assert stored == services.module_content(version)
        assert stored["sessions"][1]["title"] == "Cooling down"
        assert stored["eligibility"]["complexity"]["medium"] == "Anger linked to offending"
        # The stored form is the accepted form: it publishes again unchanged.
        assert services.validate_content(stored) == []
        actions = db.session.scalars(select(AuditRecord.action)).all()
        assert {"module_created", "module_published"} <= set(actions)
        docs = set(db.session.scalars(select(OutboxEntry.doc_id)))
        assert {f"module:{module.id}", f"module:{module.id}-easy"} <= docs
        assert services.find_module("managing-emotions").id == module.id
        assert services.find_module("no-such-module") is None


def test_validation_names_every_problem_by_field_path(app):
    with app.app_context():
        bad = content(
            title=" ",
            pathways=["housing-and-stuff"],
            formats=["carrier pigeon"],
            session_count=1,
            status="paused",
            review_date="next spring",
            colour="blue",
            eligibility={
                "sexes": [],
                "age_min": 16,
                "age_max": 15,
                "rosh_levels": ["extreme"],
                "complexity": {"huge": "x", "low": ""},
            },
            referral={"route": "", "contact": "x"},
        )
        bad["sessions"][1]["duration_minutes"] = "an hour"
        bad["sessions"][0]["title"] = ""
        problems = {p.field: p.message for p in services.validate_content(bad)}
        for field in (
            "title",
            "pathways",
            "formats",
            "status",
            "review_date",
            "colour",
            "eligibility.sexes",
            "eligibility.age_min",
            "eligibility.age_max",
            "eligibility.rosh_levels",
            "eligibility.complexity.huge",
            "eligibility.complexity.low",
            "referral.route",
            "sessions[1].title",
            "sessions[2].duration_minutes",
            "session_count",
        ):
            assert field in problems, field
        assert "housing-and-stuff" in problems["pathways"]
        assert "2 sessions" in problems["session_count"]
        with pytest.raises(services.InvalidModule) as refused:
            services.create_module(bad, actor=person("pdm"), change_note="First")
        assert {p.field for p in refused.value.problems} == set(problems)
        db.session.rollback()
        assert _count(Module) == 0 and _count(ModuleVersion) == 0
        assert services.validate_content(content()) == []


def test_publish_adds_versions_and_old_ones_never_change(app):
    with app.app_context():
        pdm = person("pdm")
        module = services.create_module(content(), actor=pdm, change_note="First version")
        second = services.publish_version(
            module,
            content(summary="Now eight sessions.", session_count=8),
            actor=pdm,
            change_note="Longer course after the pilot",
            expected_version=1,
        )
        assert second.number == 2 and module.current_version == 2
        first = services.version_of(module, 1)
        assert first.content["session_count"] == 2 and second.content["session_count"] == 8
        assert [v.number for v in services.versions(module)] == [2, 1]
        with pytest.raises(sa.exc.DatabaseError, match="immutable"):
            db.session.execute(sa.text("UPDATE module_versions SET change_note = 'forged'"))
        db.session.rollback()
        with pytest.raises(sa.exc.DatabaseError, match="immutable"):
            db.session.execute(sa.text("DELETE FROM module_versions"))
        db.session.rollback()
        assert services.version_of(module, 1).change_note == "First version"


def test_a_stale_expected_version_is_a_clear_conflict_and_writes_nothing(app):
    with app.app_context():
        pdm = person("pdm")
        module = services.create_module(content(), actor=pdm, change_note="First version")
        services.publish_version(module, content(summary="B"), actor=pdm, change_note="B")
        with pytest.raises(services.VersionConflict) as conflict:
            services.publish_version(
                module, content(summary="C"), actor=pdm, change_note="C", expected_version=1
            )
        message = str(conflict.value)
        assert "version 2" in message and "version 1" in message and "Managing emotions" in message
        db.session.rollback()
        assert _count(ModuleVersion) == 2


def test_a_lost_race_is_a_conflict(app):
    """Another writer moved the row on after this one read it: the UPDATE finds nothing."""
    with app.app_context():
        pdm = person("pdm")
        module = services.create_module(content(), actor=pdm, change_note="First version")
        assert (
            module.lock_version == 2
        )  # read now (insert, then the first version), as a form would
        # Another writer publishes meanwhile (its UPDATE bypasses this session's copy).
        db.session.execute(sa.text("UPDATE modules SET lock_version = lock_version + 1"))
        with pytest.raises(services.VersionConflict):
            services.publish_version(module, content(summary="B"), actor=pdm, change_note="B")
        assert _count(ModuleVersion) == 1


def test_commit_false_leaves_the_transaction_to_the_caller(app):
    with app.app_context():
        pdm = person("pdm")
        module = services.create_module(content(), actor=pdm, change_note="First version")
        services.publish_version(
            module, content(title="Draft title"), actor=pdm, change_note="Try", commit=False
        )
        db.session.rollback()
        again = services.find_module("managing-emotions")
        assert again.current_version == 1 and again.title == "Managing emotions"
        assert _count(ModuleVersion) == 1


def test_provenance_is_stored_on_the_version_without_a_foreign_key(app):
    with app.app_context():
        decided = datetime(2026, 11, 20, 14, 30)
        module = services.create_module(
            content(),
            actor=person("panel_member"),
            change_note="Approved by the Panel",
            provenance={
                "proposal_id": 987654,  # no such proposal table row: a plain number
                "proposal_url": "/proposals/987654",
                "decision": "Approved 5 to 1: fills a gap for women in Bradford",
                "decided_at": decided,
                "credit": "S.O.",
            },
        )
        version = services.current_version(module)
        assert (version.proposal_id, version.credit, version.decided_at) == (
            987654,
            "S.O.",
            decided,
        )
        assert version.has_provenance and "gap for women" in version.decision
        with pytest.raises(services.InvalidModule) as refused:
            services.publish_version(
                module,
                content(),
                actor=person("pdm"),
                change_note="x",
                provenance={"proposal_id": "twelve", "panel": "x", "decided_at": "soon"},
            )
        fields = {p.field for p in refused.value.problems}
        assert fields == {
            "provenance.proposal_id",
            "provenance.panel",
            "provenance.decided_at",
        }


def test_add_session_and_retire(app):
    with app.app_context():
        pdm = person("pdm")
        module = services.create_module(content(), actor=pdm, change_note="First version")
        third = {
            "title": "Keeping it going",
            "objectives": "Write a plan",
            "duration_minutes": 60,
            "participant_materials": "Plan template",
            "facilitator_notes": "Check in a week later",
        }
        version = services.add_session(module, third, actor=pdm, change_note="Added session 3")
        assert [s["title"] for s in version.content["sessions"]][-1] == "Keeping it going"
        assert version.content["session_count"] == 3
        retired = services.retire_module(module, actor=pdm, change_note="Replaced")
        assert retired.content["status"] == "retired" and module.status == "retired"
        with pytest.raises(services.InvalidModule, match="already retired"):
            services.retire_module(module, actor=pdm, change_note="Again")
        assert module.current_version == 3


def test_module_published_is_emitted_for_each_publish(app):
    seen = []

    def heard(sender, module, version):
        seen.append((module.slug, version.number))

    signals.module_published.connect(heard)
    try:
        with app.app_context():
            pdm = person("pdm")
            module = services.create_module(content(), actor=pdm, change_note="First")
            services.publish_version(module, content(summary="B"), actor=pdm, change_note="B")
    finally:
        signals.module_published.disconnect(heard)
    assert seen == [("managing-emotions", 1), ("managing-emotions", 2)]


def test_only_the_pdm_publishes_corrections(app):
    with app.app_context():
        pdm = person("pdm")
        module = services.create_module(content(), actor=pdm, change_note="First version")
        with pytest.raises(PermissionError):
            services.publish_version(
                module, content(), actor=person("practitioner"), change_note="x", correction=True
            )
        fixed = services.publish_version(
            module, content(summary="Typo fixed."), actor=pdm, change_note="Typo", correction=True
        )
        assert fixed.correction and fixed.change_note == "Typo"
        with pytest.raises(services.InvalidModule, match="change_note"):
            services.publish_version(module, content(), actor=pdm, change_note="  ")
