"""Many runs of the model: replications (and, later, sweeps and executors)."""

from sim.experiments.replications import run_replications

__all__ = ["run_replications"]
