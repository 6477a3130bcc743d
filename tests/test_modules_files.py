"""Session files: uploaded by the PDM as a labelled correction, checked by content, and
facilitators' files kept from people on probation."""

from __future__ import annotations

import io

import pytest
from modules_support import content, person
from support import csrf_token, sign_in

from modules import services

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n% facilitator guide\n"


@pytest.fixture
def files_app(app):
    with app.app_context():
        services.create_module(content(), actor=person("pdm"), change_note="First version")
    return app


def _upload(client, name: str, data: bytes, audience: str, expected: str):
    url = "/directory/managing-emotions/sessions/1/files"
    return client.post(
        url,
        data={
            "file": (io.BytesIO(data), name),
            "audience": audience,
            "expected_version": expected,
            "csrf_token": csrf_token(client, url),
        },
        content_type="multipart/form-data",
    )


def _file_ids(app) -> dict[str, int]:
    with app.app_context():
        module = services.find_module("managing-emotions")
        files = services.module_content(module)["sessions"][0].get("attachments", [])
        return {a["for"]: a["id"] for a in files}


def test_files_are_published_as_corrections_and_kept_from_people_on_probation(files_app, signed_in):
    pdm = signed_in("pdm")
    assert _upload(pdm, "worksheet.png", PNG, "participants", "1").status_code == 302
    assert _upload(pdm, "guide.pdf", PDF, "facilitators", "2").status_code == 302
    history = pdm.get("/directory/managing-emotions/history").get_data(as_text=True)
    assert "Attached worksheet.png to session 1" in history
    assert "Attached guide.pdf to session 1" in history
    assert history.count(">Correction</strong>") == 2
    ids = _file_ids(files_app)

    staff = files_app.test_client()
    sign_in(staff, "practitioner")
    page = staff.get("/directory/managing-emotions").get_data(as_text=True)
    assert "worksheet.png" in page and "guide.pdf" in page
    guide = staff.get(f"/directory/managing-emotions/files/{ids['facilitators']}")
    assert guide.status_code == 200 and guide.data == PDF
    assert guide.headers["Content-Disposition"].startswith("attachment")

    person_on_probation = files_app.test_client()
    sign_in(person_on_probation, "service_user")
    for url in (
        "/directory/managing-emotions",
        "/directory/managing-emotions/print",
        "/directory/managing-emotions/data.json",
        "/directory/export?download=json",
    ):
        text = person_on_probation.get(url).get_data(as_text=True)
        assert "worksheet.png" in text and "guide.pdf" not in text, url
    hidden = person_on_probation.get(f"/directory/managing-emotions/files/{ids['facilitators']}")
    assert hidden.status_code == 404
    sheet = person_on_probation.get(f"/directory/managing-emotions/files/{ids['participants']}")
    assert sheet.status_code == 200 and sheet.data == PNG
    assert sheet.headers["X-Content-Type-Options"] == "nosniff"


def test_a_file_is_checked_by_its_content_and_a_stale_form_is_refused(files_app, signed_in):
    pdm = signed_in("pdm")
    disguised = _upload(pdm, "notes.pdf", b"#!/bin/sh\necho hi\n", "participants", "1")
    assert disguised.status_code == 200
    assert "must be a PDF, DOCX, XLSX, PNG or JPEG" in disguised.get_data(as_text=True)
    stale = _upload(pdm, "worksheet.png", PNG, "participants", "0")
    assert "is now at version 1, not version 0" in stale.get_data(as_text=True)
    assert _file_ids(files_app) == {}
    with files_app.app_context():
        assert services.find_module("managing-emotions").current_version == 1


def test_only_the_pdm_uploads_and_the_differences_name_the_files(files_app, signed_in):
    practitioner = signed_in("practitioner")
    assert practitioner.get("/directory/managing-emotions/sessions/1/files").status_code == 403
    assert "Add a file" not in practitioner.get("/directory/managing-emotions").get_data(
        as_text=True
    )
    with files_app.app_context():
        module = services.find_module("managing-emotions")
        services.attach_file(module, 1, "guide.pdf", PDF, "facilitators", actor=person("pdm"))
        with pytest.raises(PermissionError):
            services.attach_file(
                module, 1, "x.png", PNG, "participants", actor=person("practitioner")
            )
    diff = practitioner.get("/directory/managing-emotions/diff?a=1&b=2").get_data(as_text=True)
    assert "Session 1: files" in diff and "<ins>guide.pdf (facilitators)</ins>" in diff


def test_modules_without_files_keep_the_contract_shape(files_app):
    with files_app.app_context():
        stored = services.module_content(services.find_module("managing-emotions"))
        assert set(stored["sessions"][0]) == {
            "title", "objectives", "duration_minutes", "participant_materials",
            "facilitator_notes",
        }  # fmt: skip
        bad = content()
        bad["sessions"][0]["attachments"] = [{"id": 999, "filename": "x.pdf", "for": "everyone"}]
        fields = {p.field for p in services.validate_content(bad)}
        assert "sessions[1].attachments[1]" in fields
        bad["sessions"][0]["attachments"][0]["for"] = "participants"
        assert [p.message for p in services.validate_content(bad)] == [
            "There is no uploaded file number 999"
        ]
