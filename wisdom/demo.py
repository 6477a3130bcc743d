"""Demo accounts, and the components' demo content, loaded idempotently."""

from __future__ import annotations

from flask import current_app

from wisdom.auth import services
from wisdom.components import registry
from wisdom.db import db

# email, name, roles, password. Demo passwords meet the policy and are printed at load time.
DEMO_USERS = (
    ("sam@example.org", "Sam Okafor", ["service_user"], "probation-demo-sam"),
    ("priya@example.org", "Priya Shah", ["practitioner"], "practitioner-demo-2026"),
    ("morgan@example.org", "Morgan Ellis", ["pdm"], "development-demo-2026"),
    ("alex@example.org", "Alex Byrne", ["panel_member"], "panel-member-demo-2026"),
    ("jo@example.org", "Jo Whitfield", ["quality_lead"], "quality-lead-demo-2026"),
    ("admin@example.org", "Chris Admin", ["admin"], "administrator-demo-2026"),
    ("dana@example.org", "Dana Hughes", ["panel_member", "practitioner"], "senior-case-demo-2026"),
)


def load() -> list[str]:
    """Create the demo accounts that do not exist yet, then each component's demo content."""
    lines = ["Demo accounts (sign in at http://127.0.0.1:5000/sign-in):"]
    for email, name, roles, password in DEMO_USERS:
        existing = services.find_by_email(email)
        if existing is None:
            services.create_user(email, name, password, roles)
            state = "created"
        else:
            state = "already there, unchanged"
        lines.append(f"  {email:<22} {password:<26} {', '.join(roles)} ({state})")
    db.session.commit()
    for loader in registry(current_app).demo_loaders:
        lines.append(loader())
        db.session.commit()
    return lines
