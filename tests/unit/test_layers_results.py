"""The results layer reads the record contract (sim.records), never the model, and never
draws: no module of sim/results imports sim.model or sim.plots, even inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

RESULTS = Path(__file__).resolve().parents[2] / "sim" / "results"
FORBIDDEN = ("sim.model", "sim.plots")


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth: `import a.b`, `from a.b import c` (as
    a.b and a.b.c, since c may be a module) and relative imports resolved against sim.results."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = ["sim", "results"][: 3 - node.level]
                base = ".".join([*parent, base] if base else parent)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def forbidden(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in FORBIDDEN)


def test_the_check_sees_each_form_of_import(tmp_path: Path) -> None:
    source = tmp_path / "probe.py"
    source.write_text("import sim.model.world\nfrom sim import plots\n"
                      "def f():\n    from ..model import run\n")
    found = imported_modules(source)
    assert {"sim.model.world", "sim.plots", "sim.model.run"} <= found
    assert all(forbidden(m) for m in ("sim.model.world", "sim.plots", "sim.model.run"))


@pytest.mark.parametrize("path", sorted(RESULTS.glob("*.py")), ids=lambda p: p.name)
def test_results_module_imports_neither_model_nor_plots(path: Path) -> None:
    bad = sorted(m for m in imported_modules(path) if forbidden(m))
    assert bad == [], f"{path.name} imports {bad}"
