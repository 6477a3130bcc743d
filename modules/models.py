"""Rehabilitative modules and their immutable published versions."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wisdom.db import db, utcnow

STATUSES = {"active": "Active", "suspended": "Suspended", "retired": "Retired"}
FORMATS = {
    "group": "Group",
    "one-to-one": "One-to-one",
    "online": "Online",
    "self-directed": "Self-directed",
}
SEXES = {"female": "Women", "male": "Men"}
ROSH_LEVELS = {"low": "Low", "medium": "Medium", "high": "High", "very high": "Very high"}
COMPLEXITY = {"low": "Low", "medium": "Medium", "high": "High"}
IN_HOUSE = "in-house"
# Who a session file is for: everyone on the module, or the facilitators only (staff).
AUDIENCES = {"participants": "For participants", "facilitators": "For facilitators (staff only)"}


class Module(db.Model):
    """A module as the Directory lists it; what it says lives in its current ModuleVersion."""

    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    # Copies of the current version's title and status, for lists and sorting.
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    current_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    versions: Mapped[list[ModuleVersion]] = relationship(
        back_populates="module", order_by="ModuleVersion.number", lazy="select"
    )

    # Optimistic locking: an UPDATE that finds another writer's version fails.
    __mapper_args__ = {"version_id_col": lock_version}


class ModuleVersion(db.Model):
    """One immutable published version: the whole content, who published it, why, and from what."""

    __tablename__ = "module_versions"
    __table_args__ = (UniqueConstraint("module_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), nullable=False, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    content_json: Mapped[str] = mapped_column(Text, nullable=False)
    change_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    correction: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    # Provenance. The proposal id is a plain number: modules know nothing of the pipeline.
    proposal_id: Mapped[int | None] = mapped_column(Integer, index=True)
    proposal_url: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    decision: Mapped[str] = mapped_column(Text, nullable=False, default="")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    credit: Mapped[str | None] = mapped_column(String(200))

    module: Mapped[Module] = relationship(back_populates="versions")
    author = relationship("User", foreign_keys=[author_id], lazy="joined")

    @property
    def content(self) -> dict:
        """The full content of this version, as a plain dict."""
        return json.loads(self.content_json)

    @property
    def has_provenance(self) -> bool:
        """Whether a proposal or panel decision is recorded for this version."""
        return bool(self.proposal_id or self.proposal_url or self.decision or self.decided_at)


class ModuleAttachment(db.Model):
    """A file for one of a module's sessions; versions list the files each session has."""

    __tablename__ = "module_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), nullable=False, index=True)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(120), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
