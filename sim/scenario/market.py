"""The `market:` section: prices and the responses to them (sim/model/market.py runs it).

Two markets: `china` (nodes located in CN) and `ex_china` (every other node). Each has a
price in $/mtu WO3 on the APT basis, formed by stock-coverage pricing (Sterman, *Business
Dynamics*, ch. 20); a product's price is its market's price plus the product's `spreads`
entry. Every response is optional: leave it out and nothing responds to price.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, model_validator

from sim.scenario.bounds import MAX_DAYS, Days
from sim.scenario.fields import Country, Entry, Id

MAX_PRICE = 1e6
"""$/mtu WO3: about 3,000 times the 2024 APT price."""

Price = Annotated[float, Field(gt=0, le=MAX_PRICE, strict=True,
                               description="$/mtu WO3 (1 mtu WO3 = 7.93 kg W)")]
Lag = Annotated[float, Field(gt=0, le=MAX_DAYS, strict=True,
                             description="days; the time constant of a first-order delay")]
Elasticity = Annotated[float, Field(ge=0, le=10, strict=True)]
Ceiling = Annotated[float, Field(ge=1, le=100, strict=True)]


class PriceFormation(Entry):
    """One market's price: it moves toward ref × (cover / reference cover)^sensitivity."""

    reference_price: Price = Field(description="APT price at reference cover, $/mtu WO3")
    reference_cover_days: float = Field(gt=0, le=MAX_DAYS, strict=True,
                                        description="days of the market's use held in its "
                                                    "nodes' stocks (not on the way)")
    sensitivity: float = Field(lt=0, ge=-10, strict=True,
                               description="elasticity of price to cover (Sterman's s < 0)")
    adjustment_days: Lag = Field(description="how fast the price closes the gap to the "
                                             "price its cover indicates")


class DemandResponse(Entry):
    """Consumers' demand × (price / reference)^elasticity: short-run at once, long-run
    after a first-order lag of `adjustment_days`."""

    short_run_elasticity: float = Field(le=0, ge=-10, strict=True)
    long_run_elasticity: float = Field(le=0, ge=-10, strict=True)
    adjustment_days: Lag


class ScrapResponse(Entry):
    """Scrap collected × (scrap price, smoothed / reference)^elasticity, at most `max_factor`."""

    elasticity: Elasticity
    max_factor: Ceiling
    adjustment_days: Lag


class SupplyResponse(Entry):
    """Mines outside `except` run at × (concentrate price, smoothed / reference)^elasticity,
    at most `max_factor` (running harder: high-grading, extra shifts)."""

    elasticity: Elasticity
    max_factor: Ceiling
    adjustment_days: Lag
    except_: list[Country] = Field(["CN"], alias="except",
                                   description="countries whose mines do not respond "
                                               "(China's output is set by its quota)")


class Precaution(Entry):
    """Buyers' cover_days × (price / its trend)^elasticity, within [min_factor, max_factor],
    × `licence_factor` while a licence regime is in force on one of their suppliers."""

    elasticity: Elasticity
    min_factor: float = Field(1.0, gt=0, le=1, strict=True)
    max_factor: Ceiling = 1.0
    licence_factor: Ceiling = 1.0
    adjustment_days: Lag = Field(description="smoothing time of the price trend")


class StockpileRule(Entry):
    """A stockpile buys (up to its target_stock) only below one price, releases only above
    another (its product's price in its market)."""

    stockpile: Id
    buy_below: Price | None = None
    sell_above: Price | None = None

    @model_validator(mode="after")
    def _some_rule(self) -> StockpileRule:
        if self.buy_below is None and self.sell_above is None:
            raise ValueError("give buy_below, sell_above or both")
        return self


class Restart(Entry):
    """An idle mine: produces nothing until its market's concentrate price first reaches
    `above`; then it restarts `delay_days` later, ramping up over `ramp_days`."""

    mine: Id
    above: Price
    delay_days: Days = 0.0
    ramp_days: Days = 0.0


class Market(Entry):
    """Prices per market, spreads per product, and the responses to price."""

    ex_china: PriceFormation
    china: PriceFormation
    spreads: dict[Id, Annotated[float, Field(ge=-MAX_PRICE, le=MAX_PRICE, strict=True)]] = \
        Field({}, description="$/mtu WO3 added to the APT price for each product (absent: 0)")
    demand: DemandResponse | None = None
    scrap: ScrapResponse | None = None
    supply: SupplyResponse | None = None
    precaution: Precaution | None = None
    stockpile_rules: list[StockpileRule] = Field([])
    restarts: list[Restart] = Field([])


def _off_is_none(value: object) -> object:
    """`market: off` (YAML reads it as false) or `market: "off"`: no market."""
    return None if value is False or value == "off" else value


MarketOrOff = Annotated[Market | None, BeforeValidator(_off_is_none)]
