"""The plot of a stockpile sizing: P(target met) against the holding, per scenario.

Points are the holdings evaluated with every replication, with 95% Wilson intervals, and
(hollow, dotted) those of the pilot pass, with fewer replications; the confidence asked for
is a dashed line and each answer a vertical line. One line style per release rate.
"""

from __future__ import annotations

from pathlib import Path

from sim.plots.common import line_palette, new_figure, save_figures

STYLES = ("-", "--", ":", "-.")


def plot_sizing(result, path: Path) -> Path:
    """Draw `result` (a `sim.experiments.sizing.SizingResult`) into the PNG `path`."""
    sz = result.sizing
    figure, (ax,) = new_figure()
    colors = line_palette()
    for i, search in enumerate(result.searches):
        style = STYLES[i % len(STYLES)]
        rate = "" if search.rate is None else f", release {search.rate:,.0f} t/yr"
        full = sorted({e.holding: e for e in search.evaluations
                       if e.n == sz.replications}.values(), key=lambda e: e.holding)
        pilot = sorted({e.holding: e for e in search.evaluations
                        if e.n < sz.replications}.values(), key=lambda e: e.holding)
        for s, name in enumerate(result.names):
            if pilot:
                ax.plot([e.holding for e in pilot], [e.share(s) for e in pilot],
                        color=colors[s % len(colors)], linestyle=":", marker="o",
                        markerfacecolor="none", alpha=0.6, markersize=4,
                        label=f"{name}{rate}, pilot ({pilot[0].n} replications)")
            xs = [e.holding for e in full]
            ps = [e.share(s) for e in full]
            lows = [p - e.interval(s)[0] for p, e in zip(ps, full, strict=True)]
            highs = [e.interval(s)[1] - p for p, e in zip(ps, full, strict=True)]
            ax.errorbar(xs, ps, yerr=[lows, highs], color=colors[s % len(colors)],
                        linestyle=style, marker="o", markersize=4, capsize=3,
                        label=f"{name}{rate}")
        if search.answer is not None:
            ax.axvline(search.answer, color="#333333", linestyle=style, linewidth=1)
            ax.annotate(f"{search.answer:,.0f} t", (search.answer, 0.5),
                        xycoords=("data", "axes fraction"), rotation=90, ha="right",
                        va="center", fontsize=9)
    ax.axhline(sz.confidence, color="#d62728", linestyle="--", linewidth=1,
               label=f"confidence {sz.confidence:g}")
    ax.set_xlim(left=0)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(f"initial holding of {sz.stockpile} (t W)")
    ax.set_ylabel("P(target met), 95% Wilson")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="center right", fontsize=8)
    figure.suptitle(f"Stockpile sizing: P({sz.target.text()}) against the holding of "
                    f"{sz.stockpile}")
    ax.text(0.01, 0.02, f"{sz.replications} replications per scenario, seed {sz.seed}, "
                        "common random numbers", transform=ax.transAxes, fontsize=9,
            color="#555555")
    unreachable = [s for s in result.searches if s.answer is None]
    if unreachable:
        ax.set_title(f"not reachable below {sz.max_holding:,.0f} t", fontsize=10,
                     color="#d62728")
    (saved,) = save_figures([(path.stem, figure)], path.parent)
    return saved
