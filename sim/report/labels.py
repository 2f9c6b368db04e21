"""Words for what the report shows: KPI and scope names a reader knows, plot captions.

Example::

    kpi_label("origin_share_CN")                     # "share mined in CN"
    scope_label("country:US/group:defense")          # "U.S. defense"
    plot_caption("time_to_event")                    # "Time to event: ..."
"""

from __future__ import annotations

import re
from pathlib import Path

KPI_LABELS = {
    "demand_t": "demand, t W", "delivered_t": "delivered, t W", "shortfall_t": "shortfall, t W",
    "fill_rate": "fill rate", "days_short": "days short",
    "first_shortfall_day": "first shortfall", "recovery_day": "recovery",
    "peak_shortfall_tpa": "peak shortfall, t W/yr", "min_cover_days": "minimum cover, days",
    "purchase_cost_musd": "purchases, $ million", "demand_destroyed_t": "demand lost to price, t W",
    "produced_t": "mined, t W", "released_t": "released from stockpile, t W",
    "final_stock_t": "final stock, t W",
}
"""Labels of KPIs named in full; prefixed ones (origin shares, prices) are built below."""
_PRICE = re.compile(r"^(ex_china|china)_(peak_price_usd_mtu|peak_price_day|mean_price_usd_mtu|"
                    r"months_above_(\d+)|price_usd_mtu_(\d{4}-\d{2}-\d{2}))$")
MARKET_WORDS = {"ex_china": "ex-China APT", "china": "China APT"}
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


def kpi_label(kpi: str) -> str:
    """A KPI's name in words (the KPI itself when it has no label)."""
    if kpi in KPI_LABELS:
        return KPI_LABELS[kpi]
    if kpi.startswith("origin_share_processed_"):
        return f"share last processed in {kpi.rsplit('_', 1)[1]}"
    if kpi.startswith("origin_share_"):
        return f"share mined in {kpi.rsplit('_', 1)[1]}"
    if kpi.startswith("first_tonne_day_from_"):
        return f"first tonne mined in {kpi.rsplit('_', 1)[1]}"
    if match := _PRICE.match(kpi):
        market, what, threshold, date = match.groups()
        words = MARKET_WORDS[market]
        if threshold:
            return f"{words}: months above ${threshold}/mtu"
        if date:
            return f"{words} on {date}, $/mtu"
        return {"peak_price_usd_mtu": f"{words} peak, $/mtu",
                "peak_price_day": f"{words} peak date",
                "mean_price_usd_mtu": f"{words} average, $/mtu"}[what]
    return kpi.replace("_", " ")


def scope_label(scope: str) -> str:
    """`country:US/group:defense` as "U.S. defense", `country:US` as "U.S.", `world` as
    "world"; node ids as they are."""
    country, _, group = scope.partition("/")
    if country == "country:US":
        return "U.S." + (f" {group.removeprefix('group:')}" if group else "")
    return scope


def subject(scope: str) -> str:
    """A scope as the subject of a sentence: "the U.S.", "the world", else the scope."""
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
