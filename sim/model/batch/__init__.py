"""The batch engine: R replications of one scenario advanced at once (README.md there:
"Batch engine"). Each replication's RunRecord equals `simulate`'s."""

from sim.model.batch.run import simulate_batch

__all__ = ["simulate_batch"]
