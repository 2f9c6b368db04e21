"""`tungsten-sim attribute`: a KPI (shortfall, and with a market the demand destroyed by price
and the purchase cost) traced to the events that cause it, by counterfactual runs
(`sim.experiments.attribution`), written to a results folder and printed.

The folder (default `results/attribution-<name>`, never overwritten: `-2`, `-3`, ...) is
written atomically and holds attribution.csv (every consumer scope, KPI and component: mean,
95% interval, n), attribution.md (the same as tables, scopes at zero left out), the resolved
scenario, manifest.json and, unless --no-plots, plots/<kpi>_by_cause.png.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import time
from pathlib import Path
from typing import Any

from sim.errors import Problem, ScenarioError
from sim.experiments.attribution import (
    INTERACTION,
    NONE,
    OWN,
    TOTAL,
    Attribution,
    Row,
    attributed_kpis,
    counterfactuals,
    display_order,
    event_names,
    run_attribution,
    select_events,
    shown_scopes,
)
from sim.results.catalogue import unit, us_scopes
from sim.results.files import (
    DECIMALS,
    check_output,
    number_text,
    package_versions,
    write_folder,
)
from sim.scenario import load_scenario

CSV_HEADER = ("scope", "kpi", "unit", "component", "event", "mean", "ci_low", "ci_high", "n")
DEFINITIONS = ("own effect of an event = KPI of the scenario - KPI of the scenario without "
               "that event (same seed and replications); interaction = total - no events - "
               "sum of own effects, so that total = no events + own effects + interaction: "
               "positive where the events overlap (what either alone would cause, e.g. two "
               "outages of one mine at once), negative where they act only together (what "
               "both own effects count, e.g. bans on both of a consumer's suppliers).")


def attribute_command(args: argparse.Namespace, overrides: list[tuple[str, Any]]) -> int:
    """Check everything (all problems at once), run the counterfactuals, write, print."""
    problems = [Problem(option, 0, 0, str(value), "must be >= 1")
                for option, value in (("--replications", args.replications),
                                      ("--workers", args.workers))
                if value is not None and value < 1]
    scenario = load_scenario(args.scenario, overrides)
    try:
        chosen = select_events(scenario, args.events)
    except ScenarioError as err:
        problems += err.problems
    try:
        keys = attributed_kpis(scenario, args.kpis)
    except ScenarioError as err:
        problems += err.problems
    if problems:
        raise ScenarioError(problems)
    wanted = args.out or Path("results") / f"attribution-{scenario.name}"
    check_output(wanted)
    started = time.perf_counter()
    attribution = run_attribution(scenario, chosen, args.replications, args.seed, kpis=keys,
                                  workers=args.workers, progress=not args.quiet)
    seconds = time.perf_counter() - started
    folder = write_folder(wanted, lambda tmp: _fill(tmp, attribution, seconds, args.no_plots))
    runs = len(counterfactuals(scenario, chosen)) * attribution.n
    print(terminal_text(attribution))
    rate = f" ({runs / seconds:.1f} runs/s)" if seconds > 0 else ""
    print(f"{runs} runs in {seconds:.1f} s{rate}; attribution written to {folder}/")
    return 0


def _fill(tmp: Path, attribution: Attribution, seconds: float, no_plots: bool) -> None:
    from sim.results.writer import scenario_yaml

    rows = attribution.rows()
    (tmp / "attribution.csv").write_text(csv_text(rows), newline="")
    (tmp / "attribution.md").write_text(markdown_text(attribution, rows))
    s = attribution.scenario
    resolved = s.model_copy(update={"seed": attribution.seed, "replications": attribution.n})
    (tmp / "scenario.resolved.yaml").write_text(scenario_yaml(resolved))
    (tmp / "manifest.json").write_text(json.dumps(_manifest(attribution, seconds), indent=1))
    if not no_plots:
        from sim.plots.attribution import plot_attribution

        plot_attribution(attribution, tmp / "plots")


def _manifest(attribution: Attribution, seconds: float) -> dict:
    s = attribution.scenario
    return {"kind": "attribution", "scenario": s.name, "seed": attribution.seed,
            "replications": attribution.n, "events_attributed": attribution.events,
            "events_kept_in_every_run": [e for e in event_names(s)
                                         if e not in attribution.events],
            "runs": list(attribution.values), "kpis": sorted({k for _, k in attribution.keys}),
            "definitions": DEFINITIONS, "wall_seconds": round(seconds, 3),
            "versions": package_versions()}


def csv_text(rows: list[Row]) -> str:
    """attribution.csv: one row per scope, KPI and component; numbers read back exactly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        i = row.interval
        writer.writerow((row.scope, row.kpi, unit(row.kpi), row.component, row.event,
                         *(number_text(v, DECIMALS) for v in (i.estimate, i.low, i.high)), i.n))
    return out.getvalue()


