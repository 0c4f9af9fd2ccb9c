"""A cluster: controller, DMA engine, global buffer and PE array working as one."""

from __future__ import annotations

from collections.abc import Generator, Sequence

import simpy

from socsim.components.config import SocConfig
from socsim.components.controller import Controller
from socsim.components.dma import Dma
from socsim.components.eventlog import EventLog
from socsim.components.global_buffer import GlobalBuffer
from socsim.components.interconnect import Interconnect
from socsim.components.pe_array import PeArray
from socsim.components.residency import Hold
from socsim.dataflow.types import LayerMapping

Layers = Sequence[tuple[int, LayerMapping]]  # (layer index in the network, its mapping)


class Cluster:
    """One accelerator cluster behind the shared interconnect.

    Protocol: `yield from cluster.run(frame, layers, holds)` runs the layers in order,
    each to completion (a layer reads what the previous one wrote back to DRAM, or left in
    the buffer: each of the `holds` takes its bytes of the buffer before its first layer
    starts and frees them when its last layer ends, logged as one `hold`). Its parts
    are made by the classes their config sections name (see `socsim.components.config`).
    """

    def __init__(
        self,
        env: simpy.Environment,
        scope: str,
        config: SocConfig,
        interconnect: Interconnect,
        log: EventLog,
        index: int,
    ) -> None:
        self.scope = scope
        self.index = index
        self.buffer: GlobalBuffer = config.global_buffer.component(
            env, f"{scope}.global_buffer", config.global_buffer, log
        )
        self.array: PeArray = config.pe_array.component(
            env, f"{scope}.pe_array", config.pe_array, log
        )
        self.dma: Dma = config.dma.component(
            env,
            f"{scope}.dma",
            config.dma,
            interconnect,
            log,
            priority=index,
            bytes_per_word=config.pe_array.bytes_per_word,
        )
        self.controller: Controller = config.controller.component(
            env, f"{scope}.controller", config.controller, self.dma, self.buffer, self.array, log
        )

    def run(self, frame: int, layers: Layers, holds: Sequence[Hold] = ()) -> Generator:
        taken: dict[Hold, int] = {}  # each hold taken: when its space was granted
        for index, mapping in layers:
            for hold in holds:
                if hold.first == index:
                    yield self.buffer.reserve(hold.nbytes)
                    taken[hold] = self.buffer.env.now
            yield from self.controller.run_layer(frame, index, mapping)
            for hold in holds:
                if hold.last == index:
                    self.buffer.free(hold.nbytes, taken.pop(hold), (frame, hold.first, -1))
