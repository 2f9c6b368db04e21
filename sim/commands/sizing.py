"""`tungsten-sim size-stockpile`: check everything, search, print, write the results folder.

Exit status: 0 with an answer at every release rate; 3 when the target is not reachable
below the largest holding searched (a result: printed and written); 2 for bad input
(nothing run, nothing written); 1 and 130 as for `run`.

The folder (default `results/size-<stockpile>-<scenarios>`, never overwritten: `-2`, ...)
holds sizing.json (settings, answers with their Wilson intervals, every evaluation),
holdings.csv (one row per evaluated holding and scenario) and plots/sizing.png.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from pathlib import Path

from sim.errors import Problem, ScenarioError
from sim.results.files import check_output, write_folder, write_text

NOT_REACHABLE = 3
"""Exit status when the target cannot be met below the largest holding searched."""
HEADER = ("release_tpa", "holding_t", "scenario", "replications", "met", "p_met", "wilson_low",
          "wilson_high", "runs", "implied", "scenario_meets")


def _problem(option: str, message: str, value: object = "") -> ScenarioError:
    return ScenarioError([Problem(option, 0, 0, str(value), message)])


def _settings(args: argparse.Namespace) -> tuple:
    """(target, rates) parsed, and the numeric options checked: all problems at once."""
    from sim.experiments.sizing import parse_target

    problems, target, rates = [], None, (None,)
    try:
        target = parse_target(args.target)
    except ValueError as err:
        problems.append(Problem("--target", 0, 0, "", str(err)))
    if not 0 < args.confidence <= 1:
        problems.append(Problem("--confidence", 0, 0, f"{args.confidence:g}",
                                "must be in (0, 1]"))
    for option, value in (("--replications", args.replications), ("--workers", args.workers),
                          ("--max-holding", args.max_holding), ("--step", args.step)):
        if value is not None and not value > 0:
            problems.append(Problem(option, 0, 0, f"{value:g}", "must be > 0"))
    if args.release_rate:
        try:
            rates = tuple(float(x) for text in args.release_rate for x in text.split(","))
            if not all(r > 0 for r in rates):
                raise ValueError
        except ValueError:
            problems.append(Problem("--release-rate", 0, 0, ",".join(args.release_rate),
                                    "must be numbers > 0 (t/yr), comma-separated"))
    if problems:
        raise ScenarioError(problems)
    return target, rates


def _check_scenario(scenario, path: str, node: str, target, rates) -> list[Problem]:
    """Problems of the stockpile and the target in one scenario."""
    from sim.results.catalogue import kpi_keys, unknown_kpis

    kinds = {spec.id: kind for kind, specs in (
        ("mine", scenario.mines), ("processor", scenario.processors),
        ("stockpile", scenario.stockpiles), ("consumer", scenario.consumers)) for spec in specs}
    problems = []
    if node not in kinds:
        names = ", ".join(p.id for p in scenario.stockpiles) or "none"
        problems.append(Problem("--stockpile", 0, 0, node,
                                f"no such node in {path} (its stockpiles: {names})"))
    elif kinds[node] != "stockpile":
        problems.append(Problem("--stockpile", 0, 0, node,
                                f"is a {kinds[node]} in {path}, not a stockpile"))
    elif rates != (None,) and next(p for p in scenario.stockpiles if p.id == node).release \
            is None:
        problems.append(Problem("--release-rate", 0, 0, node,
                                f"has no release in {path}, so no release rate to set"))
    if target is not None:
        keys = kpi_keys(scenario)
        if target.key[0] not in {scope for scope, _ in keys}:
            problems.append(Problem("--target", 0, 0, target.key[0],
                                    f"no such scope in {path}"))
        else:
            try:
                unknown_kpis([target.key], keys, "--target")
            except ScenarioError as err:
                problems += err.problems
    return problems


def _sizing(args: argparse.Namespace, overrides: list):
    """The Sizing the arguments ask for; ScenarioError with every problem."""
    from sim.experiments.sizing import STEPS, Sizing, default_max_holding
    from sim.scenario import load_scenario

    target, rates = _settings(args)
    scenarios, problems = [], []
    for path in args.scenarios:
        try:
            scenarios.append(load_scenario(path, overrides))
            problems += _check_scenario(scenarios[-1], path, args.stockpile, target, rates)
        except ScenarioError as err:
            problems.extend(err.problems)
    if problems:
        raise ScenarioError(list(dict.fromkeys(problems)))
    top = args.max_holding or default_max_holding(tuple(scenarios), args.stockpile)
    if top is None:
        raise _problem("--max-holding", "is needed: the stockpile releases to no consumer, "
                                        "so there is no default", args.stockpile)
    seed = scenarios[0].seed if args.seed is None else args.seed
    return Sizing(tuple(scenarios), args.stockpile, target, args.confidence,
                  args.replications, seed, float(top), float(args.step or top / STEPS),
                  rates, verify=args.verify)


def size_command(args: argparse.Namespace, overrides: list) -> int:
    """`tungsten-sim size-stockpile` (see the module docstring)."""
    from sim.experiments.sizing import size_stockpile

    sizing = _sizing(args, overrides)
    names = "-".join(dict.fromkeys(s.name for s in sizing.scenarios))
    wanted = args.out or Path("results") / f"size-{sizing.stockpile}-{names}"[:120]
    check_output(wanted)
    result = size_stockpile(sizing, args.workers, progress=not args.quiet)
    draw = None
    if not args.no_plots:
        from sim.plots.sizing import plot_sizing

        draw = plot_sizing
    folder = write_folder(wanted, lambda tmp: _fill(result, tmp, draw))
    print(report(result))
    print(f"results written to {folder}/")
    return 0 if result.reachable else NOT_REACHABLE


def _fill(result, folder: Path, draw) -> None:
    write_text(folder / "sizing.json", json.dumps(manifest(result), indent=1) + "\n")
    write_text(folder / "holdings.csv", holdings_csv(result))
    if draw is not None:
        (folder / "plots").mkdir()
        draw(result, folder / "plots" / "sizing.png")


def _rate(search) -> str:
    return "the scenario's" if search.rate is None else f"{search.rate:g}"


def holdings_csv(result) -> str:
    """One row per evaluation and scenario, in the order they were evaluated."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for search in result.searches:
        for e in search.evaluations:
            for s, name in enumerate(result.names):
                low, high = e.interval(s)
                writer.writerow((_rate(search), f"{e.holding:g}", name, e.n, e.met[s],
                                 f"{e.share(s):.6g}", f"{low:.6g}", f"{high:.6g}", e.ran[s],
                                 e.n - e.ran[s], int(e.met[s] >= e.n * result.sizing.confidence
                                                     - 1e-9)))
    return out.getvalue()


