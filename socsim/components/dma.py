"""A cluster's DMA engine: a descriptor queue served by a few channels."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import simpy

from socsim.components.config import DmaConfig
from socsim.components.eventlog import EventLog
from socsim.components.interconnect import Interconnect


@dataclass(slots=True)
class Descriptor:
    """One transfer: `nbytes` towards DRAM when `write`; `done` fires when it has landed."""

    nbytes: int
    write: bool
    frame: int
    layer: int
    tile: int
    done: simpy.Event


class Dma:
    """DMA engine with `channels` workers taking descriptors from a queue in order.

    Protocol (a replacement keeps the constructor `(env, scope, config, interconnect, log,
    priority, bytes_per_word)`, `scope` and these members): the controller runs
    `descriptor = yield from dma.submit(nbytes, write, frame, layer, tile)`, which returns
    once the descriptor is queued (it waits while the queue holds `queue_depth` descriptors
    per channel), then waits on `descriptor.done`. Each worker pays `setup_cycles`, then
    moves the bytes with `interconnect.transfer` at its `priority`, and logs one row per
    descriptor on its channel's scope (`soc.cluster0.dma.ch1`): action `load` (from DRAM)
    or `store`, the descriptor's tag and the bytes it moved. Invariants hold the `load`
    and `store` bytes of each tile to the mapping's and to what DRAM moved for it.
    """

    def __init__(
        self,
        env: simpy.Environment,
        scope: str,
        config: DmaConfig,
        interconnect: Interconnect,
        log: EventLog,
        priority: int,
        bytes_per_word: int,
    ) -> None:
        self.env = env
        self.scope = scope
        self.config = config
        self.interconnect = interconnect
        self.log = log
        self.priority = priority
        self.bytes_per_word = bytes_per_word
        self.queue = simpy.Store(env, capacity=config.queue_depth * config.channels)
        self.channel_scopes = [f"{scope}.ch{i}" for i in range(config.channels)]
        for channel in range(config.channels):
            env.process(self.serve(channel))

    def submit(
        self, nbytes: int, write: bool, frame: int, layer: int, tile: int
    ) -> Generator[simpy.Event, object, Descriptor]:
        """Queues a transfer, waiting for room in the queue; returns its descriptor."""
        descriptor = Descriptor(nbytes, write, frame, layer, tile, self.env.event())
        yield self.queue.put(descriptor)
        return descriptor

    def serve(self, channel: int) -> Generator[simpy.Event, Descriptor, None]:
        """Worker loop: take the next descriptor, set up, move its bytes, signal done."""
        env, log, scope = self.env, self.log, self.channel_scopes[channel]
        setup, burst = self.config.setup_cycles, self.config.burst_bytes
        while True:
            d = yield self.queue.get()
            start = env.now
            if setup:
                yield env.timeout(setup)
            yield from self.interconnect.transfer(
                d.nbytes,
                d.write,
                burst,
                self.priority,
                (d.frame, d.layer, d.tile),
                self.bytes_per_word,
            )
            log.add(
                start,
                env.now,
                scope,
                "store" if d.write else "load",
                d.frame,
                d.layer,
                d.tile,
                d.nbytes,
            )
            d.done.succeed()
