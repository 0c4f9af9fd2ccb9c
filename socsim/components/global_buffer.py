"""The cluster's global buffer (on-chip SRAM): space reserved per tile, freed after use."""

from __future__ import annotations

import simpy

from socsim.components.config import GlobalBufferConfig
from socsim.components.eventlog import EventLog
from socsim.errors import SimulationError


class GlobalBuffer:
    """A capacity of `size_bytes`, held as the free space of a SimPy container.

    Protocol (a replacement keeps the constructor `(env, scope, config, log)`, `scope` and
    these methods): `yield glb.reserve(n)` waits until `n` bytes are free and takes them;
    `glb.free(n, since, tag)` returns them and logs the hold interval (action `hold`, from
    `since`, when the space was granted, to now, with the bytes), so occupancy at any
    instant is the sum of the holds that span it; invariants keep it within `size_bytes`
    and never negative. A reservation larger than the whole buffer could never be admitted
    and raises `SimulationError` at once. The bandwidth to the array is part of the tile's
    compute cycles (see socsim.dataflow).
    """

    def __init__(
        self, env: simpy.Environment, scope: str, config: GlobalBufferConfig, log: EventLog
    ) -> None:
        self.env = env
        self.scope = scope
        self.config = config
        self.log = log
        self.space = simpy.Container(env, capacity=config.size_bytes, init=config.size_bytes)

    def reserve(self, nbytes: int) -> simpy.Event:
        if nbytes > self.config.size_bytes:
            raise SimulationError(
                f"{self.scope}: a tile needs {nbytes} bytes but the buffer holds "
                f"{self.config.size_bytes}; it can never be admitted"
            )
        return self.space.get(nbytes)

    def free(self, nbytes: int, since: int, tag: tuple[int, int, int]) -> None:
        self.space.put(nbytes)
        self.log.add(since, self.env.now, self.scope, "hold", *tag, nbytes)
