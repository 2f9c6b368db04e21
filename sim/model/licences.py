"""What happens at the border each step: licences granted or refused, re-exports checked.

Licence regimes: each shipment on a licensed edge needs a licence, granted or refused.

"One item, one certificate": every step, the shipment a licensed edge would carry is one
application. It is granted with the regime's approval probability on that step (a number,
or a schedule of dates and values), by a draw from the edge's own random stream, and then
travels with an extra delay drawn from `delay_days` (a number or a distribution, negative
draws counting as 0). A refused application is refused, not delayed: that step the edge
ships nothing and the buyer's order is re-offered to its other suppliers. Shipments to a
consumer whose group is in `refuse_groups` (an end use, e.g. defense) are always refused.
Buyers plan the expected delay into their lead time (planning.py); they cannot know which
applications will be refused, so they do not order more in advance.

Re-export controls: each step, a third country's shipment on an edge to the destination is
checked with probability `enforcement` (a draw from the edge's own stream). A checked
shipment carries only material neither mined nor processed in the controlling country (the
seller serves the order from its other origins, as for a DFARS buyer); an unchecked one
leaks, shipping whatever the seller holds. So at enforcement 0.5 about half of what would
have leaked does.
"""

from __future__ import annotations

import numpy as np

from sim.model.clock import Clock
from sim.model.network import Network
from sim.model.streams import streams
from sim.scenario.distributions import draw, expected
from sim.scenario.schema import ExportControl


class Licence:
    """One licence regime's approval per step and its draws per step and edge."""

    def __init__(self, event: ExportControl, key: str, edges: list[int], net: Network,
                 clock: Clock, seed: tuple[int, int]):
        self.event, self.edges = event, np.array(edges, dtype=np.int64)
        self.approval = approval_by_step(event, net, clock)
        self.granted = np.zeros((clock.n_steps, len(edges)), dtype=bool)
        self.delay_days = np.zeros((clock.n_steps, len(edges)))
        rngs = streams(seed[0], seed[1], [f"{key}:{net.edges[e].key}" for e in edges])
        for j, rng in enumerate(rngs):
            self.granted[:, j] = rng.random(clock.n_steps) < self.approval
            self.delay_days[:, j] = np.maximum(0.0, draw(event.delay_days, rng, clock.n_steps))
        groups = set(event.refuse_groups)
        self.end_use_refused = [e for e in edges if net.nodes[net.edges[e].buyer].group in groups]

    @property
    def expected_delay_days(self) -> float:
        """The delay buyers plan with."""
        return float(expected(self.event.delay_days))

    def longest_delay_days(self) -> float:
        """The longest delay drawn (bounds the time goods can be on the way)."""
        return float(self.delay_days.max()) if self.delay_days.size else 0.0

    def apply(self, k: int, closed: np.ndarray, delays: np.ndarray) -> None:
        """Step k: close the edges whose application is refused; add the granted ones'
        delays (arrays over all edges, updated in place)."""
        closed[self.edges] |= ~self.granted[k]
        delays[self.edges] += self.delay_days[k]


def approval_by_step(event: ExportControl, net: Network, clock: Clock) -> np.ndarray:
    """The approval probability in force on each step."""
    if not isinstance(event.approval, list):
        return np.full(clock.n_steps, float(event.approval))
    out = np.full(clock.n_steps, event.approval[0].approval)  # the first value until then
    for step in event.approval:
        first = min(clock.first_step_on_or_after(net.scenario.day(step.from_)), clock.n_steps)
        out[first:] = step.approval
    return out


class ReexportCheck:
    """One re-export control's checks per step and edge, and the origins it stops."""

    def __init__(self, event: ExportControl, key: str, edges: list[int], net: Network,
                 clock: Clock, seed: tuple[int, int], stopped: np.ndarray):
        self.edges = np.array(edges, dtype=np.int64)
        self.passes = 1.0 - stopped  # [origin] 0 for the controlled origins
        self.checked = np.zeros((clock.n_steps, len(edges)), dtype=bool)
        rngs = streams(seed[0], seed[1], [f"{key}:{net.edges[e].key}" for e in edges])
        for j, rng in enumerate(rngs):
            self.checked[:, j] = rng.random(clock.n_steps) < event.enforcement

    def apply(self, k: int, edge_mask: np.ndarray) -> None:
        """Step k: checked edges carry only the origins that pass (edge_mask updated)."""
        checked = self.edges[self.checked[k]]
        edge_mask[checked] *= self.passes
