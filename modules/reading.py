"""What each reader may see of a module: the staff view, or the easy-read view without staff notes."""

from __future__ import annotations

from modules import policy

# What people on probation see: plain words, no staff notes, no risk or eligibility language.
EASY_READ_KEYS = (
    "title", "summary", "pathways", "delivered_by", "formats", "session_count",
    "session_length_minutes", "areas", "outcomes", "status", "review_date",
)  # fmt: skip
EASY_READ_SESSION_KEYS = ("title", "objectives", "duration_minutes", "participant_materials")


def for_reader(content: dict, user) -> dict:
    """The module content this user may see: all of it, or less."""
    if policy.full_view(user):
        if policy.sees_staff_notes(user):
            return content
        return {**content, "sessions": [_open_session(s) for s in content["sessions"]]}
    return easy_read(content)


def easy_read(content: dict) -> dict:
    """The easy-read view of module content: open fields and open session materials only."""
    view = {key: content[key] for key in EASY_READ_KEYS}
    view["sessions"] = [_open_session(s) for s in content["sessions"]]
    return view


def _open_session(session: dict) -> dict:
    """A session without facilitator notes or facilitators' files."""
    made = {key: session[key] for key in EASY_READ_SESSION_KEYS}
    files = [a for a in session.get("attachments", []) if a["for"] == "participants"]
    if files:
        made["attachments"] = files
    return made