def manifest(result) -> dict:
    """sizing.json: the settings, each search's answer and evaluations."""
    sz = result.sizing
    searches = []
    for search in result.searches:
        final = search.at(search.answer)
        below = search.at(search.below)
        searches.append({
            "release_tpa": search.rate, "answer_t": search.answer, "below_t": search.below,
            "not_reachable_below_t": None if search.answer is not None else sz.max_holding,
            "at_answer": None if final is None else _point(final, result.names),
            "at_below": None if below is None else _point(below, result.names),
            "runs": search.runs, "monotonicity_violations": search.violations,
            "evaluations": [{"holding_t": e.holding, "replications": e.n, "met": e.met,
                             "runs": e.ran, "passes": e.passes} for e in search.evaluations]})
    return {"stockpile": sz.stockpile, "target": sz.target.text(), "confidence": sz.confidence,
            "scenarios": list(result.names), "replications": sz.replications, "seed": sz.seed,
            "max_holding_t": sz.max_holding, "step_t": sz.step, "pilot": sz.pilot,
            "verify": sz.verify, "runs": result.runs,
            "wall_seconds": round(result.wall_seconds, 3), "searches": searches}


def _point(e, names) -> dict:
    per = {name: {"p_met": e.share(s), "wilson95": list(e.interval(s))}
           for s, name in enumerate(names)}
    met, n = sum(e.met), e.n * len(e.met)
    return {"holding_t": e.holding, "replications": e.n, "scenarios": per,
            "pooled": {"p_met": met / n, "wilson95": list(e.interval())}}


def report(result) -> str:
    """What the command prints."""
    sz = result.sizing
    lines = [f"size-stockpile {sz.stockpile}: {sz.target.text()} in >= {sz.confidence:g} of "
             f"replications, in every scenario",
             f"  {len(result.names)} scenario(s) x {sz.replications} replications, seed "
             f"{sz.seed}; holdings 0 to {sz.max_holding:,.0f} t in steps of {sz.step:,.4g} t"]
    for search in result.searches:
        rate = "" if search.rate is None else f" (release {search.rate:,.0f} t/yr)"
        if search.answer is None:
            lines.append(f"not reachable below {sz.max_holding:,.0f} t{rate}")
            final = search.at(sz.max_holding)
        else:
            below = ("0 t passes already" if search.below is None
                     else f"{search.below:,.0f} t fails")
            lines.append(f"smallest holding{rate}: {search.answer:,.0f} t ({below})")
            final = search.at(search.answer)
        lines += _table(final, search.at(search.below), result.names)
        if search.violations is not None:
            lines.append(f"  check at the answer: {search.violations} replication(s) "
                         "contradict monotonicity")
    rate = result.runs / result.wall_seconds if result.wall_seconds > 0 else float("nan")
    lines.append(f"{result.runs:,} runs in {result.wall_seconds:.1f} s ({rate:.1f} runs/s)")
    return "\n".join(lines)


def _table(final, below, names) -> list[str]:
    if final is None:
        return []
    head = f"  {'scenario':24s} P(met) at {final.holding:,.0f} t   95% Wilson"
    if below is not None:
        head += f"      P(met) at {below.holding:,.0f} t"
    rows = [head]
    for s, name in enumerate([*names, "pooled"]):
        pick = None if s == len(names) else s
        p = sum(final.met) / (final.n * len(names)) if pick is None else final.share(pick)
        low, high = final.interval(pick)
        row = f"  {name:24s} {p:>10.3f}   [{low:.3f}, {high:.3f}]"
        if below is not None:
            q = sum(below.met) / (below.n * len(names)) if pick is None else below.share(pick)
            row += f"   {q:>10.3f}"
        rows.append(row)
    return rows
