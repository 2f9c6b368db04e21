"""How the market's price parameters were chosen: `python scenarios/calibrate_market.py`.

Reproduces the choice of `market:` in scenarios/baseline.yaml (about a minute; prints the
evidence, writes scenarios/figures/market_calibration.png). Only facts dated up to January
2025 are used (scenarios/sources.md 5a, 1a, 8): nothing after the February 2025 export
controls, which the model is judged against.

1. Reference cover. The baseline "sits at 2024 prices" in 2025: each market's
   `reference_cover_days` is the mean cover the baseline holds in its first year with the
   market present but inert (sensitivity -1e-9: the price stays at its reference, every
   response factor stays 1, so the run is the market-off run). Printed as REFERENCE COVER.
2. Responses are fixed first, from the facts and stated assumptions (baseline.yaml's
   `market:` comments), and are not fitted: demand -0.1 short run, -0.3 long run after two
   years (the midpoints of the UNSOURCED -0.05..-0.15 and -0.2..-0.4), scrap collection,
   non-Chinese mine output and precautionary cover (assumptions).
3. A stylised replay of the 2015-16 glut on the shipped baseline network, market on: China's
   mine decline is switched off and demand growth set to 0 (a market in balance without the
   shock), then after one normal year ("2014") the world mines one year of surplus: 2015's
   record 89,400 t W against ~81,000 t W in 2021-24 (+10%), added as +8,100 t W/yr at
   China's mines for the year ("2015"), after which output returns to normal.
4. A grid over (sensitivity, adjustment_days) of both markets (the same pair for both: trade
   was open in 2015-18, so the two prices move together and cannot be told apart from this
   history). For each pair the replay's annual mean concentrate price (ex-China market,
   APT + the concentrate spread) is compared with the USGS annual averages [MCS20]:
   the trough (2016 / 2015 = 148 / 302 = 0.49), the first year of recovery (2017 / 2015 =
   245 / 302 = 0.81) and the second (2018 / 2015 = 326 / 302 = 1.08: 148 -> 326 in two
   years). The error is the sum of squared log differences of those three ratios; the pair
   with the least error is chosen. Each ratio is to the replay's own surplus year, so no
   absolute level is fitted (the level is the 2024 reference).
5. A check that is not fitted: the replay's range of annual means against its reference,
   against the 2015-2024 range of USGS annual averages against their mean (~$247):
   x0.60 (2016) .. x1.32 (2018).

The method is honest about what it cannot do: one shock, one background, a history of annual
averages whose causes (demand in 2016-18, China's stockpiling and quota policy) the replay
does not contain. It fixes the order of magnitude of how strongly and how fast price answers
a change in cover, not a forecast.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.model.run import simulate  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

BASELINE = ROOT / "scenarios" / "baseline.yaml"
FIGURE = ROOT / "scenarios" / "figures" / "market_calibration.png"

USGS_CONCENTRATE = {  # $/mtu WO3, annual averages: [MCS20] 2015-19, [MCS25] 2020-24
    2015: 302, 2016: 148, 2017: 245, 2018: 326, 2019: 270,
    2020: 172, 2021: 225, 2022: 275, 2023: 258, 2024: 250,
}
SURPLUS_YEAR = 2015
TARGETS = {year: USGS_CONCENTRATE[year] / USGS_CONCENTRATE[SURPLUS_YEAR]
           for year in (2016, 2017, 2018)}
WORLD_2015_T = 89_400  # USGS MYB 2015, a record
WORLD_2021_24_T = (79_000 + 84_000 + 79_500 + 81_000) / 4  # sources.md 1a
SURPLUS_T = 8_100  # t W/yr: 2015 against 2021-24 (+10.5%), rounded down

SENSITIVITIES = (-0.5, -1.0, -1.5, -2.0, -3.0, -4.0, -5.0, -6.0, -8.0, -10.0)
ADJUSTMENT_DAYS = (30.0, 60.0, 90.0, 180.0, 270.0, 365.0, 545.0, 730.0)
STEPS_PER_YEAR = 52
WARMUP_YEARS = 3  # normal years before the surplus: the start-up settles (scrap returns
# begin after scrap_days, pipelines fill)
FIRST_YEAR = SURPLUS_YEAR - WARMUP_YEARS
REPLAY_YEARS = WARMUP_YEARS + 9  # to "2023"


def baseline_market() -> dict:
    """The shipped market section, as plain data (what the grid varies)."""
    return load_scenario(BASELINE).market.model_dump(by_alias=True)


def with_price(market: dict, sensitivity: float, adjustment_days: float) -> dict:
    """The market section with one (sensitivity, adjustment_days) pair for both markets."""
    out = {**market}
    for name in ("ex_china", "china"):
        out[name] = {**market[name], "sensitivity": sensitivity,
                     "adjustment_days": adjustment_days}
    return out


def annual(series: np.ndarray) -> np.ndarray:
    """Means over whole 52-step years."""
    years = series.size // STEPS_PER_YEAR
    return series[: years * STEPS_PER_YEAR].reshape(years, STEPS_PER_YEAR).mean(axis=1)


def reference_cover() -> dict[str, float]:
    """Each market's first-year mean cover in the baseline with the market inert."""
    market = with_price(baseline_market(), -1e-9, 90.0)
    record = simulate(load_scenario(BASELINE, [("market", market)]))
    return {name: float(annual(record.market[f"cover_days:{name}"])[0])
            for name in ("ex_china", "china")}


