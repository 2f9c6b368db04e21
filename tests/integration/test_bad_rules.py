"""Bad export-control and origin-rule input (issue 12): one located line each, exit 2.

Unknown country codes, an enforcement or approval outside [0, 1], an approval schedule out
of date order, a refused end-use group no consumer has, re-export on a quota: each is
refused with FILE:LINE:COL: PATH: message, and nothing is written.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sim.cli import main

GOOD = textwrap.dedent("""\
    format: 1
    name: rules
    start: 2025-01-01
    horizon_years: 2
    products: [apt]
    mines:
      - {id: m, country: CN, product: apt, capacity_tpa: 1000}
    consumers:
      - id: c
        country: US
        group: defense
        product: apt
        demand_tpa: 900
        suppliers: [{from: m, share: 1, transit_days: 10}]
    events:
    """)


def at(text: str, needle: str) -> str:
    """`LINE:COL` (1-based) where the one occurrence of `needle` starts in `text`."""
    assert text.count(needle) == 1, f"{needle!r} must occur exactly once"
    before = text[: text.index(needle)]
    return f"{before.count(chr(10)) + 1}:{len(before) - before.rfind(chr(10))}"


CASES = [
    pytest.param(
        "  - {kind: export_control, at: 2025-06-01, country: QQ, mode: ban}\n", "QQ",
        "events.0.country: 'QQ' is not an ISO 3166-1 alpha-2 country code (or ROW)",
        id="unknown-country"),
    pytest.param(
        "  - {kind: export_control, at: 2025-06-01, country: CN, mode: ban, reexport: true,"
        " enforcement: 1.5}\n", "1.5",
        "events.0.enforcement: 1.5 must be <= 1", id="enforcement-above-one"),
    pytest.param(
        "  - {kind: export_control, at: 2025-06-01, country: CN, mode: licence, "
        "delay_days: 45, approval: -0.1}\n", "-0.1",
        "events.0.approval: -0.1 must be >= 0", id="approval-below-zero"),
    pytest.param(
        "  - {kind: export_control, at: 2025-06-01, country: CN, mode: licence, delay_days: 45,"
        " approval: [{from: 2026-01-01, approval: 0.5}, {from: 2025-07-01, approval: 0.2}]}\n",
        "[{from: 2026",
        "events.0.approval: the schedule's dates must increase: 2026-01-01, 2025-07-01",
        id="schedule-out-of-order"),
    pytest.param(
        "  - {kind: export_control, at: 2025-06-01, country: CN, mode: licence, delay_days: 45,"
        " refuse_groups: [defence]}\n", "defence",
        "events.0.refuse_groups.0: no consumer has group 'defence' (did you mean 'defense'?);"
        " groups: defense", id="unknown-group"),
    pytest.param(
        "  - {kind: origin_rule, at: 2026-01-01, group: defence, exclude_processed: [CN]}\n",
        "defence", "events.0.group: no consumer has group 'defence' (did you mean 'defense'?);"
        " groups: defense", id="origin-rule-unknown-group"),
    pytest.param(
        "  - {kind: export_control, at: 2025-06-01, country: CN, mode: quota, "
        "allowed_fraction: 0.5, reexport: true}\n", "{kind",
        "events.0: reexport applies to mode ban", id="reexport-on-quota"),
]


@pytest.mark.parametrize(("event", "needle", "message"), CASES)
def test_bad_rule_gives_one_located_line(tmp_path: Path, monkeypatch, capsys, event, needle,
                                         message):
    monkeypatch.chdir(tmp_path)
    text = GOOD + event
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    status = main(["run", str(path), "--out", str(tmp_path / "out"), "--quiet", "--no-plots"])
    captured = capsys.readouterr()
    assert status == 2, captured.err
    assert "Traceback" not in captured.err
    assert not (tmp_path / "out").exists()
    assert captured.err.splitlines() == [f"{path}:{at(text, needle)}: {message}"]


def test_unknown_country_in_a_dfars_rule(tmp_path: Path, capsys):
    text = GOOD.replace("group: defense\n", "group: defense\n    exclude_processed: [CN, XY]\n") \
        .replace("events:\n", "events: []\n")
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    assert main(["validate", str(path)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"{path}:{at(text, 'XY')}: consumers.c.exclude_processed.1: 'XY' is not an ISO "
        "3166-1 alpha-2 country code (or ROW)"]
