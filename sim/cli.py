"""The `tungsten-sim` command line: parses arguments, calls the library, prints.

Bad input (an output folder that cannot be created included) exits with status 2 and one line
per problem; a failed run, or results that could not be written, exits with 1. Tracebacks
are shown only with `--debug`.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from sim.errors import Problem, ScenarioError, SimulationError


def _engine_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", choices=("batch", "single"), default="batch",
                        help="batch (default): advance chunks of replications together (same "
                             "numbers, faster for many replications; memory per chunk bounded); "
                             "single: one replication at a time")


def _parser() -> argparse.ArgumentParser:
    from sim.experiments.defaults import KEEP_SERIES, MAX_REPLICATIONS

    parser = argparse.ArgumentParser(
        prog="tungsten-sim", description="Tungsten supply-disruption scenario simulator.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run", parents=[common], help="run scenario files and write results",
        description="Run scenario files (Monte Carlo replications, optionally in parallel) and "
                    "write one results folder each.",
        epilog="Replication r draws every random source from its own stream (seed, r, source "
               "id): results are identical for any --workers, and scenarios run with the same "
               "seed share random numbers. Ctrl-C stops cleanly (exit 130, nothing partial "
               "written).")
    run.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    run.add_argument("--replications", "-n", type=int,
                     help="replications (default: the scenario's; with --ci-halfwidth: the "
                          "first batch, default 10)")
    run.add_argument("--seed", type=int, help="seed (default: the scenario's)")
    run.add_argument("--set", dest="overrides", action="append", default=[],
                     metavar="PATH=VALUE", help="override a parameter (repeatable)")
    run.add_argument("--out", type=Path, help="results folder (default: results/<name>)")
    _engine_option(run)
    run.add_argument("--workers", "-j", type=int, default=1, metavar="W",
                     help="worker processes (default 1: in this process)")
    run.add_argument("--keep-series", type=int, default=KEEP_SERIES, metavar="K",
                     help="replications written in full to timeseries.csv and drawn in the "
                          f"per-node plots (default {KEEP_SERIES}); KPIs, summaries and "
                          "bands.csv cover all replications")
    run.add_argument("--ci-halfwidth", type=float, metavar="X",
                     help="sequential stopping: add replications until the 95%% CI of --kpi "
                          "has half-width <= X")
    run.add_argument("--kpi", metavar="SCOPE.KPI",
                     help="KPI for --ci-halfwidth, e.g. country:US.fill_rate")
    run.add_argument("--max-replications", type=int, default=MAX_REPLICATIONS, metavar="M",
                     help=f"most replications with --ci-halfwidth (default {MAX_REPLICATIONS})")
    run.add_argument("--prob-fill", type=float, action="append", metavar="T",
                     help="report P(fill rate >= T) per scope (repeatable; default 0.95)")
    run.add_argument("--prob-no-shortfall-by", action="append", metavar="DATE",
                     help="report P(no shortfall before DATE) per scope (repeatable; "
                          "default: the end of the run)")
    run.add_argument("--prob-first-tonne", action="append", metavar="ORIGIN[@DATE]",
                     help="report P(first tonne mined in ORIGIN delivered by DATE) per "
                          "consumer scope, e.g. KZ@2030-06-30 (repeatable; DATE defaults to "
                          "the end of the run); every run reports first_tonne_day_from_ORIGIN "
                          "and prints time to event for country:US")
    run.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    run.add_argument("--quiet", "-q", action="store_true", help="no progress bar")

    compare = sub.add_parser(
        "compare", parents=[common], help="compare results or scenarios (KPIs with CIs, plots)",
        description="Compare result folders and/or scenario files against the first one: "
                    "KPIs with 95% CIs and their differences (paired by replication when "
                    "seeds and replication counts match, Welch otherwise), the parameters "
                    "that changed, and overlay plots. Scenario files are run with a common "
                    "seed. Writes results/compare-<names>/.")
    compare.add_argument("inputs", nargs="+", metavar="RESULT_OR_SCENARIO")
    compare.add_argument("--replications", "-n", type=int,
                         help="replications of scenario files (default: those of the first "
                              "result folder, else the largest of the scenarios')")
    compare.add_argument("--seed", type=int,
                         help="seed of scenario files (default: the first result folder's, "
                              "else the first scenario's)")
    _engine_option(compare)
    compare.add_argument("--workers", "-j", type=int, default=1, metavar="W",
                         help="worker processes for scenario files (default 1)")
    compare.add_argument("--kpi", action="append", default=[], metavar="SCOPE.KPI",
                         help="KPI to show (repeatable; default: main U.S. KPIs); "
                              "comparison.csv has them all")
    compare.add_argument("--out", type=Path,
                         help="comparison folder (default: results/compare-<names>)")
    compare.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    compare.add_argument("--quiet", "-q", action="store_true", help="no progress bar")

    _sweep_parser(sub, common)
    _sizing_parser(sub, common)
    _attribute_parser(sub, common)
    _show_parser(sub, common)

    validate = sub.add_parser("validate", parents=[common],
                              help="check scenario files without running them")
    validate.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    validate.add_argument("--set", dest="overrides", action="append", default=[],
                          metavar="PATH=VALUE")

    sub.add_parser("schema", parents=[common], help="print the JSON Schema of the scenario format")
    listing = sub.add_parser("list", parents=[common],
                             help="list shipped scenarios with their descriptions")
    listing.add_argument("--dir", type=Path, default=None, help="folder to list")
    return parser


def _sweep_parser(sub, common: argparse.ArgumentParser) -> None:
    sweep = sub.add_parser(
        "sweep", parents=[common], help="run a scenario over a design of parameter values",
        description="Run a scenario at every point of a design (R replications each) and "
                    "write runs.csv (one row per run, appended as runs finish), points.csv, "
                    "sensitivity.csv, plots and manifest.json.",
        epilog="SPEC: a list 2000,4000,6000; a range START:STOP:COUNT with both ends "
               "included (0:1:11 is 0, 0.1, ..., 1); for sampling uniform(LOW,HIGH), "
               "int(LOW,HIGH) or date(YYYY-MM-DD,YYYY-MM-DD). Replication r of every point "
               "uses the same seed (common random numbers). Ctrl-C or a kill keeps every "
               "finished run: continue with --resume DIR.")
    sweep.add_argument("scenario", nargs="?", metavar="SCENARIO")
    sweep.add_argument("--param", "-p", action="append", default=[], metavar="PATH=SPEC",
                       help="a swept parameter (repeatable)")
    sweep.add_argument("--file", "-f", type=Path, metavar="SWEEP.yaml",
                       help="sweep file (scenario, params, method, samples, replications, "
                            "seed, kpis) instead of SCENARIO and --param; flags override it")
    sweep.add_argument("--method", "-m", choices=("grid", "random", "lhs", "sobol", "morris"),
                       help="design (default grid); sobol and morris need SALib")
    sweep.add_argument("--samples", "-s", type=int, metavar="N",
                       help="points of random/lhs; base samples of sobol (N(d+2) points, N "
                            "rounded up to a power of 2); trajectories of morris (N(d+1))")
    sweep.add_argument("--replications", "-n", type=int, metavar="R",
                       help="replications per point (default 1)")
    sweep.add_argument("--seed", type=int, help="seed (default: the scenario's)")
    sweep.add_argument("--kpi", action="append", default=[], metavar="SCOPE.KPI",
                       help="KPI to keep (repeatable; default: headline U.S. and world KPIs)")
    _engine_option(sweep)
    sweep.add_argument("--workers", "-j", type=int, default=1, metavar="W",
                       help="worker processes (default 1: in this process)")
    sweep.add_argument("--dask", metavar="ADDRESS",
                       help="run on a Dask scheduler (tcp://host:8786), or 'local' for a "
                            "LocalCluster of --workers processes")
    sweep.add_argument("--resume", type=Path, metavar="DIR",
                       help="finish the sweep stored in DIR (only missing runs are run)")
    sweep.add_argument("--out", type=Path,
                       help="sweep folder (default: results/sweep-<name>; never overwritten)")
    sweep.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    sweep.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def _attribute_parser(sub, common: argparse.ArgumentParser) -> None:
    attribute = sub.add_parser(
        "attribute", parents=[common], help="trace shortfall (and price effects) to events",
        description="Attribute each consumer scope's shortfall (with a market also the demand "
                    "destroyed by price and the purchase cost) to the scenario's events: run "
                    "the scenario, once without each event and once without all of them, "
                    "with common random numbers, and report per scope the total, the value "
                    "with no events, each event's own effect (scenario - scenario without "
                    "it) and the interaction remainder (total - no events - sum of own "
                    "effects). Writes results/attribution-<name>/ (attribution.csv, "
                    "attribution.md, plots/<kpi>_by_cause.png).",
        epilog="Events are named by id, or by their 0-based index in the scenario's events "
               "(events.I or I). Events not given with --event stay in every run. Runs: "
               "(events + 2) x replications (one event: 2 x replications).")
    attribute.add_argument("scenario", metavar="SCENARIO")
    attribute.add_argument("--event", "-e", dest="events", action="append", default=[],
                           metavar="ID", help="an event to attribute (repeatable; default: all)")
    attribute.add_argument("--kpi", dest="kpis", action="append", default=[], metavar="KPI",
                           help="a consumer-scope KPI to attribute (repeatable; default: "
                                "shortfall_t, and with a market demand_destroyed_t and "
                                "purchase_cost_musd)")
    attribute.add_argument("--replications", "-n", type=int,
                           help="replications of every run (default: the scenario's)")
    attribute.add_argument("--seed", type=int, help="seed of every run (default: the scenario's)")
    attribute.add_argument("--set", dest="overrides", action="append", default=[],
                           metavar="PATH=VALUE", help="override a parameter (repeatable)")
    attribute.add_argument("--workers", "-j", type=int, default=1, metavar="W",
                           help="worker processes (default 1: in this process)")
    attribute.add_argument("--out", type=Path,
                           help="results folder (default: results/attribution-<name>; never "
                                "overwritten)")
    attribute.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    attribute.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def _show_parser(sub, common: argparse.ArgumentParser) -> None:
    show = sub.add_parser(
        "show", parents=[common], help="print the headline of a result folder; --open its page",
        description="Print the answer of a run, compare or sweep folder (when the U.S. first "
                    "runs short, how much, P(no shortfall by date), the price path; or the "
                    "differences from A; or each KPI's best and worst point).")
    show.add_argument("result", type=Path, metavar="RESULT", help="a results folder")
    show.add_argument("--open", action="store_true",
                      help="open its report.html in a browser (written first if missing)")


def _sizing_parser(sub, common: argparse.ArgumentParser) -> None:
    size = sub.add_parser(
        "size-stockpile", parents=[common],
        help="smallest stockpile holding meeting a risk target in every scenario",
        description="Find the smallest initial holding of a stockpile such that, in every "
                    "scenario, the share of replications meeting --target is at least "
                    "--confidence: a bisection over holdings with common random numbers "
                    "(replication r runs with the same seed at every holding). Writes "
                    "results/size-<stockpile>-<scenarios>/ (sizing.json, holdings.csv, "
                    "plots/sizing.png; never overwritten).",
        epilog="Assumes a replication meeting the target at a holding meets it at every larger "
               "one (outcomes implied by that are not rerun; --verify reruns all at the "
               "answer and counts contradictions). Exit status: 0 answer found; 3 target not "
               "reachable below --max-holding (printed and written); 2 bad input (nothing "
               "written).")
    size.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    size.add_argument("--stockpile", required=True, metavar="NODE",
                      help="id of the stockpile whose initial_stock is sized")
    size.add_argument("--target", required=True, metavar="SCOPE.KPI>=VALUE",
                      help="risk target, >= or <=, e.g. "
                           "'country:US/group:defense.fill_rate>=0.99'")
    size.add_argument("--confidence", type=float, default=0.95, metavar="P",
                      help="share of replications that must meet the target (default 0.95)")
    size.add_argument("--replications", "-n", type=int, default=200,
                      help="replications per scenario and holding (default 200)")
    size.add_argument("--seed", type=int, help="seed (default: the first scenario's)")
    size.add_argument("--workers", "-j", type=int, default=1, metavar="W",
                      help="worker processes (default 1: in this process)")
    size.add_argument("--max-holding", type=float, metavar="T",
                      help="largest holding searched, t (default: what the consumers it "
                           "releases to use over the run)")
    size.add_argument("--step", type=float, metavar="T",
                      help="resolution of the answer, t (default: max holding / 100)")
    size.add_argument("--release-rate", action="append", metavar="TPA[,TPA...]",
                      help="search at each of these release rates (release.max_tpa, t/yr) "
                           "instead of the scenario's own (repeatable)")
    size.add_argument("--set", dest="overrides", action="append", default=[],
                      metavar="PATH=VALUE", help="override a parameter in every scenario "
                                                 "(repeatable)")
    size.add_argument("--verify", action="store_true",
                      help="rerun every replication at the answer (checks monotonicity)")
    size.add_argument("--out", type=Path,
                      help="results folder (default: results/size-<stockpile>-<scenarios>)")
    size.add_argument("--no-plots", action="store_true", help="skip the PNG plot")
    size.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `tungsten-sim` and `python -m sim`; returns the exit status."""
    args = _parser().parse_args(argv)
    with warnings.catch_warnings():  # restores the warning printer on the way out
        if not args.debug:
            warnings.showwarning = _one_line_warning
        return _run(args)


