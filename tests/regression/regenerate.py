"""Regenerate the golden outputs: `python tests/regression/regenerate.py` (review the diff!).

Run it only when a change of model behaviour is intended; the diff of `golden/*.kpis.csv`
then shows exactly which numbers moved.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sim.experiments import run_replications
from sim.results.writer import all_kpi_rows
from sim.scenario import load_scenario

GOLDEN = Path(__file__).resolve().parent / "golden"


def golden_rows(scenario_path: Path) -> list[tuple[str, str, str, str]]:
    """KPI rows of the scenario's replications, values printed to 12 significant digits."""
    result = run_replications(load_scenario(scenario_path))
    return [(str(r), s, k, "" if v != v else f"{v:.12g}") for r, s, k, v in all_kpi_rows(result)]


def main() -> None:
    for path in sorted(GOLDEN.glob("*.yaml")):
        out = path.with_suffix(".kpis.csv")
        with out.open("w", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(("replication", "scope", "kpi", "value"))
            writer.writerows(golden_rows(path))
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
