"""Words of the report page itself: plot captions and their order, a scope as the subject
of a sentence. KPIs and scopes in words come from the KPI catalogue
(`sim.results.catalogue.kpi_name`, `kpi_label`, `scope_label`).

Example::

    subject("country:US/group:defense")              # "the U.S. defense"
    plot_caption("time_to_event")                    # "Time to event: ..."
"""

from __future__ import annotations

import re
from pathlib import Path

from sim.results.catalogue import scope_label

PLOT_CAPTIONS = {
    "main_series": "Main U.S. series over all replications: median with its p5-p95 band",
    "time_to_event": "Time to event: share of replications in which the U.S. is first short, "
                     "recovers, or gets its first tonne from a new origin, by date",
    "market_prices": "APT prices and market cover, ex-China and China",
    "us_deliveries_by_origin": "U.S. deliveries by country of mining",
    "shortfall_by_consumer": "Shortfall by consumer",
    "stocks_days_of_cover": "Stocks and days of cover",
    "stockpile_level": "Stockpile level and releases",
    "mine_output_by_country": "Mine output by country",
    "us_deliveries": "U.S. deliveries", "us_shortfall": "U.S. shortfall",
    "us_days_of_cover": "U.S. days of cover", "us_cn_origin_share": "U.S. share mined in China",
    "us_stockpile_level": "U.S. stockpile level", "prices": "APT prices",
    "heatmap": "KPI means over the two swept parameters",
    "tornado": "Effect of each parameter on each KPI (lowest to highest value)",
}
"""Captions of the plots tungsten-sim draws, by file stem; others get their stem in words."""
PLOT_ORDER = ("main_series", "time_to_event", "market_prices", "us_deliveries_by_origin",
              "shortfall_by_consumer", "stocks_days_of_cover", "stockpile_level",
              "mine_output_by_country", "us_shortfall", "us_deliveries", "us_days_of_cover",
              "us_cn_origin_share", "us_stockpile_level", "prices", "heatmap", "tornado")
"""Plots that answer the question first; any others follow by name."""


def subject(scope: str) -> str:
    """A scope as the subject of a sentence: "the U.S.", "the world", else the scope in
    words (`scope_label`)."""
    if scope == "world":
        return "the world"
    label = scope_label(scope)
    return f"the {label}" if label.startswith("U.S.") else label


def plot_caption(path: Path | str) -> str:
    """A plot's caption from its file name."""
    stem = Path(path).stem
    if stem in PLOT_CAPTIONS:
        return PLOT_CAPTIONS[stem]
    if match := re.match(r"^kpi-\d+-(.+)$", stem):
        return f"{match.group(1).replace('_', ' ')} against each swept parameter"
    return stem.replace("_", " ").replace("-", " ").capitalize()


def ordered_plots(paths: list[Path]) -> list[Path]:
    """Plots in PLOT_ORDER, then the others by name."""
    rank = {stem: i for i, stem in enumerate(PLOT_ORDER)}
    return sorted(paths, key=lambda p: (rank.get(p.stem, len(rank)), p.name))
