"""The shape of the package (issue 11, style.md): layers, no import cycles, small pieces.

Imports are read from the source with `ast` (every import, also inside functions; those
under `if TYPE_CHECKING:` too, since a cycle there is still a cycle for a reader), so these
tests fail on the change that breaks a rule, whichever module it is in.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[2] / "sim"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
MAX_ATTRIBUTES = 20
LONG_FUNCTIONS_ALLOWED = {("sim.cli", "_parser")}  # the CLI's argparse definition

LAYERS = {
    # package: the sim packages it may import (besides itself)
    "sim.errors": set(),
    "sim.lazy": set(),
    "sim.records": set(),
    "sim.scenario": {"sim.errors"},
    "sim.model": {"sim.errors", "sim.records", "sim.scenario"},
    "sim.results": {"sim.errors", "sim.records", "sim.scenario"},
    "sim.plots": {"sim.errors", "sim.records", "sim.results", "sim.scenario", "sim.experiments"},
    "sim.experiments": {"sim.errors", "sim.lazy", "sim.records", "sim.scenario", "sim.model",
                        "sim.results"},
    "sim.report": {"sim.errors", "sim.records", "sim.results", "sim.scenario"},
    "sim.commands": {"sim.errors", "sim.records", "sim.scenario", "sim.model", "sim.results",
                     "sim.experiments", "sim.plots", "sim.report"},
    "sim.api": {"sim.errors", "sim.records", "sim.scenario", "sim.model", "sim.results",
                "sim.experiments", "sim.report", "sim.commands"},
    "sim.cli": {"sim.errors", "sim.commands", "sim.scenario", "sim.experiments", "sim.report"},
    "sim.__main__": {"sim.cli"},
    "sim": {"sim.lazy", "sim.api", "sim.experiments", "sim.results", "sim.scenario", "sim.model",
            "sim.records", "sim.errors"},
}
"""Which layer may import which (design.md: cli → commands → experiments → model → scenario;
results and plots beside experiments; the record contract, sim.records, below them all).
Plots are drawn only by the command layer: nothing but sim.commands imports sim.plots (the
Python API, sim.api, draws through sim.commands.figures, and only when asked to)."""


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name."""
    found = {}
    for path in sorted(SIM.rglob("*.py")):
        parts = path.relative_to(SIM.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The sim modules a file imports: for `from P import x`, the module P.x where it is
    one, else P (the longest known module name in either case)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in known
                     else node.module for a in node.names]
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name.startswith("sim"):
                out.add(name)
    return out


def layer(module: str) -> str:
    """The LAYERS key a module belongs to."""
    for key in sorted(LAYERS, key=len, reverse=True):
        if module == key or module.startswith(key + "."):
            return key
    raise AssertionError(f"{module} is in no layer")


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imports_of(path, set(mods)) - {name} for name, path in mods.items()}


def test_no_import_cycles():
    edges = graph()
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt == "sim" or nxt not in edges:
                continue  # the package's __init__ re-exports; it is not a module of a layer
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt):], nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)


def test_layers_import_only_downwards():
    wrong = []
    for module, targets in graph().items():
        mine = layer(module)
        for target in targets:
            other = layer(target)
            if other != mine and other not in LAYERS[mine]:
                wrong.append(f"{module} imports {target}")
    assert not wrong, "\n".join(sorted(wrong))


@pytest.mark.parametrize("module", sorted(modules()))
def test_module_is_small(module):
    lines = modules()[module].read_text().count("\n")
    assert lines <= MAX_MODULE_LINES, f"{module}: {lines} lines"


def _definitions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node


@pytest.mark.parametrize("module", sorted(modules()))
def test_functions_are_short(module):
    tree = ast.parse(modules()[module].read_text())
    long = [f"{node.name}: {node.end_lineno - node.lineno + 1} lines"
            for node in _definitions(tree) if not isinstance(node, ast.ClassDef)
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
            and (module, node.name) not in LONG_FUNCTIONS_ALLOWED]
    assert not long, f"{module}: " + ", ".join(long)


def attributes(cls: ast.ClassDef) -> set[str]:
    """Names a class holds: annotated class-level fields and every `self.x = ...`."""
    names = {n.target.id for n in cls.body
             if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}
    for node in ast.walk(cls):
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else []
        for target in targets:
            for t in (target.elts if isinstance(target, ast.Tuple) else [target]):
                if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) \
                        and t.value.id == "self":
                    names.add(t.attr)
    return names


@pytest.mark.parametrize("module", sorted(modules()))
def test_no_object_holds_more_than_twenty_attributes(module):
    tree = ast.parse(modules()[module].read_text())
    big = [f"{node.name}: {len(attributes(node))}" for node in _definitions(tree)
           if isinstance(node, ast.ClassDef) and len(attributes(node)) > MAX_ATTRIBUTES]
    assert not big, f"{module}: " + ", ".join(big)


def test_the_checks_see_a_cycle_and_an_upward_import(tmp_path):
    """The helpers above find what they are meant to (so a passing test means something)."""
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("from sim.model.world import World\n")
    b.write_text("def f():\n    import sim.plots.run\n    from sim import commands\n")
    known = set(modules())
    assert imports_of(a, known) == {"sim.model.world"}
    assert imports_of(b, known) == {"sim.plots.run", "sim.commands"}
    assert layer("sim.results.kpis") == "sim.results"
    assert "sim.plots" not in LAYERS["sim.results"]
