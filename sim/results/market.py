"""What results make of a run's market (`RunRecord.market`): price KPIs, the cost of
purchases, and the price rows of timeseries.csv.

Prices are in $/mtu WO3 on the APT basis (the market's price) or of a product (APT price +
its spread); 1 mtu WO3 = 7.93 kg W, so $/t W = $/mtu × 1000 / 7.93. Two markets: `china`
(nodes located in CN) and `ex_china` (every other node). A run without a market has none of
this: no price KPIs, no price rows, and its files are what they were before markets.

Example::

    price_kpis(run)["ex_china_peak_price_usd_mtu"]     # the highest ex-China APT price
    node_purchase_cost_musd(run)[i]                    # what consumer i paid, $ million
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence

import numpy as np

from sim.records import RunRecord, StackedRuns

KG_W_PER_MTU = 7.93
"""1 mtu WO3 = 10 kg WO3 = 7.93 kg W."""
USD_PER_T_PER_USD_PER_MTU = 1000.0 / KG_W_PER_MTU
"""$/t W of one $/mtu WO3 (126.1)."""
MARKETS = ("ex_china", "china")
MARKET_NAMES = {"ex_china": "ex-China", "china": "China"}
MONTHS_ABOVE = (400, 500, 600, 800, 1000)
"""$/mtu WO3 thresholds of the `<market>_months_above_<threshold>` KPIs."""
MONTH_DAYS = 365.25 / 12
MARKET_NODE_KPIS = {"consumer": ("purchase_cost_musd", "demand_destroyed_t"),
                    "mine": ("supply_added_t",), "processor": ("scrap_added_t",)}
"""KPIs a scope reports for each kind of node it holds, with a market, after the others."""
ROUND_DOWN = 1e-9
"""As the model's clock: a horizon within this of whole steps is that many steps."""


def market_of(country: str) -> str:
    """The market of a node located in `country`."""
    return "china" if country == "CN" else "ex_china"


def n_steps(horizon_days: float, step_days: int) -> int:
    """Steps of a run of `horizon_days` (as the model's clock counts them)."""
    return math.ceil(horizon_days / step_days - ROUND_DOWN)


def price_dates(start: dt.date, days: float) -> list[dt.date]:
    """The year ends (31 December) a run from `start` over `days` days covers: the dates of
    its `<market>_price_usd_mtu_<date>` KPIs."""
    end = start + dt.timedelta(days=days)
    return [d for d in (dt.date(y, 12, 31) for y in range(start.year, end.year + 1))
            if start <= d < end]


def price_kpi_names(dates: Sequence[dt.date]) -> list[str]:
    """The price KPIs of the world scope, in report order: per market, peak, its day, mean,
    months above each threshold, then the price at each year end."""
    names = []
    for m in MARKETS:
        names += [f"{m}_peak_price_usd_mtu", f"{m}_peak_price_day", f"{m}_mean_price_usd_mtu",
                  *(f"{m}_months_above_{t}" for t in MONTHS_ABOVE),
                  *(f"{m}_price_usd_mtu_{d.isoformat()}" for d in dates)]
    return names


def run_price_dates(run: RunRecord | StackedRuns) -> list[dt.date]:
    """`price_dates` of a run (or of stacked runs)."""
    return price_dates(run.start, run.n_steps * run.step_days)


def price_values(run: RunRecord) -> list[float]:
    """The values of `price_kpi_names(run_price_dates(run))`, in that order."""
    return price_table(StackedRuns.of(run))[0].tolist()


