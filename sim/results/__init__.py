"""Results of runs: KPIs, tidy tables, the folder writer and reader, and comparisons."""

from sim.results.ensemble import Ensemble
from sim.results.kpis import kpi_rows, summarize
from sim.results.probabilities import ProbabilitySpec
from sim.results.reader import ResultData, read_result, result_data
from sim.results.result import Result
from sim.results.writer import write_result

__all__ = ["Ensemble", "ProbabilitySpec", "Result", "ResultData", "kpi_rows", "read_result",
           "result_data", "summarize", "write_result"]
