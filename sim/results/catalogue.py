"""Every KPI in one place: its name and unit, the kind of number it is (`kind`: the range
its values cannot leave and how people read it), which scopes report it, `SCOPE.KPI` text,
the headline sets that `run`, `compare`, `sweep` and the README show, and KPIs and scopes
in the words figures and report pages give them (`kpi_name`, `kpi_label`, `scope_label`).

A scope is a node id, `country:XX`, `group:G`, `country:XX/group:G` or `world`; it reports
the KPIs of the kinds of node it holds, in the order of `kpi_names`. With a market
(`market:` in the scenario), each scope also reports the market KPIs of its kinds
(`purchase_cost_musd`, `demand_destroyed_t`, `supply_added_t`, `scrap_added_t`) and the
scope holding every node (`world`) the price KPIs of both markets (`sim.results.market`:
`ex_china_peak_price_usd_mtu`, `china_months_above_500`, `ex_china_price_usd_mtu_2027-12-31`,
...). So the (scope, KPI) keys of a run follow from the scenario alone (`kpi_keys`), without
running it.

Example::

    parse_kpi("country:US/group:defense.fill_rate")  # ("country:US/group:defense", "fill_rate")
    unit("origin_share_CN")                           # "share"
    kpi_label(("country:US", "shortfall_t"))          # "U.S. shortfall, t W"
    kind("origin_share_CN")                           # FRACTION: in [0, 1], as a percent
    kpi_keys(scenario)[:2]                            # [("cn_mines", "produced_t"), ...]
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sim.errors import Problem, ScenarioError
from sim.records import NodeRow
from sim.results.market import (
    MARKET_NAMES,
    MARKET_NODE_KPIS,
    MARKETS,
    n_steps,
    price_dates,
    price_kpi_names,
)
from sim.scenario.origin_names import origin_names
from sim.scenario.schema import Scenario

KpiKey = tuple[str, str]
"""(scope, kpi), e.g. ("country:US", "fill_rate")."""

CONSUMER_KPIS = ("demand_t", "delivered_t", "shortfall_t", "fill_rate", "days_short",
                 "first_shortfall_day", "recovery_day", "peak_shortfall_tpa", "min_cover_days")
"""KPIs of a scope with consumers, in report order; `origin_share_XX` per origin, then
`origin_share_processed_XX`, then `first_tonne_day_from_XX` per origin follow."""
MINE_KPIS = ("produced_t",)
PROCESSOR_KPIS = ("processed_t", "output_t", "lost_t")
STOCKPILE_KPIS = ("released_t", "acquired_t", "min_stock_t")
NODE_KPIS = ("final_stock_t",)
"""KPIs of every scope, after those of its kinds."""
ORIGIN_SHARE = "origin_share_"
"""Prefix of the share of a scope's deliveries mined in a country: `origin_share_CN`."""
PROCESSED_SHARE = "origin_share_processed_"
"""Prefix of the share of a scope's deliveries last refined or converted in a country:
`origin_share_processed_CN` (`origin_share_processed_none`: not processed)."""
FIRST_TONNE = "first_tonne_day_from_"
"""Prefix of the day a scope's first tonne mined in a country arrives: `first_tonne_day_from_KZ`
is the start day of the first step by whose end the scope's consumers have received 1 t W
(FIRST_TONNE_T, cumulative) mined in KZ, on the same clock as `first_shortfall_day` (empty
when it never happens within the run; 0 for an origin that supplies the scope from the
start). One per mining country, after the origin shares."""
FIRST_TONNE_T = 1.0
"""Tonnes W that make a scope's "first tonne" of an origin."""
MINED_ALIAS = "origin_share_mined_"
"""`origin_share_mined_CN` is read as `origin_share_CN` (the mined share) wherever a KPI is
named (--kpi, sweep files)."""
KIND_ORDER = ("mine", "processor", "stockpile", "consumer")
"""Node kinds in the order a scenario lists them (and a run records them)."""

