"""workflows: proposals, their timeline, evaluations, Panel votes and decisions; notifications

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 06:40:00

Hand-written. Creating tables needs no batch mode; the unique constraint on panel votes is what
makes two members voting at the same moment count once each, on SQLite and PostgreSQL alike.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _user_fk(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=op.f(f"fk_{table}_{column}_users")
    )


def _proposal_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["proposal_id"], ["proposals.id"], name=op.f(f"fk_{table}_proposal_id_proposals")
    )


def upgrade():
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("topic", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        _user_fk("user_id", "notifications"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(op.f("ix_notifications_user_id"), "notifications", ["user_id"])
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("module_slug", sa.String(length=120), nullable=True),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("content_json", sa.Text(), nullable=False),
        sa.Column("proposer_id", sa.Integer(), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("on_behalf_name", sa.String(length=200), nullable=False),
        sa.Column("consent_given", sa.Boolean(), nullable=False),
        sa.Column("credit_choice", sa.String(length=30), nullable=False),
        sa.Column("panel_round", sa.Integer(), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("referred_at", sa.DateTime(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        _user_fk("proposer_id", "proposals"),
        _user_fk("entered_by_id", "proposals"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
    )
    op.create_index(op.f("ix_proposals_state"), "proposals", ["state"])
    op.create_index(op.f("ix_proposals_module_slug"), "proposals", ["module_slug"])
    op.create_index(op.f("ix_proposals_proposer_id"), "proposals", ["proposer_id"])
    op.create_table(
        "proposal_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("from_state", sa.String(length=30), nullable=False),
        sa.Column("to_state", sa.String(length=30), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        _proposal_fk("proposal_events"),
        _user_fk("actor_id", "proposal_events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_events")),
    )
    op.create_index(op.f("ix_proposal_events_proposal_id"), "proposal_events", ["proposal_id"])
    op.create_table(
        "proposal_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        _proposal_fk("proposal_comments"),
        _user_fk("author_id", "proposal_comments"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_comments")),
    )
    op.create_index(
        op.f("ix_proposal_comments_proposal_id"), "proposal_comments", ["proposal_id"]
    )
    op.create_table(
        "proposal_evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        *(
            sa.Column(name, sa.Text(), nullable=False)
            for name in ("need", "evidence", "pathway_fit", "feasibility", "cost", "risk")
        ),
        sa.Column("recommendation", sa.String(length=20), nullable=False),
        sa.Column("evaluator_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _proposal_fk("proposal_evaluations"),
        _user_fk("evaluator_id", "proposal_evaluations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_evaluations")),
        sa.UniqueConstraint("proposal_id", name=op.f("uq_proposal_evaluations_proposal_id")),
    )
    op.create_table(
        "panel_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("panel_round", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("vote", sa.String(length=30), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        _proposal_fk("panel_votes"),
        _user_fk("member_id", "panel_votes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_votes")),
        sa.UniqueConstraint(
            "proposal_id", "panel_round", "member_id", name=op.f("uq_panel_votes_proposal_id")
        ),
    )
    op.create_index(op.f("ix_panel_votes_proposal_id"), "panel_votes", ["proposal_id"])
    op.create_table(
        "panel_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("panel_round", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("review_date", sa.Date(), nullable=True),
        sa.Column("meeting_date", sa.Date(), nullable=False),
        sa.Column("votes_for", sa.Integer(), nullable=False),
        sa.Column("votes_cast", sa.Integer(), nullable=False),
        sa.Column("chair_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        _proposal_fk("panel_decisions"),
        _user_fk("chair_id", "panel_decisions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_decisions")),
        sa.UniqueConstraint(
            "proposal_id", "panel_round", name=op.f("uq_panel_decisions_proposal_id")
        ),
    )
    op.create_index(op.f("ix_panel_decisions_proposal_id"), "panel_decisions", ["proposal_id"])
    op.create_index(op.f("ix_panel_decisions_meeting_date"), "panel_decisions", ["meeting_date"])


def downgrade():
    for table in (
        "panel_decisions",
        "panel_votes",
        "proposal_evaluations",
        "proposal_comments",
        "proposal_events",
        "proposals",
        "notifications",
    ):
        op.drop_table(table)
