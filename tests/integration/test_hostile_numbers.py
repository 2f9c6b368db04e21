"""Numbers that would overflow the model, refused like any other bad input (issue 15, item 1).

Infinite and NaN numbers once passed validation and came out as `nan` in the manifest's
mass balance; 1.0e+308 t/yr overflowed; a supplier share of .inf crashed the network tables
and `start=9999-12-31` the horizon's end date. Each is now one located line, exit status 2,
and nothing written (the shared checks of `refused`). The bounds are in format.md.
"""

from __future__ import annotations

import pytest
import test_bad_input
from test_bad_input import TINY, at, cli, edit, refused, with_events, write

workdir = test_bad_input.workdir


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        pytest.param("capacity_tpa: 1000", "capacity_tpa: .inf", ".inf",
                     "mines.m.capacity_tpa: inf is not a finite number", id="inf"),
        pytest.param("demand_tpa: 900", "demand_tpa: .nan", ".nan",
                     "consumers.c.demand_tpa: nan is not a finite number", id="nan"),
        pytest.param("initial_stock: 100", "initial_stock: -.inf", "-.inf",
                     "consumers.c.initial_stock: -inf is not a finite number", id="minus-inf"),
        pytest.param("capacity_tpa: 1000", "capacity_tpa: 1.0e+308", "1.0e+308",
                     "mines.m.capacity_tpa: 1e+308 must be <= 1e+12", id="overflowing-rate"),
        pytest.param("demand_tpa: 900", "demand_tpa: 1" + "0" * 400, "1" + "0" * 400,
                     "consumers.c.demand_tpa: 1e+400 is too large", id="huge-integer"),
        pytest.param("capacity_tpa: 1000", "capacity_tpa: 0x" + "f" * 5000, "0x",
                     "mines.m.capacity_tpa: 3.98028e+6020 is too large", id="huge-hex"),
        pytest.param("share: 1", "share: .inf", ".inf",
                     "consumers.c.suppliers.m.share: inf is not a finite number", id="share"),
        pytest.param("transit_days: 10", "transit_days: 1.0e+9", "1.0e+9",
                     "consumers.c.suppliers.m.transit_days: 1000000000 must be <= 36500",
                     id="days"),
        pytest.param("transit_days: 10", "transit_days: {dist: normal, mean: 10, sd: .inf}",
                     ".inf", "consumers.c.suppliers.m.transit_days.sd: inf is not a finite "
                     "number", id="distribution-parameter"),
        pytest.param("transit_days: 10",
                     "transit_days: {dist: lognormal, median: 30, sigma: 5}", "{dist",
                     "consumers.c.suppliers.m.transit_days: its mean, median × exp(sigma²/2) "
                     "= 8.05012e+06, must be <= 36500", id="lognormal-mean"),
        pytest.param("step_days: 7", "step_days: 1" + "0" * 30, "1" + "0" * 30,
                     "step_days: 1e+30 must be <= 36500", id="huge-step"),
        pytest.param("horizon_years: 2", "horizon_years: .nan", ".nan",
                     "horizon_years: nan is not a finite number", id="horizon"),
    ],
)
@pytest.mark.parametrize("command", ["validate", "run"])
def test_number_out_of_bounds_in_file(workdir, capsys, command, old, new, needle, message):
    text = edit(old, new)
    path = write(workdir, "bad.yaml", text)
    lines = refused(capsys, workdir, cli(command, workdir, path))
    assert lines == [f"{path}:{at(text, needle)}: {message}"]


