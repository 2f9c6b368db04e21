"""Sweeps from Python: a scenario over a design of parameter values, as `tungsten-sim sweep`
runs it, with its tables as DataFrames. Example::

    swept = sweep("china-ban-us", {"events.cn_ban_us.enforcement": [0, 0.5, 1]},
                  replications=2)
    swept.points()          # per point: parameters, each KPI's mean, sd, p5, p50, p95
    swept.kpis()            # per run and KPI: point, replication, parameters, scope, kpi, value

The sweep's folder (sweep.json, runs.csv, points.csv, sensitivity.csv, manifest.json) is a
temporary one unless `out` is given; `.write(folder)` copies it.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.api.frames import csv_frame
from sim.experiments import sweep as sweeps
from sim.experiments import sweep_lock
from sim.experiments.design import param_from_spec
from sim.experiments.executor import Runner
from sim.experiments.sweep_definition import SweepDefinition
from sim.report import write_report
from sim.results.catalogue import parse_kpi
from sim.results.files import write_folder
from sim.results.writer import scenario_yaml
from sim.scenario.names import resolve_scenario
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

    from sim.experiments.sweep_points import PointStats


class SweepResult:
    """A finished sweep: its plan (definition, design), folder and point statistics."""

    def __init__(self, plan: sweeps.Plan, folder: Path, stats: PointStats, rows: list,
                 keep: Any = None):
        self._plan, self._folder, self._stats, self._rows = plan, folder, stats, rows
        self._keep = keep  # the temporary folder (the sweep's, or its scenario file's)

    @property
    def folder(self) -> Path:
        """Where the sweep's files are (temporary unless `out` was given)."""
        return self._folder

    @property
    def params(self) -> list[str]:
        """The swept parameters' paths."""
        return [p.path for p in self._plan.design.params]

    def points(self) -> pd.DataFrame:
        """points.csv: point, parameters, replications, `SCOPE.KPI.mean` (.sd .p5 .p50 .p95)."""
        return csv_frame((self._folder / "points.csv").read_text(), ".points()")

    def summary(self) -> pd.DataFrame:
        """Per point: its parameters and each KPI's mean over replications, named `SCOPE.KPI`."""
        frame = self.points()
        means = {c: c.removesuffix(".mean") for c in frame.columns if c.endswith(".mean")}
        return frame[["point", *self.params, *means]].rename(columns=means)

    def runs(self) -> pd.DataFrame:
        """runs.csv: one row per run, its point, replication, parameters and KPIs."""
        return csv_frame((self._folder / "runs.csv").read_text(), ".runs()")

    def kpis(self) -> pd.DataFrame:
        """Tidy KPIs of every run: point, replication, parameters, scope, kpi, value."""
        frame = self.runs()
        ids = ["point", "replication", *self.params]
        tidy = frame.melt(id_vars=ids, var_name="label", value_name="value")
        split = tidy.pop("label").str.rsplit(".", n=1, expand=True)
        tidy.insert(len(ids), "scope", split[0])
        tidy.insert(len(ids) + 1, "kpi", split[1])
        return tidy

    def sensitivity(self) -> pd.DataFrame:
        """sensitivity.csv: each parameter's effect on each KPI (and Sobol/Morris indices)."""
        return csv_frame((self._folder / "sensitivity.csv").read_text(), ".sensitivity()")

    def write(self, folder: str | Path, plots: bool = False) -> Path:
        """Copy the sweep's folder (report.html included) to `folder` (never over an existing
        one); where it went. `plots=True` draws its figures too."""
        def fill(tmp: Path) -> None:
            shutil.copytree(self._folder, tmp, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("sweep.lock"))
            if plots:
                self.plot(tmp / "plots")
            write_report(tmp)  # again: it shows the plots when there are some
        return write_folder(Path(folder), fill)

    def plot(self, folder: str | Path) -> list[Path]:
        """Draw the sweep's figures (as `sweep` draws them) into `folder`; their paths."""
        from sim.commands.figures import draw_sweep

        return draw_sweep(self._plan, self._stats, self._rows, Path(folder))

    def __repr__(self) -> str:
        d = self._plan.definition
        return (f"SweepResult({self._plan.name!r}, {len(self._plan.design.points)} points x "
                f"{d.replications} replications, {d.method})")


def sweep(scenario: Scenario | str | Path, params: Mapping[str, Any], *,
          replications: int = 1, method: str = "grid", samples: int | None = None,
          seed: int | None = None, kpis: Sequence[str] = (), workers: int = 1,
          out: str | Path | None = None, progress: bool = False) -> SweepResult:
    """Run a scenario at every point of a design, `replications` each (common random
    numbers), as `tungsten-sim sweep` does.

    `params` maps parameter paths to a spec as `--param` takes it (`"0:1:11"`,
    `"uniform(0.2,0.8)"`) or a list of values. `scenario`: a loaded scenario, a file or a
    name. `out`: the sweep folder to keep (default: a temporary one).
    """
    keep = tempfile.TemporaryDirectory(prefix="tungsten-sweep-")
    if isinstance(scenario, Scenario):
        path = Path(keep.name) / f"{scenario.name}.yaml"
        path.write_text(scenario_yaml(scenario))
    else:
        path = resolve_scenario(scenario)
    definition = SweepDefinition(
        str(path), tuple(param_from_spec(p, spec) for p, spec in params.items()), method,
        samples, replications, seed, tuple(parse_kpi(k) for k in kpis))
    plan = sweeps.prepare(definition)
    wanted = Path(out) if out is not None else Path(keep.name) / f"sweep-{plan.name}"
    folder = sweeps.start(plan, wanted)
    captured: list = []
    try:
        label = "serial" if workers == 1 else f"process pool of {workers}"
        with Runner(workers) as runner:
            sweeps.execute(plan, folder, runner, progress=progress, executor=label)
        stats = sweeps.finish(plan, folder, lambda _stats, rows, _plots: captured.extend(rows))
        write_report(folder)
    finally:
        sweep_lock.release(folder)
    return SweepResult(plan, folder, stats, captured, keep)