def price_table(runs: StackedRuns) -> np.ndarray:
    """[rep, value]: each replication's `price_values`."""
    step = runs.step_days
    at = [min(runs.n_steps - 1, (d - runs.start).days // step) for d in run_price_dates(runs)]
    columns = []
    for m in MARKETS:
        price = runs.market[m]  # [rep, step]
        peak = price.argmax(axis=1)
        columns += [price[np.arange(runs.reps), peak], peak * float(step), price.mean(axis=1),
                    *(months_above(price, t, step) for t in MONTHS_ABOVE),
                    *(price[:, k] for k in at)]
    return np.stack(columns, axis=1)


def price_kpis(run: RunRecord) -> dict[str, float]:
    """The world scope's price KPIs by name."""
    return dict(zip(price_kpi_names(run_price_dates(run)), price_values(run), strict=True))


def months_above(price: np.ndarray, threshold: float, step_days: int) -> np.ndarray | float:
    """Months (of 365.25 / 12 days) of steps whose price ends above `threshold`: of a price
    series [step], a float; of stacked ones [rep, step], one per replication."""
    steps = np.count_nonzero(price > threshold, axis=-1)
    return float(steps) * step_days / MONTH_DAYS if price.ndim == 1 \
        else steps * step_days / MONTH_DAYS


def node_price(run: RunRecord | StackedRuns, i: int) -> np.ndarray:
    """Per step, the price in $/mtu of node i's product in its market (its market's APT
    price if the product has none): [step] of a run, [rep, step] of stacked runs."""
    node = run.nodes[i]
    m = market_of(node.country)
    return run.market.get(f"{m}:{node.product}", run.market[m])


def node_purchase_cost_musd(run: RunRecord) -> np.ndarray:
    """Per node: Σ delivered_t × its product's price in its market, in $ million (0 for
    nodes that are not consumers)."""
    return purchase_cost_table(StackedRuns.of(run))[0]


def purchase_cost_table(runs: StackedRuns) -> np.ndarray:
    """[rep, node]: each replication's `node_purchase_cost_musd`."""
    cost = np.zeros((runs.reps, len(runs.nodes)))
    delivered = runs.arrays["delivered_t"]  # [step, rep, node]
    for i, node in enumerate(runs.nodes):
        if node.kind == "consumer":
            price = node_price(runs, i)
            for r in range(runs.reps):
                usd = float(delivered[:, r, i].dot(price[r])) * USD_PER_T_PER_USD_PER_MTU
                cost[r, i] = usd / 1e6
    return cost


def node_market_totals(run: RunRecord) -> dict[str, np.ndarray]:
    """Each node's run total of every MARKET_NODE_KPIS entry (empty without a market)."""
    return {name: totals[0] for name, totals in market_totals(StackedRuns.of(run)).items()}


def market_totals(runs: StackedRuns) -> dict[str, np.ndarray]:
    """[rep, node]: each replication's `node_market_totals`."""
    if not runs.market:
        return {}
    out = {name: runs.arrays[name].sum(axis=0)
           for name in ("demand_destroyed_t", "scrap_added_t", "supply_added_t")}
    out["purchase_cost_musd"] = purchase_cost_table(runs)
    return out


# --- timeseries.csv ---------------------------------------------------------------------------

def market_series(run: RunRecord) -> Iterator[tuple[str, str, np.ndarray]]:
    """(node, variable, per-step level) of the price rows of timeseries.csv, in file order:
    for `market:ex_china` then `market:china`, the APT price in $/mtu WO3 and $/t W, each
    product's price in both, the cover in days; China's export openness (0-1) last. None
    without a market."""
    if not run.market:
        return
    for m in MARKETS:
        node = f"market:{m}"
        yield node, "price_usd_per_mtu", run.market[m]
        yield node, "price_usd_per_t", run.market[m] * USD_PER_T_PER_USD_PER_MTU
        for key in sorted(k for k in run.market if k.startswith(f"{m}:")):
            product = key.partition(":")[2]
            yield node, f"price_{product}_usd_per_mtu", run.market[key]
            yield node, f"price_{product}_usd_per_t", run.market[key] * USD_PER_T_PER_USD_PER_MTU
        if f"cover_days:{m}" in run.market:
            yield node, "cover_days", run.market[f"cover_days:{m}"]
    if "openness" in run.market:
        yield "market:china", "export_openness", run.market["openness"]


# --- the terminal -------------------------------------------------------------------------------

def price_line(summary: dict, start: dt.date, market: str = "ex_china") -> str:
    """`ex-China APT: peak $612/mtu (2027-03), average $455/mtu` from a summary's world
    scope (means over replications; the month is the median replication's); "" without."""
    world = summary.get("world", {})
    peak = world.get(f"{market}_peak_price_usd_mtu", {}).get("mean")
    if peak is None:
        return ""
    day = world[f"{market}_peak_price_day"]["p50"]
    mean = world[f"{market}_mean_price_usd_mtu"]["mean"]
    when = (start + dt.timedelta(days=day)).strftime("%Y-%m")
    return f"{MARKET_NAMES[market]} APT: peak ${peak:,.0f}/mtu ({when}), average ${mean:,.0f}/mtu"
