"""Plots for the Python API (`sim.api`): results drawn into a folder of the caller's, by the
same functions the commands use. The API reaches matplotlib only through here, and only when
a plot is asked for."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.experiments.sweep import Plan
    from sim.experiments.sweep_points import PointStats
    from sim.results import Result, ResultData


def draw_run(result: Result, folder: Path) -> list[Path]:
    """A run's PNGs (as `run` draws them into plots/) into `folder`; their paths."""
    from sim.plots import plot_result

    return plot_result(result, folder)


def draw_comparison(data: Sequence[ResultData], folder: Path) -> list[Path]:
    """A comparison's overlaid bands (as `compare` draws them) into `folder`; their paths."""
    from sim.plots import plot_comparison

    return plot_comparison([(d.label, d.bands) for d in data], folder,
                           scenarios=[d.scenario for d in data])


def draw_sweep(plan: Plan, stats: PointStats, rows: Sequence[tuple],
               folder: Path) -> list[Path]:
    """A sweep's figures (as `sweep` draws them) into `folder`; their paths."""
    from sim.plots.sweep import plot_sweep

    return plot_sweep(plan, stats, rows, folder)
