"""Export the library to Markdown files, import it into an empty instance: all of it, or nothing."""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from library_support import png_bytes, seed_pathways, user_by_email
from sqlalchemy import func, select
from support import PEOPLE, base_config

from content import attachments, services
from content.models import Action, Item, ItemVersion, Pathway
from content.services import ItemData
from wisdom import create_app
from wisdom.auth.models import User, UserRole
from wisdom.db import db

DEMO = Path(__file__).resolve().parents[1] / "content" / "demo"
KINDS = ("guidance", "finding", "beacon", "resource", "workbank", "feedback")
SOON = date.today() + timedelta(days=20)


@pytest.fixture(autouse=True)
def _pathways(app):
    """The seeded pathways, on PostgreSQL too."""
    seed_pathways(app)


def build_library() -> dict[str, str]:
    """Items of every kind, some with history, attachments, actions, secrets and the archive."""
    pdm = user_by_email("morgan@example.org")
    lead = user_by_email("jo@example.org")
    made = {}

    home = services.create(
        ItemData(
            kind="guidance", title="Finding a home after custody", summary="Housing on release.",
            body="## Before release\n\nRefer early.", pathways=["accommodation"],
            tags=["housing"], owner_id=pdm.id, review_by=SOON,
        ),
        pdm,
    )  # fmt: skip
    for n, text in enumerate(("Refer to the council.", "Refer to CAS3 as well."), start=2):
        services.update(
            home, replace(ItemData.of(home, "guidance"), body=f"## Before release\n\n{text}"),
            home.lock_version, lead if n == 3 else pdm, change_note=f"Edit {n}",
        )  # fmt: skip
    made["home"] = home.slug

    secret = services.create(
        ItemData(
            kind="guidance", title="Working with MAPPA level 3 cases",
            body="Open part.\n\n```confidential\nThe panel meets at the old courthouse.\n```\n",
            classification="staff", tags=["mappa"],
        ),
        pdm,
    )  # fmt: skip
    made["section"] = secret.slug

    sfo = services.create(
        ItemData(
            kind="finding", title="SFO review: missed risk escalation",
            body="The review found the risk was not escalated.",
            fields={"source": "sfo_review", "found_on": "2026-01-12", "severity": "high"},
        ),
        lead,
    )  # fmt: skip
    assert sfo.classification == "confidential"
    done = services.add_action(sfo, "Rewrite the escalation guidance", pdm.id, SOON, lead)
    services.update_action(
        done, status="done", evidence="Published in the library", answered_by=home, actor=lead
    )
    services.add_action(sfo, "Brief every team", lead.id, date.today() - timedelta(days=3), lead)
    made["finding"] = sfo.slug
    # The guidance moves on; the action still names the version that answered it.
    services.update(
        home, replace(ItemData.of(home, "guidance"), summary="Housing on release, updated."),
        home.lock_version, pdm, change_note="After the SFO review",
    )  # fmt: skip

    beacon = services.create(
        ItemData(
            kind="beacon", title="Three-way meetings with housing officers",
            fields={"nominated_by": "Jo Whitfield", "why_it_worked": "Everyone heard the plan.",
                    "source_item": sfo.slug},
        ),
        lead,
    )  # fmt: skip
    made["beacon"] = beacon.slug
    made["resource"] = services.create(
        ItemData(
            kind="resource", title="Northshire food bank network",
            fields={"network": "community", "link": "https://example.org/food",
                    "contact": "01234 567890"},
        ),
        pdm,
    ).slug  # fmt: skip
    made["workbank"] = services.create(
        ItemData(
            kind="workbank", title="Riverside park clearance",
            fields={"place": "Riverside park", "work_type": "community_payback",
                    "tasks": "Clearing paths", "capacity": 8, "contact": "Parks team",
                    "project_status": "open"},
        ),
        pdm,
    ).slug  # fmt: skip
    feedback = services.create(
        ItemData(
            kind="feedback", title="Reporting centre survey, spring",
            fields={"exercise": "Reporting centre survey", "period": "January to March 2026",
                    "respondents": 42},
        ),
        lead,
    )  # fmt: skip
    services.set_archived(feedback, True, pdm)
    made["archived"] = feedback.slug

    leaflet = services.create(
        ItemData(kind="guidance", title="Reporting centre map", body="See the map."), pdm
    )
    attachments.attach(leaflet, "map.png", png_bytes(3, 2), pdm, leaflet.lock_version)
    made["attachment"] = leaflet.slug
    db.session.commit()
    return made


