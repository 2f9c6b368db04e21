"""Properties every run must have, on random small networks (hypothesis).

Random scenarios: 1–3 mines of random countries (some coming online late, some with random
outages), 0–2 processors with random yields and delays, an optional recycler fed by consumers'
scrap, 0–1 stockpile (random target and release rule), 1–3 consumers with random noise,
growth, backlog, cover, priority and scrap, random transit times (numbers and every kind of
distribution) and 0–6 random events of every kind inside the horizon. For each:

- the run completes (it checks the mass balance itself and raises SimulationError when it is
  off); the returned balance error is < 1e-9 and agrees with one recomputed from `.totals`;
- no stock is negative; no consumer gets more than its demand (plus its backlog);
  deliveries by origin add up to deliveries; every fill rate is in [0, 1];
- the same seed gives identical arrays, and the CLI writes byte-identical output files
  (everything but manifest.json and report.html, which hold wall time) into two folders.
"""

from __future__ import annotations

import contextlib
import filecmp
import io
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_builder import build, day, scenario, write_yaml

from sim.cli import main
from sim.model import simulate
from sim.results.kpis import kpi_rows

COUNTRIES = ["CN", "US", "VN", "ROW"]
TOL = 1e-9


def numbers(low: float, high: float) -> st.SearchStrategy[float]:
    """Tidy floats in [low, high] (rounded so the YAML round trip is exact)."""
    return st.floats(low, high, allow_nan=False).map(lambda x: round(x, 3))


@st.composite
def distributions(draw, low: float, high: float, allow_plain: bool = True):
    """A plain number or a distribution mapping, with values around [low, high]."""
    kinds = ["normal", "lognormal", "triangular", "uniform", "exponential", "constant"]
    kind = draw(st.sampled_from((["plain"] if allow_plain else []) + kinds))
    if kind == "plain":
        return draw(numbers(low, high))
    if kind == "normal":
        return {"dist": "normal", "mean": draw(numbers(low, high)),
                "sd": draw(numbers(0, (high - low) / 2))}
    if kind == "lognormal":
        return {"dist": "lognormal", "median": draw(numbers(max(low, 0.01), high)),
                "sigma": draw(numbers(0, 1))}
    if kind == "triangular":
        a, b, c = sorted(draw(numbers(low, high)) for _ in range(3))
        return {"dist": "triangular", "low": a, "mode": b, "high": c}
    if kind == "uniform":
        a, b = sorted(draw(numbers(low, high)) for _ in range(2))
        return {"dist": "uniform", "low": a, "high": b}
    if kind == "exponential":
        return {"dist": "exponential", "mean": draw(numbers(max(low, 0.01), high))}
    return {"dist": "constant", "value": draw(numbers(low, high))}


def subset(draw, items: list[str], min_size: int = 1) -> list[str]:
    """A random non-repeating sub-list of `items`."""
    if not items:
        return []
    return draw(st.lists(st.sampled_from(items), min_size=min(min_size, len(items)),
                         max_size=len(items), unique=True))


@st.composite
def suppliers(draw, sellers: list[str], min_size: int = 1) -> list[dict]:
    return [{"from": s, "share": draw(numbers(0.1, 3)),
             "transit_days": draw(distributions(0, 60))}
            for s in subset(draw, sellers, min_size)]


