"""Hostile YAML: deep nesting, big files, aliases, and parents that are not scenarios
(issue 15, items 2 to 4). Each refusal is one located line, exit status 2, nothing written.
"""

from __future__ import annotations

import time

import pytest
import test_bad_input
from test_bad_input import TINY, at, cli, refused, write

from sim.scenario.yamlread import MAX_BYTES

workdir = test_bad_input.workdir


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


LAUGHS = ", ".join(
    [f"&l0 [{', '.join(['lol'] * 9)}]"]
    + [f"&l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)]
)
"""Billion laughs in one flow list: each anchor holds nine aliases of the one before."""


@pytest.mark.parametrize(
    ("added", "where", "message"),
    [
        pytest.param(  # once a RecursionError; the top-level mapping is the first level
            f"description: {nested(500)}\n", "17:113",
            "description: nested more than 100 levels deep", id="500-levels"),
        pytest.param(
            f"description: {nested(99)}\n", "17:14",
            "description: this value is not a string", id="100-levels-are-read"),
        pytest.param(  # 60 levels in the anchor, under 45 more where the alias is
            f"a: &a {nested(60)}\nb: {'[' * 45}*a{']' * 45}\n", "18:49",
            "b: nested more than 100 levels deep", id="through-an-alias"),
    ],
)
@pytest.mark.parametrize("command", ["validate", "run"])
def test_nesting_is_bounded(workdir, capsys, command, added, where, message):
    path = write(workdir, "bad.yaml", TINY + added)
    assert refused(capsys, workdir, cli(command, workdir, path)) == [f"{path}:{where}: {message}"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param(nested(500), "nested more than 100 levels deep", id="deep"),
        pytest.param(f"[{LAUGHS}]", "alias expansion exceeds 200000 nodes (an alias bomb?)",
                     id="alias-bomb"),
    ],
)
def test_set_values_have_the_bounds_of_a_file(workdir, capsys, value, message):
    path = write(workdir, "tiny.yaml", TINY)
    status = cli("validate", workdir, path, "--set", f"description={value}")
    assert refused(capsys, workdir, status) == [f"--set: description: {message}"]


def test_alias_inside_its_own_anchor(workdir, capsys):
    """Once an endless recursion in the reader."""
    text = TINY + "x: &a [1, *a]\n"
    path = write(workdir, "bad.yaml", text)
    [line] = refused(capsys, workdir, cli("validate", workdir, path))
    assert line == f"{path}:{at(text, '*a')}: YAML syntax error: alias 'a' is used inside " \
                   "the value it names"


def test_big_ordinary_file_is_not_an_alias_bomb(workdir, capsys):
    """A few MB of plain events, without one alias, once counted as an alias expansion."""
    event = "  - {kind: outage, at: 2025-06-01, node: m, duration_days: 1, capacity_left: 0.5}\n"
    count = 3_000_000 // len(event)
    path = write(workdir, "big.yaml", TINY + "events:\n" + event * count)
    started = time.perf_counter()
    status = cli("validate", workdir, path)
    elapsed = time.perf_counter() - started
    out = capsys.readouterr()
    assert (status, out.err) == (0, "")
    assert out.out == f"{path}: ok (tiny, 2 nodes, {count} events, 2 years of 7-day steps)\n"
    assert elapsed < 60, f"{elapsed:.1f} s to validate 3 MB"  # about 4 s; was minutes for 50 MB


@pytest.mark.parametrize("command", ["validate", "run"])
def test_file_over_the_size_limit_is_refused_before_parsing(workdir, capsys, command):
    path = write(workdir, "big.yaml", TINY)
    with path.open("r+b") as file:
        file.truncate(MAX_BYTES + 1)  # sparse: costs no disk, and NUL bytes would be refused
    started = time.perf_counter()
    [line] = refused(capsys, workdir, cli(command, workdir, path))
    assert line == f"{path}: is 20,000,001 bytes, over the 20,000,000-byte (20 MB) limit for " \
                   "a scenario file"
    assert time.perf_counter() - started < 5


SECRET = "root:$6$hunter2$abcdef:19000:0:99999:7:::\nhunter2: the password\n"
"""A file that is not a scenario, shaped like /etc/shadow (its last line a YAML mapping)."""


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(SECRET, id="shadow-like"),
        pytest.param("password: hunter2\nname: hunter2\n", id="a-mapping-without-format"),
        pytest.param("- hunter2\n- hunter2: [\n", id="broken-yaml"),
    ],
)
@pytest.mark.parametrize("command", ["validate", "run"])
def test_extends_of_a_file_that_is_not_a_scenario_quotes_nothing(
        workdir, capsys, command, content):
    secret = write(workdir, "secret", content)
    child = write(workdir, "child.yaml", f"extends: {secret}\nname: child\n")
    [line] = refused(capsys, workdir, cli(command, workdir, child))
    assert line == f"{child}:1:10: extends: {secret} is not a scenario mapping (no format: or " \
                   "extends: at its top level); its content is not shown"
    assert "hunter2" not in line


def test_extends_of_a_scenario_with_mistakes_still_names_them(workdir, capsys):
    text = TINY.replace("capacity_tpa: 1000", "capacity: 1")
    parent = write(workdir, "parent.yaml", text)
    child = write(workdir, "child.yaml", "extends: parent.yaml\nname: child\n")
    assert refused(capsys, workdir, cli("validate", workdir, child)) == [
        f"{parent}:{at(text, '{id: m')}: mines.m.capacity_tpa: required key is missing",
        f"{parent}:{at(text, 'capacity: 1')}: mines.m.capacity: unknown key 'capacity' "
        "(did you mean 'capacity_tpa'?)",
    ]


def test_sweep_param_values_have_the_bounds_of_a_file(workdir, capsys):
    """A --param value is read like a --set value: nested 300 deep, it is refused (exit 2,
    one line, nothing written) instead of overflowing the parser's recursion."""
    path = write(workdir, "tiny.yaml", TINY)
    deep = "[" * 300 + "]" * 300
    status = cli("sweep", workdir, path, "--param", f"consumers.c.cover_days={deep}",
                 "--out", str(workdir / "out"), "--quiet")
    assert refused(capsys, workdir, status) == ["--param: nested more than 100 levels deep"]
