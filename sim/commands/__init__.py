"""What each CLI command does, as plain functions the CLI calls and prints from (what
`run` prints: `sim.commands.terminal`)."""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import math
import sys
from pathlib import Path
from typing import Any

from sim.commands.terminal import price_lines, probability_table, time_to_event_table, us_table
from sim.errors import Problem, ScenarioError
from sim.results.files import OutputError, check_output, output_problems
from sim.scenario import Scenario, load_scenario, parse_assignment
from sim.scenario.names import scenario_folder
from sim.scenario.schema import Scenario as ScenarioModel


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
    """(name, description) of each scenario file in a folder (default: `./scenarios`, else
    the shipped ones); every name is accepted where a scenario file is (`run baseline`)."""
    out = []
    for path in sorted(scenario_folder(folder).glob("*.yaml")):
        try:
            description = load_scenario(path).description
        except ScenarioError as err:
            description = f"(invalid: {err.problems[0].message})"
        out.append((path.stem, " ".join(description.split())))
    return out


def _problem(option: str, message: str, value: object = "") -> ScenarioError:
    return ScenarioError([Problem(option, 0, 0, str(value), message)])


def _check_counts(args: argparse.Namespace) -> None:
    """The numeric options of `run` and `compare`, all problems at once."""
    problems = []
    for option, value, least in (("--replications", args.replications, 1),
                                 ("--workers", args.workers, 1),
                                 ("--keep-series", getattr(args, "keep_series", 1), 1),
                                 ("--max-replications", getattr(args, "max_replications", 2), 2)):
        if value is not None and value < least:
            problems.append(Problem(option, 0, 0, str(value), f"must be >= {least}"))
    if problems:
        raise ScenarioError(problems)


def _stop_rule(args: argparse.Namespace):
    """The sequential-stopping rule of `run`, or None."""
    from sim.experiments.stopping import MIN_REPLICATIONS, StopRule
    from sim.results.catalogue import parse_kpi

    if args.ci_halfwidth is None and args.kpi is None:
        return None
    if args.ci_halfwidth is None or args.kpi is None:
        raise _problem("--ci-halfwidth", "needs --kpi SCOPE.KPI, and --kpi needs --ci-halfwidth")
    try:
        key = parse_kpi(args.kpi)
    except ValueError as err:
        raise _problem("--kpi", str(err)) from None
    if not args.ci_halfwidth > 0:
        raise _problem("--ci-halfwidth", "must be > 0", args.ci_halfwidth)
    first = args.replications if args.replications is not None else MIN_REPLICATIONS
    return StopRule(key, args.ci_halfwidth, args.max_replications,
                    min(max(2, first), args.max_replications))


def _probability_spec(args: argparse.Namespace):
    """Probability KPIs asked for by `--prob-fill`, `--prob-no-shortfall-by` and
    `--prob-first-tonne`."""
    from sim.results.probabilities import DEFAULT_FILL_RATE, ProbabilitySpec, parse_first_tonne

    fills = tuple(args.prob_fill or (DEFAULT_FILL_RATE,))
    dates, problems = [], []
    for text in args.prob_no_shortfall_by or ():
        try:
            dates.append(dt.date.fromisoformat(text))
        except ValueError:
            problems.append(Problem("--prob-no-shortfall-by", 0, 0, text,
                                    "is not a date (YYYY-MM-DD)"))
    firsts = []
    for text in args.prob_first_tonne or ():
        try:
            firsts.append(parse_first_tonne(text))
        except ValueError as err:
            problems.append(Problem("--prob-first-tonne", 0, 0, text, str(err)))
    bad = [f for f in fills if not 0 < f <= 1]
    problems += [Problem("--prob-fill", 0, 0, f"{f:g}", "must be in (0, 1]") for f in bad]
    if problems:
        raise ScenarioError(problems)
    return ProbabilitySpec(fills, tuple(dates) or (None,), tuple(firsts))


def _check_against(scenario: Scenario, path: str, stop, spec) -> list[Problem]:
    """Problems of the stopping KPI and the probability dates for one scenario."""
    from sim.results.catalogue import kpi_keys, unknown_kpis
    from sim.results.probabilities import origin_problems

    problems = []
    if stop is not None:
        try:
            unknown_kpis([stop.key], kpi_keys(scenario), "--kpi")
        except ScenarioError as err:
            problems += err.problems
    try:
        spec.resolve(scenario.start, scenario.end)
    except ValueError as err:
        option = "--prob-first-tonne" if "first-tonne" in str(err) else "--prob-no-shortfall-by"
        problems.append(Problem(option, 0, 0, path, str(err)))
    return problems + [Problem("--prob-first-tonne", 0, 0, path, message)
                       for message in origin_problems(spec, scenario)]


