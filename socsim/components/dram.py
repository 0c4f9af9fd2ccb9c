"""Off-chip DRAM: independent channels, each with a bandwidth and a first-byte latency."""

from __future__ import annotations

from collections.abc import Generator

import simpy

from socsim.components.config import DramConfig
from socsim.components.eventlog import EventLog


class Dram:
    """DRAM with `channels` channels, each moving `bytes_per_cycle`.

    Protocol, as the interconnect uses it (a replacement keeps the constructor
    `(env, scope, config, log)` and these members):

    - `channel = yield from dram.acquire()` waits for a free channel and takes it; chunks
      of different transfers use different channels in parallel.
    - `dram.cycles(nbytes)`: cycles the channel is busy moving `nbytes`.
    - `dram.contended(channel)`: whether anyone else wants the channel now; the holder
      checks at every chunk boundary and hands the channel back if so.
    - `dram.release(channel, start, write, tag, nbytes, words)` hands the channel back and
      logs the holder's run on it: one row from `start` to now on `channel_scopes[channel]`,
      action `read` or `write`, the (frame, layer, tile) `tag`, the bytes and the DRAM
      words in the access counts (the only rows that carry DRAM energy).
    - `config.latency_cycles` is paid once per transfer by the mover and holds nothing
      (requests are pipelined).

    A replacement may log rows of its own on a channel's scope (a refresh, say) while no
    master holds the channel; a process of its own that ticks forever is left behind when
    the last frame finishes (see `socsim.components`).
    """

    def __init__(
        self, env: simpy.Environment, scope: str, config: DramConfig, log: EventLog
    ) -> None:
        self.env = env
        self.scope = scope
        self.config = config
        self.log = log
        self.channels = simpy.Store(env, capacity=config.channels)
        self.channels.items.extend(range(config.channels))
        self.channel_scopes = [f"{scope}.ch{i}" for i in range(config.channels)]

    def acquire(self) -> Generator[simpy.Event, int, int]:
        """Waits for a free channel (first come, first served) and returns its index."""
        return (yield self.channels.get())

    def cycles(self, nbytes: int) -> int:
        """Cycles one channel is busy moving `nbytes`."""
        return -(-nbytes // self.config.bytes_per_cycle)

    def contended(self, channel: int) -> bool:
        """Whether a master waits for a channel (any will do, so any channel is wanted)."""
        return bool(self.channels.get_queue)

    def release(
        self,
        channel: int,
        start: int,
        write: bool,
        tag: tuple[int, int, int],
        nbytes: int,
        words: int,
    ) -> None:
        """Hands `channel` back and logs the run on it since `start`."""
        self.channels.put(channel)
        # The access counts in `COUNT_COLUMNS` order, ending with dram_read, dram_write.
        counts = (0, 0, 0, 0, 0, 0, 0, words) if write else (0, 0, 0, 0, 0, 0, words, 0)
        self.log.add(
            start,
            self.env.now,
            self.channel_scopes[channel],
            "write" if write else "read",
            *tag,
            nbytes,
            0,
            counts,
        )
