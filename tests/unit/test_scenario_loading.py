"""Loading scenarios: extends merging, --set overrides, defaults, schema, resolved round trip."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from sim.cli import main
from sim.commands import schema
from sim.errors import ScenarioError
from sim.scenario import load_scenario, validate

PARENT = """\
format: 1
name: parent
description: the parent
start: 2025-01-01
horizon_years: 2
products: [concentrate, apt]
mines:
  - {id: cn_mines, country: CN, product: concentrate, capacity_tpa: 1000}
  - {id: vn_mines, country: VN, product: concentrate, capacity_tpa: 300}
processors:
  - id: cn_refiners
    country: CN
    inputs: [concentrate]
    output: apt
    capacity_tpa: 1200
    suppliers:
      - {from: cn_mines, share: 0.8, transit_days: 5}
      - {from: vn_mines, share: 0.2, transit_days: 9}
consumers:
  - {id: us_users, country: US, product: apt, demand_tpa: 900,
     suppliers: [{from: cn_refiners, share: 1, transit_days: 30}]}
events:
  - {kind: outage, id: vn_flood, at: 2025-06-01, node: vn_mines, duration_days: 30}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def test_defaults_are_filled_in(tmp_path):
    s = load_scenario(write(tmp_path, "parent.yaml", PARENT))
    assert s.step_days == 7 and s.record_days == 7 and s.seed == 0 and s.replications == 1
    assert s.mines[0].utilization == 1.0
    assert s.consumers[0].priority == 5 and s.consumers[0].backlog is False
    assert s.processors[0].yield_ == 1.0


def test_extends_merges_nodes_by_id_and_appends_events(tmp_path):
    write(tmp_path, "parent.yaml", PARENT)
    child = write(tmp_path, "child.yaml", """\
        extends: parent.yaml
        name: child
        mines:
          - {id: vn_mines, capacity_tpa: 600}
          - {id: kz_mines, country: KZ, product: concentrate, capacity_tpa: 50}
        processors:
          - id: cn_refiners
            suppliers: [{from: kz_mines, share: 1}]
        events:
          - {kind: demand, at: 2026-01-01, nodes: [us_users], factor: 2}
        """)
    s = load_scenario(child)
    assert s.name == "child" and s.description == "the parent"
    assert [m.id for m in s.mines] == ["cn_mines", "vn_mines", "kz_mines"]
    assert s.mines[1].capacity_tpa == 600 and s.mines[1].country == "VN"
    # any list other than node lists and events is replaced whole
    assert [x.from_ for x in s.processors[0].suppliers] == ["kz_mines"]
    assert [e.kind for e in s.events] == ["outage", "demand"]


def test_remove_deletes_an_inherited_node(tmp_path):
    write(tmp_path, "parent.yaml", PARENT)
    child = write(tmp_path, "child.yaml", """\
        extends: parent.yaml
        name: child
        mines: [{id: vn_mines, remove: true}]
        processors:
          - {id: cn_refiners, suppliers: [{from: cn_mines, share: 1}]}
        events: [{id: vn_flood, remove: true}]
        """)
    s = load_scenario(child)
    assert [m.id for m in s.mines] == ["cn_mines"]
    assert s.events == []


def test_removing_a_node_that_events_use_reports_the_event(tmp_path):
    write(tmp_path, "parent.yaml", PARENT)
    child = write(tmp_path, "child.yaml", """\
        extends: parent.yaml
        name: child
        mines: [{id: vn_mines, remove: true}]
        """)
    with pytest.raises(ScenarioError) as err:
        load_scenario(child)
    text = str(err.value)
    assert "parent.yaml:23:56:" in text and "events.vn_flood.node: no mine or processor" in text
    assert "processors.cn_refiners.suppliers.vn_mines.from" in text


def test_set_overrides_by_parameter_path(tmp_path):
    path = write(tmp_path, "parent.yaml", PARENT)
    s = load_scenario(path, [
        ("mines.vn_mines.capacity_tpa", 450),
        ("processors.cn_refiners.suppliers.vn_mines.share", 0.5),
        ("events.vn_flood.duration_days", 60),
        ("events.0.capacity_left", 0.25),
        ("horizon_years", 3),
        ("mines.cn_mines.online", "2025-03-01"),
    ])
    assert s.mines[1].capacity_tpa == 450
    assert s.processors[0].suppliers[1].share == 0.5
    assert s.events[0].duration_days == 60 and s.events[0].capacity_left == 0.25
    assert s.horizon_years == 3
    assert str(s.mines[0].online) == "2025-03-01"


def test_set_unknown_id_suggests_the_near_one(tmp_path):
    path = write(tmp_path, "parent.yaml", PARENT)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path, [("mines.vn_mine.capacity_tpa", 1)])
    assert "no 'vn_mine' in 'mines' (did you mean 'vn_mines'?)" in str(err.value)


def test_set_bad_value_names_the_override(tmp_path, capsys):
    path = write(tmp_path, "parent.yaml", PARENT)
    code = main(["validate", str(path), "--set", "mines.cn_mines.capacity_tpa=-3"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == "--set: mines.cn_mines.capacity_tpa: -3 must be >= 0"


def test_resolved_scenario_loads_to_the_same_scenario(tmp_path):
    from sim.experiments import run_replications
    from sim.results.writer import resolved_yaml

    s = load_scenario(write(tmp_path, "parent.yaml", PARENT))
    text = resolved_yaml(run_replications(s, 1, 5))
    again = load_scenario(write(tmp_path, "resolved.yaml", text))
    assert again == s.model_copy(update={"seed": 5})


def test_validate_accepts_plain_dicts():
    s = validate({"format": 1, "name": "x", "start": "2025-01-01", "horizon_years": 1,
                  "products": ["apt"]}, "inline")
    assert s.horizon_days == 365


def test_schema_is_generated_from_the_models(capsys):
    out = schema()
    assert set(out["properties"]) >= {"format", "name", "mines", "events", "extends"} - {
        "extends"}
    mine = out["$defs"]["Mine"]["properties"]
    assert mine["capacity_tpa"]["minimum"] == 0
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"].startswith("tungsten-sim scenario")


def test_set_into_a_list_the_scenario_lacks_says_so(tmp_path):
    text = PARENT.split("events:")[0]
    path = write(tmp_path, "no_events.yaml", text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path, [("events.0.allowed_fraction", 0.5)])
    assert str(err.value) == ("--set: events.0.allowed_fraction: the scenario has no events "
                              "to set (add them in the file)")
