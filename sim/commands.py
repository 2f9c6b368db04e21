"""What each CLI command does, as plain functions the CLI calls and prints from."""

from __future__ import annotations

import argparse
import datetime as dt
import math
from pathlib import Path
from typing import Any

from sim.errors import Problem, ScenarioError
from sim.scenario import Scenario, load_scenario, parse_assignment
from sim.scenario.schema import Scenario as ScenarioModel

SHIPPED = Path(__file__).resolve().parent.parent / "scenarios"


def parse_overrides(texts: list[str]) -> list[tuple[str, Any]]:
    """Parse every `--set PATH=VALUE`, reporting all malformed ones together."""
    parsed, problems = [], []
    for text in texts:
        try:
            parsed.append(parse_assignment(text))
        except ScenarioError as err:
            problems.extend(err.problems)
    if problems:
        raise ScenarioError(problems)
    return parsed


def load(path: str, overrides: list[tuple[str, Any]]) -> Scenario:
    """Load one scenario file with overrides (a thin wrapper for symmetry with the CLI)."""
    return load_scenario(path, overrides)


def describe(s: Scenario) -> str:
    """One line on a scenario's size."""
    nodes = len(s.mines) + len(s.processors) + len(s.stockpiles) + len(s.consumers)
    return f"{nodes} nodes, {len(s.events)} events, {s.horizon_years:g} years " \
           f"of {s.step_days}-day steps"


def schema() -> dict:
    """JSON Schema of the scenario format, generated from the pydantic models."""
    out = ScenarioModel.model_json_schema(by_alias=True)
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    out["title"] = "tungsten-sim scenario, format 1"
    return out


def list_scenarios(folder: Path | None) -> list[tuple[str, str]]:
    """(file name, description) of each scenario file in a folder (default: shipped ones)."""
    folder = folder or (Path("scenarios") if Path("scenarios").is_dir() else SHIPPED)
    out = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            description = load_scenario(path).description
        except ScenarioError as err:
            description = f"(invalid: {err.problems[0].message})"
        out.append((path.stem, " ".join(description.split())))
    return out


def run_command(args: argparse.Namespace, overrides: list[tuple[str, Any]]) -> int:
    """`tungsten-sim run`: load every scenario first (all problems at once), then run each."""
    from sim.experiments import run_replications
    from sim.results import write_result

    if args.replications is not None and args.replications < 1:
        raise ScenarioError([Problem("--replications", 0, 0, "", "must be >= 1")])
    scenarios, problems = [], []
    for path in args.scenarios:
        try:
            scenarios.append(load_scenario(path, overrides))
        except ScenarioError as err:
            problems.extend(err.problems)
    if problems:
        raise ScenarioError(problems)
    if args.out is not None and len(scenarios) > 1:
        args.out.mkdir(parents=True, exist_ok=True)
    for scenario in scenarios:
        result = run_replications(scenario, args.replications, args.seed,
                                  progress=not args.quiet)
        if args.out is None:
            wanted = Path("results") / scenario.name
        elif len(scenarios) > 1:
            wanted = args.out / scenario.name
        else:
            wanted = args.out
        folder = write_result(result, wanted, plots=not args.no_plots)
        print(us_table(result))
        print(f"results written to {folder}/")
    return 0


US_KPIS = (("fill_rate", "fill rate", "{:.1%}"), ("shortfall_t", "shortfall t", "{:,.0f}"),
           ("days_short", "days short", "{:,.0f}"),
           ("first_shortfall_day", "first short", "date"),
           ("origin_share_CN", "CN-origin", "{:.1%}"))


def us_table(result) -> str:
    """A short table of U.S. KPIs (means over replications) for the terminal."""
    from sim.results.kpis import summarize
    from sim.results.writer import all_kpi_rows

    summary = summarize(all_kpi_rows(result))
    scopes = [s for s in summary if s == "country:US" or s.startswith("country:US/group:")]
    n = len(result.runs)
    runs = f"mean of {n} replications" if n > 1 else "1 run"
    head = f"{result.name}: U.S. KPIs ({runs})"
    lines = [head, f"{'scope':28s}" + "".join(f"{label:>14s}" for _, label, _ in US_KPIS)]
    for scope in scopes:
        cells = []
        for kpi, _, fmt in US_KPIS:
            mean = summary[scope].get(kpi, {}).get("mean")
            if mean is None or (isinstance(mean, float) and math.isnan(mean)):
                cells.append("-")
            elif fmt == "date":
                cells.append((result.scenario.start + dt.timedelta(days=mean)).isoformat())
            else:
                cells.append(fmt.format(mean))
        lines.append(f"{scope:28s}" + "".join(f"{c:>14s}" for c in cells))
    if not scopes:
        lines.append("(no U.S. consumers in this scenario)")
    return "\n".join(lines)
