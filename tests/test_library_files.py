"""Attachments: checked by content, capped at 20 MB, downloaded as attachments, versioned."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest
from library_support import (
    docx_bytes,
    errors_on,
    form_values,
    item_by_slug,
    png_bytes,
    user_by_email,
)
from sqlalchemy import func, select
from support import sign_in
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from content import attachments, services
from content.models import Attachment
from content.services import ItemData
from wisdom.db import db

PNG = png_bytes()
DOCX = docx_bytes()
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LIMIT = 20 * 1024 * 1024


def make_item(app, title="Referral forms", classification="staff") -> str:
    """A guidance item written by the PDM; return its slug."""
    with app.app_context():
        pdm = user_by_email("morgan@example.org")
        item = services.create(
            ItemData(kind="guidance", title=title, body="Forms.", classification=classification),
            pdm,
        )
        db.session.commit()
        return item.slug


def upload(client, slug: str, filename: str, data: bytes):
    """Choose a file on the attach page and press Upload."""
    url = f"/library/{slug}/attachments"
    values = form_values(client.get(url).get_data(as_text=True))
    return post_file(client, url, values, filename, data)


def post_file(client, url: str, values: dict, filename: str, data: bytes):
    """POST a form with a file, encoded in memory (the test client spools big bodies to a
    temporary file it never closes, which warnings-as-errors would report)."""
    values = {**values, "file": FileStorage(io.BytesIO(data), filename=filename)}
    boundary, body = encode_multipart(MultiDict(_pairs(values)))
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _pairs(values: dict):
    for name, value in values.items():
        for one in value if isinstance(value, list) else [value]:
            yield name, one


def files_of(slug: str, number: int | None = None) -> list[Attachment]:
    """The attachments of a version of an item (in an app context)."""
    item = item_by_slug(slug)
    return attachments.in_version(item, number or item.current_version)


def assert_download(response, data: bytes, filename: str, content_type: str) -> None:
    """A download that a browser will save, not show or sniff."""
    assert response.status_code == 200
    assert response.data == data
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;"), disposition
    assert f"filename={filename}" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == content_type


def test_a_png_and_a_docx_are_attached_as_versions_and_downloaded_as_attachments(app, signed_in):
    client = signed_in("pdm")
    slug = make_item(app)
    assert upload(client, slug, "diagram.png", PNG).status_code == 302
    assert upload(client, slug, "checklist.docx", DOCX).status_code == 302
    with app.app_context():
        item = item_by_slug(slug)
        assert services.version_count(item) == 3
        png, docx = files_of(slug)
        assert (png.filename, png.content_type, png.size) == ("diagram.png", "image/png", len(PNG))
        assert (docx.filename, docx.content_type) == ("checklist.docx", DOCX_TYPE)
        assert [f.id for f in files_of(slug, 2)] == [png.id]
        png_id, docx_id = png.id, docx.id
        notes = [v.change_note for v in item.versions]
    assert notes[1:] == ["Attached diagram.png", "Attached checklist.docx"]
    page = client.get(f"/library/{slug}").get_data(as_text=True)
    assert "diagram.png" in page and "checklist.docx" in page
    assert_download(
        client.get(f"/library/{slug}/attachments/{png_id}"), PNG, "diagram.png", "image/png"
    )
    assert_download(
        client.get(f"/library/{slug}/attachments/{docx_id}"), DOCX, "checklist.docx", DOCX_TYPE
    )
    reader = app.test_client()
    assert sign_in(reader, "practitioner").status_code == 302
    assert_download(
        reader.get(f"/library/{slug}/attachments/{png_id}"), PNG, "diagram.png", "image/png"
    )


def test_the_type_comes_from_the_content_not_the_name(app, signed_in):
    client = signed_in("pdm")
    slug = make_item(app)
    assert upload(client, slug, "photo.pdf", PNG).status_code == 302
    with app.app_context():
        (stored,) = files_of(slug)
        assert (stored.filename, stored.content_type) == ("photo.png", "image/png")


@pytest.mark.parametrize(
    "filename,data,message",
    [
        ("invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200, "must be a PDF"),
        ("picture.png", b"<!DOCTYPE html><script>alert(1)</script>", "must be a PDF"),
        ("report.docx", b"PK\x03\x04 not really a zip", "must be a PDF"),
        ("blank.pdf", b"", "The selected file is empty"),
        ("huge.pdf", b"%PDF-1.7\n" + b"0" * (LIMIT + 1 - 9), "must be smaller than 20 MB"),
    ],
    ids=["exe-named-pdf", "html-named-png", "broken-zip", "empty", "20MB-plus-1-byte"],
)
def test_refused_files_say_why_and_change_nothing(app, signed_in, filename, data, message):
    client = signed_in("pdm")
    slug = make_item(app)
    response = upload(client, slug, filename, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in errors_on(page)
    with app.app_context():
        assert services.version_count(item_by_slug(slug)) == 1
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_a_file_of_exactly_20_mb_is_accepted(app, signed_in):
    client = signed_in("pdm")
    slug = make_item(app)
    data = b"%PDF-1.7\n" + b"0" * (LIMIT - 9)
    assert upload(client, slug, "handbook.pdf", data).status_code == 302
    with app.app_context():
        (stored,) = files_of(slug)
        assert (stored.size, stored.content_type) == (LIMIT, "application/pdf")


def test_only_editors_may_attach(app, signed_in):
    slug = make_item(app)
    client = signed_in("practitioner")
    assert client.get(f"/library/{slug}/attachments").status_code in (403, 404)
    token = form_values(client.get("/").get_data(as_text=True))["csrf_token"][0]
    response = post_file(
        client, f"/library/{slug}/attachments", {"csrf_token": token}, "x.png", PNG
    )
    assert response.status_code in (403, 404)
    with app.app_context():
        assert services.version_count(item_by_slug(slug)) == 1


def test_a_service_user_gets_404_for_a_staff_items_attachment(app, signed_in):
    editor = signed_in("pdm")
    staff_slug = make_item(app, "Staff referral forms", "staff")
    open_slug = make_item(app, "Open leaflet", "open")
    assert upload(editor, staff_slug, "diagram.png", PNG).status_code == 302
    with app.app_context():
        (secret,) = files_of(staff_slug)
    reader = app.test_client()
    assert sign_in(reader, "service_user").status_code == 302
    hidden = reader.get(f"/library/{staff_slug}/attachments/{secret.id}")
    missing = reader.get(f"/library/{staff_slug}/attachments/99999")
    # Nor through an item they may read.
    borrowed = reader.get(f"/library/{open_slug}/attachments/{secret.id}")
    assert hidden.status_code == missing.status_code == borrowed.status_code == 404
    assert PNG not in hidden.data and PNG not in borrowed.data
    assert reader.get(f"/library/{staff_slug}/attachments/{secret.id}?version=2").status_code == 404


def test_an_older_versions_attachment_stays_downloadable(app, signed_in):
    client = signed_in("pdm")
    slug = make_item(app)
    assert upload(client, slug, "diagram.png", PNG).status_code == 302
    with app.app_context():
        item = item_by_slug(slug)
        (png,) = files_of(slug)
        # There is no page to remove a file yet, so remove it through the service.
        attachments.detach(item, png, user_by_email("morgan@example.org"), item.lock_version)
        db.session.commit()
        assert item_by_slug(slug).current_version == 3
        assert files_of(slug) == [] and [f.id for f in files_of(slug, 2)] == [png.id]
        png_id = png.id
    assert "diagram.png" not in client.get(f"/library/{slug}").get_data(as_text=True)
    assert client.get(f"/library/{slug}/attachments/{png_id}").status_code == 404
    assert client.get(f"/library/{slug}/attachments/{png_id}?version=3").status_code == 404
    assert client.get(f"/library/{slug}/attachments/{png_id}?version=1").status_code == 404
    assert_download(
        client.get(f"/library/{slug}/attachments/{png_id}?version=2"),
        PNG,
        "diagram.png",
        "image/png",
    )
    history = client.get(f"/library/{slug}/history").get_data(as_text=True)
    assert "Removed diagram.png" in history


def test_a_version_that_was_confidential_keeps_its_file_from_uncleared_readers(app, signed_in):
    client = signed_in("pdm")
    slug = make_item(app, classification="confidential")
    assert upload(client, slug, "diagram.png", PNG).status_code == 302
    with app.app_context():
        item = item_by_slug(slug)
        services.update(
            item, replace(ItemData.of(item, "guidance"), classification="staff"),
            item.lock_version, user_by_email("morgan@example.org"), change_note="Now staff only",
        )  # fmt: skip
        db.session.commit()
        (png,) = files_of(slug)
    reader = app.test_client()
    assert sign_in(reader, "practitioner").status_code == 302
    assert reader.get(f"/library/{slug}/attachments/{png.id}").status_code == 200
    assert reader.get(f"/library/{slug}/attachments/{png.id}?version=3").status_code == 200
    assert reader.get(f"/library/{slug}/attachments/{png.id}?version=2").status_code == 404
    assert re.search(r"Version 2 \(restricted\)", reader.get(f"/library/{slug}/history").text)
