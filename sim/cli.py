"""The `tungsten-sim` command line: parses arguments, calls the library, prints.

Bad input exits with status 2 and one line per problem; a failed run exits with 1. Tracebacks
are shown only with `--debug`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from sim.errors import Problem, ScenarioError, SimulationError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tungsten-sim", description="Tungsten supply-disruption scenario simulator.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", parents=[common], help="run scenario files and write results")
    run.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    run.add_argument("--replications", "-n", type=int, help="replications (default: scenario's)")
    run.add_argument("--seed", type=int, help="seed (default: the scenario's)")
    run.add_argument("--set", dest="overrides", action="append", default=[],
                     metavar="PATH=VALUE", help="override a parameter (repeatable)")
    run.add_argument("--out", type=Path, help="results folder (default: results/<name>)")
    run.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    run.add_argument("--quiet", "-q", action="store_true", help="no progress bar")

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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `tungsten-sim` and `python -m sim`; returns the exit status."""
    args = _parser().parse_args(argv)
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
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    from sim import commands

    if args.command == "schema":
        print(json.dumps(commands.schema(), indent=2))
        return 0
    if args.command == "list":
        for name, description in commands.list_scenarios(args.dir):
            print(f"{name:28s} {description}")
        return 0
    overrides = commands.parse_overrides(args.overrides)
    if args.command == "validate":
        problems: list[Problem] = []
        for path in args.scenarios:
            try:
                scenario = commands.load(path, overrides)
                print(f"{path}: ok ({scenario.name}, {commands.describe(scenario)})")
            except ScenarioError as err:
                problems.extend(err.problems)
        if problems:
            raise ScenarioError(problems)
        return 0
    return commands.run_command(args, overrides)


if __name__ == "__main__":
    sys.exit(main())