def snapshot() -> dict[str, dict]:
    """Everything an import must reproduce, by slug, in terms that do not depend on ids."""
    emails = dict(db.session.execute(select(User.id, User.email)).all())
    slugs = dict(db.session.execute(select(Item.id, Item.slug)).all())
    found = {}
    for item in db.session.scalars(select(Item).order_by(Item.slug)):
        versions = db.session.scalars(
            select(ItemVersion).where(ItemVersion.item_id == item.id).order_by(ItemVersion.number)
        ).all()
        found[item.slug] = {
            # Front matter files end their text at its last line: trailing newlines do not travel.
            "kind": item.kind, "title": item.title, "summary": item.summary,
            "body": item.body.rstrip("\n"),
            "classification": item.classification, "tags": item.tags, "pathways": item.pathways,
            "fields": item.fields, "owner": emails.get(item.owner_id), "review_by": item.review_by,
            "archived": item.archived, "version_count": len(versions),
            "versions": [
                (v.number, v.title, v.summary, v.body.rstrip("\n"), v.classification, v.tags_json,
                 v.fields_json, v.change_note, emails.get(v.author_id), v.created_at)
                for v in versions
            ],
            "actions": [
                (a.description, a.status, a.evidence, emails.get(a.owner_id), a.due,
                 slugs.get(a.answered_by_item_id), a.answered_by_version)
                for a in item.actions
            ],
            "files": [
                (f.filename, f.content_type, f.size, hashlib.sha256(attachments.read(f)).hexdigest())
                for f in attachments.in_version(item, item.current_version)
            ],
        }  # fmt: skip
    return found


@pytest.fixture
def empty_instance(migrated, tmp_path, monkeypatch, password_hashes):
    """A second WISDOM on its own fresh SQLite file and instance folder, with the same people."""
    path = tmp_path / "empty.db"
    shutil.copy(migrated["sqlite"], path)
    monkeypatch.setenv("WISDOM_INSTANCE_PATH", str(tmp_path / "empty-instance"))
    other = create_app(
        {**base_config(f"sqlite:///{path}"), "WISDOM_INDEX_DIR": str(tmp_path / "empty-index")}
    )
    with other.app_context():
        for role, (email, name, roles, _password) in PEOPLE.items():
            user = User(email=email, name=name, password_hash=password_hashes[role])
            user.roles = [UserRole(role=r) for r in roles]
            db.session.add(user)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Item)) == 0
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def count(model) -> int:
    """How many rows a table holds."""
    return db.session.scalar(select(func.count()).select_from(model))


def export(app, folder: Path) -> str:
    """Run ``wisdom library export`` on an app."""
    result = app.test_cli_runner().invoke(args=["library", "export", str(folder)])
    assert result.exit_code == 0, result.output
    return result.output


def test_export_then_import_into_an_empty_instance_reproduces_everything(
    app, empty_instance, tmp_path
):
    with app.app_context():
        made = build_library()
        before = snapshot()
    assert {v["kind"] for v in before.values()} == set(KINDS)
    assert before[made["home"]]["version_count"] == 4
    assert before[made["finding"]]["classification"] == "confidential"
    assert before[made["archived"]]["archived"] is True
    assert before[made["finding"]]["actions"][0][-2:] == (made["home"], 3)
    assert before[made["attachment"]]["files"][0][:2] == ("map.png", "image/png")

    folder = tmp_path / "export"
    assert f"Exported {len(before)} items" in export(app, folder)
    text = (folder / "guidance" / f"{made['section']}.md").read_text()
    assert "```confidential" in text and "old courthouse" in text
    assert (folder / "guidance" / made["attachment"] / "attachments" / "map.png").exists()

    result = empty_instance.test_cli_runner().invoke(args=["library", "import", str(folder)])
    assert result.exit_code == 0, result.output
    assert f"Imported {len(before)} items" in result.output
    with empty_instance.app_context():
        after = snapshot()
    assert sorted(after) == sorted(before)
    for slug, expected in before.items():
        for key, value in expected.items():
            assert after[slug][key] == value, (slug, key)


