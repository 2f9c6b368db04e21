"""Figures: one run's standard plots, the main series over all replications, comparisons."""

from sim.plots.bands import plot_comparison
from sim.plots.run import (
    days_of_cover,
    mine_output_by_country,
    plot_result,
    top_and_other,
    us_deliveries_by_origin,
)
from sim.results.series import annual_rate, bin_centres, steps_per_bin

__all__ = [
    "annual_rate",
    "bin_centres",
    "days_of_cover",
    "mine_output_by_country",
    "plot_comparison",
    "plot_result",
    "steps_per_bin",
    "top_and_other",
    "us_deliveries_by_origin",
]