def run_command(args: argparse.Namespace, overrides: list[tuple[str, Any]]) -> int:
    """`tungsten-sim run`: check everything first (all problems at once), then run each."""
    from sim.experiments import run_replications
    from sim.results import write_result

    _check_counts(args)
    stop, spec = _stop_rule(args), _probability_spec(args)
    scenarios, problems = [], []
    for path in args.scenarios:
        try:
            scenarios.append(load_scenario(path, overrides))
            problems += _check_against(scenarios[-1], path, stop, spec)
        except ScenarioError as err:
            problems.extend(err.problems)
    folders = [args.out if args.out is not None and len(scenarios) == 1
               else (args.out or Path("results")) / s.name for s in scenarios]
    problems += [p for wanted in folders for p in output_problems(wanted)]
    if problems:
        raise ScenarioError(problems)
    for path, scenario, wanted in zip(args.scenarios, scenarios, folders, strict=True):
        result = run_replications(scenario, args.replications, args.seed,
                                  progress=not args.quiet, workers=args.workers,
                                  keep_series=args.keep_series, probabilities=spec, stop=stop,
                                  engine=args.engine)
        folder = write_result(result, wanted, _run_extras(result, Path(path), args.no_plots))
        print(us_table(result))
        if prices := price_lines(result):
            print(prices)
        print(probability_table(result))
        if events := time_to_event_table(result):
            print(events)
        if "stopping" in result.extra:
            print(_stopping_line(result.extra["stopping"]))
        print(f"results written to {folder}/ (report: {folder / 'report.html'})")
    return 0


def _run_extras(result, scenario_file: Path, no_plots: bool):
    """What a run writes into its (temporary) folder after its tables: the plots, what its
    scenario changes from the file it extends (changes.csv), then the report page, which
    reads them all."""
    from sim.report import write_report
    from sim.report.parent import write_parent_changes

    draw = None if no_plots else _run_plots(result)

    def extra(folder: Path) -> None:
        if draw is not None:
            draw(folder)
        write_parent_changes(scenario_file, result.scenario, folder)
        write_report(folder)

    return extra


def _run_plots(result):
    """What draws a run's plots into its (temporary) results folder."""
    from sim.plots import plot_result

    return lambda folder: plot_result(result, folder / "plots")


def _stopping_line(stopping: dict) -> str:
    from sim.experiments.stopping import StopOutcome

    width = stopping["halfwidth"]
    return StopOutcome(stopping["kpi"], stopping["target_halfwidth"], stopping["n"],
                       math.inf if width is None else width, stopping["reached"]).describe()


def compare_command(args: argparse.Namespace) -> int:
    """`tungsten-sim compare`: read folders, run scenario files, write and print the comparison."""
    from sim.experiments.compare import CompareSettings, check_kpis, gather, load_inputs
    from sim.results.catalogue import parse_kpi
    from sim.results.compare_folder import Comparison, folder_name, write_comparison
    from sim.results.comparison import selected_keys

    _check_counts(args)
    if len(args.inputs) < 2:
        raise _problem("compare", "needs at least two result folders or scenario files")
    try:
        wanted = [parse_kpi(text) for text in args.kpi]
    except ValueError as err:
        raise _problem("--kpi", str(err)) from None
    items = load_inputs(args.inputs)
    check_kpis(items, wanted)
    names = folder_name([getattr(x, "label", None) or x.name for _, x in items])
    check_output(args.out or Path("results") / names, "comparison folder")
    settings = CompareSettings(args.seed, args.replications, args.workers,
                               progress=not args.quiet, engine=args.engine)
    data = gather(items, settings)
    comparison = Comparison.of(data, selected_keys(data[0], wanted))
    out = args.out or Path("results") / folder_name([d.label for d in data])
    draw = None
    if not args.no_plots:
        from sim.plots import plot_comparison

        draw = functools.partial(plot_comparison, [(d.label, d.bands) for d in data],
                                 scenarios=[d.scenario for d in data])
    from sim.report import write_report

    folder = write_comparison(comparison, out, draw, finish=write_report)
    print(comparison.text())
    print(f"comparison written to {folder}/ (report: {folder / 'report.html'})")
    return 0


SWEEP_FLAGS = ("method", "samples", "replications", "seed")


