"""The SimPy world: nodes, orders and shipments, events; one replication at a time."""

from sim.model.run import NodeRow, RunRecord, simulate

__all__ = ["NodeRow", "RunRecord", "simulate"]
