"""Many runs of the model: replications (serial or on a process pool), sequential stopping,
and the inputs of comparisons."""

from sim.experiments.compare import CompareSettings, gather, load_inputs
from sim.experiments.replications import KEEP_SERIES, run_replications
from sim.experiments.stopping import StopRule
from sim.results.catalogue import parse_kpi

__all__ = ["KEEP_SERIES", "CompareSettings", "StopRule", "gather", "load_inputs", "parse_kpi",
           "run_replications"]
