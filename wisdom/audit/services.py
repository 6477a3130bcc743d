"""Writing and checking the audit log. The only code that writes audit records."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import select

from wisdom.audit.models import AuditHead, AuditRecord
from wisdom.db import db, utcnow

GENESIS = "0" * 64
# Keys never written into a record's detail, whatever a caller passes.
SECRET_KEYS = frozenset({"password", "new_password", "token", "csrf_token", "secret"})


def record(action: str, obj_type: str = "", obj_id="", *, actor=None, reason: str = "", **detail):
    """Append a record to the audit log in the current transaction."""
    actor = actor if actor is not None else _current_actor()
    head = db.session.execute(select(AuditHead).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, last_id=0, last_hash=GENESIS)
        db.session.add(head)
    clean = {k: v for k, v in detail.items() if k.lower() not in SECRET_KEYS}
    entry = AuditRecord(
        at=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor=getattr(actor, "email", "") or "",
        action=action,
        object_type=obj_type,
        object_id=str(obj_id or ""),
        ip=_client_ip(),
        reason=reason,
        detail=json.dumps(clean, sort_keys=True, default=str),
        prev_hash=head.last_hash,
    )
    entry.hash = digest(entry)
    db.session.add(entry)
    db.session.flush()
    head.last_id = entry.id
    head.last_hash = entry.hash
    return entry


def digest(entry: AuditRecord) -> str:
    """The hash of a record's content chained to the hash before it."""
    content = [
        entry.prev_hash,
        entry.at.isoformat(timespec="microseconds"),
        entry.actor_id,
        entry.actor,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.ip,
        entry.reason,
        entry.detail,
    ]
    return hashlib.sha256(json.dumps(content).encode()).hexdigest()


@dataclass
class VerifyResult:
    """What checking the chain found."""

    checked: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        """Whether the chain is intact."""
        return not self.problems


def verify(batch: int = 2000) -> VerifyResult:
    """Walk the whole chain and report every edited, inserted or deleted record."""
    problems: list[str] = []
    expected_prev, last_id, checked = GENESIS, 0, 0
    while True:
        rows = db.session.scalars(
            select(AuditRecord)
            .where(AuditRecord.id > last_id)
            .order_by(AuditRecord.id)
            .limit(batch)
        ).all()
        if not rows:
            break
        for row in rows:
            if row.prev_hash != expected_prev:
                problems.append(f"record {row.id}: the record before it was deleted or changed")
            if digest(row) != row.hash:
                problems.append(f"record {row.id}: its content was changed after it was written")
            expected_prev, last_id, checked = row.hash, row.id, checked + 1
    head = db.session.get(AuditHead, 1)
    if head is not None and (head.last_id != last_id or head.last_hash != expected_prev):
        problems.append(f"the newest records after {last_id} were deleted")
    return VerifyResult(checked, problems)


def _current_actor():
    """The signed-in user of this request, if any."""
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user
    return None


def _client_ip() -> str:
    """The client address of this request ('' outside requests, e.g. the CLI)."""
    return (request.remote_addr or "") if has_request_context() else ""
