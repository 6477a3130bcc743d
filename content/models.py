"""Library items of every kind, their immutable versions, actions, shares and attachments."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wisdom.db import db, utcnow

KINDS = {
    "guidance": "Practice guidance",
    "finding": "Finding",
    "beacon": "Good-practice beacon",
    "resource": "Network resource",
    "workbank": "Workbank project",
    "feedback": "Feedback summary",
}
PLURALS = {
    "guidance": "Practice guidance",
    "finding": "Findings",
    "beacon": "Good-practice beacons",
    "resource": "Network resources",
    "workbank": "Workbank projects",
    "feedback": "Feedback summaries",
}
CLASSIFICATIONS = {
    "open": "Open",
    "staff": "Staff only",
    "confidential": "Confidential",
}


class Pathway(db.Model):
    """A need that guidance and modules address; an editable taxonomy."""

    __tablename__ = "pathways"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class Item(db.Model):
    """The current state of a library item; every change also writes an ItemVersion."""

    __tablename__ = "library_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    classification: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    tags_json: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    pathways_json: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    fields_json: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    review_by: Mapped[date | None] = mapped_column(Date, index=True)
    archived: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, index=True)
    current_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    owner = relationship("User", lazy="joined")
    versions: Mapped[list[ItemVersion]] = relationship(
        back_populates="item", order_by="ItemVersion.number", lazy="select"
    )
    actions: Mapped[list[Action]] = relationship(
        back_populates="finding", order_by="Action.id", lazy="selectin",
        foreign_keys="Action.finding_id",
    )  # fmt: skip
    shares: Mapped[list[ItemShare]] = relationship(
        back_populates="item", cascade="all, delete-orphan", lazy="selectin"
    )

    # Optimistic locking: an UPDATE that finds another writer's version fails.
    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def tags(self) -> list[str]:
        """Free tags."""
        return json.loads(self.tags_json)

    @property
    def pathways(self) -> list[str]:
        """Pathway slugs."""
        return json.loads(self.pathways_json)

    @property
    def fields(self) -> dict:
        """The kind's own fields."""
        return json.loads(self.fields_json)

    @property
    def kind_label(self) -> str:
        """The kind in words."""
        return KINDS[self.kind]

    @property
    def is_closed(self) -> bool:
        """A finding is closed when it has actions and all are done."""
        return bool(self.actions) and all(a.status == "done" for a in self.actions)


class ItemVersion(db.Model):
    """One immutable version of an item: what it said, who saved it, when and why."""

    __tablename__ = "library_item_versions"
    __table_args__ = (UniqueConstraint("item_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("library_items.id"), nullable=False, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    classification: Mapped[str] = mapped_column(String(20), nullable=False)
    tags_json: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    pathways_json: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    fields_json: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    attachments_json: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_by: Mapped[date | None] = mapped_column(Date)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    change_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    cause: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    restored_from: Mapped[int | None] = mapped_column(Integer)

    item: Mapped[Item] = relationship(back_populates="versions")
    author = relationship("User", foreign_keys=[author_id], lazy="joined")

    @property
    def tags(self) -> list[str]:
        """Free tags of this version."""
        return json.loads(self.tags_json)

    @property
    def pathways(self) -> list[str]:
        """Pathway slugs of this version."""
        return json.loads(self.pathways_json)

    @property
    def fields(self) -> dict:
        """The kind's own fields in this version."""
        return json.loads(self.fields_json)

    @property
    def attachment_ids(self) -> list[int]:
        """Attachments that belong to this version."""
        return json.loads(self.attachments_json)


class Action(db.Model):
    """What will be done about a finding: owner, due date, status, evidence."""

    __tablename__ = "finding_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int] = mapped_column(
        ForeignKey("library_items.id"), nullable=False, index=True
    )
    description: Mapped[str] = mapped_column(Text, nullable=False)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="open")
    evidence: Mapped[str] = mapped_column(Text, nullable=False, default="")
    answered_by_item_id: Mapped[int | None] = mapped_column(ForeignKey("library_items.id"))
    answered_by_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)

    finding: Mapped[Item] = relationship(back_populates="actions", foreign_keys=[finding_id])
    owner = relationship("User", lazy="joined")
    answered_by = relationship("Item", foreign_keys=[answered_by_item_id], lazy="joined")

    STATUSES = {"open": "Not started", "in_progress": "In progress", "done": "Done"}

    @property
    def overdue(self) -> bool:
        """Past its due date and not done."""
        return self.status != "done" and self.due is not None and self.due < date.today()


class ItemShare(db.Model):
    """A confidential item shared with a named user or a team."""

    __tablename__ = "library_item_shares"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("library_items.id", ondelete="CASCADE"), nullable=False, index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))

    item: Mapped[Item] = relationship(back_populates="shares")


class Attachment(db.Model):
    """A file attached to an item; its bytes live in instance/attachments by content hash."""

    __tablename__ = "library_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("library_items.id"), nullable=False, index=True)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(120), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class ItemLink(db.Model):
    """A [[slug]] link from an item's current text to another item (for backlinks)."""

    __tablename__ = "library_item_links"
    __table_args__ = (UniqueConstraint("source_id", "target_slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(
        ForeignKey("library_items.id", ondelete="CASCADE"), nullable=False, index=True
    )
    target_slug: Mapped[str] = mapped_column(String(120), nullable=False, index=True)
    # A link written inside a confidential section is only shown to cleared readers.
    confidential: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class ItemTerm(db.Model):
    """A tag or pathway of an item's current version, kept for browsing and filtering."""

    __tablename__ = "library_item_terms"
    __table_args__ = (UniqueConstraint("item_id", "facet", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("library_items.id", ondelete="CASCADE"), nullable=False, index=True
    )
    facet: Mapped[str] = mapped_column(String(20), nullable=False)  # "tag" or "pathway"
    value: Mapped[str] = mapped_column(String(120), nullable=False, index=True)
