"""What the figures say, read from their matplotlib objects: every node named, demand beside
deliveries, events in the legend, "no releases" in words, percent axes, tornado bars that
stay within the KPI's range, the sample-size warning."""

from __future__ import annotations

import datetime as dt
import textwrap
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import PercentFormatter

from sim.experiments.design import design, parse_param
from sim.experiments.replications import run_replications
from sim.experiments.sensitivity import SampleSizeWarning, linear_rows, salib_rows
from sim.experiments.sweep_points import STATS, PointStats
from sim.plots.bands import comparison_figure, comparison_spans
from sim.plots.run import result_figures
from sim.plots.sweep import sweep_figures
from sim.records import NODE_VARIABLES, NodeRow, RunRecord
from sim.results.result import Result
from sim.scenario import load_scenario

BAN = textwrap.dedent("""\
    format: 1
    name: ban-content
    start: 2026-01-01
    horizon_years: 2
    products: [apt]
    mines:
      - {id: cn_mine, country: CN, product: apt, capacity_tpa: 2000}
      - {id: vn_mine, country: VN, product: apt, capacity_tpa: 300}
    stockpiles:
      - {id: us_nds, country: US, product: apt, initial_stock: 50,
         release: {to: [us_defense], max_tpa: 500}}
    consumers:
      - id: us_defense
        country: US
        product: apt
        demand_tpa: 400
        priority: 1
        suppliers:
          - {from: cn_mine, share: 0.5, transit_days: 30}
          - {from: vn_mine, share: 0.5, transit_days: 20}
      - id: us_carbide
        country: US
        product: apt
        demand_tpa: 900
        suppliers: [{from: cn_mine, share: 1, transit_days: 30}]
    events:
      - {id: cn_ban, kind: export_control, at: 2026-06-01, until: 2027-03-01, country: CN,
         to: [US], mode: ban}
    """)


def texts(figure: Figure) -> str:
    """Every text a reader sees: titles, labels, notes and legend entries, in one string
    (lines wrapped to fit a legend joined again)."""
    found = [t.get_text() for t in figure.findobj(lambda a: hasattr(a, "get_text"))]
    return " ".join(" ".join(found).split())


def figure_named(figures: list[tuple[str, Figure]], name: str) -> Figure:
    return dict(figures)[name]


@pytest.fixture(scope="module")
def ban_result(tmp_path_factory: pytest.TempPathFactory) -> Result:
    path = tmp_path_factory.mktemp("ban") / "ban.yaml"
    path.write_text(BAN)
    return run_replications(load_scenario(path), 3)


# --- run figures -------------------------------------------------------------------------------

def processors_run(count: int = 11, stockpile: bool = False) -> Result:
    """A run with `count` processors in four countries, one holding far more stock (and a
    stockpile that releases nothing)."""
    countries = ["CN", "US", "JP", "DE"]
    nodes = [NodeRow("cn_mine", "mine", "CN", None)]
    nodes += [NodeRow(f"p{k}_{countries[k % 4].lower()}", "processor", countries[k % 4], None)
              for k in range(count)]
    if stockpile:
        nodes.append(NodeRow("us_nds", "stockpile", "US", None))
    nodes.append(NodeRow("us_user", "consumer", "US", None))
    n_steps = 40
    a = {v: np.zeros((n_steps, len(nodes))) for v in NODE_VARIABLES}
    a["stock_t"][:, 1:-1] = np.where([n.country == "CN" for n in nodes[1:-1]], 5000.0, 40.0)
    a["demand_t"][:, -1] = a["expected_use_t"][:, -1] = a["delivered_t"][:, -1] = 5.0
    run = RunRecord(0, dt.date(2026, 1, 1), 7, 7, nodes, ["CN"], a,
                    np.zeros((n_steps, len(nodes), 1)), np.zeros((n_steps, 1)), {}, 0.0)
    return Result(SimpleNamespace(name="many-processors", events=[]), [run], seed=0)


def test_stocks_name_every_processor_even_beyond_eight() -> None:
    result = processors_run()
    stocks = figure_named(result_figures(result), "stocks_days_of_cover")
    shown = texts(stocks)
    for node in result.runs[0].nodes:
        if node.kind == "processor":
            assert node.id in shown, node.id
    titles = [ax.get_title() for ax in stocks.axes]
    assert any("processor stocks in CN" in t for t in titles), titles  # the largest alone


def test_main_series_has_demand_cumulative_shortfall_and_named_events(ban_result) -> None:
    main = figure_named(result_figures(ban_result), "main_series")
    labels = [line.get_label() for ax in main.axes for line in ax.get_lines()]
    assert "U.S. demand (median)" in labels
    shown = texts(main)
    assert "running total" in shown
    assert "cn_ban: ban by CN on US" in shown  # the event, in the figure's legend
    legend_texts = [t.get_text() for legend in main.legends for t in legend.get_texts()]
    assert any(t.startswith("cn_ban") for t in legend_texts)
    short = ban_result.ensemble.column(("country:US", "first_shortfall_day"))
    if np.isfinite(short).any():
        assert "first short 20" in shown
    else:
        assert "no U.S. shortfall" in shown


