"""The field types every part of the scenario format shares: ids, country codes, dates,
fractions, priorities, and the provenance fields (`source:`, `assumption:`) of every entry."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Union

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from sim.scenario.countries import known_country

FROZEN = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)

Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", description="lower_snake_case node id")]
Country = Annotated[
    str, Field(pattern=r"^([A-Z]{2}|ROW)$", description="ISO 3166-1 alpha-2 code, or ROW"),
    AfterValidator(known_country),
]
Slug = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$", max_length=100)]
Fraction = Annotated[float, Field(ge=0, le=1, strict=True)]
Priority = Annotated[int, Field(ge=1, le=10, strict=True)]


def _iso_date(value: object) -> dt.date:
    """Accept a YAML date or an ISO `YYYY-MM-DD` string, nothing else (no timestamps)."""
    if isinstance(value, dt.datetime):
        raise ValueError(f"{value} is a timestamp; give a date (YYYY-MM-DD)")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(f"'{value}' is not a date (YYYY-MM-DD)")
        try:
            return dt.date.fromisoformat(value)
        except ValueError as err:
            raise ValueError(f"'{value}' is not a valid date ({err})") from None
    raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)")


Date = Annotated[dt.date, BeforeValidator(_iso_date)]
Text = Union[str, None]  # noqa: UP007


class Entry(BaseModel):
    """Fields every node, supplier and event may carry for provenance."""

    model_config = FROZEN
    source: Text = Field(None, description="where the numbers come from (free text)")
    assumption: Text = Field(None, description="an unsourced choice and the reasoning for it")
