"""The proposal's states and the transitions between them, as a python-statemachine machine.

The machine is bound to a stored Proposal through ``model=`` and ``state_field="state"``, so the
proposal row holds the state and the machine alone decides which move is legal from it.
"""

from __future__ import annotations

from statemachine import State, StateMachine
from statemachine.exceptions import TransitionNotAllowed

__all__ = ["ProposalMachine", "TransitionNotAllowed", "STATE_LABELS", "EVENT_LABELS"]


class ProposalMachine(StateMachine):
    """From draft to published, declined or withdrawn."""

    draft = State("Draft", initial=True)
    submitted = State("Sent to the PDM")
    pdm_evaluation = State("Being looked at by the PDM")
    returned = State("Sent back to you for changes")
    resubmitted = State("Sent again after changes")
    referred = State("With the Service Development Panel")
    approved = State("Approved")
    approved_with_conditions = State("Approved with conditions")
    deferred = State("Put off to a later Panel meeting")
    declined = State("Not taken forward", final=True)
    withdrawn = State("Withdrawn", final=True)
    published = State("Published", final=True)

    submit = draft.to(submitted)
    start_evaluation = submitted.to(pdm_evaluation) | resubmitted.to(pdm_evaluation)
    return_to_proposer = pdm_evaluation.to(returned)
    resubmit = returned.to(resubmitted)
    decline = pdm_evaluation.to(declined)
    refer = pdm_evaluation.to(referred)
    approve = referred.to(approved)
    approve_with_conditions = referred.to(approved_with_conditions)
    panel_decline = referred.to(declined)
    defer = referred.to(deferred)
    reconsider = deferred.to(referred)
    publish = approved.to(published) | approved_with_conditions.to(published)
    withdraw = (
        draft.to(withdrawn)
        | submitted.to(withdrawn)
        | pdm_evaluation.to(withdrawn)
        | returned.to(withdrawn)
        | resubmitted.to(withdrawn)
        | referred.to(withdrawn)
        | deferred.to(withdrawn)
    )


STATE_LABELS = {state.id: state.name for state in ProposalMachine.states}

# What each move is called in the timeline.
EVENT_LABELS = {
    "submit": "Sent to the PDM",
    "start_evaluation": "The PDM started looking at it",
    "return_to_proposer": "Sent back for changes",
    "resubmit": "Sent again after changes",
    "decline": "Not taken forward by the PDM",
    "refer": "Sent to the Service Development Panel",
    "approve": "Approved by the Panel",
    "approve_with_conditions": "Approved by the Panel, with conditions",
    "panel_decline": "Not taken forward by the Panel",
    "defer": "Put off to a later Panel meeting",
    "reconsider": "Back on the Panel's agenda",
    "publish": "Published in the Directory of Services",
    "withdraw": "Withdrawn",
}

OPEN_STATES = frozenset(
    {"submitted", "pdm_evaluation", "returned", "resubmitted", "referred", "deferred"}
)
TO_EVALUATE = frozenset({"submitted", "resubmitted", "pdm_evaluation"})
PANEL_STATES = frozenset(
    {"referred", "deferred", "approved", "approved_with_conditions", "published"}
)
DECIDED = frozenset({"approved", "approved_with_conditions"})
