"""Regenerate the README's calibration table, scenario table and figures from fresh runs.

    python scenarios/report.py            # runs every shipped scenario (a few minutes)

It rewrites the parts of README.md between `<!-- NAME:start -->` and `<!-- NAME:end -->`
markers and the PNGs in `scenarios/figures/`. Nothing in the README's tables is typed by hand.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import numpy as np
from calibration import calibration_rows, china_throughput_share, format_table
from matplotlib.figure import Figure

from sim.model import simulate
from sim.records import RunRecord
from sim.results.catalogue import README_KPIS
from sim.results.kpis import kpi_rows
from sim.scenario import load_scenario

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"
FIGURES = HERE / "figures"


def run_all() -> dict[str, RunRecord]:
    """One run of every shipped scenario (the scenario's own seed), baseline first."""
    paths = sorted(HERE.glob("*.yaml"), key=lambda p: (p.stem != "baseline", p.stem))
    return {p.stem: simulate(load_scenario(p)) for p in paths}


def headline(record: RunRecord) -> dict[tuple[str, str], float]:
    """The headline KPIs of one run."""
    values = {(scope, kpi): value for _, scope, kpi, value in kpi_rows(record)}
    return {key: values.get(key, math.nan) for key in README_KPIS}


def scenario_table(records: dict[str, RunRecord]) -> str:
    """Markdown table of headline KPIs per scenario."""
    lines = ["| scenario | U.S. fill rate | U.S. defense fill rate | cumulative U.S. shortfall "
             "| share of U.S. deliveries mined in China | processed in China "
             "| of U.S. defense deliveries, mined in China "
             "| lowest U.S. cover | first U.S. shortfall |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, record in records.items():
        k = headline(record)
        first = k[("country:US", "first_shortfall_day")]
        first_text = "none" if math.isnan(first) else \
            (record.start + dt.timedelta(days=first)).isoformat()
        lines.append(
            f"| `{name}` | {k[('country:US', 'fill_rate')]:.1%} | "
            f"{k[('country:US/group:defense', 'fill_rate')]:.1%} | "
            f"{k[('country:US', 'shortfall_t')]:,.0f} t | "
            f"{k[('country:US', 'origin_share_CN')]:.1%} | "
            f"{k[('country:US', 'origin_share_processed_CN')]:.1%} | "
            f"{k[('country:US/group:defense', 'origin_share_CN')]:.1%} | "
            f"{k[('country:US', 'min_cover_days')]:.0f} days | {first_text} |")
    return "\n".join(lines)


def price_table(records: dict[str, RunRecord]) -> str:
    """Markdown table of each scenario's price path and what the market did to close the gap
    (needs the scenarios' `market:` section)."""
    lines = ["| scenario | ex-China APT, 2025 avg | peak (when) | 2030 avg | 2034 avg "
             "| China APT, peak | U.S. demand destroyed | scrap added (world) "
             "| mine output added (world) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, r in records.items():
        if not r.market:
            lines.append(f"| `{name}` | no market | | | | | | | |")
            continue
        price, dates = r.market["ex_china"], _dates(r)
        peak = int(np.argmax(price))
        us = _us(r)
        lines.append(
            f"| `{name}` | ${_year_mean(price, dates, 2025):,.0f} | ${price[peak]:,.0f} "
            f"({dates[peak]:%Y-%m}) | ${_year_mean(price, dates, 2030):,.0f} | "
            f"${_year_mean(price, dates, 2034):,.0f} | ${r.market['china'].max():,.0f} | "
            f"{r.arrays['demand_destroyed_t'][:, us].sum():,.0f} t | "
            f"{r.arrays['scrap_added_t'].sum():,.0f} t | "
            f"{r.arrays['supply_added_t'].sum():,.0f} t |")
    return "\n".join(lines)


def _year_mean(series: np.ndarray, dates: list[dt.date], year: int) -> float:
    picked = [v for v, d in zip(series.tolist(), dates, strict=True) if d.year == year]
    return float(np.mean(picked)) if picked else math.nan


def _us(record: RunRecord) -> list[int]:
    return [i for i, n in enumerate(record.nodes) if n.country == "US" and n.kind == "consumer"]


def _dates(record: RunRecord) -> list[dt.date]:
    return [record.start + dt.timedelta(days=float(d)) for d in record.days]


def _quarterly(series: np.ndarray, step_days: int) -> np.ndarray:
    """A trailing 13-week mean, so weekly noise does not hide the story."""
    width = max(1, round(91 / step_days))
    kernel = np.ones(width) / width
    return np.convolve(series, kernel, mode="full")[: series.size]


GROUPS = {
    "China's export controls": ("china-licensing-2025", "china-quota-50", "china-ban-us",
                                "nds-release"),
    "new supply": ("kazakh-online", "kazakh-delayed", "ban-plus-kazakh", "sangdong-online"),
    "shocks and rules": ("conflict-surge", "vietnam-outage", "shipping-disruption",
                         "dfars-2027"),
}
"""Scenarios drawn together, each panel against the baseline."""


def _panels(records: dict[str, RunRecord], series, title: str, ylabel: str, path: Path,
            top: float | None = None) -> None:
    """One panel per scenario group, the baseline in black in each."""
    fig = Figure(figsize=(11, 10), dpi=140)
    axes = fig.subplots(len(GROUPS), 1, sharex=True, sharey=True)
    for ax, (group, names) in zip(axes, GROUPS.items(), strict=True):
        base = records["baseline"]
        ax.plot(_dates(base), series(base), color="black", lw=2.2, label="baseline")
        for name in names:
            if name in records:
                ax.plot(_dates(records[name]), series(records[name]), lw=1.4, label=name)
        ax.set_title(group, fontsize=10)
        ax.set_ylabel(ylabel)
        ax.set_ylim(0, top)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=9)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)


def _cover(r: RunRecord) -> np.ndarray:
    us = _us(r)
    stock = r.arrays["stock_t"][:, us].sum(axis=1)
    use_per_day = r.arrays["expected_use_t"][:, us].sum(axis=1) / r.step_days
    return _quarterly(stock, r.step_days) / _quarterly(use_per_day, r.step_days)


def _china_share(r: RunRecord) -> np.ndarray:
    us = _us(r)
    cn = r.delivered_by_origin[:, us, r.origins.index("CN")].sum(axis=1)
    total = r.delivered_by_origin[:, us, :].sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return 100 * _quarterly(cn, r.step_days) / _quarterly(total, r.step_days)


def _price(r: RunRecord) -> np.ndarray:
    return r.market["ex_china"] if r.market else np.full(r.n_steps, np.nan)


def figure_price(records: dict[str, RunRecord], path: Path) -> None:
    """The ex-China APT price per scenario."""
    top = max(float(np.nanmax(_price(r))) for r in records.values()) * 1.08
    _panels(records, _price, "Ex-China APT price (European benchmark), $/mtu WO3",
            "$/mtu WO3", path, top=top)


def figure_cover(records: dict[str, RunRecord], path: Path) -> None:
    """U.S. consumers' days of cover per scenario: where most disruptions show first."""
    _panels(records, _cover, "U.S. consumers' stocks in days of cover (13-week mean)",
            "days of cover", path)


def figure_china_share(records: dict[str, RunRecord], path: Path) -> None:
    """Chinese-origin share of U.S. deliveries per scenario."""
    _panels(records, _china_share, "Share of U.S. deliveries mined in China (13-week mean; "
            "initial stocks in the mix their sourcing brings)", "% mined in China", path,
            top=100)


def replace_block(text: str, name: str, body: str) -> str:
    """Put `body` between the README's markers for `name`."""
    pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)
    if not pattern.search(text):
        raise SystemExit(f"README.md has no <!-- {name}:start/end --> markers")
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)


def main() -> None:
    """Run every shipped scenario and rewrite the README's tables and the figures."""
    records = run_all()
    FIGURES.mkdir(exist_ok=True)
    figure_cover(records, FIGURES / "us_cover_by_scenario.png")
    figure_china_share(records, FIGURES / "china_share_by_scenario.png")
    if records["baseline"].market:
        figure_price(records, FIGURES / "price_by_scenario.png")
    baseline_year = simulate(load_scenario(HERE / "baseline.yaml", [("horizon_years", 1)]))
    calibration = format_table(calibration_rows(baseline_year))
    calibration += (f"\n\nFor reference, China's share of the tonnes actually refined and "
                    f"converted in the model's first year is "
                    f"{china_throughput_share(baseline_year):.1%}.")
    text = README.read_text()
    text = replace_block(text, "calibration", calibration)
    text = replace_block(text, "scenarios", scenario_table(records))
    text = replace_block(text, "prices", price_table(records))
    README.write_text(text)
    print(f"updated {README} and {FIGURES}/")


if __name__ == "__main__":
    main()