def sweep_command(args: argparse.Namespace) -> int:
    """`tungsten-sim sweep`: check, create or reopen the folder (locked to the end), run, finish."""
    from sim.experiments import sweep, sweep_lock
    from sim.experiments.sweep_store import resume_hint

    runner, label = _sweep_runner(args)
    if args.resume is not None:
        given = [f"--{f}" for f in (*SWEEP_FLAGS, "file", "out") if getattr(args, f)]
        if args.scenario or args.param or args.kpi or given:
            raise _problem("--resume", "takes the definition stored in the folder; leave out "
                           f"SCENARIO, --param, --kpi and {', '.join(given) or 'the like'}")
        folder = args.resume
        plan = sweep.resume(folder, note=functools.partial(print, file=sys.stderr))
    else:
        plan = sweep.prepare(_sweep_definition(args))
        folder = sweep.start(plan, args.out or Path("results") / f"sweep-{plan.name}")
    try:
        d = plan.definition
        print(f"sweep {plan.name}: {len(plan.design.points)} points x {d.replications} "
              f"replications = {plan.runs} runs ({d.method}, seed {d.seed}) in {folder}/")
        with runner:
            session = sweep.execute(plan, folder, runner, progress=not args.quiet,
                                    executor=label, engine=args.engine)
        stats = sweep.finish(plan, folder, None if args.no_plots else _sweep_plots(plan))
        _sweep_report(folder)
    except KeyboardInterrupt:
        print(f"interrupted; {resume_hint(folder)}", file=sys.stderr)
        return 130
    except OutputError as err:
        raise OutputError(err.filename, err, resume_hint(folder)) from err
    finally:
        sweep_lock.release(folder)
    rate = session.runs / session.wall_seconds if session.wall_seconds > 0 else math.nan
    print(f"{session.runs} runs in {session.wall_seconds:.1f} s ({rate:.2f} runs/s); "
          f"{int(stats.counts.sum())} of {plan.runs} runs done")
    if not args.quiet:  # points.csv has a column per KPI statistic: the answer in words
        from sim.report import headline, read_folder
        print("\n" + headline(read_folder(folder)).text() + "\n")
    print(f"sweep written to {folder}/ (report: {folder / 'report.html'})")
    return 0


def _sweep_report(folder: Path) -> None:
    """The sweep's report page, written (atomically) after its other final files."""
    from sim.report import write_report

    write_report(folder)


def _sweep_plots(plan):
    """What draws a sweep's plots into its folder (each file atomically)."""
    from sim.plots.sweep import plot_sweep

    return functools.partial(plot_sweep, plan)


def _sweep_definition(args: argparse.Namespace):
    """The definition from a sweep file and/or the flags (flags win); all problems at once."""
    from dataclasses import replace

    from sim.experiments.design import parse_param
    from sim.experiments.sweep_definition import (
        SweepDefinition,
        definition_from,
        read_sweep_file,
    )
    from sim.results.catalogue import parse_kpi

    problems: list[Problem] = []
    if args.file is not None:
        if args.scenario:
            problems.append(Problem("sweep", 0, 0, args.scenario,
                                    "give the scenario in the sweep file or on the command "
                                    "line, not both"))
        data = read_sweep_file(args.file)
        try:
            definition = definition_from(data, str(args.file), args.file.parent)
        except ScenarioError as err:
            problems += err.problems
            definition = SweepDefinition("", ())
    elif not args.scenario:
        raise _problem("sweep", "needs SCENARIO and --param PATH=SPEC, a --file, or --resume")
    else:
        definition = SweepDefinition(args.scenario, ())
    params = {p.path: p for p in definition.params}
    for text in args.param:
        try:
            param = parse_param(text)
        except ScenarioError as err:
            problems += err.problems
            continue
        if param.path in params and args.file is None:
            problems.append(Problem("--param", 0, 0, param.path, "is given twice"))
        params[param.path] = param
    kpis = list(definition.kpis)
    try:
        kpis = [parse_kpi(text) for text in args.kpi] or kpis
    except ValueError as err:
        problems.append(Problem("--kpi", 0, 0, "", str(err)))
    for option, value in (("--samples", args.samples), ("--replications", args.replications),
                          ("--workers", args.workers)):
        if value is not None and value < 1:
            problems.append(Problem(option, 0, 0, str(value), "must be >= 1"))
    if problems:
        raise ScenarioError(problems)
    flags = {f: getattr(args, f) for f in SWEEP_FLAGS if getattr(args, f) is not None}
    return replace(definition, params=tuple(params.values()), kpis=tuple(kpis), **flags)


def _sweep_runner(args: argparse.Namespace):
    """(executor, label) of `--workers` and `--dask`; checked before anything is written."""
    import importlib.util

    from sim.experiments.executor import DaskRunner, Runner

    if args.workers < 1:
        raise _problem("--workers", "must be >= 1", args.workers)
    if args.dask is None:
        label = "serial" if args.workers == 1 else f"process pool of {args.workers}"
        return Runner(args.workers), label
    if importlib.util.find_spec("distributed") is None:
        raise _problem("--dask", "needs Dask: pip install 'tungsten-sim[dask]'")
    where = f"LocalCluster of {args.workers}" if args.dask == "local" else args.dask
    return DaskRunner(args.dask, args.workers), f"dask {where}"


def attribute_command(args: argparse.Namespace, overrides: list[tuple[str, Any]]) -> int:
    """`tungsten-sim attribute`: see `sim.commands.attribution` (imported when run)."""
    from sim.commands.attribution import attribute_command as command

    return command(args, overrides)
