"""The SimPy world: nodes, orders and shipments, events; one replication at a time."""

from sim.model.run import simulate

__all__ = ["simulate"]