def test_every_run_figure_with_a_date_axis_names_the_event(ban_result) -> None:
    for name, figure in result_figures(ban_result):
        if name in ("main_series",):
            continue
        assert "cn_ban: ban by CN on US" in texts(figure), name


def test_a_stockpile_that_released_nothing_says_so() -> None:
    result = processors_run(count=2, stockpile=True)
    assert not result.runs[0].arrays["released_t"].any()
    assert "no releases" in texts(figure_named(result_figures(result), "stockpile_level"))


def test_shares_are_drawn_in_percent(ban_result) -> None:
    main = figure_named(result_figures(ban_result), "main_series")
    share = next(ax for ax in main.axes if "Chinese-origin" in ax.get_title())
    assert isinstance(share.yaxis.get_major_formatter(), PercentFormatter)


# --- comparison --------------------------------------------------------------------------------

def test_comparison_keeps_the_reference_visible_and_names_events(ban_result) -> None:
    bands = ban_result.ensemble.bands()
    entries = [("baseline", bands), ("ban", bands)]  # identical: the worst case for hiding
    base = SimpleNamespace(events=[])
    spans = comparison_spans(entries, [base, ban_result.scenario])
    figure = comparison_figure(entries, "us_delivered_tpa", spans, "baseline, ban")
    lines = {line.get_label(): line for line in figure.axes[0].get_lines()}
    assert lines["baseline"].get_linestyle() == "--"
    assert lines["baseline"].get_zorder() > lines["ban"].get_zorder()
    assert "cn_ban: ban by CN on US (only ban)" in texts(figure)


# --- sweeps ------------------------------------------------------------------------------------

def fake_plan(method: str, params: list[str], kpis: list[str], samples: int | None = None):
    """What the sweep figures read of a Plan: name, design, definition, KPI labels."""
    d = design(method, [parse_param(p) for p in params], samples, seed=1)
    definition = SimpleNamespace(replications=2, method=method)
    return SimpleNamespace(name="fake", design=d, definition=definition, kpi_labels=kpis)


def point_stats(means: np.ndarray) -> PointStats:
    """PointStats whose mean, p5, p50 and p95 are `means` [point, kpi] (sd 0)."""
    values = np.stack([means if s != "sd" else np.zeros_like(means) for s in STATS], axis=2)
    return PointStats(values, np.full(means.shape[0], 2))


def test_tornado_stays_in_the_kpi_range_where_a_line_would_leave_it() -> None:
    plan = fake_plan("grid", ["events.cn_ban.enforcement=0,0.25,0.5,0.75,1"],
                     ["country:US.fill_rate"])
    means = np.array([[1.0], [1.0], [1.0], [1.0], [0.8]])  # a threshold: full until the end
    rows = linear_rows(plan.design, means, plan.kpi_labels)
    effect = next(r[3] for r in rows if r[2] == "effect")
    assert means.mean() + abs(effect) / 2 > 1.0  # the straight line leaves [0, 1]
    tornado = figure_named(sweep_figures(plan, point_stats(means), rows), "tornado")
    ax = tornado.axes[0]
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert bars
    for bar in bars:
        left, right = sorted((bar.get_x(), bar.get_x() + bar.get_width()))
        assert left >= 0.8 - 1e-12 and right <= 1.0 + 1e-12, (left, right)
    assert isinstance(ax.xaxis.get_major_formatter(), PercentFormatter)
    assert "U.S. fill rate" in texts(tornado)


def test_sweep_axes_use_words_and_percent() -> None:
    plan = fake_plan("grid", ["events.cn_ban.enforcement=0,0.5,1"],
                     ["country:US.fill_rate", "country:US.shortfall_t"])
    means = np.array([[1.0, 0.0], [0.9, 50.0], [0.8, 120.0]])
    figures = dict(sweep_figures(plan, point_stats(means), []))
    fill, short = figures["kpi-1-country_US_fill_rate"], figures["kpi-2-country_US_shortfall_t"]
    assert isinstance(fill.axes[0].yaxis.get_major_formatter(), PercentFormatter)
    assert isinstance(fill.axes[0].xaxis.get_major_formatter(), PercentFormatter)
    assert fill.axes[0].get_xlabel() == "cn_ban enforcement"
    assert short.axes[0].get_ylabel() == "U.S. shortfall (t W)"


def test_sobol_with_few_samples_warns_in_the_file_rows_and_the_figure() -> None:
    pytest.importorskip("SALib")
    plan = fake_plan("sobol", ["mines.a.capacity_tpa=uniform(1,2)",
                               "mines.b.capacity_tpa=uniform(1,2)"],
                     ["world.shortfall_t"], samples=8)
    x = np.array([[float(v) for v in point] for point in plan.design.points])
    means = (3 * x[:, 0] + x[:, 1])[:, None]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows = salib_rows(plan.design, means, plan.kpi_labels, seed=1)
    assert any(issubclass(w.category, SampleSizeWarning) for w in caught)
    assert any(r[2].startswith("warning: N=8") for r in rows)
    figure = figure_named(sweep_figures(plan, point_stats(means), rows), "sobol")
    assert "N=8: indices unreliable" in texts(figure)
