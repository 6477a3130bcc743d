"""'wisdom modules import/export': JSON and CSV, every problem by row and field, all or nothing,
and the demo modules loaded through the same import, idempotently."""

from __future__ import annotations

import csv
import io
import json

from modules_support import content, person
from sqlalchemy import func, select

from modules import services
from modules.component import load_demo
from modules.models import Module, ModuleVersion
from modules.transfer import CSV_COLUMNS, flat_row
from wisdom.db import db


def _counts(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Module)),
            db.session.scalar(select(func.count()).select_from(ModuleVersion)),
        )


def _write_json(path, modules) -> str:
    path.write_text(json.dumps({"modules": modules}), encoding="utf-8")
    return str(path)


def test_json_import_creates_modules_with_history_and_is_idempotent(app, runner, tmp_path):
    second = content(summary="Second summary.")
    file = _write_json(
        tmp_path / "modules.json",
        [
            content(title="Finding and keeping a home", pathways=["accommodation"]),
            {"slug": "managing-emotions", "versions": [
                {**content(), "change_note": "First version"},
                {**second, "change_note": "Shorter summary",
                 "provenance": {"proposal_id": 7, "credit": "S.O.", "decided_at": "2026-10-01T14:00:00"}},
            ]},
        ],
    )  # fmt: skip
    result = runner.invoke(args=["modules", "import", file, "--as", "morgan@example.org"])
    assert result.exit_code == 0, result.output
    assert "2 new modules, 0 updated, 0 unchanged, 3 versions" in result.output
    assert _counts(app) == (2, 3)
    with app.app_context():
        module = services.find_module("managing-emotions")
        assert module.current_version == 2
        version = services.current_version(module)
        assert (version.proposal_id, version.credit) == (7, "S.O.")
        assert version.author.email == "morgan@example.org"
    again = runner.invoke(args=["modules", "import", file])
    assert "0 new modules, 0 updated, 2 unchanged, 0 versions" in again.output
    assert _counts(app) == (2, 3)


def test_every_problem_is_reported_by_row_and_field_and_nothing_is_imported(app, runner, tmp_path):
    bad_session = content()
    bad_session["sessions"][1]["duration_minutes"] = 0
    file = _write_json(
        tmp_path / "bad.json",
        [
            content(title="A good one"),
            content(title="", formats=["telepathy"]),
            bad_session | {"title": "Third", "eligibility": {**content()["eligibility"], "age_min": 12}},
            content(title="A good one"),
        ],
    )  # fmt: skip
    result = runner.invoke(args=["modules", "import", file])
    assert result.exit_code != 0
    out = result.output
    assert "Nothing was imported: 5 problems" in out
    for line in (
        "row 2, title: Enter the title",
        "row 2, formats: Not a format: telepathy",
        "row 3, eligibility.age_min: The youngest age must be between 18 and 120",
        "row 3, sessions[2].duration_minutes:",
        "row 4, slug: a-good-one appears more than once in the file",
    ):
        assert line in out, line
    assert _counts(app) == (0, 0)


def test_a_dry_run_checks_and_reports_but_changes_nothing(app, runner, tmp_path):
    file = _write_json(tmp_path / "one.json", [content()])
    result = runner.invoke(args=["modules", "import", file, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Would import: 1 new modules" in result.output
    assert _counts(app) == (0, 0)


def test_a_file_that_is_not_json_says_where(app, runner, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"modules": [\n  {"title": "x",}\n]}', encoding="utf-8")
    result = runner.invoke(args=["modules", "import", str(path)])
    assert result.exit_code != 0 and "file: This is not JSON" in result.output
    assert "at line 2" in result.output


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_csv_import_reads_the_flat_fields_and_keeps_existing_sessions(app, runner, tmp_path):
    with app.app_context():
        services.create_module(content(), actor=person("pdm"), change_note="First version")
        existing = flat_row("managing-emotions", content(summary="Updated from a spreadsheet."))
        new = flat_row("money-matters", content(title="Money matters", sessions=[], core=False))
    path = tmp_path / "modules.csv"
    path.write_text(_csv([existing, new]), encoding="utf-8")
    result = runner.invoke(args=["modules", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 new modules, 1 updated" in result.output
    with app.app_context():
        kept = services.module_content(services.find_module("managing-emotions"))
        assert kept["summary"] == "Updated from a spreadsheet."
        assert [s["title"] for s in kept["sessions"]] == ["What sets me off", "Cooling down"]
        made = services.module_content(services.find_module("money-matters"))
        assert made["core"] is False and made["eligibility"]["age_max"] is None
        assert made["eligibility"]["complexity"]["medium"] == "Anger linked to offending"


def test_csv_problems_name_the_spreadsheet_row(app, runner, tmp_path):
    with app.app_context():
        good = flat_row("good", content(title="Good"))
    bad = {
        **good,
        "slug": "bad",
        "session_count": "six",
        "core": "maybe",
        "rosh_levels": "low; severe",
    }
    path = tmp_path / "modules.csv"
    path.write_text(_csv([good, bad]), encoding="utf-8")
    result = runner.invoke(args=["modules", "import", str(path)])
    assert result.exit_code != 0
    assert "row 3, session_count: Enter the number of sessions as a whole number" in result.output
    assert "row 3, core:" in result.output
    assert "row 3, eligibility.rosh_levels: Not a RoSH level: severe" in result.output
    assert _counts(app) == (0, 0)
    (tmp_path / "short.csv").write_text("slug,title\nx,y\n", encoding="utf-8")
    short = runner.invoke(args=["modules", "import", str(tmp_path / "short.csv")])
    assert "row 1, columns: The file has no column for: summary" in short.output


def test_export_json_round_trips_and_csv_has_the_documented_columns(app, runner, tmp_path):
    with app.app_context():
        services.create_module(content(), actor=person("pdm"), change_note="First version")
        services.create_module(
            content(title="Old course", status="retired"), actor=person("pdm"), change_note="x"
        )
    exported = runner.invoke(args=["modules", "export", "--format", "json"])
    assert exported.exit_code == 0, exported.output
    document = json.loads(exported.output)
    assert [m["slug"] for m in document["modules"]] == ["managing-emotions"]
    assert "FACILITATOR-ONLY" in exported.output  # the full export is the server's
    (tmp_path / "out.json").write_text(exported.output, encoding="utf-8")
    again = runner.invoke(args=["modules", "import", str(tmp_path / "out.json")])
    assert "1 unchanged" in again.output, again.output
    with_retired = runner.invoke(args=["modules", "export", "--format", "csv", "--retired"])
    rows = list(csv.DictReader(io.StringIO(with_retired.output)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert {r["slug"] for r in rows} == {"managing-emotions", "old-course"}
    assert rows[0]["pathways"] == "emotional-wellbeing; thinking-behaviour"


def test_the_demo_modules_load_once_through_the_import(app):
    with app.app_context():
        first = load_demo()
        modules = db.session.scalars(select(Module)).all()
        assert len(modules) >= 20
        assert sum(1 for m in modules if m.current_version >= 3) >= 3
        pathways = {p for m in modules for p in services.module_content(m)["pathways"]}
        assert len(pathways) == 11  # every pathway has at least one module
        assert all(services.module_content(m)["sessions"] for m in modules)
        versions = db.session.scalar(select(func.count()).select_from(ModuleVersion))
        second = load_demo()
        assert db.session.scalar(select(func.count()).select_from(ModuleVersion)) == versions
    assert "0 new" in second and f"{len(modules)} unchanged" in second
    assert f"{len(modules)} new" in first
