"""`block_yaml` writes text `yaml.safe_load` reads back as the same data: random trees of
awkward strings and numbers, every scenario in the repository, and one example pinning the
look of the text."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.results.yamltext import block_yaml
from sim.scenario.load import load_scenario

SCENARIOS = sorted((Path(__file__).parents[2] / "scenarios").glob("*.yaml"))

AWKWARD = [
    "", " ", "yes", "No", "ON", "off", "y", "N", "true", "False", "null", "Null", "~",
    "2025-01-01", "2001-12-14t21:59:43.10-05:00", "1_000", "0x1F", "0o17", "0b101", "012",
    "1:20", "190:20:30.15", "1e5", "1.0e+5", "+1", "-0", ".inf", "-.Inf", ".NaN", "<<", "=",
    "---", "...", "- a", "a: b", "a:", "a:b", "a #b", "a#b", "#x", " lead", "trail ", "a\nb",
    "a\r\nb", "tab\tx", "'q'", '"q"', "@x", "`x", "%x", "!x", "&x", "*x", "|", ">", "?", ":",
    "-", "http://x.y/z", "[a]", "{a}", "a, b", "\x85", "\u2028", "\u2029", "\x7f", "\x9f",
    "\ufeff", "\ufffe", "\ud800x", "\x00", "\x1b", "ünïcödé", "名字", "😀", "a\\b",
]

texts = (st.text()
         | st.text(alphabet="aZ0_ -.:#'\"\\\n\t,[]{}?!&*|>%@`~=<+", max_size=12)
         | st.sampled_from(AWKWARD))
floats = st.floats() | st.sampled_from(
    [-0.0, 5e-324, 1.7976931348623157e308, 1e16, 1e-05, 1e22, 0.1, float("nan")])
scalars = (st.none() | st.booleans() | st.integers() | st.integers(-10**40, 10**40)
           | floats | texts)
trees = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(texts, children, max_size=4),
    max_leaves=25)


def same(a: Any, b: Any) -> bool:
    """`a == b`, but types must match (True is not 1), NaN equals NaN, -0.0 is not 0.0 and
    dict keys must be in the same order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (
            a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, dict):
        return same(list(a.items()), list(b.items()))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


@settings(max_examples=500, deadline=None)
@given(trees)
def test_random_trees_read_back_the_same(tree: Any) -> None:
    text = block_yaml(tree)
    assert same(yaml.safe_load(text), tree), text


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_resolved_scenario_reads_back_the_same(path: Path) -> None:
    data = load_scenario(path).model_dump(mode="json", by_alias=True, exclude_none=True)
    assert same(yaml.safe_load(block_yaml(data)), data)


def test_scenarios_are_found() -> None:
    assert any(p.name == "baseline.yaml" for p in SCENARIOS)


def test_the_look_of_the_text() -> None:
    data = {
        "name": "baseline",
        "start": "2025-01-01",
        "note": "capacity: see section note",
        "answer": "yes",
        "empty": "",
        "mines": [
            {"id": "cn_mines", "capacity_tpa": 67000.0, "utilization": 1e-05,
             "outages": {"rate_per_year": 0.5, "days": [10, 20]}},
            {"id": "vn_mines", "capacity_tpa": float("inf"), "tags": [], "extra": {}},
        ],
        "grid": [[1, 2], [True, None]],
    }
    assert block_yaml(data) == (
        'name: baseline\n'
        'start: "2025-01-01"\n'
        'note: "capacity: see section note"\n'
        'answer: "yes"\n'
        'empty: ""\n'
        'mines:\n'
        '- id: cn_mines\n'
        '  capacity_tpa: 67000.0\n'
        '  utilization: 1.0e-05\n'
        '  outages:\n'
        '    rate_per_year: 0.5\n'
        '    days:\n'
        '    - 10\n'
        '    - 20\n'
        '- id: vn_mines\n'
        '  capacity_tpa: .inf\n'
        '  tags: []\n'
        '  extra: {}\n'
        'grid:\n'
        '- - 1\n'
        '  - 2\n'
        '- - true\n'
        '  - null\n'
    )


def test_scalars_at_the_top_and_long_keys() -> None:
    assert block_yaml(None) == "null\n"
    assert block_yaml("on") == '"on"\n'
    assert block_yaml([]) == "[]\n"
    key = "k" * 200
    data = {key: [1, {"a": 2}], "b": 3}
    assert block_yaml(data) == f"? {key}\n: - 1\n  - a: 2\nb: 3\n"
    assert same(yaml.safe_load(block_yaml(data)), data)


def test_other_types_are_refused() -> None:
    with pytest.raises(TypeError):
        block_yaml({"a": (1, 2)})
