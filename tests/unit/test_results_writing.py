"""Writing results fast writes what the plain, row-at-a-time code wrote, byte for byte:
numbers as text, the tidy time series, KPI statistics, bands and kpis.csv, each against a
straightforward reference; and the resolved scenario's YAML reads back to the scenario."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import math
from pathlib import Path

import numpy as np
import pytest
from scenario_builder import (
    build,
    consumer,
    export_control,
    mine,
    processor,
    scenario,
    stockpile,
    supplier,
)

from sim.experiments import run_replications
from sim.model import simulate
from sim.records import FLOW_VARIABLES
from sim.results import Result, write_result
from sim.results.csvtext import join_fields, rounded_lines, text_matrix
from sim.results.ensemble import Bands
from sim.results.kpis import INTERVAL, kpi_stats, kpi_stats_rows, summarize
from sim.results.stats import nanpercentile
from sim.results.tables import VARIABLES_BY_KIND, aggregate, timeseries_chunks
from sim.results.writer import kpis_csv, scenario_yaml
from sim.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def numpy_text(values: np.ndarray) -> list[str]:
    """How values were written before: rounded to 6 decimals, -0 as 0, numpy's str."""
    return (np.round(values, 6) + 0.0).astype(str).tolist()


def lines_of(matrix: np.ndarray) -> list[str]:
    """The rows of a NUL-padded text matrix as strings."""
    return [bytes(row).replace(b"\0", b"").decode() for row in matrix]


# --- numbers as text ------------------------------------------------------------------------------

EDGES = [0.0, -0.0, 1e-7, 4.9999e-7, 5e-7, 5.0001e-7, 1e-6, 9.9e-5, 9.99999e-5, 9.999995e-5,
         1e-4, 0.0001004, 0.1, 0.5, 1.0, 0.25, 0.125, 0.1000005, 2.0000004, 2.0000005, 9.5,
         99.9999995, 1234.5, 9999.999999, 9999.9999995, 10000.0, 123456.78901234,
         99999999.999999, 99999999.9999995, 1e8, 123456789.5, 1e14, 1e15, 1e16, 1.5e300,
         -1e-7, -1e-6, -5e-7, -3.25, -123456.7, math.nan, math.inf, -math.inf]


