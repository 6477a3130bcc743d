"""Accounts and the roles they hold."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wisdom.access import ROLES
from wisdom.db import db, utcnow


def new_session_token() -> str:
    """A fresh random token; changing it ends every session of the user."""
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    """A person who signs in to WISDOM."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    cleared: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    must_change_password: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    session_token: Mapped[str] = mapped_column(
        String(64), nullable=False, default=new_session_token
    )
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    first_failed_at: Mapped[datetime | None] = mapped_column(DateTime)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(DateTime)

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    teams: Mapped[list[Team]] = relationship(
        secondary="team_members", back_populates="members", lazy="selectin"
    )

    @property
    def is_active(self) -> bool:
        """Disabled users are signed out at their next request."""
        return self.active

    def get_id(self) -> str:
        """The session identity: id plus token, so a token change ends old sessions."""
        return f"{self.id}:{self.session_token}"

    @property
    def role_keys(self) -> list[str]:
        """The keys of the roles this user holds."""
        return sorted(r.role for r in self.roles)

    @property
    def team_ids(self) -> list[int]:
        """The teams the user belongs to (content can be shared with a team)."""
        return [t.id for t in self.teams]

    @property
    def role_labels(self) -> list[str]:
        """Readable names of the roles this user holds."""
        return [ROLES[k].label for k in self.role_keys if k in ROLES]

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class UserRole(db.Model):
    """One role held by one user."""

    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    role: Mapped[str] = mapped_column(String(40), nullable=False)
    user: Mapped[User] = relationship(back_populates="roles")


class Team(db.Model):
    """A group of users that library items can be shared with (e.g. a local delivery unit)."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    members: Mapped[list[User]] = relationship(
        secondary="team_members", back_populates="teams", lazy="selectin"
    )


class TeamMember(db.Model):
    """A user's membership of a team."""

    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
