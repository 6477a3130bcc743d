"""The proposal machine: every legal move works, every other move is refused and changes nothing."""

from __future__ import annotations

import pytest

from workflows.machine import ProposalMachine, TransitionNotAllowed

LEGAL = {
    ("draft", "submit"): "submitted",
    ("submitted", "start_evaluation"): "pdm_evaluation",
    ("resubmitted", "start_evaluation"): "pdm_evaluation",
    ("pdm_evaluation", "return_to_proposer"): "returned",
    ("returned", "resubmit"): "resubmitted",
    ("pdm_evaluation", "decline"): "declined",
    ("pdm_evaluation", "refer"): "referred",
    ("referred", "approve"): "approved",
    ("referred", "approve_with_conditions"): "approved_with_conditions",
    ("referred", "panel_decline"): "declined",
    ("referred", "defer"): "deferred",
    ("deferred", "reconsider"): "referred",
    ("approved", "publish"): "published",
    ("approved_with_conditions", "publish"): "published",
    **{
        (state, "withdraw"): "withdrawn"
        for state in (
            "draft",
            "submitted",
            "pdm_evaluation",
            "returned",
            "resubmitted",
            "referred",
            "deferred",
        )
    },  # fmt: skip
}
STATES = [s.id for s in ProposalMachine.states]
EVENTS = sorted({event for _state, event in LEGAL})


class Stored:
    """Stands in for the stored proposal: the machine reads and writes its ``state``."""

    def __init__(self, state: str):
        self.state = state


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("event", EVENTS)
def test_each_move_from_each_state(state, event):
    stored = Stored(state)
    machine = ProposalMachine(model=stored, state_field="state")
    if (state, event) in LEGAL:
        machine.send(event)
        assert stored.state == LEGAL[(state, event)]
    else:
        with pytest.raises(TransitionNotAllowed):
            machine.send(event)
        assert stored.state == state


def test_no_move_leaves_a_final_state():
    finals = {s.id for s in ProposalMachine.states if s.final}
    assert finals == {"declined", "withdrawn", "published"}
    assert not [key for key in LEGAL if key[0] in finals]


def test_a_new_proposal_starts_as_a_draft():
    stored = Stored(None)
    ProposalMachine(model=stored, state_field="state")
    assert stored.state == "draft"
