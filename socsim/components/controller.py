"""A cluster's control processor: runs the layer program, tile by tile, with prefetch."""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterator

import simpy

from socsim.components.config import ControllerConfig
from socsim.components.dma import Dma
from socsim.components.eventlog import EventLog
from socsim.components.global_buffer import GlobalBuffer
from socsim.components.pe_array import PeArray
from socsim.dataflow.types import LayerMapping, Tile

logger = logging.getLogger(__name__)


def expand(mapping: LayerMapping) -> Iterator[Tile]:
    """The mapping's tiles one by one, repeats unrolled."""
    for tile in mapping.tiles:
        for _ in range(tile.repeat):
            yield tile


class Controller:
    """A processor sequencing one cluster: firmware time is real and serialises commands.

    Three stages run as SimPy processes: load (reserve buffer space, DMA the inputs in),
    compute (start the array, wait) and store (DMA the outputs out, free the space). At
    most `prefetch_depth` tiles are between load and store at once, so with depth 2 tile
    i+1 loads while tile i computes. Each command (a DMA descriptor, an array start) costs
    `command_cycles` on the processor and a layer costs `layer_setup_cycles` before its
    first command.

    Protocol (a replacement keeps the constructor `(env, scope, config, dma, buffer, array,
    log)`, `scope` and `blocked`): `yield from controller.run_layer(frame, index, mapping)`
    returns when every tile of the layer is computed and written back, every command tagged
    (frame, layer index, tile number in `expand(mapping)` order); a mapping without tiles
    (a concatenation the schedule made a view) returns at once, logging nothing. It logs its firmware work
    (`setup`, `command`) on its scope, one interval at a time, and its stages' waits
    (`wait_*`) on `<scope>.pipeline`. `blocked` says, per stage, what it waits on, for the
    report when a simulation cannot finish.
    """

    def __init__(
        self,
        env: simpy.Environment,
        scope: str,
        config: ControllerConfig,
        dma: Dma,
        buffer: GlobalBuffer,
        array: PeArray,
        log: EventLog,
    ) -> None:
        self.env = env
        self.scope = scope
        self.config = config
        self.dma = dma
        self.buffer = buffer
        self.array = array
        self.log = log
        self.cpu = simpy.Resource(env, capacity=1)
        self.blocked: dict[str, str] = {}
        self.stage_scope = f"{scope}.pipeline"

    def firmware(self, cycles: int, action: str, tag: tuple[int, int, int]) -> Generator:
        """Occupies the processor for `cycles` (waiting for it first) and logs the work."""
        if not cycles:
            return
        with self.cpu.request() as request:
            yield request
            start = self.env.now
            yield self.env.timeout(cycles)
        self.log.add(start, self.env.now, self.scope, action, *tag)

    def stalled(self, cause: str, since: int, tag: tuple[int, int, int]) -> None:
        """Logs a wait that took time on the stage scope (`wait_array`: the prefetch window
        is full; `wait_buffer`: no space for the next tile; `wait_dma`: the array waits for a
        load)."""
        if self.env.now > since:
            self.log.add(since, self.env.now, self.stage_scope, cause, *tag)

    def run_layer(self, frame: int, index: int, mapping: LayerMapping) -> Generator:
        """Runs one layer's tiles through load, compute and store; returns when all are stored."""
        if not mapping.tiles:
            return
        env = self.env
        logger.debug("%s: frame %d layer %d (%s) starts at cycle %d", self.scope, frame, index,
                     mapping.layer.name, env.now)  # fmt: skip
        yield from self.firmware(self.config.layer_setup_cycles, "setup", (frame, index, -1))
        depth = self.config.prefetch_depth
        slots = simpy.Container(env, capacity=depth, init=depth)
        loaded, computed = simpy.Store(env), simpy.Store(env)
        env.process(self.load(frame, index, mapping, slots, loaded))
        env.process(self.compute(mapping.tile_count, loaded, computed))
        yield from self.store(mapping.tile_count, slots, computed)

    def load(
        self,
        frame: int,
        index: int,
        mapping: LayerMapping,
        slots: simpy.Container,
        loaded: simpy.Store,
    ) -> Generator:
        """Load stage: per tile, wait for a slot and buffer space, then DMA its inputs in."""
        env, blocked, command = self.env, self.blocked, self.config.command_cycles
        for number, tile in enumerate(expand(mapping)):
            tag = (frame, index, number)
            blocked["load"] = f"a prefetch slot (depth {self.config.prefetch_depth})"
            start = env.now
            yield slots.get(1)
            self.stalled("wait_array", start, tag)
            blocked["load"] = f"{self.buffer.scope}: {tile.glb_bytes} bytes of space"
            if tile.glb_bytes:
                start = env.now
                yield self.buffer.reserve(tile.glb_bytes)
                self.stalled("wait_buffer", start, tag)
            since = env.now
            if tile.in_bytes:
                yield from self.firmware(command, "command", tag)
                blocked["load"] = f"{self.dma.scope}: room in the descriptor queue"
                descriptor = yield from self.dma.submit(tile.in_bytes, False, *tag)
                blocked["load"] = f"{self.dma.scope}: the load of layer {index} tile {number}"
                yield descriptor.done
            del blocked["load"]
            yield loaded.put((tile, tag, since))

    def compute(self, count: int, loaded: simpy.Store, computed: simpy.Store) -> Generator:
        """Compute stage: per loaded tile, start the array and wait for it."""
        blocked = self.blocked
        for _ in range(count):
            blocked["compute"] = "a loaded tile"
            start = self.env.now
            tile, tag, since = yield loaded.get()
            self.stalled("wait_dma", start, tag)
            del blocked["compute"]
            yield from self.firmware(self.config.command_cycles, "command", tag)
            yield from self.array.compute(tile, tag)
            yield computed.put((tile, tag, since))

    def store(self, count: int, slots: simpy.Container, computed: simpy.Store) -> Generator:
        """Store stage: per computed tile, DMA its outputs out, then free its space and slot."""
        blocked = self.blocked
        for _ in range(count):
            blocked["store"] = "a computed tile"
            tile, tag, since = yield computed.get()
            if tile.out_bytes:
                yield from self.firmware(self.config.command_cycles, "command", tag)
                blocked["store"] = f"{self.dma.scope}: room in the descriptor queue"
                descriptor = yield from self.dma.submit(tile.out_bytes, True, *tag)
                blocked["store"] = f"{self.dma.scope}: the store of layer {tag[1]} tile {tag[2]}"
                yield descriptor.done
            del blocked["store"]
            if tile.glb_bytes:
                self.buffer.free(tile.glb_bytes, since, tag)
            yield slots.put(1)