def _one_line_warning(message: Warning | str, category: type[Warning], *_: object,
                      **__: object) -> None:
    """A warning as users read it: `warning: ...` on one line, no file, line or source."""
    print(f"warning: {message}", file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    """Run the command, turning the errors users can cause into one line and an exit status."""
    try:
        return _dispatch(args)
    except ScenarioError as err:
        if args.debug:
            raise
        for problem in err.problems:
            print(problem, file=sys.stderr)
        return 2
    except SimulationError as err:
        if args.debug:
            raise
        print(f"simulation failed: {err}", file=sys.stderr)
        return 1
    except OSError as err:  # results that could not be written (a full disk): one line
        if args.debug:
            raise
        print(err, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; nothing partial was written", file=sys.stderr)
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    from sim import commands
    from sim.commands.names import resolve_names
    from sim.scenario import load_scenario

    resolve_names(args)  # `run baseline`: the names `list` prints, for every command
    if args.command == "schema":
        print(json.dumps(commands.schema(), indent=2))
        return 0
    if args.command == "list":
        for name, description in commands.list_scenarios(args.dir):
            print(f"{name:28s} {description}")
        return 0
    if args.command == "compare":
        return commands.compare_command(args)
    if args.command == "sweep":
        return commands.sweep_command(args)
    if args.command == "show":
        from sim.commands.show import show_command

        return show_command(args)
    overrides = commands.parse_overrides(args.overrides)
    if args.command == "size-stockpile":
        from sim.commands.sizing import size_command

        return size_command(args, overrides)
    if args.command == "validate":
        problems: list[Problem] = []
        for path in args.scenarios:
            try:
                scenario = load_scenario(path, overrides)
                print(f"{path}: ok ({scenario.name}, {commands.describe(scenario)})")
            except ScenarioError as err:
                problems.extend(err.problems)
        if problems:
            raise ScenarioError(problems)
        return 0
    if args.command == "attribute":
        return commands.attribute_command(args, overrides)
    return commands.run_command(args, overrides)


if __name__ == "__main__":
    sys.exit(main())
