"""Bad scenario input through the CLI: what the user sees, and that nothing is written.

Every refusal shares four things: exit status 2, one `FILE:LINE:COL: PATH: message` line per
problem on stderr, no traceback, and no results folder (not even a hidden temporary one).
Positions are 1-based; `at(text, needle)` computes them from the YAML written, pointing at the
value for a bad value and at the key for an unknown key.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sim.cli import main
from sim.errors import ScenarioError
from sim.scenario.yamlread import MAX_NODES

REPO = Path(__file__).resolve().parents[2]

TINY = textwrap.dedent("""\
    format: 1
    name: tiny
    start: 2025-01-01
    horizon_years: 2
    step_days: 7
    record_days: 7
    products: [apt]
    mines:
      - {id: m, country: CN, product: apt, capacity_tpa: 1000}
    consumers:
      - id: c
        country: US
        product: apt
        demand_tpa: 900
        initial_stock: 100
        suppliers: [{from: m, share: 1, transit_days: 10}]
    """)
"""A valid scenario (horizon 2025-01-01 to 2027-01-01); the cases below each break it once."""


def edit(old: str, new: str, text: str = TINY) -> str:
    """`text` with its one occurrence of `old` replaced by `new`."""
    assert text.count(old) == 1, f"{old!r} must occur exactly once"
    return text.replace(old, new)


def with_events(block: str) -> str:
    """TINY with an `events:` list appended (`events:` is line 17)."""
    return TINY + "events:\n" + textwrap.dedent(block)


def at(text: str, needle: str) -> str:
    """`LINE:COL` (1-based) where the one occurrence of `needle` starts in `text`."""
    assert text.count(needle) == 1, f"{needle!r} must occur exactly once"
    before = text[: text.index(needle)]
    return f"{before.count(chr(10)) + 1}:{len(before) - before.rfind(chr(10))}"


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def cli(command: str, folder: Path, *args: object) -> int:
    """`validate ARGS` or `run ARGS --out folder/out --quiet --no-plots`; the exit status."""
    argv = [command, *map(str, args)]
    if command == "run":
        argv += ["--out", str(folder / "out"), "--quiet", "--no-plots"]
    return main(argv)


def refused(capsys: pytest.CaptureFixture[str], folder: Path, status: int) -> list[str]:
    """stderr lines of a refused command, after checking what every refusal shares."""
    captured = capsys.readouterr()
    assert status == 2, captured.err
    assert "Traceback" not in captured.err + captured.out
    assert "results written" not in captured.out
    assert not (folder / "out").exists()
    assert not (folder / "results").exists()
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []
    assert captured.err.endswith("\n")
    return captured.err.splitlines()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder that is also the working directory, so nothing lands in the repo."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_tiny_scenario_is_valid(workdir, capsys):
    """The base of every case below passes, so each case fails for its one change only."""
    path = write(workdir, "tiny.yaml", TINY)
    assert cli("validate", workdir, path) == 0
    assert (
        capsys.readouterr().out == f"{path}: ok (tiny, 2 nodes, 0 events, 2 years of 7-day steps)\n"
    )


def test_negative_rate_exact_line(workdir, capsys):
    path = write(workdir, "bad.yaml", edit("capacity_tpa: 1000", "capacity_tpa: -5"))
    lines = refused(capsys, workdir, cli("run", workdir, path))
    assert lines == [f"{path}:9:54: mines.m.capacity_tpa: -5 must be >= 0"]


# (command, YAML, where the problem is written, "PATH: message" the user sees)
ONE_PROBLEM = [
    pytest.param(
        "validate",
        edit("name: tiny", "name: tiny: again"),
        ": again",
        "YAML syntax error: mapping values are not allowed here",
        id="yaml-syntax",
    ),
    pytest.param(
        "run",
        edit("    demand_tpa: 900", "\tdemand_tpa: 900"),
        "\tdemand",
        "YAML syntax error: found character '\\t' that cannot start any token",
        id="yaml-tab",
    ),
    pytest.param(
        "run",
        edit("    initial_stock: 100\n", "    initial_stock: 100\n    priorty: 2\n"),
        "priorty",
        "consumers.c.priorty: unknown key 'priorty' (did you mean 'priority'?)",
        id="unknown-key-did-you-mean",
    ),
    pytest.param(
        "validate",
        TINY + "colour: red\n",
        "colour",
        "colour: unknown key 'colour'",
        id="unknown-key-no-near-miss",
    ),
    pytest.param(
        "validate",
        with_events("""\
          - kind: export_control
            at: 2025-06-01
            untill: 2025-09-01
            country: CN
            mode: ban
        """),
        "untill",
        "events.0.untill: unknown key 'untill' (did you mean 'until'?)",
        id="unknown-event-key",
    ),
    pytest.param(
        "run",
        edit("horizon_years: 2", "horizon_years: two"),
        "two",
        "horizon_years: 'two' is not a number",
        id="wrong-type-number",
    ),
    pytest.param(
        "validate",
        edit("step_days: 7", "step_days: 7.5"),
        "7.5",
        "step_days: 7.5 is not a whole number",
        id="wrong-type-whole-number",
    ),
    pytest.param(
        "validate",
        edit("start: 2025-01-01", "start: Jan 2025"),
        "Jan 2025",
        "start: 'Jan 2025' is not a date (YYYY-MM-DD)",
        id="wrong-type-date",
    ),
    pytest.param(
        "validate",
        edit(
            "mines:\n  - {id: m, country: CN, product: apt, capacity_tpa: 1000}", "mines: {id: m}"
        ),
        "{id: m}",
        "mines: this value is not a list",
        id="wrong-type-list",
    ),
    pytest.param(
        "validate",
        edit("country: CN", "country: China"),
        "China",
        "mines.m.country: 'China' is not valid: countries are ISO 3166-1 alpha-2 codes such "
        "as CN, US, KZ, or ROW",
        id="bad-country",
    ),
    pytest.param(
        "validate",
        edit("demand_tpa: 900", "demand_tpa: -900"),
        "-900",
        "consumers.c.demand_tpa: -900 must be >= 0",
        id="negative-demand",
    ),
    pytest.param(
        "run",
        edit("share: 1", "share: 0.0"),
        "0.0",
        "consumers.c.suppliers.m.share: 0 must be > 0",
        id="share-zero",
    ),
    pytest.param(
        "validate",
        edit("share: 1", "share: -0.5"),
        "-0.5",
        "consumers.c.suppliers.m.share: -0.5 must be > 0",
        id="share-negative",
    ),
    pytest.param(
        "run",
        edit("from: m,", "from: mm,"),
        "mm,",
        "consumers.c.suppliers.mm.from: no mine or processor 'mm' (did you mean 'm'?)",
        id="dangling-supplier",
    ),
    pytest.param(
        "validate",
        TINY + "stockpiles:\n  - {id: nds, country: US, product: powdr}\n",
        "powdr",
        "stockpiles.nds.product: unknown product 'powdr'",
        id="unknown-product",
    ),
    pytest.param(
        "validate",
        edit("products: [apt]", "products: [apt, powder]")
        + "  - {id: c2, country: US, product: powder, demand_tpa: 5}\n",
        "{id: c2",
        "consumers.c2: needs 'powder', which no mine, processor or scrap flow produces",
        id="product-nobody-makes",
    ),
    pytest.param(
        "run",
        with_events("  - {kind: export_control, at: 2030-01-01, country: CN, mode: ban}\n"),
        "2030-01-01",
        "events.0.at: 2030-01-01 is outside the horizon 2025-01-01 to 2027-01-01",
        id="event-after-horizon",
    ),
    pytest.param(
        "validate",
        with_events("  - {kind: export_control, at: 2024-12-31, country: CN, mode: ban}\n"),
        "2024-12-31",
        "events.0.at: 2024-12-31 is outside the horizon 2025-01-01 to 2027-01-01",
        id="event-before-start",
    ),
    pytest.param(
        "validate",
        edit("capacity_tpa: 1000}", "capacity_tpa: 1000, online: 2031-01-01}"),
        "2031-01-01",
        "mines.m.online: 2031-01-01 is after the horizon 2025-01-01 to 2027-01-01",
        id="online-after-horizon",
    ),
    pytest.param(
        "validate",
        edit("capacity_tpa: 1000}", "capacity_tpa: 1000, ramp_days: 365}"),
        "365}",
        "mines.m.ramp_days: a ramp needs an online date to start from: give online (the day "
        "output starts), or use a capacity event with ramp_days to ramp an existing mine",
        id="ramp-without-online",
    ),
    pytest.param(
        "validate",
        with_events("""\
          - kind: export_control
            at: 2026-06-01
            until: 2026-01-01
            country: CN
            mode: ban
        """),
        "2026-01-01",
        "events.0.until: 2026-01-01 is not after at (2026-06-01)",
        id="until-before-at",
    ),
    pytest.param(
        "run",
        TINY + "step_days: 14\n",
        "step_days: 14",
        "step_days: duplicate key 'step_days' (first given on line 5)",
        id="duplicate-key",
    ),
    pytest.param(
        "run",
        edit("name: tiny", "name: tiny scenario"),
        "tiny scenario",
        "name: 'tiny scenario' is not valid: a name is a plain slug: letters, digits, '-' and '_'",
        id="name-with-space",
    ),
    pytest.param(
        "validate",
        edit("name: tiny", "name: 123"),
        "123",
        "name: 123 is not a string",
        id="name-not-a-string",
    ),
    pytest.param(
        "run",
        edit("record_days: 7", "record_days: 12"),
        "12",
        "record_days: 12 is not a multiple of step_days (7)",
        id="record-not-multiple",
    ),
    pytest.param(
        "validate",
        edit(
            "capacity_tpa: 1000}",
            "capacity_tpa: 1000}\n  - {id: c, country: CN, product: apt, capacity_tpa: 5}",
        ),
        "c\n    country: US",
        "consumers.c.id: duplicate id 'c' (also in mines)",
        id="duplicate-node-id",
    ),
    pytest.param(
        "validate",
        edit("products: [apt]", "products: [apt, powder]")
        .replace(
            "capacity_tpa: 1000}",
            "capacity_tpa: 1000}\n  - {id: p, country: CN, product: powder, capacity_tpa: 10}",
        )
        .replace("from: m,", "from: p,"),
        "p, share",
        "consumers.c.suppliers.p.from: 'p' supplies 'powder', but this node needs 'apt'",
        id="supplier-product-mismatch",
    ),
    pytest.param(
        "validate",
        TINY + "stockpiles:\n  - {id: nds, country: US, product: apt, "
        "suppliers: [{from: c, share: 1}]}\n",
        "c, share",
        "stockpiles.nds.suppliers.c.from: 'c' is a stockpile or consumer; only mines and "
        "processors supply (stockpiles release through release.to)",
        id="supplier-is-a-consumer",
    ),
    pytest.param(
        "run",
        edit("products: [apt]", "products: [apt, scrap]").replace(
            "    initial_stock: 100\n",
            "    initial_stock: 100\n    scrap_rate: 0.2\n    scrap_to: recycler\n",
        ),
        "recycler",
        "consumers.c.scrap_to: no processor 'recycler'",
        id="dangling-scrap-to",
    ),
    pytest.param(
        "validate",
        TINY + "stockpiles:\n  - id: nds\n    country: US\n    product: apt\n"
        "    release: {to: [cc], max_tpa: 10}\n",
        "cc",
        "stockpiles.nds.release.to.0: no consumer 'cc' (did you mean 'c'?)",
        id="dangling-release-to",
    ),
    pytest.param(
        "run",
        with_events("  - {kind: outage, at: 2025-06-01, node: mm, duration_days: 30}\n"),
        "mm,",
        "events.0.node: no mine or processor 'mm' (did you mean 'm'?)",
        id="dangling-event-node",
    ),
    pytest.param(
        "validate",
        TINY + "stockpiles:\n  - {id: nds, country: US, product: apt}\n"
        "events:\n  - {kind: release, at: 2025-06-01, node: ndss, quantity: 5}\n",
        "ndss",
        "events.0.node: no stockpile 'ndss' (did you mean 'nds'?)",
        id="dangling-release-event-node",
    ),
    pytest.param(
        "validate",
        with_events("""\
          - kind: export_control
            at: 2025-06-01
            country: CN
            mode: quota
        """),
        "kind",
        "events.0: mode quota needs allowed_fraction",
        id="quota-no-fraction",
    ),
    pytest.param(
        "validate",
        with_events("  - {kind: export_control, at: 2025-06-01, country: CN, mode: licence}\n"),
        "{kind",
        "events.0: mode licence needs delay_days",
        id="licence-no-delay",
    ),
    pytest.param(
        "validate",
        with_events("  - {kind: embargo, at: 2025-06-01}\n"),
        "{kind",
        "events.0: unknown kind 'embargo' (expected one of 'export_control', 'capacity', "
        "'outage', 'demand', 'transit', 'release', 'origin_rule')",
        id="unknown-event-kind",
    ),
    pytest.param(
        "validate",
        edit("format: 1\n", "format: 2\n"),
        "2\nname",
        "format: 2 is not allowed (expected 1)",
        id="format-version",
    ),
    pytest.param(
        "validate",
        TINY + "defaults: &d {x: 1}\nother:\n  <<: *d\n",
        "<<",
        "other: YAML merge keys (<<) are not supported; use extends:",
        id="yaml-merge-key",
    ),
    pytest.param(
        "validate",
        "- format: 1\n- name: tiny\n",
        "- format",
        "a scenario file must be a mapping of keys (format, name, mines, ...)",
        id="not-a-mapping",
    ),
]


@pytest.mark.parametrize(("command", "text", "needle", "message"), ONE_PROBLEM)
def test_one_problem_gives_one_located_line(workdir, capsys, command, text, needle, message):
    path = write(workdir, "bad.yaml", text)
    lines = refused(capsys, workdir, cli(command, workdir, path))
    assert lines == [f"{path}:{at(text, needle)}: {message}"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("", "file is empty", id="empty"),
        pytest.param("# a comment, nothing else\n", "file is empty", id="only-comments"),
        pytest.param(b"\x00\x01\x02format: 1\n", "is a binary file, not YAML text", id="binary"),
        pytest.param(b"name: caf\xe9\n", "is not UTF-8 text (byte 9)", id="latin-1"),
        pytest.param(None, "file not found", id="missing"),
    ],
)
@pytest.mark.parametrize("command", ["validate", "run"])
def test_unreadable_file_is_named(workdir, capsys, command, content, message):
    path = workdir / "bad.yaml" if content is None else write(workdir, "bad.yaml", content)
    lines = refused(capsys, workdir, cli(command, workdir, path))
    assert lines == [f"{path}: {message}"]


def test_directory_is_not_a_scenario(workdir, capsys):
    folder = workdir / "scenarios.yaml"
    folder.mkdir()
    lines = refused(capsys, workdir, cli("validate", workdir, folder))
    assert lines == [f"{folder}: is a directory, not a scenario file"]


@pytest.mark.parametrize(
    "tag",
    [
        '!!python/object/apply:os.system ["touch pwned"]',
        '!!python/object/new:os.system ["touch pwned"]',
        "!!python/name:os.system",
    ],
)
@pytest.mark.parametrize("command", ["validate", "run"])
def test_python_tag_is_refused_and_not_executed(workdir, capsys, command, tag):
    text = TINY + f"description: {tag}\n"
    path = write(workdir, "bad.yaml", text)
    lines = refused(capsys, workdir, cli(command, workdir, path))
    assert not (workdir / "pwned").exists()
    [line] = lines
    assert line.startswith(f"{path}:{at(text, '!!python')}: description: tag ")
    assert tag.split()[0].removeprefix("!!") in line
    assert line.endswith(" is not allowed (plain YAML values only)")


def test_alias_bomb_is_bounded(workdir, capsys):
    laughs = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    laughs += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)]
    path = write(workdir, "bad.yaml", TINY + "\n".join(laughs) + "\n")
    [line] = refused(capsys, workdir, cli("run", workdir, path))
    pattern = (
        rf"{re.escape(str(path))}:\d+:\d+: l\d[\w.]*: alias expansion exceeds "
        rf"{MAX_NODES} nodes \(an alias bomb\?\)"
    )
    assert re.fullmatch(pattern, line), line


def test_every_problem_is_reported_in_file_order(workdir, capsys):
    text = (
        edit("capacity_tpa: 1000", "capacity_tpa: -5", TINY)
        .replace("horizon_years: 2", "horizon_years: two")
        .replace("    initial_stock: 100\n", "    initial_stock: 100\n    priorty: 2\n")
    )
    path = write(workdir, "bad.yaml", text)
    assert refused(capsys, workdir, cli("run", workdir, path)) == [
        f"{path}:{at(text, 'two')}: horizon_years: 'two' is not a number",
        f"{path}:{at(text, '-5')}: mines.m.capacity_tpa: -5 must be >= 0",
        f"{path}:{at(text, 'priorty')}: consumers.c.priorty: unknown key 'priorty' "
        "(did you mean 'priority'?)",
    ]


def test_misspelt_required_key_is_missing_and_suggested(workdir, capsys):
    text = edit("horizon_years: 2", "horizon_year: 2")
    path = write(workdir, "bad.yaml", text)
    assert refused(capsys, workdir, cli("validate", workdir, path)) == [
        f"{path}:1:1: horizon_years: required key is missing",
        f"{path}:{at(text, 'horizon_year')}: horizon_year: unknown key 'horizon_year' "
        "(did you mean 'horizon_years'?)",
    ]


def test_unknown_product_and_what_follows_from_it(workdir, capsys):
    """One misspelt product also leaves its buyers without a producer; both are said."""
    text = edit("product: apt, capacity_tpa", "product: atp, capacity_tpa")
    path = write(workdir, "bad.yaml", text)
    assert refused(capsys, workdir, cli("validate", workdir, path)) == [
        f"{path}:{at(text, 'atp')}: mines.m.product: unknown product 'atp' (did you mean 'apt'?)",
        f"{path}:{at(text, 'id: c')}: consumers.c: needs 'apt', which no mine, processor or "
        "scrap flow produces",
        f"{path}:{at(text, 'm, share')}: consumers.c.suppliers.m.from: 'm' supplies 'atp', "
        "but this node needs 'apt'",
    ]


def test_all_files_are_checked_before_anything_runs(workdir, capsys):
    good = write(workdir, "good.yaml", TINY)
    negative = write(workdir, "negative.yaml", edit("capacity_tpa: 1000", "capacity_tpa: -5"))
    missing = workdir / "missing.yaml"
    lines = refused(capsys, workdir, cli("run", workdir, good, negative, missing))
    assert lines == [
        f"{missing}: file not found",
        f"{negative}:9:54: mines.m.capacity_tpa: -5 must be >= 0",
    ]


def test_validate_reports_good_files_and_bad_files(workdir, capsys):
    good = write(workdir, "good.yaml", TINY)
    bad = write(workdir, "bad.yaml", edit("share: 1", "share: 0"))
    status = cli("validate", workdir, good, bad)
    out = capsys.readouterr()
    assert status == 2
    assert out.out == f"{good}: ok (tiny, 2 nodes, 0 events, 2 years of 7-day steps)\n"
    assert out.err == f"{bad}:16:34: consumers.c.suppliers.m.share: 0 must be > 0\n"


def test_slug_name_keeps_results_inside_results_folder(workdir, capsys):
    """`name` names the results folder; `../evil` must be refused before anything is made."""
    text = edit("name: tiny", "name: ../evil")
    path = write(workdir, "bad.yaml", text)
    [line] = refused(capsys, workdir, main(["run", str(path), "--quiet", "--no-plots"]))
    assert (
        line == f"{path}:2:7: name: '../evil' is not valid: a name is a plain slug: "
        "letters, digits, '-' and '_'"
    )
    assert sorted(p.name for p in workdir.iterdir()) == ["bad.yaml"]


# --- extends -------------------------------------------------------------------------------


def test_extends_cycle(workdir, capsys):
    first = write(workdir, "a.yaml", "extends: b.yaml\nname: a\n")
    second = write(workdir, "b.yaml", "extends: a.yaml\nname: b\n")
    lines = refused(capsys, workdir, cli("run", workdir, first))
    assert lines == [f"{second}:1:10: extends: cycle: a.yaml -> b.yaml -> a.yaml"]


def test_extends_itself(workdir, capsys):
    path = write(workdir, "self.yaml", "extends: self.yaml\nname: me\n")
    lines = refused(capsys, workdir, cli("validate", workdir, path))
    assert lines == [f"{path}:1:10: extends: cycle: self.yaml -> self.yaml"]


def test_extends_missing_parent(workdir, capsys):
    path = write(workdir, "child.yaml", "extends: baseline.yaml\nname: child\n")
    lines = refused(capsys, workdir, cli("validate", workdir, path))
    assert lines == [
        f"{path}:1:10: extends: parent file 'baseline.yaml' not found "
        f"(looked for {workdir / 'baseline.yaml'})"
    ]


def test_problem_in_parent_names_the_parent_file(workdir, capsys):
    parent = write(workdir, "parent.yaml", edit("capacity_tpa: 1000", "capacity_tpa: -5"))
    child = write(
        workdir,
        "child.yaml",
        textwrap.dedent("""\
        extends: parent.yaml
        name: child
        mines:
          - {id: m, utilization: 2}
        """),
    )
    assert refused(capsys, workdir, cli("run", workdir, child)) == [
        f"{child}:4:26: mines.m.utilization: 2 must be <= 1",
        f"{parent}:9:54: mines.m.capacity_tpa: -5 must be >= 0",
    ]


def test_python_tag_in_parent_is_refused(workdir, capsys):
    parent = write(
        workdir, "parent.yaml", TINY + 'seed: !!python/object/apply:os.system ["touch pwned"]\n'
    )
    child = write(workdir, "child.yaml", "extends: parent.yaml\nname: child\n")
    [line] = refused(capsys, workdir, cli("validate", workdir, child))
    assert line.startswith(f"{parent}:17:7: seed: tag ")
    assert not (workdir / "pwned").exists()


# --- --set ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "assignment", "line"),
    [
        pytest.param(
            "run",
            "mines.mm.capacity_tpa=5",
            "--set: mines.mm.capacity_tpa: no 'mm' in 'mines' (did you mean 'm'?)",
            id="unknown-id",
        ),
        pytest.param(
            "validate",
            "consumers.c.suppliers.mm.share=2",
            "--set: consumers.c.suppliers.mm.share: "
            "no 'mm' in 'consumers.c.suppliers' (did you mean 'm'?)",
            id="unknown-supplier",
        ),
        pytest.param(
            "validate",
            "minse.m.capacity_tpa=5",
            "--set: minse: unknown key 'minse' (did you mean 'mines'?)",
            id="unknown-list",
        ),
        pytest.param(
            "run",
            "consumers.c.demand_tpx=5",
            "--set: consumers.c.demand_tpx: unknown key 'demand_tpx' (did you mean 'demand_tpa'?)",
            id="unknown-key",
        ),
        pytest.param(
            "validate",
            "name.x=1",
            "--set: name.x: 'name' is a value, not a mapping or list",
            id="into-a-value",
        ),
        pytest.param(
            "run",
            "mines.m.capacity_tpa=-3",
            "--set: mines.m.capacity_tpa: -3 must be >= 0",
            id="negative-value",
        ),
        pytest.param(
            "validate",
            "mines.m.capacity_tpa=lots",
            "--set: mines.m.capacity_tpa: 'lots' is not a number",
            id="not-a-number",
        ),
        pytest.param(
            "run",
            "consumers.c.suppliers.m.share=0",
            "--set: consumers.c.suppliers.m.share: 0 must be > 0",
            id="share-zero",
        ),
        pytest.param(
            "validate",
            "mines.m.capacity_tpa",
            "--set: mines.m.capacity_tpa: expected PATH=VALUE",
            id="no-equals-sign",
        ),
    ],
)
def test_bad_set(workdir, capsys, command, assignment, line):
    path = write(workdir, "tiny.yaml", TINY)
    lines = refused(capsys, workdir, cli(command, workdir, path, "--set", assignment))
    assert lines == [line]


def test_every_bad_set_is_reported(workdir, capsys):
    path = write(workdir, "tiny.yaml", TINY)
    status = cli(
        "validate",
        workdir,
        path,
        "--set",
        "mines.mm.capacity_tpa=5",
        "--set",
        "consumers.cc.demand_tpa=5",
    )
    assert refused(capsys, workdir, status) == [
        "--set: consumers.cc.demand_tpa: no 'cc' in 'consumers' (did you mean 'c'?)",
        "--set: mines.mm.capacity_tpa: no 'mm' in 'mines' (did you mean 'm'?)",
    ]


# --- --debug and the real process ----------------------------------------------------------


def test_debug_raises_instead_of_printing(workdir, capsys):
    path = write(workdir, "bad.yaml", edit("capacity_tpa: 1000", "capacity_tpa: -5"))
    with pytest.raises(ScenarioError) as raised:
        main(["--debug", "run", str(path), "--out", str(workdir / "out"), "--quiet"])
    assert [str(p) for p in raised.value.problems] == [
        f"{path}:9:54: mines.m.capacity_tpa: -5 must be >= 0"
    ]
    assert not (workdir / "out").exists()


def test_python_m_sim_exits_2_without_traceback(tmp_path):
    write(tmp_path, "bad.yaml", edit("capacity_tpa: 1000", "capacity_tpa: -5"))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    done = subprocess.run(
        [sys.executable, "-m", "sim", "validate", "bad.yaml"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr == "bad.yaml:9:54: mines.m.capacity_tpa: -5 must be >= 0\n"
    assert done.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


# --- problems found in review, now fixed --------------------------------------------------


@pytest.mark.parametrize("date", ["2025-02-30", "2025-13-01"])
def test_impossible_date_in_file(workdir, capsys, date):
    text = edit("start: 2025-01-01", f"start: {date}")
    path = write(workdir, "bad.yaml", text)
    [line] = refused(capsys, workdir, cli("run", workdir, path))
    assert line.startswith(f"{path}:3:8: start: ")
    assert date in line


def test_impossible_date_in_set(workdir, capsys):
    path = write(workdir, "tiny.yaml", TINY)
    [line] = refused(capsys, workdir, cli("validate", workdir, path, "--set", "start=2025-13-01"))
    assert line.startswith("--set")
    assert "start" in line
    assert "2025-13-01" in line


@pytest.mark.parametrize("value", ["true", "yes"])
def test_boolean_is_not_a_number(workdir, capsys, value):
    text = edit("capacity_tpa: 1000", f"capacity_tpa: {value}")
    path = write(workdir, "bad.yaml", text)
    [line] = refused(capsys, workdir, cli("validate", workdir, path))
    assert line.startswith(f"{path}:{at(text, value)}: mines.m.capacity_tpa: ")
    assert line.endswith(" is not a number")


def test_empty_value_is_said_in_yaml_terms(workdir, capsys):
    text = edit("capacity_tpa: 1000", "capacity_tpa:")
    path = write(workdir, "bad.yaml", text)
    [line] = refused(capsys, workdir, cli("validate", workdir, path))
    assert line.startswith(f"{path}:9:53: mines.m.capacity_tpa: ")
    assert "number" in line
    assert "None" not in line


def test_refused_tag_is_shown_as_written(workdir, capsys):
    text = TINY + 'description: !!python/object/apply:os.system ["echo hi"]\n'
    path = write(workdir, "bad.yaml", text)
    [line] = refused(capsys, workdir, cli("validate", workdir, path))
    assert (
        line == f"{path}:17:14: description: tag !!python/object/apply:os.system is not "
        "allowed (plain YAML values only)"
    )


def test_unclosed_quote_names_where_it_opened(workdir, capsys):
    text = edit("name: tiny", "name: 'tiny")
    path = write(workdir, "bad.yaml", text)
    [line] = refused(capsys, workdir, cli("validate", workdir, path))
    assert line.startswith(f"{path}:")
    assert "YAML syntax error" in line
    assert "quoted scalar" in line
    assert line.startswith(f"{path}:2:7:") or "line 2" in line


def test_negative_transit_names_the_value(workdir, capsys):
    text = edit("transit_days: 10", "transit_days: -3")
    path = write(workdir, "bad.yaml", text)
    lines = refused(capsys, workdir, cli("validate", workdir, path))
    assert lines == [
        f"{path}:{at(text, '-3')}: consumers.c.suppliers.m.transit_days: -3 must be >= 0"
    ]


def test_debug_after_the_command(workdir):
    path = write(workdir, "bad.yaml", edit("capacity_tpa: 1000", "capacity_tpa: -5"))
    with pytest.raises(ScenarioError):
        main(["validate", str(path), "--debug"])