def test_a_dry_run_imports_nothing(app, empty_instance, tmp_path):
    with app.app_context():
        made = build_library()
    folder = tmp_path / "export"
    export(app, folder)
    with empty_instance.app_context():
        pathways = count(Pathway)
    result = empty_instance.test_cli_runner().invoke(
        args=["library", "import", str(folder), "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert f"Would import {len(made)} items" in result.output
    with empty_instance.app_context():
        assert count(Item) == count(ItemVersion) == count(Action) == 0
        assert count(Pathway) == pathways


def test_importing_twice_changes_nothing_the_second_time(app, empty_instance, tmp_path):
    with app.app_context():
        build_library()
    folder = tmp_path / "export"
    export(app, folder)
    runner = empty_instance.test_cli_runner()
    assert runner.invoke(args=["library", "import", str(folder)]).exit_code == 0
    with empty_instance.app_context():
        items, versions = count(Item), count(ItemVersion)
    again = runner.invoke(args=["library", "import", str(folder)])
    assert again.exit_code != 0
    assert "already exists" in again.output and "Nothing was imported" in again.output
    with empty_instance.app_context():
        assert (count(Item), count(ItemVersion)) == (items, versions)


BAD_FILES = {
    # path: (text, line of the problem, words of the message)
    "guidance/broken-yaml.md": (
        "---\nkind: guidance\ntitle: Broken\nsummary: one: two\ntags: [housing]\n---\nText\n",
        4,
        "not valid YAML",
    ),
    "guidance/unknown-kind.md": (
        "---\ntitle: A sermon\nslug: unknown-kind\nkind: sermon\n---\nText\n",
        4,
        "kind must be guidance",
    ),
    "guidance/no-title.md": (
        "---\nkind: guidance\nslug: no-title\nsummary: Nobody named me\n---\nText\n",
        1,
        "Enter a title",
    ),
    "finding/bad-severity.md": (
        "---\nkind: finding\ntitle: Odd finding\nslug: bad-severity\nsource: audit\n"
        "found_on: 2026-02-01\nseverity: catastrophic\n---\nText\n",
        7,
        "Select severity",
    ),
}


def test_bad_files_are_each_reported_by_line_and_nothing_is_imported(app, empty_instance, tmp_path):
    with app.app_context():
        build_library()
    folder = tmp_path / "export"
    export(app, folder)
    for name, (text, _line, _words) in BAD_FILES.items():
        (folder / name).write_text(text)
    with empty_instance.app_context():
        pathways = count(Pathway)

    result = empty_instance.test_cli_runner().invoke(args=["library", "import", str(folder)])
    assert result.exit_code != 0
    assert "Nothing was imported" in result.output
    assert "Traceback" not in result.output
    for name, (_text, line, words) in BAD_FILES.items():
        pattern = rf"^{re.escape(str(folder / name))}:{line}: .*{re.escape(words)}"
        assert re.search(pattern, result.output, re.M), (name, result.output)
    with empty_instance.app_context():
        assert count(Item) == count(ItemVersion) == count(Action) == 0
        assert count(Pathway) == pathways


def _demo_files() -> list[Path]:
    return sorted(p for kind in KINDS for p in (DEMO / kind).glob("*.md")) if DEMO.is_dir() else []


def test_demo_load_loads_the_demo_library_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        items, versions, actions = count(Item), count(ItemVersion), count(Action)
    assert items == len(_demo_files()) >= 40
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    assert "already loaded, unchanged" in second.output
    with app.app_context():
        assert (count(Item), count(ItemVersion), count(Action)) == (items, versions, actions)