@pytest.mark.parametrize(
    ("assignment", "line"),
    [
        ("mines.m.capacity_tpa=.inf", "--set: mines.m.capacity_tpa: inf is not a finite number"),
        ("mines.m.capacity_tpa=1.0e+308", "--set: mines.m.capacity_tpa: 1e+308 must be <= 1e+12"),
        ("consumers.c.demand_tpa=-.inf",
         "--set: consumers.c.demand_tpa: -inf is not a finite number"),
        ("consumers.c.cover_days=.inf",
         "--set: consumers.c.cover_days: inf is not a finite number"),
        ("consumers.c.initial_stock=.nan",
         "--set: consumers.c.initial_stock: nan is not a finite number"),
        ("consumers.c.suppliers.m.share=.inf",
         "--set: consumers.c.suppliers.m.share: inf is not a finite number"),
        ("consumers.c.noise={dist: normal, mean: 1, sd: .nan}",
         "--set: consumers.c.noise.sd: nan is not a finite number"),
        ("consumers.c.noise=.inf", "--set: consumers.c.noise: inf is not a finite number"),
        ("start=9999-12-31",
         "--set: start: 9999-12-31 + 2 years ends after 9999-01-01, the latest end of a horizon"),
        ("seed=1" + "0" * 30, "--set: seed: 1e+30 must be <= 9223372036854775807"),
        ("mines.m.capacity_tpa=1e308",
         "--set: mines.m.capacity_tpa: '1e308' is not a number (YAML reads an exponent only "
         "with a dot and a sign: write 1.0e+308)"),
    ],
)
@pytest.mark.parametrize("command", ["validate", "run"])
def test_number_out_of_bounds_in_set(workdir, capsys, command, assignment, line):
    path = write(workdir, "tiny.yaml", TINY)
    lines = refused(capsys, workdir, cli(command, workdir, path, "--set", assignment))
    assert lines == [line]


def test_compounding_capacity_factors(workdir, capsys):
    """Each factor is within its bound; together they would make a mine of 1e13 t/yr."""
    text = with_events("""\
      - {kind: capacity, at: 2025-03-01, node: m, factor: 1000000.0}
      - {kind: capacity, at: 2025-06-01, node: m, factor: 10000.0}
    """)
    path = write(workdir, "bad.yaml", text)
    assert refused(capsys, workdir, cli("run", workdir, path)) == [
        f"{path}:{at(text, '10000.0}')}: events.1.factor: capacity events raise the capacity "
        "of m to 1e+13 t/yr, above the bound of 1e+12 t/yr"
    ]


def test_demand_growth_beyond_the_bound(workdir, capsys):
    text = edit("demand_tpa: 900", "demand_tpa: 900\n    growth: 1.0").replace(
        "horizon_years: 2", "horizon_years: 200")
    path = write(workdir, "bad.yaml", text)
    assert refused(capsys, workdir, cli("validate", workdir, path)) == [
        f"{path}:{at(text, '1.0')}: consumers.c.growth: demand grows to 1.45e+63 t/yr by the "
        "end of the horizon, above the bound of 1e+12 t/yr"
    ]


def test_demand_factors_count_only_when_in_force_together(workdir, capsys):
    """Surges of 1e5 and 9e4 one after the other are fine; overlapping, they would make
    900 t/yr 8.1e12 t/yr."""
    apart = with_events("""\
      - {kind: demand, at: 2025-03-01, until: 2025-06-01, nodes: [c], factor: 100000.0}
      - {kind: demand, at: 2025-06-01, until: 2025-09-01, nodes: [c], factor: 90000.0}
    """)
    assert cli("validate", workdir, write(workdir, "apart.yaml", apart)) == 0
    capsys.readouterr()
    (workdir / "apart.yaml").unlink()
    together = apart.replace("at: 2025-06-01", "at: 2025-05-01")
    path = write(workdir, "bad.yaml", together)
    assert refused(capsys, workdir, cli("validate", workdir, path)) == [
        f"{path}:{at(together, '90000.0')}: events.1.factor: demand events in force together "
        "raise the demand of c to 8.1e+12 t/yr, above the bound of 1e+12 t/yr"
    ]


def test_delays_of_all_events_together(workdir, capsys):
    text = with_events("""\
      - {kind: transit, at: 2025-03-01, until: 2025-04-01, to_country: US, extra_days: 20000}
      - {kind: transit, at: 2025-05-01, until: 2025-06-01, to_country: US, extra_days: 20001}
    """)
    path = write(workdir, "bad.yaml", text)
    assert refused(capsys, workdir, cli("validate", workdir, path)) == [
        f"{path}:{at(text, '20001')}: events.1.extra_days: licence delays and extra transit "
        "days of all events add up to 40001 days, above the bound of 36500 days"
    ]