def replay_cover(market: dict) -> dict[str, float]:
    """Each market's mean cover in the replay's normal years (after the first, when pipelines
    fill) with the market inert: the replay's own reference, so that the replay without the
    surplus is a market in balance at its reference price."""
    inert = with_price(market, -1e-9, 90.0)
    record = simulate(load_scenario(BASELINE, replay_overrides(inert, surplus=False)))
    return {name: float(annual(record.market[f"cover_days:{name}"])[1:WARMUP_YEARS].mean())
            for name in ("ex_china", "china")}


def with_cover(market: dict, cover: dict[str, float]) -> dict:
    """The market section with these reference covers."""
    return {**market, **{name: {**market[name], "reference_cover_days": days}
                         for name, days in cover.items()}}


def replay_overrides(market: dict, surplus: bool) -> list[tuple[str, object]]:
    """The replay: the baseline with flat Chinese mines, no demand growth, and (if `surplus`)
    one year of +SURPLUS_T t W at China's mines after one normal year."""
    scenario = load_scenario(BASELINE)
    cn = next(m for m in scenario.mines if m.id == "cn_mines")
    normal = cn.capacity_tpa  # utilization 1: capacity = 2024 output
    start = scenario.start.year + WARMUP_YEARS
    events = [] if not surplus else [
        {"id": "glut_on", "kind": "capacity", "at": f"{start}-01-01", "node": "cn_mines",
         "capacity_tpa": normal + SURPLUS_T},
        {"id": "glut_off", "kind": "capacity", "at": f"{start + 1}-01-01", "node": "cn_mines",
         "capacity_tpa": normal},
    ]
    return [("market", market), ("events", events), ("horizon_years", REPLAY_YEARS)] + \
        [(f"consumers.{c.id}.growth", 0.0) for c in scenario.consumers]


def replay(market: dict, surplus: bool = True) -> np.ndarray:
    """Annual mean ex-China concentrate price of the replay, $/mtu WO3, from FIRST_YEAR."""
    record = simulate(load_scenario(BASELINE, replay_overrides(market, surplus)))
    return annual(record.market["ex_china:concentrate"])