def test_rounded_lines_write_what_numpy_wrote_for_edge_values() -> None:
    values = np.array(EDGES)
    assert lines_of(rounded_lines(values)) == [f"{t}\n" for t in numpy_text(values)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rounded_lines_write_what_numpy_wrote_for_any_magnitude(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 200_000
    values = rng.random(n) * 10.0 ** rng.integers(-9, 12, n)
    for decimals in range(7):  # some already round
        values[decimals::21] = np.round(values[decimals::21], decimals)
    values[::7] *= -1
    values[::11] = 0.0
    assert lines_of(rounded_lines(values)) == [f"{t}\n" for t in numpy_text(values)]


def test_rounded_lines_read_back_to_the_rounded_value() -> None:
    values = np.random.default_rng(4).random(10_000) * 1e5
    text = lines_of(rounded_lines(values))
    np.testing.assert_array_equal([float(t) for t in text], np.round(values, 6))


def test_fields_are_joined_row_by_row_without_padding() -> None:
    left = text_matrix(["0,", "12,"], right=True)
    assert left.tobytes() == b"\x000,12,"
    middle = text_matrix(["a,", "bbb,", "é,"])
    assert join_fields(left[None, :, :], middle[:, None, :]).tobytes().decode() == \
        "0,a,12,a,0,bbb,12,bbb,0,é,12,é,"
    assert join_fields(text_matrix(["x"]), rounded_lines(np.array([1.5]))).tobytes() == \
        b"x1.5\n"
    assert join_fields(np.zeros((0, 3), np.uint8), text_matrix(["a"])).size == 0


# --- the tidy time series -------------------------------------------------------------------------

def reference_timeseries(result: Result) -> str:
    """timeseries.csv as the row-at-a-time writer made it (all variables, the only choice
    then), with the variables of the scenario's `timeseries` choice kept."""
    chosen = result.scenario.timeseries
    out = ["replication,day,date,node,variable,value\n"]
    for run in result.runs:
        per = run.record_days // run.step_days
        days = np.arange(0, run.n_steps, per) * run.step_days
        prefixes = [f"{run.replication},{int(d)},{run.start + dt.timedelta(days=int(d))},"
                    for d in days]

        def block(middle: str, values: np.ndarray, prefixes=prefixes) -> None:
            out.extend(f"{p}{middle}{v}\n" for p, v in zip(prefixes, numpy_text(values),
                                                           strict=True))

        for i, node in enumerate(run.nodes):
            for name in VARIABLES_BY_KIND["all"][node.kind]:
                if name not in VARIABLES_BY_KIND[chosen][node.kind]:
                    continue
                values = aggregate(run.arrays[name][:, i], per, name in FLOW_VARIABLES)
                if name in ("backlog_t", "recycled_t") and not values.any():
                    continue
                block(f"{node.id},{name},", values)
            if node.kind == "consumer" and chosen == "all":
                for o, origin in enumerate(run.origins):
                    if run.delivered_by_origin[:, i, o].any():
                        values = aggregate(run.delivered_by_origin[:, i, o], per, True)
                        block(f"{node.id},delivered_from_{origin}_t,", values)
    return "".join(out)


def network(step_days: int = 7, record_days: int = 14, timeseries: str = "standard") -> dict:
    """Mines, a processor, a stockpile and consumers, with a ban that makes shortfalls."""
    return {**scenario(
        horizon_years=3, step_days=step_days, record_days=record_days, seed=3,
        mines=[mine("cn_mine", 900, country="CN", product="ore"),
               mine("vn_mine", 300, country="VN", product="ore")],
        processors=[processor("us_plant", 1000, [supplier("cn_mine", 0.7, 14),
                                                 supplier("vn_mine", 0.3, 21)])],
        stockpiles=[stockpile("us_nds", initial_stock=50,
                              release={"to": ["us_defense"], "max_tpa": 100})],
        consumers=[consumer("us_defense", 300, [supplier("us_plant")], group="defense",
                            initial_stock=30),
                   consumer("us_carbide", 700, [supplier("us_plant")], group="carbide")],
        events=[export_control(200, "ban", until_day=500)]), "timeseries": timeseries}


@pytest.mark.parametrize(("step_days", "record_days", "timeseries"),
                         [(7, 7, "all"), (7, 14, "all"), (1, 7, "all"), (7, 14, "standard")])
def test_timeseries_csv_is_what_the_row_at_a_time_writer_wrote(
        tmp_path: Path, step_days: int, record_days: int, timeseries: str) -> None:
    s = build(network(step_days, record_days, timeseries))
    runs = [simulate(s, r, 5) for r in range(2)]
    # Values numpy writes in other forms (negative, tiny, huge, NaN) must come out alike too.
    per = record_days // step_days
    arrays = dict(runs[1].arrays)
    odd = arrays["stock_t"].copy()
    odd[per - 1::per, 0][: len(EDGES)] = EDGES  # levels are written at each record's end
    arrays["stock_t"] = odd
    runs[1] = dataclasses.replace(runs[1], arrays=arrays)
    result = Result(s, runs, 5)
    with np.errstate(invalid="ignore"):  # KPIs of inf - inf
        folder = write_result(result, tmp_path / "out")
    text = (folder / "timeseries.csv").read_text()
    assert text == reference_timeseries(result)
    assert "1e-06" in text and "nan" in text and "-3.25" in text


def test_timeseries_chunks_do_not_depend_on_the_chunk_size() -> None:
    run = simulate(build(network()), 0, 5)
    whole = b"".join(c.tobytes() for c in timeseries_chunks(run, variables="all", rows=10**9))
    for rows in (1, 100, 500):
        chunks = timeseries_chunks(run, variables="all", rows=rows)
        assert b"".join(chunk.tobytes() for chunk in chunks) == whole


def test_standard_timeseries_holds_the_design_variables_and_all_adds_the_flows(
        tmp_path: Path) -> None:
    """The variables per kind of node in each choice, read back from the files."""
    def variables(choice: str) -> dict[str, set[str]]:
        s = build(network(timeseries=choice))
        folder = write_result(Result(s, [simulate(s, 0, 5)], 5), tmp_path / choice)
        found: dict[str, set[str]] = {}
        for row in csv.DictReader((folder / "timeseries.csv").open()):
            found.setdefault(row["node"], set()).add(row["variable"])
        return found

    standard, every = variables("standard"), variables("all")
    assert standard == {
        "cn_mine": {"stock_t", "produced_t", "capacity_tpa"},
        "vn_mine": {"stock_t", "produced_t", "capacity_tpa"},
        "us_plant": {"stock_t", "in_transit_t", "capacity_tpa", "output_t"},
        "us_nds": {"stock_t", "in_transit_t", "released_t"},
        "us_defense": {"stock_t", "in_transit_t", "demand_t", "delivered_t", "shortfall_t"},
        "us_carbide": {"stock_t", "in_transit_t", "demand_t", "delivered_t", "shortfall_t"},
    }
    assert every["cn_mine"] - standard["cn_mine"] == {"shipped_t"}
    assert every["us_plant"] - standard["us_plant"] == {"received_t", "processed_t", "lost_t",
                                                        "shipped_t"}
    # initial stocks are of their holder's country: the U.S. origin is the plant's and its own
    assert every["us_defense"] - standard["us_defense"] == {
        "received_t", "delivered_from_CN_t", "delivered_from_VN_t", "delivered_from_US_t"}


# --- statistics -----------------------------------------------------------------------------------

def same_stats(a: dict, b: dict) -> bool:
    """Equal, NaN equal to NaN, floats bit for bit."""
    if list(a) != list(b):
        return False
    for key in a:
        x, y = a[key], b[key]
        if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
            continue
        if type(x) is not type(y) or x != y:
            return False
    return True


@pytest.mark.parametrize("n", [0, 1, 2, 3, 10, 21, 100, 1000])
def test_kpi_stats_of_all_rows_at_once_are_those_of_each_row(n: int) -> None:
    rng = np.random.default_rng(n)
    values = rng.standard_normal((120, n)) * 10.0 ** rng.integers(-6, 9, (120, 1))
    values[::5, : n // 2] = np.nan
    values[::7] = np.nan
    values[::9] = 42.0
    if n:
        values[3::11, rng.integers(n)] = np.inf
    with np.errstate(invalid="ignore"):
        rows = kpi_stats_rows(values)
        expected = [kpi_stats(row) for row in values]
    assert all(same_stats(a, b) for a, b in zip(rows, expected, strict=True))


def test_summarize_keeps_kpis_missing_from_some_replications() -> None:
    rows = [(0, "world", "a", 1.0), (0, "world", "b", 2.0), (1, "world", "a", 3.0)]
    summary = summarize(rows)
    a, b = summary["world"]["a"], summary["world"]["b"]
    assert same_stats({k: a[k] for k in a if k not in INTERVAL}, kpi_stats([1.0, 3.0]))
    assert same_stats({k: b[k] for k in b if k not in INTERVAL}, kpi_stats([2.0]))
    # an unknown KPI: the t interval; one value: none
    assert a["ci_method"] == "t" and a["ci_low"] < 2.0 < a["ci_high"]
    assert (b["ci_low"], b["ci_high"]) == (None, None)
    assert summarize([]) == {}


@pytest.mark.parametrize("reps", [1, 2, 5, 40])
def test_percentile_bands_are_numpys(reps: int) -> None:
    rng = np.random.default_rng(reps)
    samples = rng.standard_normal((reps, 5, 60)) * 1e3
    samples[:, 1, ::4] = np.nan  # all NaN
    samples[rng.random(samples.shape) < 0.1] = np.nan  # some NaN
    with np.errstate(invalid="ignore"), pytest.warns(RuntimeWarning):
        expected = np.nanpercentile(samples, [5, 50, 95], axis=0)
    got = nanpercentile(samples, (5, 50, 95))
    np.testing.assert_array_equal(got, expected)


# --- bands.csv and summary.json ---------------------------------------------------------------

def reference_bands_csv(bands: Bands) -> str:
    """bands.csv as csv.writer and repr wrote it, a row at a time."""
    def exact(value: float) -> str:
        return "" if math.isnan(value) else repr(float(value))

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("series", "day", "days", "date", "mean", "p5", "p50", "p95"))
    for s, name in enumerate(bands.names):
        for b, (day, days) in enumerate(zip(bands.day, bands.days, strict=True)):
            date = (bands.start + dt.timedelta(days=float(day))).isoformat()
            writer.writerow((name, exact(day), exact(days), date,
                             *(exact(a[s, b]) for a in (bands.mean, bands.p5, bands.p50,
                                                        bands.p95))))
    return out.getvalue()


def test_bands_csv_is_what_csv_writer_wrote() -> None:
    rng = np.random.default_rng(9)
    stats = [rng.standard_normal((3, 8)) for _ in range(4)]
    stats[0][0, :3] = [np.nan, -0.0, 0.0]
    stats[1][0] = stats[0][0]  # shared numbers, -0.0 and 0.0 among them
    bands = Bands(dt.date(2030, 1, 1), ("plain", 'with,comma "and" quotes', ""),
                  np.arange(8) * 28.0, np.full(8, 28.0), *stats)
    assert bands.csv_text() == reference_bands_csv(bands)


def test_bands_of_a_monte_carlo_run_are_written_as_before() -> None:
    result = run_replications(build(network()), 3, 2)
    bands = result.ensemble.bands()
    assert bands.csv_text() == reference_bands_csv(bands)


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_resolved_scenario_reads_back_the_same(tmp_path: Path, path: Path) -> None:
    scenario = load_scenario(path)
    (tmp_path / "resolved.yaml").write_text(scenario_yaml(scenario))
    assert load_scenario(tmp_path / "resolved.yaml") == scenario


# --- probabilities at once, dates of any day ------------------------------------

def test_probabilities_of_all_scopes_at_once_are_those_of_each_scope() -> None:
    from sim.results.probabilities import ProbabilitySpec, probabilities

    rng = np.random.default_rng(12)
    scopes = ["us_defense", "country:US", "world"]
    keys = [(s, k) for s in scopes for k in ("fill_rate", "first_shortfall_day", "demand_t")]
    values = rng.random((len(keys), 25))
    values[1::3] *= 3000.0  # first shortfall days
    values[rng.random(values.shape) < 0.3] = np.nan
    values[0, :5] = 0.95  # on the threshold
    start = dt.date(2030, 1, 1)
    spec = ProbabilitySpec((0.5, 0.95), (dt.date(2031, 1, 1), None)).resolve(
        start, dt.date(2040, 1, 1))
    expected = []
    for scope in scopes:
        fill = values[keys.index((scope, "fill_rate"))]
        first = values[keys.index((scope, "first_shortfall_day"))]
        for threshold in spec.fill_rates:
            expected.append((scope, "fill_rate>=", f"{threshold:g}",
                             int(np.sum(fill >= threshold)), fill.size))
        for date in spec.no_shortfall_by:
            ok = np.isnan(first) | (first >= (date - start).days)
            expected.append((scope, "no_shortfall_by", date.isoformat(), int(np.sum(ok)),
                             first.size))
    got = probabilities(keys, values, spec, start)
    assert [(p.scope, p.event, p.threshold, p.successes, p.n) for p in got] == expected


def test_bands_csv_dates_of_any_day_are_timedeltas() -> None:
    """Whole days (numpy's dates) and fractional or negative ones (timedelta's rounding)."""
    day = np.array([0.0, 59.0, 0.5, 1.9999999999999, -0.25, -1.0, 3652.0])
    values = np.arange(day.size, dtype=float)[None, :]
    for days in (day[:2], day):
        n = days.size
        bands = Bands(dt.date(2028, 2, 1), ("s",), days, np.full(n, 7.0),
                      *[values[:, :n]] * 4)
        assert bands.csv_text() == reference_bands_csv(bands)


# --- kpis.csv ------------------------------------------------------------------------------------

@pytest.mark.parametrize("group", ["defense", "aero, space", 'the "big" one', "line\nbreak"])
def test_kpis_csv_is_what_csv_writer_wrote(group: str) -> None:
    rows = [(0, "us_defense", "fill_rate", 0.9876543210123456), (0, f"group:{group}",
                                                                  "shortfall_t", float("nan")),
            (1, "world", "days_short", 3.0), (1, f"group:{group}", "recovery_day", -0.0)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("replication", "scope", "kpi", "value"))
    writer.writerows((r, s, k, "" if math.isnan(v) else repr(round(v, 12))) for r, s, k, v in rows)
    assert "".join(kpis_csv(rows)) == out.getvalue()
    assert "".join(kpis_csv(iter(rows), chunk=1)) == out.getvalue()  # quoted chunk by chunk
