"""Results of runs: KPIs, tidy tables, and the folder writer."""

from sim.results.kpis import kpi_rows, summarize
from sim.results.result import Result
from sim.results.writer import write_result

__all__ = ["Result", "kpi_rows", "summarize", "write_result"]
