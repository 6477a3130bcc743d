"""Helpers the library tests share: filling in the item form as a browser would, and accounts."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from sqlalchemy import select
from support import csrf_token

from wisdom.db import db

ERROR_SUMMARY = re.compile(r'class="govuk-error-summary".*?</div>\s*</div>', re.S)


class FormReader(HTMLParser):
    """The values a browser would submit from each POST form on a page (buttons left out)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[list[tuple[str, str]]] = []
        self.fields: list[tuple[str, str]] = []
        self._in_form = False
        self._textarea: str | None = None
        self._select: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._in_form, self.fields = True, []
        if not self._in_form:
            return
        if tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("radio", "checkbox") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file"):
                self.fields.append(
                    (a["name"], a.get("value") or ("y" if kind == "checkbox" else ""))
                )
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), []
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            # A browser drops the one newline that may follow <textarea>.
            text = "".join(self._text)
            self.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self._in_form:
            self._in_form = False
            self.forms.append(self.fields)


def form_values(page: str) -> dict[str, list[str]]:
    """The page's main (largest) POST form's values, by name (several for checkboxes, dates)."""
    reader = FormReader()
    reader.feed(page)
    values: dict[str, list[str]] = {}
    for name, value in max(reader.forms, key=len, default=[]):
        values.setdefault(name, []).append(value)
    return values


def submit(client, url: str, changes: dict | None = None, button: str = "save"):
    """Open the form at ``url``, change some fields, and press a button, as a browser would."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return submit_page(client, url, page.get_data(as_text=True), changes, button)


def submit_page(client, url: str, page: str, changes: dict | None = None, button: str = "save"):
    """Submit the form already shown on ``page`` with some fields changed."""
    values = form_values(page)
    for name, value in (changes or {}).items():
        values[name] = list(value) if isinstance(value, list | tuple) else [value]
    values[button] = ["Save" if button == "save" else button.title()]
    return client.post(url, data=values)


def new_item(client, kind: str, fields: dict, *, expect_ok: bool = True) -> str:
    """Write a new item through the page; return its slug."""
    response = submit(client, f"/library/new/{kind}", fields)
    if expect_ok:
        assert response.status_code == 302, errors_on(response.get_data(as_text=True))
        return response.headers["Location"].rsplit("/", 1)[-1]
    return response


def errors_on(page: str) -> str:
    """The error summary of a page (for assertion messages)."""
    found = ERROR_SUMMARY.search(page)
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(0))) if found else page[:300]


def textarea(page: str, name: str) -> str:
    """What a textarea on a page holds."""
    return form_values(page)[name][0]


def date_parts(day) -> list[str]:
    """A date as the three boxes of a GOV.UK date input."""
    return [str(day.day), str(day.month), str(day.year)]


def add_person(email: str, name: str, roles: list[str], password: str):
    """Create another account (in an app context)."""
    from wisdom.auth.services import create_user

    user = create_user(email, name, password, roles)
    db.session.commit()
    return user


def sign_in_as(client, email: str, password: str) -> None:
    """Sign a client in with any account."""
    token = csrf_token(client, "/sign-in")
    response = client.post(
        "/sign-in", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def item_by_slug(slug: str):
    """The item at a slug (in an app context)."""
    from content.models import Item

    db.session.expire_all()
    return db.session.scalar(select(Item).where(Item.slug == slug))


def user_by_email(email: str):
    """An account by email (in an app context)."""
    from wisdom.auth.models import User

    return db.session.scalar(select(User).where(User.email == email))


def png_bytes(width: int = 1, height: int = 1) -> bytes:
    """A real, valid PNG image (one grey pixel by default)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    pixels = zlib.compress(b"".join(b"\x00" + b"\x80" * width for _ in range(height)))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def docx_bytes(text: str = "Referral checklist") -> bytes:
    """A minimal Word document: a zip with the parts Word needs to open it."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
            "</Relationships>",
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def seed_pathways(app) -> None:
    """Put back the pathways the migration seeds, if the table is empty.

    The PostgreSQL fixture empties every table between tests, seed rows included; SQLite copies
    the migrated file and keeps them.
    """
    import importlib.util
    from pathlib import Path

    from content.models import Pathway

    with app.app_context():
        if db.session.scalar(select(Pathway.id).limit(1)) is not None:
            return
        path = Path(__file__).resolve().parents[1] / "wisdom/migrations/versions/0002_library.py"
        spec = importlib.util.spec_from_file_location("library_migration_for_tests", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        for position, (slug, name) in enumerate(migration.PATHWAYS):
            db.session.add(Pathway(slug=slug, name=name, description="", position=position))
        db.session.commit()
