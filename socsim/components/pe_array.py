"""The PE array: runs the tiles that socsim.dataflow produced, taking their cycles."""

from __future__ import annotations

from collections.abc import Generator

import simpy

from socsim.components.config import PeArrayConfig
from socsim.components.eventlog import EventLog
from socsim.dataflow.types import Tile


def on_chip_counts(tile: Tile) -> tuple[int, ...]:
    """A tile's access counts with DRAM zeroed: DRAM words are logged by the DRAM itself."""
    c = tile.counts
    return (c.mac, c.rf_read, c.rf_write, c.noc, c.glb_read, c.glb_write, 0, 0)


class PeArray:
    """Runs one tile at a time for `tile.compute_cycles`.

    Protocol (a replacement keeps the constructor `(env, scope, config, log)`):
    `yield from array.compute(tile, tag)` returns when the tile is done and logs one
    `compute` row on the array's scope with the (frame, layer, tile) `tag`, the tile's MACs
    and its on-chip access counts. One tile at a time: invariants hold the array to one
    interval at once and each tile's MACs to the mapping's. The cycles already include
    folds, fill and drain, idle PEs and buffer-bandwidth stalls: the array never re-derives
    what the mapping knows.
    """

    def __init__(
        self, env: simpy.Environment, scope: str, config: PeArrayConfig, log: EventLog
    ) -> None:
        self.env = env
        self.scope = scope
        self.config = config
        self.log = log

    def compute(self, tile: Tile, tag: tuple[int, int, int]) -> Generator[simpy.Event, None, None]:
        start = self.env.now
        yield self.env.timeout(tile.compute_cycles)
        self.log.add(
            start, self.env.now, self.scope, "compute", *tag, 0, tile.macs, on_chip_counts(tile)
        )
