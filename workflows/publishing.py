"""Publishing an approved proposal into the Directory of Services, crediting its proposer.

The module write (new module, new version, new session or retirement) and the proposal's move to
published happen in ONE transaction. If the module changed since the proposal was drafted, the PDM
resolves the three-way difference first: nothing is overwritten silently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

from modules import services as modules
from wisdom.db import db, utcnow
from workflows import deciding, services
from workflows.models import Proposal
from workflows.services import IllegalMove, link, move, tell_proposer

# What a new module starts with where a proposer is not asked; the PDM checks them when publishing.
PRACTICAL_DEFAULTS = {
    "core": False,
    "delivered_by": "in-house",
    "formats": ["group"],
    "session_count": 6,
    "session_length_minutes": 90,
    "eligibility": {
        "sexes": ["female", "male"],
        "age_min": 18,
        "age_max": None,
        "rosh_levels": ["low", "medium"],
        "complexity": {"low": "Suits people whose needs are mostly met elsewhere"},
    },
    "areas": ["All areas"],
    "referral": {"route": "Ask the case manager to refer", "contact": "Practice Development team"},
    "outcomes": [],
    "status": "active",
    "sessions": [],
}


class NeedsResolving(ValueError):
    """The module changed since the proposal was drafted; ``merge`` shows where they differ."""

    def __init__(self, merge: Merge):
        super().__init__("The module has changed since this proposal was written")
        self.merge = merge


@dataclass
class Merge:
    """A three-way comparison: the version the proposal started from, the module now, the proposal."""

    base_version: int
    current_version: int
    merged: dict  # every field that could be settled without asking
    conflicts: dict[str, tuple]  # field -> (base, current, proposed)
    from_current: list[str]  # fields only the module changed (kept as they are now)
    from_proposal: list[str]  # fields only the proposal changed (taken from it)


def new_module_content(proposal: Proposal, practical: dict | None = None) -> dict:
    """The full content of a proposed new module: the proposer's words plus practical details."""
    content = {**json.loads(json.dumps(PRACTICAL_DEFAULTS)), **(practical or {})}
    content["review_date"] = (date.today() + timedelta(days=365)).isoformat()
    proposed = proposal.content
    content.update(
        title=proposal.title,
        summary=proposed.get("summary", ""),
        description=proposed.get("description", ""),
        pathways=proposed.get("pathways") or [],
    )
    if practical:
        content.update(practical)
    return content


def three_way(proposal: Proposal) -> Merge | None:
    """The three-way difference for a change whose module moved on; None if it did not."""
    module = modules.find_module(proposal.module_slug)
    if module is None or module.current_version == proposal.base_version:
        return None
    base = modules.module_content(modules.version_of(module, proposal.base_version))
    current, proposed = modules.module_content(module), proposal.content
    merge = Merge(proposal.base_version, module.current_version, {}, {}, [], [])
    for key in dict.fromkeys([*current, *proposed]):
        b, c, p = base.get(key), current.get(key), proposed.get(key, base.get(key))
        if p in (b, c):
            merge.merged[key] = c
            if c != b:
                merge.from_current.append(key)
        elif c == b:
            merge.merged[key] = p
            merge.from_proposal.append(key)
        else:
            merge.conflicts[key] = (b, c, p)
    return merge


def resolve(merge: Merge, choices: dict[str, str]) -> dict:
    """The content once the PDM has chosen, for each conflict, the module's or the proposal's."""
    missing = [k for k in merge.conflicts if choices.get(k) not in ("current", "proposed")]
    if missing:
        raise services.InvalidProposal(
            {f"resolve_{k}": f"Choose which {k.replace('_', ' ')} to keep" for k in missing}
        )
    content = dict(merge.merged)
    for key, (_base, current, proposed) in merge.conflicts.items():
        content[key] = current if choices[key] == "current" else proposed
    return content


def provenance(proposal: Proposal) -> dict:
    """Where the new version came from, for the module page's provenance panel."""
    decision = deciding.decision_of(proposal)
    return {
        "proposal_id": proposal.id,
        "proposal_url": link(proposal),
        "decision": decision.reasons if decision else "",
        "decided_at": decision.at.isoformat() if decision else None,
        "credit": services.credit(proposal),
    }


def publish(
    proposal: Proposal, actor, *, choices: dict | None = None, practical: dict | None = None
) -> str:
    """Publish an approved proposal and mark it published, in one transaction; return the slug."""
    services.lock(proposal)
    if proposal.state not in ("approved", "approved_with_conditions"):
        raise IllegalMove(
            f"This proposal is {services.label(proposal)}; only approved proposals are published"
        )
    note = f"From proposal {proposal.id}: {proposal.title}"
    made = provenance(proposal)
    if proposal.kind == "new_module":
        module = modules.create_module(
            new_module_content(proposal, practical), actor=actor, change_note=note,
            provenance=made, commit=False,
        )  # fmt: skip
    else:
        module = modules.find_module(proposal.module_slug)
        if module is None:
            raise IllegalMove("The module this proposal is about no longer exists")
        _write(proposal, module, actor, note, made, choices)
    move(proposal, "publish", actor)
    proposal.module_slug = module.slug
    proposal.published_version = module.current_version
    proposal.published_at = utcnow()
    tell_proposer(
        proposal,
        f"Your idea is now in the Directory of Services. Thank you! (Proposal {proposal.id})",
    )
    db.session.commit()
    return module.slug


def _write(proposal, module, actor, note, made, choices) -> None:
    """Write the change, session or retirement to an existing module (not committed)."""
    if proposal.kind == "new_session":
        modules.add_session(
            module, proposal.content, actor=actor, change_note=note, provenance=made, commit=False
        )
    elif proposal.kind == "retire_module":
        modules.retire_module(module, actor=actor, change_note=note, provenance=made, commit=False)
    else:
        merge = three_way(proposal)
        content = proposal.content
        if merge is not None:
            if choices is None:
                raise NeedsResolving(merge)
            content = resolve(merge, choices or {})
        modules.publish_version(
            module, content, actor=actor, change_note=note, provenance=made,
            expected_version=module.current_version, commit=False,
        )  # fmt: skip
