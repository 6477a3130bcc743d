"""Uploaded files for any component: checked by content, capped in size, stored by content hash."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

from flask import current_app

MAX_BYTES = 20 * 1024 * 1024
TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXTENSIONS = {"pdf": ".pdf", "png": ".png", "jpeg": ".jpg", "docx": ".docx", "xlsx": ".xlsx"}


class UploadRefused(ValueError):
    """The file was not accepted; the message says why in plain words."""


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
    """Where uploaded bytes are kept (the same folder the library uses, by content hash)."""
    folder = Path(current_app.instance_path) / "attachments"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep(filename: str, data: bytes) -> tuple[str, str, str]:
    """Check and store a file; return its safe name, content type and SHA-256."""
    if not data:
        raise UploadRefused("The selected file is empty")
    if len(data) > MAX_BYTES:
        raise UploadRefused("The selected file must be smaller than 20 MB")
    kind = sniff(data)
    if kind is None:
        raise UploadRefused("The selected file must be a PDF, DOCX, XLSX, PNG or JPEG")
    digest = hashlib.sha256(data).hexdigest()
    path = storage() / digest
    if not path.exists():
        path.write_bytes(data)
    return safe_name(filename, kind), TYPES[kind], digest


def read(sha256: str) -> bytes:
    """The bytes of a stored file."""
    return (storage() / sha256).read_bytes()
