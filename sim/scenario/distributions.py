"""Probability distributions a scenario may put wherever a number may vary.

A value is either a plain number or a mapping with `dist`, for example
`transit_days: {dist: triangular, low: 30, mode: 40, high: 70}`. Each distribution knows its
mean (used for planning, such as lead times) and draws vectors from a numpy Generator.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

_FROZEN = ConfigDict(extra="forbid", frozen=True)


class Normal(BaseModel):
    """Normal(mean, sd)."""

    model_config = _FROZEN
    dist: Literal["normal"]
    mean: float = Field(strict=True)
    sd: float = Field(strict=True, ge=0)

    @property
    def expected(self) -> float:
        return self.mean

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.normal(self.mean, self.sd, size)


class LogNormal(BaseModel):
    """Lognormal given by its median and the sd of the log (sigma)."""

    model_config = _FROZEN
    dist: Literal["lognormal"]
    median: float = Field(strict=True, gt=0)
    sigma: float = Field(strict=True, ge=0)

    @property
    def expected(self) -> float:
        return self.median * float(np.exp(self.sigma**2 / 2))

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.lognormal(np.log(self.median), self.sigma, size)


class Triangular(BaseModel):
    """Triangular(low, mode, high)."""

    model_config = _FROZEN
    dist: Literal["triangular"]
    low: float = Field(strict=True)
    mode: float = Field(strict=True)
    high: float = Field(strict=True)

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
    low: float = Field(strict=True)
    high: float = Field(strict=True)

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
    mean: float = Field(strict=True, gt=0)

    @property
    def expected(self) -> float:
        return self.mean

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.exponential(self.mean, size)


class Constant(BaseModel):
    """A fixed value written as a distribution."""

    model_config = _FROZEN
    dist: Literal["constant"]
    value: float = Field(strict=True)

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

NumberOrDist = Union[Annotated[float, Field(strict=True)], Distribution]  # noqa: UP007
"""A plain number or a distribution mapping."""


def expected(value: float | BaseModel) -> float:
    """Mean of a number-or-distribution (a plain number is its own mean)."""
    return float(value) if isinstance(value, (int, float)) else float(value.expected)


def is_random(value: float | BaseModel) -> bool:
    """True when a number-or-distribution actually varies."""
    return not isinstance(value, (int, float, Constant))


def draw(value: float | BaseModel, rng: np.random.Generator, size: int) -> np.ndarray:
    """`size` draws of a number-or-distribution, clipped at 0 (all our draws are quantities)."""
    if isinstance(value, (int, float)):
        return np.full(size, max(float(value), 0.0))
    return np.maximum(value.draw(rng, size), 0.0)