def _cell(row: Row, kpi: str) -> str:
    digits = 1 if unit(kpi) == "$ million" else 0
    mean, half = row.interval.estimate, row.interval.halfwidth
    text = f"{mean:,.{digits}f}"
    if row.interval.n > 1 and half == half:  # not NaN
        text += f" ± {half:,.{digits}f}"
    return text


def table_lines(attribution: Attribution, rows: list[Row], kpi: str,
                scopes: list[tuple[str, list[str]]], markdown: bool) -> list[str]:
    """One KPI's table: a row per (scope, scopes with the same values), a column per
    component."""
    parts = [TOTAL, NONE, *attribution.events, INTERACTION]
    heads = ["scope", "total", "no events", *(f"own: {e}" for e in attribution.events),
             "interaction"]
    cells = {(r.scope, r.label): _cell(r, kpi) for r in rows if r.kpi == kpi}
    body = [[" = ".join([scope, *same]), *(cells[scope, p] for p in parts)]
            for scope, same in scopes]
    if markdown:
        return ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads),
                *("| " + " | ".join(line) + " |" for line in body)]
    widths = [max(len(str(x)) for x in col) for col in zip(heads, *body, strict=True)]
    fmt = "  ".join(f"{{:{'<' if j == 0 else '>'}{w}}}" for j, w in enumerate(widths))
    return [fmt.format(*heads), *(fmt.format(*line) for line in body)]


def _intro(attribution: Attribution) -> str:
    n = attribution.n
    how = f"mean ± 95% CI half-width over {n} replications" if n > 1 else "1 replication"
    return (f"{attribution.scenario.name}: attribution by counterfactual runs "
            f"(seed {attribution.seed}, {how}).")


def markdown_text(attribution: Attribution, rows: list[Row]) -> str:
    """attribution.md: per KPI a table of the consumer scopes that are not zero throughout."""
    lines = [f"# Attribution: {attribution.scenario.name}", "", _intro(attribution), "",
             DEFINITIONS, "", "Consumer scopes where every component is zero are left out; "
             "scopes with the same values share a row (a = b).", ""]
    for kpi in dict.fromkeys(r.kpi for r in rows):
        lines += [f"## {kpi} ({unit(kpi)})", ""]
        scopes = shown_scopes(attribution, kpi)
        if scopes:
            lines += table_lines(attribution, rows, kpi, scopes, markdown=True)
        else:
            lines.append("Zero in every consumer scope, with and without the events.")
        lines.append("")
    return "\n".join(lines)


def terminal_text(attribution: Attribution) -> str:
    """What `attribute` prints: per KPI, the U.S. scopes and the world."""
    rows = attribution.rows()
    lines = [_intro(attribution), f"{OWN} = scenario - scenario without the event; "
             f"{INTERACTION} = total - no events - sum of own effects"]
    for kpi in dict.fromkeys(r.kpi for r in rows):
        scopes = [(s, []) for s in display_order(list(dict.fromkeys(r.scope for r in rows)))
                  if s == "world" or s in us_scopes([s])]
        lines += ["", f"{kpi} ({unit(kpi)})",
                  *table_lines(attribution, rows, kpi, scopes, markdown=False)]
    return "\n".join(lines)
