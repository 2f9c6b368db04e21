"""Per-step records of a run, in preallocated numpy arrays (the model writes, results read)."""

from __future__ import annotations

import numpy as np

NODE_VARIABLES = (
    "stock_t", "in_transit_t", "capacity_tpa", "produced_t", "processed_t", "output_t",
    "lost_t", "demand_t", "delivered_t", "shortfall_t", "expected_use_t", "received_t",
    "released_t", "recycled_t", "shipped_t", "backlog_t",
)
"""Variables recorded for every node on every step (zero where they do not apply)."""

FLOW_VARIABLES = frozenset(NODE_VARIABLES) - {"stock_t", "in_transit_t", "capacity_tpa",
                                              "backlog_t"}
"""Variables that are flows per step (summed over a record interval); the rest are levels."""


class Recorder:
    """Arrays [step, node] per variable, deliveries [step, node, origin], trade [step, edge]."""

    def __init__(self, n_steps: int, n_nodes: int, n_origins: int, n_edges: int):
        self.arrays = {name: np.zeros((n_steps, n_nodes)) for name in NODE_VARIABLES}
        self.delivered_by_origin = np.zeros((n_steps, n_nodes, n_origins))
        self.produced_by_origin = np.zeros((n_steps, n_origins))
        self.shipped_by_edge = np.zeros((n_steps, n_edges))
