"""The KPI catalogue knows a run's KPIs without running it: `kpi_keys` of every shipped
scenario are the keys its run reports, in order, and every KPI has a unit and words."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.model import simulate
from sim.results.catalogue import kpi_keys, kpi_label, kpi_name, unit
from sim.results.kpis import kpi_rows
from sim.scenario import load_scenario

SHIPPED = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_kpi_keys_of_a_shipped_scenario_are_those_of_its_run(path: Path) -> None:
    scenario = load_scenario(path)
    ran = [(scope, kpi) for _, scope, kpi, _ in kpi_rows(simulate(scenario))]
    assert kpi_keys(scenario) == ran
    assert all(unit(kpi) for _, kpi in ran)


def test_the_shipped_scenarios_are_found() -> None:
    assert any(p.name == "baseline.yaml" for p in SHIPPED)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_kpi_of_a_shipped_scenario_has_words(path: Path) -> None:
    names = {kpi_name(kpi) for _, kpi in kpi_keys(load_scenario(path))}
    assert not [name for name in names if "_" in name]  # none falls back to its identifier


@pytest.mark.parametrize(("kpi", "text", "figure"), [
    ("shortfall_t", "shortfall, t W", "shortfall (t W)"),
    ("fill_rate", "fill rate", "fill rate"),
    ("days_short", "days short", "days short"),
    ("first_shortfall_day", "first shortfall", "first shortfall (day of the run)"),
    ("origin_share_CN", "share mined in CN", "share mined in CN"),
    ("origin_share_processed_CN", "share last processed in CN", "share last processed in CN"),
    ("origin_share_processed_none", "share not processed", "share not processed"),
    ("first_tonne_day_from_KZ", "first tonne mined in KZ",
     "first tonne mined in KZ (day of the run)"),
    ("ex_china_peak_price_usd_mtu", "ex-China APT peak price, $/mtu WO3",
     "ex-China APT peak price ($/mtu WO3)"),
    ("china_peak_price_day", "China APT peak price date",
     "China APT peak price date (day of the run)"),
    ("ex_china_mean_price_usd_mtu", "ex-China APT average price, $/mtu WO3",
     "ex-China APT average price ($/mtu WO3)"),
    ("china_months_above_500", "China APT months above $500/mtu",
     "China APT months above $500/mtu"),
    ("ex_china_price_usd_mtu_2027-12-31", "ex-China APT price on 2027-12-31, $/mtu WO3",
     "ex-China APT price on 2027-12-31 ($/mtu WO3)"),
])
def test_a_kpi_in_words_for_text_and_for_figures(kpi: str, text: str, figure: str) -> None:
    assert kpi_name(kpi) == text
    assert kpi_name(kpi, figure=True) == figure


@pytest.mark.parametrize(("scope", "words"), [
    ("country:US", "U.S."), ("country:US/group:defense", "U.S. defense"), ("world", "world"),
    ("country:CN", "CN"), ("country:CN/group:defense", "CN defense"), ("cn_mines", "cn_mines"),
])
def test_a_kpi_label_names_its_scope(scope: str, words: str) -> None:
    assert kpi_label((scope, "shortfall_t")) == f"{words} shortfall, t W"
    assert kpi_label((scope, "shortfall_t"), figure=True) == f"{words} shortfall (t W)"