@st.composite
def random_scenarios(draw) -> dict:
    """A small random network with random events, as a scenario dict."""
    step_days = draw(st.sampled_from([1, 7, 7, 10]))
    horizon_years = draw(st.sampled_from([1, 2] if step_days == 1 else [1, 2, 3]))
    horizon_days = int(365 * horizon_years)
    n_processors = draw(st.integers(0, 2))
    with_scrap = draw(st.booleans())
    in_horizon = st.integers(0, horizon_days - 1)

    mines = []
    for i in range(draw(st.integers(1, 3))):
        product = "ore" if n_processors and (i == 0 or draw(st.booleans())) else "metal"
        m = {"id": f"mine_{i}", "country": draw(st.sampled_from(COUNTRIES)),
             "product": product, "capacity_tpa": draw(numbers(0, 2000)),
             "utilization": draw(numbers(0.3, 1)), "initial_stock": draw(numbers(0, 500))}
        if draw(st.booleans()):
            m["online"] = day(draw(in_horizon))
            m["ramp_days"] = draw(numbers(0, 400))
        if draw(st.booleans()):
            m["outages"] = {"rate_per_year": draw(numbers(0, 3)),
                            "duration_days": draw(distributions(1, 90)),
                            "capacity_left": draw(numbers(0, 1))}
        mines.append(m)
    ore_mines = [m["id"] for m in mines if m["product"] == "ore"]

    processors = []
    for i in range(n_processors):
        initial = draw(st.one_of(numbers(0, 300), st.fixed_dictionaries(
            {"ore": numbers(0, 300), "metal": numbers(0, 300)})))
        processors.append({
            "id": f"proc_{i}", "country": draw(st.sampled_from(COUNTRIES)),
            "inputs": ["ore"], "output": "metal", "capacity_tpa": draw(numbers(0, 2000)),
            "yield": draw(numbers(0.5, 1)), "process_days": draw(numbers(0, 60)),
            "cover_days": draw(numbers(0, 90)), "priority": draw(st.integers(1, 10)),
            "initial_stock": initial, "suppliers": draw(suppliers(ore_mines))})
    if with_scrap:
        processors.append({
            "id": "recycler", "country": draw(st.sampled_from(COUNTRIES)),
            "inputs": ["scrap"], "output": "metal", "capacity_tpa": draw(numbers(0, 500)),
            "yield": draw(numbers(0.5, 1)), "process_days": draw(numbers(0, 30))})
    sellers = [m["id"] for m in mines if m["product"] == "metal"]
    sellers += [p["id"] for p in processors]

    consumers = []
    for i in range(draw(st.integers(1, 3))):
        c = {"id": f"user_{i}", "country": draw(st.sampled_from(COUNTRIES)),
             "group": draw(st.sampled_from([None, "defense", "industrial"])),
             "product": "metal", "demand_tpa": draw(numbers(0, 1500)),
             "growth": draw(numbers(-0.2, 0.3)),
             "noise": draw(distributions(0.5, 1.5)),
             "priority": draw(st.integers(1, 10)), "cover_days": draw(numbers(0, 120)),
             "backlog": draw(st.booleans()), "initial_stock": draw(numbers(0, 300)),
             "suppliers": draw(suppliers(sellers))}
        if c["group"] is None:
            del c["group"]
        if with_scrap and (i == 0 or draw(st.booleans())):
            c.update(scrap_rate=draw(numbers(0.01, 0.5)), scrap_days=draw(numbers(0, 100)),
                     scrap_to="recycler")
        consumers.append(c)
    consumer_ids = [c["id"] for c in consumers]

    stockpiles = []
    if draw(st.booleans()):
        sp = {"id": "reserve", "country": draw(st.sampled_from(COUNTRIES)), "product": "metal",
              "initial_stock": draw(numbers(0, 1000)), "priority": draw(st.integers(1, 10)),
              "suppliers": draw(suppliers(sellers, min_size=0))}
        if draw(st.booleans()):
            sp["target_stock"] = draw(numbers(0, 1500))
        if draw(st.booleans()):
            sp["release"] = {"to": subset(draw, consumer_ids), "max_tpa": draw(numbers(0, 1000))}
        stockpiles.append(sp)

    producers = [m["id"] for m in mines] + [p["id"] for p in processors]
    edges = [(s["from"], n["id"]) for n in processors + consumers + stockpiles
             for s in n.get("suppliers", [])]
    events = []
    for _ in range(draw(st.integers(0, 6))):
        at = draw(in_horizon)
        e: dict = {"at": day(at)}
        until = draw(st.one_of(st.none(), st.integers(at + 1, horizon_days + 100)))
        kind = draw(st.sampled_from(["export_control", "capacity", "outage", "demand",
                                     "transit", "release"]))
        if kind == "release" and not stockpiles:
            kind = "outage"
        e["kind"] = kind
        if kind == "export_control":
            mode = draw(st.sampled_from(["ban", "quota", "licence"]))
            e.update(country=draw(st.sampled_from(COUNTRIES)), mode=mode,
                     products=draw(st.sampled_from(["all", ["ore"], ["metal"],
                                                    ["ore", "metal"]])),
                     to=draw(st.one_of(st.just("all"), st.lists(
                         st.sampled_from(COUNTRIES), min_size=1, max_size=2, unique=True))))
            if draw(st.booleans()):
                e["except"] = [draw(st.sampled_from(COUNTRIES))]
            if mode == "quota":
                e["allowed_fraction"] = draw(numbers(0, 1))
                if at == 0 or draw(st.booleans()):
                    e["base_tpa"] = draw(numbers(0, 2000))
            if mode == "licence":
                e["delay_days"] = draw(numbers(0, 90))
        elif kind == "capacity":
            e["node"] = draw(st.sampled_from(producers))
            if draw(st.booleans()):
                e["capacity_tpa"] = draw(numbers(0, 3000))
            else:
                e["factor"] = draw(numbers(0, 2))
            e["ramp_days"] = draw(numbers(0, 365))
        elif kind == "outage":
            e.update(node=draw(st.sampled_from(producers)),
                     duration_days=draw(numbers(0, 200)), capacity_left=draw(numbers(0, 1)))
        elif kind == "demand":
            target = draw(st.sampled_from(["nodes", "group", "country"]))
            if target == "nodes":
                e["nodes"] = subset(draw, consumer_ids)
            elif target == "group":
                e["group"] = draw(st.sampled_from(["defense", "industrial"]))
            else:
                e["country"] = draw(st.sampled_from(COUNTRIES))
            e["factor"] = draw(numbers(0, 3))
        elif kind == "transit":
            how = draw(st.sampled_from(["from", "to", "both", "edge"] if edges
                                       else ["from", "to", "both"]))
            if how in ("from", "both"):
                e["from_country"] = draw(st.sampled_from(COUNTRIES))
            if how in ("to", "both"):
                e["to_country"] = draw(st.sampled_from(COUNTRIES))
            if how == "edge":
                frm, to = draw(st.sampled_from(edges))
                e["edge"] = {"from": frm, "to": to}
            if draw(st.booleans()):
                e["blocked"] = True
            else:
                e["extra_days"] = draw(numbers(1, 60))
        else:  # release
            e.update(node="reserve", quantity=draw(numbers(0, 800)))
            if "release" not in stockpiles[0] or draw(st.booleans()):
                e["to"] = subset(draw, consumer_ids)
        if until is not None and kind in ("export_control", "demand", "transit"):
            e["until"] = day(until)
        events.append(e)

    products = ["ore", "metal"] if ore_mines else ["metal"]
    if with_scrap:
        products.append("scrap")
    return scenario(mines=mines, processors=processors, stockpiles=stockpiles,
                    consumers=consumers, events=events, step_days=step_days,
                    horizon_years=horizon_years, products=products,
                    record_days=step_days * draw(st.sampled_from([1, 2])),
                    seed=draw(st.integers(0, 2**31)))


