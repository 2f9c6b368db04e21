"""The baseline's first year against the public 2024 figures it is calibrated to.

`calibration_rows(record)` measures a RunRecord of `baseline.yaml` and returns one row per
target: what the model gives, the target, its source, and whether it is within tolerance.
`tests/integration/test_calibration.py` asserts the rows; `scenarios/report.py` prints them
into the README. Sources are in `scenarios/sources.md` (the project's copy of the data brief).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

USGS_2024_T = {  # [MCS25] World Mine Production table, 2024e, t W
    "CN": 67_000, "VN": 3_400, "RU": 2_000, "KP": 1_700, "BO": 1_600, "RW": 1_200,
    "AU": 1_000, "AT": 800, "ES": 700, "PT": 500, "ROW": 1_500,
}
WORLD_2024_T = 81_000  # [MCS25], rounded


@dataclass(frozen=True)
class Check:
    """One calibration target: measured value, target, how close it must be, and why."""

    name: str
    measured: float
    target: float
    low: float
    high: float
    unit: str
    source: str

    @property
    def ok(self) -> bool:
        """Within the accepted range."""
        return self.low <= self.measured <= self.high


def first_year(record) -> slice:
    """The steps starting in the first 364 days (52 weekly steps); flows are then × 365/364."""
    return slice(0, int(364 // record.step_days))


def calibration_rows(record) -> list[Check]:
    """Every calibration check of the baseline's first year."""
    year = first_year(record)
    scale = 365.0 / (year.stop * record.step_days)
    a, nodes = record.arrays, record.nodes
    mines = [i for i, n in enumerate(nodes) if n.kind == "mine"]
    produced = a["produced_t"][year].sum(axis=0) * scale
    by_country = {c: float(sum(produced[i] for i in mines if nodes[i].country == c))
                  for c in USGS_2024_T}
    world = float(produced[mines].sum())
    rows = [Check("world mine output", world, WORLD_2024_T, 0.97 * WORLD_2024_T,
                  1.03 * WORLD_2024_T, "t W/yr", "USGS MCS 2025 (2024e, rounded)")]
    for country, target in USGS_2024_T.items():
        rows.append(Check(f"mine output {country}", by_country[country], target, 0.97 * target,
                          1.03 * target, "t W/yr", "USGS MCS 2025 (2024e)"))
    rows.append(Check("China's share of mine output", by_country["CN"] / world, 0.827, 0.81,
                      0.845, "share", "USGS MCS 2025 82.7%; Project Blue 81%"))
    rows += _processing(record)
    rows += _united_states(record, year, scale)
    return rows


def _processing(record) -> list[Check]:
    a, nodes = record.arrays, record.nodes
    primary = [i for i, n in enumerate(nodes) if n.kind == "processor"
               and "recycl" not in n.id]
    capacity = a["capacity_tpa"][0]
    cn_capacity = sum(capacity[i] for i in primary if nodes[i].country == "CN")
    share = float(cn_capacity / sum(capacity[i] for i in primary))
    return [Check("China's share of refining + conversion capacity", share, 0.90, 0.90, 1.0,
                  "share", "sscollege.cn 2025: >90% of deep processing")]


def china_throughput_share(record) -> float:
    """China's share of tonnes refined and converted in the first year (not a target)."""
    nodes = record.nodes
    primary = [i for i, n in enumerate(nodes) if n.kind == "processor" and "recycl" not in n.id]
    processed = record.arrays["processed_t"][first_year(record)].sum(axis=0)
    cn_processed = sum(processed[i] for i in primary if nodes[i].country == "CN")
    return float(cn_processed / sum(processed[i] for i in primary))


def _united_states(record, year: slice, scale: float) -> list[Check]:
    a, nodes = record.arrays, record.nodes
    us = [i for i, n in enumerate(nodes) if n.country == "US" and n.kind == "consumer"]
    delivered = a["delivered_t"][year].sum(axis=0) * scale
    us_use = float(delivered[us].sum())
    carbide = float(sum(delivered[i] for i in us if nodes[i].group == "carbide"))
    recyclers = [i for i, n in enumerate(nodes) if n.country == "US" and "recycl" in n.id]
    scrap = float(a["processed_t"][year][:, recyclers].sum() * scale)
    use_per_day = a["expected_use_t"][year][:, us].sum(axis=1) / record.step_days
    cover = float(np.mean(a["stock_t"][year][:, us].sum(axis=1) / use_per_day))
    shipped = record.shipped_by_edge[year].sum(axis=0)
    imports = [(e, nodes[s].country) for e, (s, b) in enumerate(record.edges)
               if nodes[b].country == "US" and nodes[s].country != "US"]
    total_imports = sum(shipped[e] for e, _ in imports)
    china_imports = sum(shipped[e] for e, country in imports if country == "CN")
    return [
        Check("China's share of U.S. imports", float(china_imports / total_imports), 0.32,
              0.25, 0.40, "share", "USGS via chinatungsten.com: 32% (2017-20)"),
        Check("U.S. consumption", us_use, 11_600, 0.9 * 11_600, 1.1 * 11_600, "t W/yr",
              "USGS MYB 2014 reported consumption (2024 withheld)"),
        Check("cemented carbide share of U.S. use", carbide / us_use, 0.60, 0.55, 0.65, "share",
              "USGS MCS 2025 ~60%"),
        Check("scrap's share of U.S. supply", scrap / us_use, 0.34, 0.25, 0.40, "share",
              "USGS MCS 2007: ~34% of apparent consumption (2006)"),
        Check("U.S. consumer cover", cover, 21, 14, 28, "days",
              "USGS MYB 2014: 676 t stocks / 11,600 t/yr = 3 weeks"),
    ]


def format_table(rows: list[Check]) -> str:
    """The checks as a Markdown table."""
    lines = ["| check | model | target | accepted | source |", "|---|---|---|---|---|"]
    for r in rows:
        fmt = (lambda v: f"{v:.1%}") if r.unit == "share" else (lambda v: f"{v:,.0f}")
        unit = "" if r.unit == "share" else f" {r.unit}"
        accepted = f"{fmt(r.low)} – {fmt(r.high)}"
        mark = "" if r.ok else " **(outside)**"
        lines.append(f"| {r.name} | {fmt(r.measured)}{unit}{mark} | {fmt(r.target)} | "
                     f"{accepted} | {r.source} |")
    return "\n".join(lines)
