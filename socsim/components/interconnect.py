"""The shared path between the clusters' DMA engines and DRAM."""

from __future__ import annotations

from collections.abc import Generator

import simpy

from socsim.components.config import Arbitration, InterconnectConfig
from socsim.components.dram import Dram
from socsim.components.eventlog import EventLog


class Interconnect:
    """A bus of `bytes_per_cycle` shared by every DMA engine, granted a chunk at a time.

    Protocol (a replacement keeps the constructor `(env, scope, config, dram, log)`):
    `yield from interconnect.transfer(...)` returns when the last byte has landed. A
    transfer pays the DRAM latency, then takes a DRAM channel (`dram.acquire`), then a bus
    grant, and moves chunks of at most `grant_bytes`, each taking the longer of its bus and
    DRAM time. At every chunk boundary it hands both back if another master waits for the
    bus or the DRAM wants the channel (`dram.contended`), and queues again for the rest;
    otherwise it keeps them (the same timing as asking again, with fewer events). After the
    last chunk the bus is free as soon as the bytes have crossed it, while the channel
    finishes. Per uninterrupted run it logs one `read` or `write` row on its own scope (the
    bus time) and has the DRAM log one on the channel (`dram.release`). Arbitration is
    FIFO, or by priority (lower value first) with `Arbitration.PRIORITY`.
    """

    def __init__(
        self,
        env: simpy.Environment,
        scope: str,
        config: InterconnectConfig,
        dram: Dram,
        log: EventLog,
    ) -> None:
        self.env = env
        self.scope = scope
        self.config = config
        self.dram = dram
        self.log = log
        self.prioritised = config.arbitration is Arbitration.PRIORITY
        self.bus = (simpy.PriorityResource if self.prioritised else simpy.Resource)(env, capacity=1)

    def transfer(
        self,
        nbytes: int,
        write: bool,
        burst_bytes: int,
        priority: int,
        tag: tuple[int, int, int],
        bytes_per_word: int,
    ) -> Generator[simpy.Event, object, None]:
        """Moves `nbytes` between DRAM and a cluster (`write`: towards DRAM), chunk by chunk.

        `burst_bytes` rounds each chunk's time up to whole bursts; `priority` orders waiting
        masters under priority arbitration; `tag` is (frame, layer, tile) for the log;
        `bytes_per_word` converts bytes to the DRAM words counted for energy.
        """
        env, dram, log, bus = self.env, self.dram, self.log, self.bus
        bus_bw, grant = self.config.bytes_per_cycle, self.config.grant_bytes
        frame, layer, tile = tag
        action = "write" if write else "read"
        yield env.timeout(dram.config.latency_cycles)
        remaining, words = nbytes, 0  # words: the DRAM words logged so far
        while remaining > 0:
            channel = yield from dram.acquire()
            request = bus.request(priority=priority) if self.prioritised else bus.request()
            yield request
            start, run = env.now, 0
            while True:  # chunk by chunk, keeping the grant while nobody waits for it
                chunk = min(remaining, grant)
                remaining -= chunk
                run += chunk
                moved = -(-chunk // burst_bytes) * burst_bytes  # whole bursts cross the bus
                bus_cycles, dram_cycles = -(-moved // bus_bw), dram.cycles(moved)
                if not remaining:  # the bus is free once the last chunk has crossed it
                    yield env.timeout(bus_cycles)
                    bus.release(request)
                    log.add(start, env.now, self.scope, action, frame, layer, tile, run)
                    if dram_cycles > bus_cycles:
                        yield env.timeout(dram_cycles - bus_cycles)
                    break
                yield env.timeout(max(bus_cycles, dram_cycles))
                if bus.queue or dram.contended(channel):
                    bus.release(request)
                    log.add(start, env.now, self.scope, action, frame, layer, tile, run)
                    break
            # The words this run completed, so that runs cut mid-word still add up to
            # nbytes // bytes_per_word.
            done = (nbytes - remaining) // bytes_per_word
            dram.release(channel, start, write, tag, run, done - words)
            words = done
