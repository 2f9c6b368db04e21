"""Default counts of replications, importable without numpy, simpy or pydantic.

The command-line parser shows these in its help, and `tungsten-sim --help` must not wait for
the model's dependencies to load (issue 16: under 150 ms), so they live apart from the
modules that use them (`replications`, `stopping`).
"""

KEEP_SERIES = 10
"""Replications whose full time series are kept (timeseries.csv, per-node plots) by default."""
MIN_REPLICATIONS = 10
"""First batch of sequential stopping (`--ci-halfwidth`) when `--replications` is not given."""
MAX_REPLICATIONS = 1000
"""Most replications sequential stopping runs (`--max-replications`) by default."""
