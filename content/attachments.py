"""Attachments: checked by content, capped in size, stored by hash, versioned with their item."""

from __future__ import annotations

from sqlalchemy import select

from content import services
from content.models import Attachment, Item
from wisdom import uploads
from wisdom.audit.services import record
from wisdom.db import db

MAX_BYTES = uploads.MAX_BYTES
AttachmentRefused = uploads.UploadRefused  # the file was not attached; the message says why


def attach(item: Item, filename: str, data: bytes, actor, expected_lock: int) -> Attachment:
    """Attach a file to an item as a new version of the item."""
    attachment = store(item, filename, data, actor)
    current = services.version_of(item, item.current_version)
    ids = [*current.attachment_ids, attachment.id]
    services.update(
        item, services.ItemData.of(item, item.kind), expected_lock, actor,
        change_note=f"Attached {attachment.filename}", attachment_ids=ids,
    )  # fmt: skip
    record("attachment_added", "item", item.id, actor=actor, attachment=attachment.id)
    return attachment


def store(item: Item, filename: str, data: bytes, actor) -> Attachment:
    """Check and keep a file for an item; the caller puts it in a version."""
    name, content_type, digest = uploads.keep(filename, data)
    attachment = Attachment(
        item_id=item.id, filename=name, content_type=content_type,
        size=len(data), sha256=digest, uploaded_by=getattr(actor, "id", None),
    )  # fmt: skip
    db.session.add(attachment)
    db.session.flush()
    return attachment


def detach(item: Item, attachment: Attachment, actor, expected_lock: int) -> None:
    """Remove a file from the item's next version (older versions keep it)."""
    current = services.version_of(item, item.current_version)
    ids = [i for i in current.attachment_ids if i != attachment.id]
    services.update(
        item, services.ItemData.of(item, item.kind), expected_lock, actor,
        change_note=f"Removed {attachment.filename}", attachment_ids=ids,
    )  # fmt: skip


def in_version(item: Item, number: int) -> list[Attachment]:
    """The attachments of one version of an item."""
    version = services.version_of(item, number)
    if version is None or not version.attachment_ids:
        return []
    return list(
        db.session.scalars(
            select(Attachment)
            .where(Attachment.id.in_(version.attachment_ids))
            .order_by(Attachment.id)
        )
    )


def read(attachment: Attachment) -> bytes:
    """The bytes of an attachment."""
    return uploads.read(attachment.sha256)
