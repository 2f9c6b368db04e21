"""Bad `market:` input (issue 13): one located line each, exit 2, nothing written.

Reference prices that are not positive, elasticities of the wrong sign, a zero adjustment
time, a price rule on a node that is not a stockpile, an unknown product in `spreads`, a
restart naming a consumer: each is refused as FILE:LINE:COL: KEY PATH: message by both
`validate` and `run`, and `run` writes nothing (the shared checks of test_bad_input's
`refused`).
"""

from __future__ import annotations

import pytest
from integration import test_bad_input
from integration.test_bad_input import TINY, at, cli, edit, refused, write

workdir = test_bad_input.workdir

GOOD = TINY + """\
stockpiles:
  - {id: s, country: US, product: apt, initial_stock: 100, release: {to: [c], max_tpa: 100}}
market:
  ex_china: {reference_price: 300, reference_cover_days: 30, sensitivity: -1.0, adjustment_days: 28}
  china: {reference_price: 250, reference_cover_days: 40, sensitivity: -2.0, adjustment_days: 35}
  spreads: {apt: 10}
  demand: {short_run_elasticity: -0.1, long_run_elasticity: -0.3, adjustment_days: 730}
  scrap: {elasticity: 0.5, max_factor: 1.3, adjustment_days: 90}
  supply: {elasticity: 0.2, max_factor: 1.1, adjustment_days: 180}
  stockpile_rules: [{stockpile: s, sell_above: 600}]
  restarts: [{mine: m, above: 400, delay_days: 30}]
"""
"""TINY (a CN mine, a US consumer) with a stockpile and a market using every section."""


def test_good_market_is_valid(workdir, capsys):
    """The base of every case below passes, so each case fails for its one change only."""
    path = write(workdir, "good.yaml", GOOD)
    assert cli("validate", workdir, path) == 0
    assert capsys.readouterr().out.startswith(f"{path}: ok (tiny, 3 nodes")


# (old, new, where the problem is written, "PATH: message")
CASES = [
    pytest.param("reference_price: 300", "reference_price: 0", "0, reference_cover_days: 30",
                 "market.ex_china.reference_price: 0 must be > 0", id="zero-reference-price"),
    pytest.param("reference_price: 250", "reference_price: -5", "-5",
                 "market.china.reference_price: -5 must be > 0", id="negative-reference-price"),
    pytest.param("reference_cover_days: 40", "reference_cover_days: 0", "0, sensitivity: -2.0",
                 "market.china.reference_cover_days: 0 must be > 0", id="zero-reference-cover"),
    pytest.param("sensitivity: -1.0", "sensitivity: 0.5", "0.5, adjustment_days: 28",
                 "market.ex_china.sensitivity: 0.5 must be < 0", id="positive-sensitivity"),
    pytest.param("short_run_elasticity: -0.1", "short_run_elasticity: 0.2", "0.2, long",
                 "market.demand.short_run_elasticity: 0.2 must be <= 0",
                 id="positive-demand-elasticity"),
    pytest.param("long_run_elasticity: -0.3", "long_run_elasticity: 0.3", "0.3",
                 "market.demand.long_run_elasticity: 0.3 must be <= 0",
                 id="positive-long-run-elasticity"),
    pytest.param("elasticity: 0.5", "elasticity: -0.5", "-0.5",
                 "market.scrap.elasticity: -0.5 must be >= 0", id="negative-scrap-elasticity"),
    pytest.param("elasticity: 0.2", "elasticity: -0.2", "-0.2",
                 "market.supply.elasticity: -0.2 must be >= 0",
                 id="negative-supply-elasticity"),
    pytest.param("adjustment_days: 730", "adjustment_days: 0", "0}\n  scrap",
                 "market.demand.adjustment_days: 0 must be > 0", id="zero-adjustment-days"),
    pytest.param("adjustment_days: 28", "adjustment_days: 0", "0}\n  china",
                 "market.ex_china.adjustment_days: 0 must be > 0",
                 id="zero-price-adjustment-days"),
    pytest.param("stockpile: s", "stockpile: c", "c, sell_above",
                 "market.stockpile_rules.0.stockpile: 'c' is a consumer, not a stockpile",
                 id="rule-on-a-consumer"),
    pytest.param("stockpile: s", "stockpile: m", "m, sell_above",
                 "market.stockpile_rules.0.stockpile: 'm' is a mine, not a stockpile",
                 id="rule-on-a-mine"),
    pytest.param("stockpile: s, sell_above: 600", "stockpile: s", "{stockpile",
                 "market.stockpile_rules.0: give buy_below, sell_above or both",
                 id="rule-without-a-price"),
    pytest.param("spreads: {apt: 10}", "spreads: {apt: 10, powdr: 5}", "5}\n  demand",
                 "market.spreads.powdr: unknown product 'powdr'", id="unknown-product"),
    pytest.param("mine: m", "mine: c", "c, above",
                 "market.restarts.0.mine: 'c' is a consumer, not a mine",
                 id="restart-names-a-consumer"),
    pytest.param("mine: m", "mine: mm", "mm, above",
                 "market.restarts.0.mine: no mine 'mm' (did you mean 'm'?)",
                 id="restart-names-no-node"),
]


@pytest.mark.parametrize(("old", "new", "needle", "message"), CASES)
@pytest.mark.parametrize("command", ["validate", "run"])
def test_bad_market_gives_one_located_line(workdir, capsys, command, old, new, needle,
                                           message):
    text = edit(old, new, GOOD)
    path = write(workdir, "bad.yaml", text)
    lines = refused(capsys, workdir, cli(command, workdir, path))
    assert lines == [f"{path}:{at(text, needle)}: {message}"]


def test_spread_leaving_no_positive_price_names_both_markets(workdir, capsys):
    text = edit("spreads: {apt: 10}", "spreads: {apt: -300}", GOOD)
    path = write(workdir, "bad.yaml", text)
    lines = refused(capsys, workdir, cli("run", workdir, path))
    where = f"{path}:{at(text, '-300')}: market.spreads.apt"
    assert lines == [
        f"{where}: ex_china reference_price 300 + spread -300 leaves apt no positive price",
        f"{where}: china reference_price 250 + spread -300 leaves apt no positive price"]


def test_restart_of_a_mine_with_an_online_date(workdir, capsys):
    text = edit("capacity_tpa: 1000}", "capacity_tpa: 1000, online: 2025-06-01}", GOOD)
    path = write(workdir, "bad.yaml", text)
    lines = refused(capsys, workdir, cli("validate", workdir, path))
    assert lines == [f"{path}:{at(text, 'm, above')}: market.restarts.0.mine: 'm' has an "
                     "`online` date; an idle mine restarts on price instead"]
