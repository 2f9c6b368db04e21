"""The batch engine: R replications of one scenario advanced at once (README.md there:
"Batch engine"). Each replication's RunRecord equals `simulate`'s; `iter_stacked` hands
replications out as stacks for KPIs and main series, with no RunRecord each."""

from sim.model.batch.plans import UnlikeReplications
from sim.model.batch.run import iter_batch, iter_stacked, simulate_batch

__all__ = ["UnlikeReplications", "iter_batch", "iter_stacked", "simulate_batch"]