def recomputed_balance_error(totals: dict[str, float]) -> float:
    """initial + mined + recycled vs consumed + lost + final + in transit + in process."""
    inflow = totals["initial"] + totals["mined"] + totals["recycled"]
    outflow = (totals["consumed"] + totals["lost"] + totals["final_stock"]
               + totals["in_transit"] + totals["in_process"])
    return abs(inflow - outflow) / max(abs(inflow), abs(outflow), 1.0)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_scenarios())
def test_random_networks_keep_every_invariant(data):
    s = build(data)
    record = simulate(s)
    a = record.arrays

    assert record.balance_error < TOL
    assert recomputed_balance_error(record.totals) < TOL
    assert abs(recomputed_balance_error(record.totals) - record.balance_error) < 1e-12

    assert (a["stock_t"] >= -TOL).all()
    assert (a["in_transit_t"] >= -TOL).all()
    consumers = [i for i, n in enumerate(record.nodes) if n.kind == "consumer"]
    demand, delivered = a["demand_t"][:, consumers], a["delivered_t"][:, consumers]
    backlog_before = np.vstack([np.zeros((1, len(consumers))),
                                a["backlog_t"][:-1, consumers]])
    scale = np.maximum(demand + backlog_before, 1.0)
    assert (delivered >= -TOL).all()
    assert (delivered <= demand + backlog_before + TOL * scale).all()
    assert delivered.sum() <= demand.sum() * (1 + TOL) + TOL
    np.testing.assert_allclose(record.delivered_by_origin.sum(axis=2), a["delivered_t"],
                               rtol=1e-9, atol=1e-9)
    for _, scope, kpi, value in kpi_rows(record):
        if kpi == "fill_rate":
            assert -TOL <= value <= 1 + TOL, (scope, value)
        if kpi.startswith("origin_share_"):
            assert -TOL <= value <= 1 + TOL, (scope, kpi, value)

    again = simulate(s)
    assert again.totals == record.totals
    for name, values in record.arrays.items():
        np.testing.assert_array_equal(again.arrays[name], values, err_msg=name)
    np.testing.assert_array_equal(again.delivered_by_origin, record.delivered_by_origin)


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_scenarios())
def test_cli_output_is_byte_identical_for_the_same_seed(data):
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        path = write_yaml(tmp_path, data)
        outs = [tmp_path / "a", tmp_path / "b"]
        for out in outs:
            with contextlib.redirect_stdout(io.StringIO()):
                status = main(["run", str(path), "--out", str(out), "--quiet", "--no-plots",
                               "--seed", "1", "--replications", "2"])
            assert status == 0
        names = _files(outs[0])
        assert names == _files(outs[1])
        assert "manifest.json" in names and "kpis.csv" in names
        compared = [n for n in names if Path(n).name not in ("manifest.json", "report.html")]
        _, mismatch, errors = filecmp.cmpfiles(outs[0], outs[1], compared, shallow=False)
        assert not mismatch and not errors, (mismatch, errors)