UNITS = {
    "demand_t": "t W", "delivered_t": "t W", "shortfall_t": "t W", "fill_rate": "share",
    "days_short": "days", "first_shortfall_day": "day of the run",
    "recovery_day": "day of the run", "peak_shortfall_tpa": "t W per year",
    "min_cover_days": "days", "produced_t": "t W", "processed_t": "t W", "output_t": "t W",
    "lost_t": "t W", "released_t": "t W", "acquired_t": "t W", "min_stock_t": "t W",
    "final_stock_t": "t W", "purchase_cost_musd": "$ million", "demand_destroyed_t": "t W",
    "scrap_added_t": "t W", "supply_added_t": "t W",
}
"""Unit of each KPI (origin shares, probabilities and prices: see `unit`)."""
PRICE_UNITS = (("_peak_price_day", "day of the run"), ("_months_above_", "months"),
               ("_price_usd_mtu", "$/mtu WO3"))
"""Units of the world scope's price KPIs (with a market), by what their names hold."""

# --- what kind of number each KPI is ------------------------------------------------------------

@dataclass(frozen=True)
class Kind:
    """What kind of number a KPI is: the range its values cannot leave (what keeps its
    confidence intervals in range, `stats.range_ci`) and how people read it (`style`, one
    of STYLES: `sim.results.numbers` writes every KPI of a kind the same way everywhere)."""

    name: str
    low: float
    high: float
    style: str

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise ValueError(f"style (={self.style!r}) must be one of {', '.join(STYLES)}")
        if not self.low < self.high:
            raise ValueError(f"low (={self.low}) must be < high (={self.high})")


STYLES = ("tonnes", "percent", "days", "date", "musd", "price", "months", "probability",
          "number")
"""How numbers are written for people: tonnes `12,345`; percent `71.2%` (differences in
percentage points, `-18.8 pp`); days `481`; date: a day of the run as `2027-03-02` (as
`day 790` without the start date); musd `7,155`; price `$497`; months `12.4`; probability
`0.780`; number: by its size (a KPI the catalogue does not know)."""
INF = math.inf
TONNES = Kind("tonnes", 0.0, INF, "tonnes")
SIGNED_TONNES = Kind("tonnes, either sign", -INF, INF, "tonnes")
FRACTION = Kind("fraction", 0.0, 1.0, "percent")
DAYS = Kind("days", 0.0, INF, "days")
DAY_OF_RUN = Kind("day of the run", 0.0, INF, "date")
MUSD = Kind("$ million", 0.0, INF, "musd")
PRICE = Kind("$/mtu WO3", 0.0, INF, "price")
MONTHS = Kind("months", 0.0, INF, "months")
PROBABILITY = Kind("probability", 0.0, 1.0, "probability")
NUMBER = Kind("number", -INF, INF, "number")
KINDS = {
    "demand_t": TONNES, "delivered_t": TONNES, "shortfall_t": TONNES, "fill_rate": FRACTION,
    "days_short": DAYS, "first_shortfall_day": DAY_OF_RUN, "recovery_day": DAY_OF_RUN,
    "peak_shortfall_tpa": TONNES, "min_cover_days": DAYS, "produced_t": TONNES,
    "processed_t": TONNES, "output_t": TONNES, "lost_t": TONNES, "released_t": TONNES,
    "acquired_t": TONNES, "min_stock_t": TONNES, "final_stock_t": TONNES,
    "purchase_cost_musd": MUSD, "demand_destroyed_t": SIGNED_TONNES,
    "scrap_added_t": SIGNED_TONNES, "supply_added_t": SIGNED_TONNES,
}
"""The kind of each KPI named in full. Demand destroyed, scrap and mine output added take
either sign: below the reference price demand grows and scrap and mines give less."""
PREFIX_KINDS = ((ORIGIN_SHARE, FRACTION), (FIRST_TONNE, DAY_OF_RUN), ("prob_", PROBABILITY))
"""Kinds of the KPIs named by a prefix (processed shares start with ORIGIN_SHARE too)."""
PRICE_KINDS = (("_peak_price_day", DAY_OF_RUN), ("_months_above_", MONTHS),
               ("_price_usd_mtu", PRICE))
