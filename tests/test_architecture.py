"""Which way imports go: the import-linter contracts hold, and they really catch a breach."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
PACKAGES = ("wisdom", "search", "content", "modules", "workflows", "plugins")
ABOVE_THE_CENTRE = frozenset(PACKAGES) - {"wisdom"}
LAYERS = "Components import only downwards"
NO_PLUGINS = "Nothing imports plugins"


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    """Run the real lint-imports console script with the setup.cfg in ``cwd``."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", "--config", "setup.cfg"],
        cwd=cwd,
        env={"PATH": str(LINT_IMPORTS.parent), "PYTHONPATH": str(cwd)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def verdicts(output: str) -> dict[str, str]:
    """Each contract's verdict (KEPT or BROKEN), by the start of its name."""
    text = " ".join(output.split())  # import-linter wraps long contract names
    found = {}
    for contract in (LAYERS, NO_PLUGINS):
        after = text[text.index(contract) :]
        kept, broken = after.find(" KEPT"), after.find(" BROKEN")
        found[contract] = "KEPT" if broken == -1 or -1 < kept < broken else "BROKEN"
    return found


def test_the_import_contracts_are_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert verdicts(result.stdout) == {LAYERS: "KEPT", NO_PLUGINS: "KEPT"}
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def _copy_of_the_code(tmp_path: Path) -> Path:
    """The project's packages and setup.cfg, copied, so a breach can be planted safely."""
    copy = tmp_path / "project"
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            copy / package,
            ignore=lambda _dir, names: [
                n for n in names if not (n.endswith(".py") or "." not in n)
            ],
        )
    shutil.copy(ROOT / "setup.cfg", copy / "setup.cfg")
    return copy


def _plant(module: Path, line: str) -> None:
    module.write_text(module.read_text() + f"\n{line}\n")


def test_the_contracts_catch_the_centre_importing_a_component(tmp_path):
    copy = _copy_of_the_code(tmp_path)
    assert lint_imports(copy).returncode == 0  # the untouched copy passes, like the original
    _plant(copy / "wisdom" / "views.py", "import content.component  # a breach")
    result = lint_imports(copy)
    assert result.returncode != 0
    assert verdicts(result.stdout) == {LAYERS: "BROKEN", NO_PLUGINS: "KEPT"}
    assert "wisdom.views -> content.component" in result.stdout


def test_the_contracts_catch_a_component_importing_a_plugin(tmp_path):
    copy = _copy_of_the_code(tmp_path)
    (copy / "plugins" / "cases.py").write_text('"""A plugin module."""\n')
    _plant(copy / "search" / "component.py", "import plugins.cases  # a breach")
    result = lint_imports(copy)
    assert result.returncode != 0
    assert verdicts(result.stdout) == {LAYERS: "BROKEN", NO_PLUGINS: "BROKEN"}
    assert "search.component -> plugins.cases" in result.stdout


def imported_packages(path: Path) -> set[tuple[int, str]]:
    """The top-level packages a module imports (absolute imports, and import_module calls)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {(node.lineno, alias.name.partition(".")[0]) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.lineno, node.module.partition(".")[0]))
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", ""))
            in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add((node.lineno, node.args[0].value.partition(".")[0]))
    return found


def test_no_module_of_the_centre_imports_a_package_above_it():
    modules = sorted((ROOT / "wisdom").rglob("*.py"))
    assert len(modules) > 20
    breaches = [
        f"{path.relative_to(ROOT)}:{line} imports {package}"
        for path in modules
        for line, package in sorted(imported_packages(path))
        if package in ABOVE_THE_CENTRE
    ]
    assert not breaches


def test_the_ast_scan_would_see_a_breach(tmp_path):
    module = tmp_path / "breach.py"
    module.write_text(
        "def f():\n"
        "    from content.models import Item\n"
        "    import importlib\n"
        "    importlib.import_module('plugins.qa')\n"
    )
    assert {package for _line, package in imported_packages(module)} == {
        "content",
        "importlib",
        "plugins",
    }
