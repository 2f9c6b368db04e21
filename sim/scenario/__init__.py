"""Reading, merging and validating scenario files into frozen, typed Scenario objects."""

from sim.scenario.load import load_scenario, validate
from sim.scenario.overrides import parse_assignment
from sim.scenario.schema import Consumer, Mine, Processor, Scenario, Stockpile

__all__ = [
    "Consumer",
    "Mine",
    "Processor",
    "Scenario",
    "Stockpile",
    "load_scenario",
    "parse_assignment",
    "validate",
]
