"""The batch engine: R replications of one scenario advanced at once (README.md there:
"Batch engine"). Each replication's RunRecord equals `simulate`'s."""

from sim.model.batch.plans import UnlikeReplications
from sim.model.batch.run import iter_batch, simulate_batch

__all__ = ["UnlikeReplications", "iter_batch", "simulate_batch"]
