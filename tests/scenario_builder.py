"""Small builders of scenario dicts (and YAML files) for tests.

Every builder returns a plain dict in the scenario format (scenario-format.md), so a test
reads like the YAML it stands for. `build` validates a dict into a Scenario, `run` builds and
simulates it, `series` picks one node's time series out of a RunRecord, and `kpis` turns the
KPI rows of a run into a {(scope, kpi): value} mapping.

Dates: scenarios start on START (2030-01-01, not a leap year) and `day(n)` gives the ISO date
n days later, so events can be placed on exact step boundaries (day = k × step_days).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import yaml

START = dt.date(2030, 1, 1)


def day(n: float) -> str:
    """ISO date `n` days after START."""
    return (START + dt.timedelta(days=int(n))).isoformat()


def supplier(frm: str, share: float = 1.0, transit_days: Any = 0.0) -> dict:
    """One edge of a sourcing list."""
    return {"from": frm, "share": share, "transit_days": transit_days}


def mine(id: str, capacity_tpa: float, *, country: str = "CN", product: str = "metal",
         **extra: Any) -> dict:
    """A mine; `extra` adds any other mine key (initial_stock, online, ramp_days, ...)."""
    return {"id": id, "country": country, "product": product, "capacity_tpa": capacity_tpa,
            **extra}


def processor(id: str, capacity_tpa: float, suppliers: list[dict], *, country: str = "US",
              input: str = "ore", output: str = "metal", **extra: Any) -> dict:
    """A processor with one input; `extra` adds yield, process_days, cover_days, ..."""
    return {"id": id, "country": country, "inputs": [input], "output": output,
            "capacity_tpa": capacity_tpa, "suppliers": suppliers, **extra}


def consumer(id: str, demand_tpa: float, suppliers: list[dict], *, country: str = "US",
             product: str = "metal", **extra: Any) -> dict:
    """A consumer; `extra` adds group, priority, cover_days, noise, initial_stock, ..."""
    return {"id": id, "country": country, "product": product, "demand_tpa": demand_tpa,
            "suppliers": suppliers, **extra}


def stockpile(id: str, *, country: str = "US", product: str = "metal", **extra: Any) -> dict:
    """A stockpile; `extra` adds initial_stock, target_stock, release, suppliers."""
    return {"id": id, "country": country, "product": product, **extra}


def export_control(at_day: float, mode: str, *, country: str = "CN", until_day: float | None =
                   None, to: Any = "all", products: Any = "all", **extra: Any) -> dict:
    """An export control from `at_day` (until `until_day`, if given)."""
    event = {"kind": "export_control", "at": day(at_day), "country": country, "to": to,
             "products": products, "mode": mode, **extra}
    if until_day is not None:
        event["until"] = day(until_day)
    return event


def scenario(*, mines: list[dict] = (), processors: list[dict] = (),
             stockpiles: list[dict] = (), consumers: list[dict] = (), events: list[dict] = (),
             step_days: int = 7, horizon_years: float = 1, products: list[str] | None = None,
             name: str = "test", seed: int = 1, record_days: int | None = None) -> dict:
    """A complete scenario dict; products default to those the nodes name."""
    if products is None:
        names: list[str] = []
        for node in (*mines, *stockpiles, *consumers):
            names.append(node["product"])
        for node in processors:
            names += [*node["inputs"], node["output"]]
        products = list(dict.fromkeys(names))
    return {
        "format": 1, "name": name, "start": START.isoformat(), "horizon_years": horizon_years,
        "step_days": step_days, "record_days": record_days or step_days, "seed": seed,
        "products": products, "mines": list(mines), "processors": list(processors),
        "stockpiles": list(stockpiles), "consumers": list(consumers), "events": list(events),
    }


def write_yaml(folder: Path, data: dict, filename: str = "scenario.yaml") -> Path:
    """Write a scenario dict as YAML into `folder`; return the file's path."""
    path = Path(folder) / filename
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def build(data: dict):
    """Validate a scenario dict into a Scenario."""
    from sim.scenario import validate

    return validate(data, "test")


def run(data: dict, replication: int = 0, seed: int | None = None):
    """Validate and simulate one replication; return the RunRecord."""
    from sim.model import simulate

    return simulate(build(data), replication=replication, seed=seed)


def node_index(record, node_id: str) -> int:
    """Column of a node in a RunRecord's arrays."""
    return [n.id for n in record.nodes].index(node_id)


def series(record, variable: str, node_id: str) -> np.ndarray:
    """One node's time series of one variable, per step."""
    return record.arrays[variable][:, node_index(record, node_id)]


def kpis(record) -> dict[tuple[str, str], float]:
    """{(scope, kpi): value} of one run."""
    from sim.results.kpis import kpi_rows

    return {(scope, kpi): value for _, scope, kpi, value in kpi_rows(record)}