"""Kinds of the world scope's price KPIs, by what their names hold (as PRICE_UNITS)."""


def kind(kpi: str) -> Kind:
    """The kind of a KPI (or of a probability in summary.json); NUMBER if unknown, so a KPI
    added without a kind is still written, by its size, with an unbounded interval."""
    if kpi in KINDS:
        return KINDS[kpi]
    for prefix, found in PREFIX_KINDS:
        if kpi.startswith(prefix):
            return found
    if kpi.startswith(("ex_china_", "china_")):
        return next((k for part, k in PRICE_KINDS if part in kpi), NUMBER)
    return NUMBER


# --- headline sets ------------------------------------------------------------------------------

RUN_TABLE = (("fill_rate", "fill rate"), ("shortfall_t", "shortfall t"),
             ("days_short", "days short"), ("first_shortfall_day", "first short"),
             ("origin_share_CN", "CN-origin"), ("purchase_cost_musd", "purchases $M"))
"""What `run` prints for each U.S. scope: (KPI, column title), each written as its kind
says (`kind`); a column whose KPI no scope reports (purchases, without a market) is left
out."""
PEAK_PRICE: KpiKey = ("world", "ex_china_peak_price_usd_mtu")
"""The headline price KPI (with a market): the highest ex-China APT price, $/mtu WO3."""
COMPARE_KPIS = ("fill_rate", "shortfall_t", "days_short", "min_cover_days", "origin_share_CN",
                "purchase_cost_musd")
"""KPIs `compare` shows for each U.S. scope (else `world`) unless `--kpi` chooses others
(those the first result reports; then PEAK_PRICE, if it does)."""
SWEEP_KPIS: tuple[KpiKey, ...] = (
    ("country:US", "fill_rate"), ("country:US", "shortfall_t"),
    ("country:US", "min_cover_days"), ("country:US", "origin_share_CN"),
    ("country:US/group:defense", "fill_rate"), ("world", "shortfall_t"),
    ("country:US", "purchase_cost_musd"), PEAK_PRICE)
"""KPIs a sweep keeps when none are asked for (those the scenario reports: the last two
only with a market)."""
README_KPIS: tuple[KpiKey, ...] = (
    ("country:US", "fill_rate"), ("country:US/group:defense", "fill_rate"),
    ("country:US", "shortfall_t"), ("country:US", "origin_share_CN"),
    ("country:US", "origin_share_processed_CN"),
    ("country:US/group:defense", "origin_share_CN"), ("country:US", "min_cover_days"),
    ("country:US", "first_shortfall_day"))
"""The columns of the README's table of shipped scenarios (scenarios/report.py)."""


def unit(kpi: str) -> str:
    """The unit of a KPI (or of a probability in summary.json); KeyError if unknown."""
    if kpi.startswith(ORIGIN_SHARE):
        return "share"
    if kpi.startswith("prob_"):
        return "probability"
    if kpi.startswith(FIRST_TONNE):
        return "day of the run"
    if kpi not in UNITS and kpi.startswith(("ex_china_", "china_")):
        return next(u for part, u in PRICE_UNITS if part in kpi)
    return UNITS[kpi]


# --- KPIs and scopes in words ---------------------------------------------------------------------

NAMES = {
    "demand_t": "demand", "delivered_t": "deliveries", "shortfall_t": "shortfall",
    "fill_rate": "fill rate", "days_short": "days short", "first_shortfall_day": "first shortfall",
    "recovery_day": "recovery", "peak_shortfall_tpa": "peak shortfall rate",
    "min_cover_days": "lowest cover", "produced_t": "mine output", "processed_t": "processed",
    "output_t": "output", "lost_t": "lost in processing", "released_t": "released from stockpile",
    "acquired_t": "acquired for stockpile", "min_stock_t": "lowest stock",
    "final_stock_t": "final stock", "purchase_cost_musd": "purchase cost",
    "demand_destroyed_t": "demand lost to price", "scrap_added_t": "scrap added by price",
    "supply_added_t": "mine supply added by price",
}
"""Each KPI named in full, in words (`kpi_name`)."""
PREFIX_NAMES = ((PROCESSED_SHARE, "share last processed in {}"),
                (ORIGIN_SHARE, "share mined in {}"), (FIRST_TONNE, "first tonne mined in {}"))
