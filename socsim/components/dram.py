"""Off-chip DRAM: independent channels, each with a bandwidth and a first-byte latency."""

from __future__ import annotations

import simpy

from socsim.components.config import DramConfig


class Dram:
    """DRAM with `channels` channels, each moving `bytes_per_cycle`.

    Protocol: a master takes a channel with `yield dram.channels.get()` (the channel index),
    holds it while its chunk moves, and returns it with `dram.channels.put(index)`; chunks
    of different transfers use different channels in parallel. `latency_cycles` is paid once
    per transfer by the mover and holds no channel (requests are pipelined).
    """

    def __init__(self, env: simpy.Environment, scope: str, config: DramConfig) -> None:
        self.env = env
        self.scope = scope
        self.config = config
        self.channels = simpy.Store(env, capacity=config.channels)
        self.channels.items.extend(range(config.channels))
        self.channel_scopes = [f"{scope}.ch{i}" for i in range(config.channels)]

    def cycles(self, nbytes: int) -> int:
        """Cycles one channel is busy moving `nbytes`."""
        return -(-nbytes // self.config.bytes_per_cycle)
