"""Probability distributions a scenario may put wherever a number may vary.

A value is either a plain number or a mapping with `dist`, for example
`transit_days: {dist: triangular, low: 30, mode: 40, high: 70}`. Each distribution knows its
mean (used for planning, such as lead times) and draws vectors from a numpy Generator.
Parameters are finite and within ±`MAX_DAYS`, and draws are clipped to [0, `MAX_DAYS`], so no
draw can size the model's arrays beyond what the bounds on plain numbers allow.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.scenario.bounds import MAX_DAYS, MAX_SIGMA, DistNumber

_FROZEN = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Normal(BaseModel):
    """Normal(mean, sd)."""

    model_config = _FROZEN
    dist: Literal["normal"]
    mean: DistNumber
    sd: float = Field(strict=True, ge=0, le=MAX_DAYS)

    @property
    def expected(self) -> float:
        return self.mean

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.normal(self.mean, self.sd, size)


class LogNormal(BaseModel):
    """Lognormal given by its median and the sd of the log (sigma)."""

    model_config = _FROZEN
    dist: Literal["lognormal"]
    median: float = Field(strict=True, gt=0, le=MAX_DAYS)
    sigma: float = Field(strict=True, ge=0, le=MAX_SIGMA)

    @model_validator(mode="after")
    def _mean_bounded(self) -> LogNormal:
        if self.expected > MAX_DAYS:
            raise ValueError(f"its mean, median × exp(sigma²/2) = {self.expected:.6g}, must be "
                             f"<= {MAX_DAYS}")
        return self

    @property
    def expected(self) -> float:
        return self.median * float(np.exp(self.sigma**2 / 2))

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.lognormal(np.log(self.median), self.sigma, size)


class Triangular(BaseModel):
    """Triangular(low, mode, high)."""

    model_config = _FROZEN
    dist: Literal["triangular"]
    low: DistNumber
    mode: DistNumber
    high: DistNumber

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError(f"needs low <= mode <= high, got {self.low}, {self.mode}, {self.high}")
        return self

    @property
    def expected(self) -> float:
        return (self.low + self.mode + self.high) / 3

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        if self.low == self.high:
            return np.full(size, self.low)
        return rng.triangular(self.low, self.mode, self.high, size)


class Uniform(BaseModel):
    """Uniform(low, high)."""

    model_config = _FROZEN
    dist: Literal["uniform"]
    low: DistNumber
    high: DistNumber

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.low > self.high:
            raise ValueError(f"needs low <= high, got {self.low}, {self.high}")
        return self

    @property
    def expected(self) -> float:
        return (self.low + self.high) / 2

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, size)


class Exponential(BaseModel):
    """Exponential with the given mean."""

    model_config = _FROZEN
    dist: Literal["exponential"]
    mean: float = Field(strict=True, gt=0, le=MAX_DAYS)

    @property
    def expected(self) -> float:
        return self.mean

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.exponential(self.mean, size)


class Constant(BaseModel):
    """A fixed value written as a distribution."""

    model_config = _FROZEN
    dist: Literal["constant"]
    value: DistNumber

    @property
    def expected(self) -> float:
        return self.value

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.full(size, self.value)


Distribution = Annotated[
    Union[Normal, LogNormal, Triangular, Uniform, Exponential, Constant],  # noqa: UP007
    Field(discriminator="dist"),
]
"""Any of the distributions, chosen by the `dist` key."""

NumberOrDist = Union[DistNumber, Distribution]  # noqa: UP007
"""A plain number or a distribution mapping."""


def expected(value: float | BaseModel) -> float:
    """Mean of a number-or-distribution (a plain number is its own mean)."""
    return float(value) if isinstance(value, (int, float)) else float(value.expected)


def is_random(value: float | BaseModel) -> bool:
    """True when a number-or-distribution actually varies."""
    return not isinstance(value, (int, float, Constant))


def draw(value: float | BaseModel, rng: np.random.Generator, size: int) -> np.ndarray:
    """`size` draws of a number-or-distribution, clipped at 0 (all our draws are quantities)
    and at `MAX_DAYS` (a normal's tail has no end; no delay may outlast the bound). Each
    distribution's `.draw` must return a fresh array: it is clipped in place."""
    if isinstance(value, (int, float)):
        return np.full(size, min(max(float(value), 0.0), MAX_DAYS))
    drawn = np.asarray(value.draw(rng, size), dtype=float)  # clipped in place: np.clip's
    # checks cost as much as the clipping
    return np.minimum(np.maximum(drawn, 0.0, out=drawn), MAX_DAYS, out=drawn)
