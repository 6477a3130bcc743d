"""Turns open proposals into search documents: staff and the proposer may find them."""

from __future__ import annotations

from collections.abc import Iterable

from flask import url_for
from sqlalchemy import select

from search.documents import SearchDocument
from wisdom import access
from wisdom.db import db
from workflows.machine import DECIDED, OPEN_STATES, STATE_LABELS
from workflows.models import Proposal

KIND = "proposal"
INDEXED = OPEN_STATES | DECIDED


def document(proposal: Proposal) -> SearchDocument:
    """A proposal's title and status: what staff may see of it."""
    principals = {"staff", f"user:{proposal.proposer_id}"}
    if proposal.entered_by_id:
        principals.add(f"user:{proposal.entered_by_id}")
    return SearchDocument(
        id=f"{KIND}:{proposal.id}", kind=KIND, title=proposal.title,
        summary=f"Proposal {proposal.id}: {STATE_LABELS[proposal.state].lower()}",
        section="proposals", classification="staff", acl=frozenset(principals),
        updated=proposal.updated_at, url=url_for("proposals.show", proposal_id=proposal.id),
    )  # fmt: skip


class ProposalProvider:
    """Search provider for proposals that are open or approved."""

    kind = KIND

    def documents(self, keys: Iterable[str]) -> dict[str, SearchDocument | None]:
        """Documents for proposal ids; drafts and closed proposals are removed from the index."""
        ids = [int(k) for k in keys if str(k).isdigit()]
        rows = {
            str(p.id): p for p in db.session.scalars(select(Proposal).where(Proposal.id.in_(ids)))
        }
        return {
            k: document(rows[k]) if k in rows and rows[k].state in INDEXED else None
            for k in map(str, keys)
        }

    def all_keys(self) -> Iterable[str]:
        """Every proposal that belongs in the index."""
        query = select(Proposal.id).where(Proposal.state.in_(INDEXED)).order_by(Proposal.id)
        return [str(i) for i in db.session.scalars(query)]

    def visible(self, user, keys: Iterable[str]) -> set[str]:
        """Proposals whose title and status the user may see now."""
        ids = [int(k) for k in keys if str(k).isdigit()]
        rows = db.session.scalars(select(Proposal).where(Proposal.id.in_(ids)))
        return {
            str(p.id)
            for p in rows
            if p.state in INDEXED and access.can(user, "proposals.status", p)
        }