def relative(market: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The replay with the surplus, without it, and their ratio year by year (what the
    surplus did: the background's own drift, a small standing surplus, is divided out)."""
    shock, flat = replay(market), replay(market, surplus=False)
    return shock, flat, shock / flat


def score(ratio: np.ndarray) -> tuple[float, dict[int, float]]:
    """Squared log error of the replay's 2016-18 prices relative to the same years without
    the surplus, against the USGS 2016-18 averages relative to 2015's."""
    ratios = {year: ratio[year - FIRST_YEAR] for year in TARGETS}
    error = sum(np.log(ratios[y] / TARGETS[y]) ** 2 for y in TARGETS)
    return float(error), ratios


def drift(flat: np.ndarray, ref: float) -> float:
    """Mean squared log distance of the undisturbed replay's annual means from the reference
    (a market in balance should sit at its reference price, not cycle on its own)."""
    return float(np.mean(np.log(flat / ref) ** 2))


def main() -> None:
    t0 = time.perf_counter()
    cover = reference_cover()
    print("REFERENCE COVER (baseline's first year, market inert), days:")
    for name, days in cover.items():
        print(f"  {name:9s} {days:6.1f}")
    market = baseline_market()
    own = replay_cover(market)
    print("replay's own reference cover (normal years 2-3, market inert), days: "
          + ", ".join(f"{name} {days:.1f}" for name, days in own.items()))
    market = with_cover(market, own)
    ref = market["ex_china"]["reference_price"] + market["spreads"].get("concentrate", 0.0)
    print(f"\nreplay: +{SURPLUS_T:,} t W/yr mined in 'year 2015' (USGS: {WORLD_2015_T:,} t W "
          f"in 2015 vs {WORLD_2021_24_T:,.0f} in 2021-24, +"
          f"{WORLD_2015_T / WORLD_2021_24_T - 1:.1%}); concentrate reference ${ref:.0f}/mtu")
    print("targets (USGS concentrate, ratio to 2015): "
          + ", ".join(f"{y} {r:.2f}" for y, r in TARGETS.items()))
    grid = np.full((len(SENSITIVITIES), len(ADJUSTMENT_DAYS)), np.nan)
    fit, calm = grid.copy(), grid.copy()
    runs = {}
    for i, s in enumerate(SENSITIVITIES):
        for j, days in enumerate(ADJUSTMENT_DAYS):
            runs[s, days] = relative(with_price(market, s, days))
            fit[i, j], _ = score(runs[s, days][2])
            calm[i, j] = drift(runs[s, days][1], ref)
    grid = fit + calm
    i, j = np.unravel_index(np.nanargmin(grid), grid.shape)
    best = SENSITIVITIES[i], ADJUSTMENT_DAYS[j]
    shock, flat, ratio = runs[best]
    _, ratios = score(ratio)
    error = grid[i, j]
    for title, table in (("fit to 2016-18 (squared log error)", fit),
                         ("drift of the undisturbed replay (mean squared log)", calm),
                         ("error = fit + drift", grid)):
        print(f"\n{title}; rows sensitivity, columns adjustment_days:")
        print("  s \\ days " + "".join(f"{d:8.0f}" for d in ADJUSTMENT_DAYS))
        for i_, s in enumerate(SENSITIVITIES):
            print(f"  {s:8.1f} " + "".join(f"{table[i_, j_]:8.3f}"
                                           for j_ in range(len(ADJUSTMENT_DAYS))))
    print(f"\nCHOICE: sensitivity {best[0]}, adjustment_days {best[1]:.0f} (error {error:.3f})")
    print("  with / without the surplus:  " + ", ".join(
        f"{y} {ratios[y]:.2f} (target {TARGETS[y]:.2f})" for y in TARGETS))
    years = [FIRST_YEAR + k for k in range(shock.size)]
    print("  replay annual means, $/mtu concentrate (without the surplus):\n    " + ", ".join(
        f"{y} {p:.0f} ({f:.0f})" for y, p, f in zip(years, shock, flat, strict=True)))
    obs = np.array(list(USGS_CONCENTRATE.values()), dtype=float)
    print(f"  range check (not fitted): replay x{ratio.min():.2f}..x{ratio.max():.2f} of the "
          f"run without the surplus; USGS 2015-24 x{obs.min() / obs.mean():.2f}.."
          f"x{obs.max() / obs.mean():.2f} of its mean ${obs.mean():.0f}")
    print(f"  background drift (no surplus, chosen pair): x{flat.min() / ref:.2f}.."
          f"x{flat.max() / ref:.2f} of the reference")
    plot(shock, flat, ref, grid, best)
    print(f"\nwrote {FIGURE.relative_to(ROOT)} ({time.perf_counter() - t0:.0f} s)")


def plot(prices: np.ndarray, flat: np.ndarray, ref: float, grid: np.ndarray,
         best: tuple[float, float]) -> None:
    """Observed vs replayed annual prices, and the error surface."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(12, 5.4), gridspec_kw={"width_ratios": [3, 2]})
    years = list(USGS_CONCENTRATE)
    ax.plot(years, list(USGS_CONCENTRATE.values()), "o-", color="black",
            label="USGS concentrate, annual average (observed)")
    replay_years = [FIRST_YEAR + k for k in range(prices.size)]
    ax.plot(replay_years, prices, "s--", color="tab:red",
            label=f"replay, ex-China concentrate (s = {best[0]}, "
                  f"adjustment {best[1]:.0f} d)")
    ax.plot(replay_years, flat, ":", color="tab:red", alpha=0.6,
            label="replay without the surplus")
    ax.axvspan(SURPLUS_YEAR - 0.5, SURPLUS_YEAR + 0.5, color="tab:blue", alpha=0.1,
               label=f"replay: surplus year (+{SURPLUS_T:,} t W mined)")
    ax.set_xlabel("year (replay: stylised, one shock only)")
    ax.set_ylabel("$/mtu WO3")
    ax.set_title("Fitted: replay 2016-18 with / without the surplus\n"
                 "vs USGS 2016-18 / 2015 (0.49, 0.81, 1.08)", fontsize=10)
    ax.set_xticks(sorted(set(replay_years) | set(years)))
    ax.tick_params(axis="x", labelrotation=45)
    ax.set_ylim(100, 420)
    ax.legend(fontsize=7.5, loc="upper left", ncol=2)
    ax.grid(alpha=0.3)
    image = bx.imshow(np.log10(grid), aspect="auto", origin="lower", cmap="viridis_r")
    bx.set_xticks(range(len(ADJUSTMENT_DAYS)), [f"{d:.0f}" for d in ADJUSTMENT_DAYS])
    bx.set_yticks(range(len(SENSITIVITIES)), [f"{s:g}" for s in SENSITIVITIES])
    bx.plot(ADJUSTMENT_DAYS.index(best[1]), SENSITIVITIES.index(best[0]), "r*", ms=14)
    bx.set_xlabel("adjustment_days")
    bx.set_ylabel("sensitivity")
    bx.set_title("log10 error (fit + drift; star: chosen)", fontsize=10)
    fig.colorbar(image, ax=bx)
    fig.tight_layout()
    FIGURE.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(FIGURE, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main()
