"""Every KPI in one place: its name and unit, which scopes report it, `SCOPE.KPI` text, and
the headline sets that `run`, `compare`, `sweep` and the README show.

A scope is a node id, `country:XX`, `group:G`, `country:XX/group:G` or `world`; it reports
the KPIs of the kinds of node it holds, in the order of `kpi_names`. So the (scope, KPI)
keys of a run follow from the scenario's nodes alone (`kpi_keys`), without running it.

Example::

    parse_kpi("country:US/group:defense.fill_rate")  # ("country:US/group:defense", "fill_rate")
    unit("origin_share_CN")                           # "share"
    kpi_keys(scenario)[:2]                            # [("cn_mines", "produced_t"), ...]
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from sim.errors import Problem, ScenarioError
from sim.records import NodeRow
from sim.scenario.origin_names import origin_names
from sim.scenario.schema import Scenario

KpiKey = tuple[str, str]
"""(scope, kpi), e.g. ("country:US", "fill_rate")."""

CONSUMER_KPIS = ("demand_t", "delivered_t", "shortfall_t", "fill_rate", "days_short",
                 "first_shortfall_day", "recovery_day", "peak_shortfall_tpa", "min_cover_days")
"""KPIs of a scope with consumers, in report order; `origin_share_XX` per origin follow."""
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
    "final_stock_t": "t W",
}
"""Unit of each KPI (origin shares and probabilities are shares, see `unit`)."""

# --- headline sets ------------------------------------------------------------------------------

RUN_TABLE = (("fill_rate", "fill rate", "{:.1%}"), ("shortfall_t", "shortfall t", "{:,.0f}"),
             ("days_short", "days short", "{:,.0f}"),
             ("first_shortfall_day", "first short", "date"),
             ("origin_share_CN", "CN-origin", "{:.1%}"))
"""What `run` prints for each U.S. scope: (KPI, column title, format or "date")."""
COMPARE_KPIS = ("fill_rate", "shortfall_t", "days_short", "min_cover_days", "origin_share_CN")
"""KPIs `compare` shows for each U.S. scope (else `world`) unless `--kpi` chooses others."""
SWEEP_KPIS: tuple[KpiKey, ...] = (
    ("country:US", "fill_rate"), ("country:US", "shortfall_t"),
    ("country:US", "min_cover_days"), ("country:US", "origin_share_CN"),
    ("country:US/group:defense", "fill_rate"), ("world", "shortfall_t"))
"""KPIs a sweep keeps when none are asked for (those the scenario reports)."""
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
    return UNITS[kpi]


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


def kpi_names(kinds: set[str], origins: Sequence[str],
              processed: Sequence[str] = ()) -> list[str]:
    """The KPIs of a scope holding nodes of `kinds`, in the order a run reports them."""
    names: list[str] = []
    if "consumer" in kinds:
        names += [*CONSUMER_KPIS, *(ORIGIN_SHARE + origin for origin in origins),
                  *(PROCESSED_SHARE + country for country in processed)]
    if "mine" in kinds:
        names += MINE_KPIS
    if "processor" in kinds:
        names += PROCESSOR_KPIS
    if "stockpile" in kinds:
        names += STOCKPILE_KPIS
    return names + list(NODE_KPIS)


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
    return [(scope, kpi) for scope, members in scopes(nodes)
            for kpi in kpi_names({nodes[i].kind for i in members}, origins, processed)]


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
