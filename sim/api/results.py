"""What the Python API returns: a run's and a comparison's results, as tables and folders.

Each wraps what the command line makes (`sim.results.Result`, `sim.results.Comparison`) and
gives it as tidy pandas DataFrames with the columns of the files `tungsten-sim` writes, as
the text `tungsten-sim` prints (`print(result)`), and as the same folder (`.write`). Example::

    result = sim.run("china-ban-us", replications=20)
    kpis = result.kpis()
    kpis[(kpis.scope == "country:US") & (kpis.kpi == "fill_rate")].value.mean()
    result.write("results/ban")             # the folder `tungsten-sim run` writes
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sim.api.frames import csv_frame, kpis_frame, summary_frame, timeseries_frame
from sim.report import write_report
from sim.results.compare_folder import Comparison, write_comparison
from sim.results.reader import ResultData, result_data
from sim.results.result import Result
from sim.results.writer import write_result
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd


class RunResult:
    """The replications of one scenario: KPIs of all of them, time series of the first few
    (`keep_series`), and the scenario and seed that made them (`.result` is the Result the
    command line writes)."""

    def __init__(self, result: Result):
        if result.ensemble is None:
            raise ValueError("RunResult needs a Result of run_replications (with an ensemble)")
        self._result = result

    @property
    def result(self) -> Result:
        """The underlying Result (as `run_replications` returns it)."""
        return self._result

    @property
    def scenario(self) -> Scenario:
        """The scenario run (overrides applied)."""
        return self._result.scenario

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self._result.name

    @property
    def seed(self) -> int:
        """The seed of replication 0..n-1's streams."""
        return self._result.seed

    @property
    def replications(self) -> int:
        """Number of replications run."""
        return self._result.replications

    def kpis(self) -> pd.DataFrame:
        """Every KPI of every replication and scope: `replication, scope, kpi, value`."""
        return kpis_frame(self._result.ensemble)

    def summary(self) -> pd.DataFrame:
        """One row per scope and KPI: mean, sd, p5, p50, p95 and n over replications, and
        the probability KPIs with their Wilson intervals (summary.json as a table)."""
        return summary_frame(self._result.ensemble.summary())

    def timeseries(self, variables: str | None = None) -> pd.DataFrame:
        """`replication, day, date, node, variable, value` of the replications whose series
        were kept; `variables`: "standard" or "all" (default: the scenario's choice)."""
        return timeseries_frame(self._result.runs, variables or self.scenario.timeseries)

    def bands(self) -> pd.DataFrame:
        """Main U.S. series in monthly bins over all replications (bands.csv)."""
        return csv_frame(self._result.ensemble.bands().csv_text(), ".bands()")

    def probabilities(self) -> pd.DataFrame:
        """P(fill rate >= T), P(no shortfall by a date) per scope (probabilities.csv)."""
        return csv_frame(self._result.ensemble.files()["probabilities.csv"], ".probabilities()")

    def write(self, folder: str | Path, plots: bool = False) -> Path:
        """Write the folder `tungsten-sim run` writes, report.html included (never over an
        existing one: `-2`, ... is appended); return where it went. `plots=True` draws its
        PNGs too."""
        def extra(tmp: Path) -> None:
            if plots:
                from sim.commands.figures import draw_run

                draw_run(self._result, tmp / "plots")
            write_report(tmp)
        return write_result(self._result, Path(folder), extra)

    def plot(self, folder: str | Path) -> list[Path]:
        """Draw the run's PNGs into `folder` (made if missing); return their paths."""
        from sim.commands.figures import draw_run

        Path(folder).mkdir(parents=True, exist_ok=True)
        return draw_run(self._result, Path(folder))

    def __str__(self) -> str:
        """The U.S. KPI table `tungsten-sim run` prints."""
        from sim.commands.terminal import us_table

        return us_table(self._result)

    def __repr__(self) -> str:
        return (f"RunResult({self.name!r}, replications={self.replications}, "
                f"seed={self.seed})")


class ComparisonResult:
    """Scenarios compared with the first: each KPI's mean with a 95% CI and its difference
    from the first (paired by replication when seeds and counts match)."""

    def __init__(self, comparison: Comparison):
        self._comparison = comparison

    @property
    def comparison(self) -> Comparison:
        """The underlying Comparison (what `tungsten-sim compare` renders)."""
        return self._comparison

    @property
    def labels(self) -> list[str]:
        """The scenarios' labels, the reference first."""
        return [d.label for d in self._comparison.data]

    def kpis(self) -> pd.DataFrame:
        """Every KPI of every scope per scenario (comparison.csv): scope, kpi, scenario, n,
        mean, ci_low, ci_high, diff, diff_ci_low, diff_ci_high, diff_n, method, ..."""
        return csv_frame(self._comparison.comparison_csv(), ".kpis()")

    def summary(self) -> pd.DataFrame:
        """The rows of `.kpis()` for the KPIs the terminal table shows (headline U.S. KPIs,
        or those asked for)."""
        frame = self.kpis()
        wanted = {f"{scope}.{kpi}" for scope, kpi in self._comparison.keys}
        return frame[(frame["scope"] + "." + frame["kpi"]).isin(wanted)].reset_index(drop=True)

    def changes(self) -> pd.DataFrame:
        """The parameters of each scenario that differ from the first's (changes.csv)."""
        return csv_frame(self._comparison.changes_csv(), ".changes()")

    def write(self, folder: str | Path, plots: bool = False) -> Path:
        """Write the folder `tungsten-sim compare` writes, report.html included; return
        where it went. `plots=True` draws its PNGs too."""
        draw = None
        if plots:
            from sim.commands.figures import draw_comparison

            def draw(tmp: Path) -> list[Path]:
                return draw_comparison(self._comparison.data, tmp)
        return write_comparison(self._comparison, Path(folder), draw, finish=write_report)

    def plot(self, folder: str | Path) -> list[Path]:
        """Draw the overlaid bands into `folder` (made if missing); return their paths."""
        from sim.commands.figures import draw_comparison

        Path(folder).mkdir(parents=True, exist_ok=True)
        return draw_comparison(self._comparison.data, Path(folder))

    def __str__(self) -> str:
        """The table `tungsten-sim compare` prints."""
        return self._comparison.text()

    def __repr__(self) -> str:
        return f"ComparisonResult({' vs '.join(self.labels)})"


def as_data(item: RunResult | Result) -> ResultData:
    """A run's result as a comparison reads it (values rounded as the writer stores them)."""
    result = item.result if isinstance(item, RunResult) else item
    return result_data(result, source=f"(run of {result.name} in Python)")