"""Words of the KPIs named by a prefix and a country (processed shares first: they start with
ORIGIN_SHARE too)."""
PRICE_NAMES = {"peak_price_usd_mtu": "peak price", "peak_price_day": "peak price date",
               "mean_price_usd_mtu": "average price"}
"""Words of the world scope's price KPIs after their market; `months_above_T` and
`price_usd_mtu_YYYY-MM-DD` are built by `kpi_name`."""


def kpi_name(kpi: str, figure: bool = False) -> str:
    """A KPI in words without its scope, with its unit: "shortfall, t W", "share mined in CN",
    "ex-China APT peak price, $/mtu WO3"; for a `figure` "shortfall (t W)", as axes name
    their units. No unit for shares and probabilities (written in percent) nor where the
    name says it ("days short"); a day of the run gets one only in a figure (which draws it
    as a number; text writes it as a date)."""
    name = _name(kpi)
    try:
        what = unit(kpi)
    except KeyError:
        what = ""
    if what in ("", "share", "probability") or what in name.split() or (
            what == "day of the run" and not figure):
        return name
    return f"{name} ({what})" if figure else f"{name}, {what}"


def _name(kpi: str) -> str:
    """A KPI's name alone: NAMES, PREFIX_NAMES, the price KPIs, else its words."""
    if kpi in NAMES:
        return NAMES[kpi]
    for prefix, words in PREFIX_NAMES:
        if kpi.startswith(prefix):
            country = kpi[len(prefix):]
            return "share not processed" if country == "none" else words.format(country)
    market = next((m for m in MARKETS if kpi.startswith(m + "_")), None)
    if market is None:
        return kpi.replace("_", " ")
    rest = kpi[len(market) + 1:]
    if rest.startswith("months_above_"):
        what = f"months above ${rest.removeprefix('months_above_')}/mtu"
    elif rest.startswith("price_usd_mtu_"):
        what = f"price on {rest.removeprefix('price_usd_mtu_')}"
    else:
        what = PRICE_NAMES.get(rest, rest.replace("_", " "))
    return f"{MARKET_NAMES[market]} APT {what}"


def scope_label(scope: str) -> str:
    """A scope in words: `country:US` "U.S.", `country:US/group:defense` "U.S. defense",
    `country:CN` "CN", `group:defense` "defense"; `world` and node ids as they are."""
    country, _, group = scope.partition("/")
    where = "U.S." if country == "country:US" else country.split(":")[-1]
    return f"{where} {group.removeprefix('group:')}" if group else where


def kpi_label(key: KpiKey, figure: bool = False) -> str:
    """A KPI in words with its scope and unit (`kpi_name`): ("country:US", "shortfall_t") ->
    "U.S. shortfall, t W"; for a `figure` "U.S. shortfall (t W)"."""
    scope, kpi = key
    return f"{scope_label(scope)} {kpi_name(kpi, figure)}"


def us_scopes(scopes: Iterable[str]) -> list[str]:
    """The U.S. scopes among `scopes`, in their order: `country:US` and its groups."""
    return [s for s in scopes if s == "country:US" or s.startswith("country:US/group:")]


# --- scopes and their KPIs ----------------------------------------------------------------------

def scopes(nodes: Sequence[NodeRow]) -> list[tuple[str, list[int]]]:
    """Every scope with the indices of its nodes: nodes, countries, groups, both, world."""
    out = [(node.id, [i]) for i, node in enumerate(nodes)]
    countries = sorted({n.country for n in nodes})
    groups = sorted({n.group for n in nodes if n.group})
    for c in countries:
        out.append((f"country:{c}", [i for i, n in enumerate(nodes) if n.country == c]))
    for g in groups:
        out.append((f"group:{g}", [i for i, n in enumerate(nodes) if n.group == g]))
    for c in countries:
        for g in groups:
            members = [i for i, n in enumerate(nodes) if n.country == c and n.group == g]
            if members:
                out.append((f"country:{c}/group:{g}", members))
    out.append(("world", list(range(len(nodes)))))
    return out


