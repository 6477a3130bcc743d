"""Attachments: checked by content, capped in size, stored by hash, versioned with their item."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from content import services
from content.models import Attachment, Item
from wisdom.audit.services import record
from wisdom.db import db

MAX_BYTES = 20 * 1024 * 1024
TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXTENSIONS = {"pdf": ".pdf", "png": ".png", "jpeg": ".jpg", "docx": ".docx", "xlsx": ".xlsx"}


class AttachmentRefused(ValueError):
    """The file was not attached; the message says why in plain words."""


def sniff(data: bytes) -> str | None:
    """The file's real type from its content (not its name), or None if not allowed."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return "docx"
        if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            return "xlsx"
    return None


def safe_name(filename: str, kind: str) -> str:
    """A plain file name with the extension its content deserves."""
    stem = Path(filename or "file").stem
    stem = re.sub(r"[^A-Za-z0-9._ -]+", "", stem).strip(" .")[:100] or "file"
    return stem + EXTENSIONS[kind]


def storage() -> Path:
    """Where attachment bytes are kept."""
    folder = Path(current_app.instance_path) / "attachments"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


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
    if not data:
        raise AttachmentRefused("The selected file is empty")
    if len(data) > MAX_BYTES:
        raise AttachmentRefused("The selected file must be smaller than 20 MB")
    kind = sniff(data)
    if kind is None:
        raise AttachmentRefused("The selected file must be a PDF, DOCX, XLSX, PNG or JPEG")
    digest = hashlib.sha256(data).hexdigest()
    path = storage() / digest
    if not path.exists():
        path.write_bytes(data)
    attachment = Attachment(
        item_id=item.id, filename=safe_name(filename, kind), content_type=TYPES[kind],
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
    return (storage() / attachment.sha256).read_bytes()
