"""Administrators read the audit log; reading it is itself recorded."""

from datetime import datetime, timedelta

from flask import Blueprint, render_template, request
from sqlalchemy import func, select

from wisdom import access
from wisdom.audit.models import AuditRecord
from wisdom.audit.services import record
from wisdom.db import db

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
PAGE_SIZE = 50


@bp.get("")
@access.require("admin.audit")
def log():
    """The audit log, newest first, filtered by action, person, object and dates."""
    filters, errors = _filters(request.args)
    query = select(AuditRecord)
    if filters.get("action"):
        query = query.where(AuditRecord.action == filters["action"])
    if filters.get("actor"):
        query = query.where(AuditRecord.actor.contains(filters["actor"].lower(), autoescape=True))
    if filters.get("object"):
        query = query.where(AuditRecord.object_type == filters["object"])
    if filters.get("from"):
        query = query.where(AuditRecord.at >= filters["from"])
    if filters.get("to"):
        query = query.where(AuditRecord.at < filters["to"] + timedelta(days=1))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = max(1, request.args.get("page", 1, type=int) or 1)
    rows = db.session.scalars(
        query.order_by(AuditRecord.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    actions = db.session.scalars(
        select(AuditRecord.action).distinct().order_by(AuditRecord.action)
    ).all()
    record("audit_log_viewed", "audit_log", "", filters={k: str(v) for k, v in filters.items()})
    db.session.commit()
    return render_template(
        "audit/log.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        actions=actions,
        args=request.args,
        errors=errors,
        filter_args={k: v for k, v in request.args.items() if k != "page" and v},
    )


def _filters(args) -> tuple[dict, list[dict]]:
    """Read the filter fields, with a clear message for a date that is not a date."""
    filters, errors = {}, []
    for key in ("action", "actor", "object"):
        if args.get(key, "").strip():
            filters[key] = args[key].strip()[:200]
    for key, label in (("from", "From"), ("to", "To")):
        value = args.get(key, "").strip()
        if not value:
            continue
        try:
            filters[key] = datetime.strptime(value, "%Y-%m-%d")
        except ValueError:
            errors.append(
                {"text": f"{label} date must be a real date, like 2026-11-22", "href": f"#{key}"}
            )
    return filters, errors