def kpi_names(kinds: set[str], origins: Sequence[str], processed: Sequence[str] = (),
              market: bool = False, prices: Sequence[str] = ()) -> list[str]:
    """The KPIs of a scope holding nodes of `kinds`, in the order a run reports them; with a
    `market`, each kind's MARKET_NODE_KPIS after its others, and `prices` (the price KPIs of
    a scope holding every node) last."""
    names: list[str] = []
    extra = MARKET_NODE_KPIS if market else {}
    if "consumer" in kinds:
        names += [*CONSUMER_KPIS, *(ORIGIN_SHARE + origin for origin in origins),
                  *(PROCESSED_SHARE + country for country in processed),
                  *(FIRST_TONNE + origin for origin in origins),
                  *extra.get("consumer", ())]
    if "mine" in kinds:
        names += [*MINE_KPIS, *extra.get("mine", ())]
    if "processor" in kinds:
        names += [*PROCESSOR_KPIS, *extra.get("processor", ())]
    if "stockpile" in kinds:
        names += STOCKPILE_KPIS
    return names + list(NODE_KPIS) + list(prices)


def scenario_nodes(scenario: Scenario) -> tuple[list[NodeRow], list[str], list[str]]:
    """The nodes of a scenario as a run records them, and the countries its origin shares
    are reported by: where tungsten was mined, and where it was last processed."""
    lists = (scenario.mines, scenario.processors, scenario.stockpiles, scenario.consumers)
    nodes = [NodeRow(spec.id, kind, spec.country, getattr(spec, "group", None))
             for kind, specs in zip(KIND_ORDER, lists, strict=True) for spec in specs]
    return (nodes, *origin_names(scenario))


def kpi_keys(scenario: Scenario) -> list[KpiKey]:
    """The (scope, kpi) pairs a run of `scenario` reports, in its order, without running it."""
    nodes, origins, processed = scenario_nodes(scenario)
    market = scenario.market is not None
    prices = price_kpi_names(price_dates(
        scenario.start, n_steps(scenario.horizon_days, scenario.step_days) * scenario.step_days))
    return [(scope, kpi) for scope, members in scopes(nodes)
            for kpi in kpi_names({nodes[i].kind for i in members}, origins, processed, market,
                                 prices if market and len(members) == len(nodes) else ())]


# --- SCOPE.KPI text -------------------------------------------------------------------------------

def parse_kpi(text: str) -> KpiKey:
    """`SCOPE.KPI` to (scope, kpi), split at the last dot (scopes hold ':' and '/')."""
    scope, _, kpi = text.strip().rpartition(".")
    if not scope or not kpi:
        raise ValueError(f"'{text}' is not SCOPE.KPI (for example country:US.fill_rate)")
    if kpi.startswith(MINED_ALIAS):
        kpi = ORIGIN_SHARE + kpi[len(MINED_ALIAS):]
    return scope, kpi


def kpi_text(key: KpiKey) -> str:
    """(scope, kpi) as `SCOPE.KPI`."""
    return f"{key[0]}.{key[1]}"


def unknown_kpis(wanted: Sequence[KpiKey], keys: Sequence[KpiKey], option: str) -> None:
    """ScenarioError naming each KPI not among `keys`, with a close match if there is one."""
    names = [kpi_text(key) for key in keys]
    known = set(keys)
    problems = []
    for key in wanted:
        if key in known:
            continue
        close = difflib.get_close_matches(kpi_text(key), names, n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        problems.append(Problem(option, 0, 0, kpi_text(key), f"no such KPI{hint}"))
    if problems:
        raise ScenarioError(problems)
