"""Write your own component, plug it into a preset, and property-test it with socsim's kit.

The component is a DRAM whose channels stop for a refresh every so often (DDR4 refreshes
for about 350 ns every 7.8 us: at the SoC's 500 MHz, 175 cycles every 3900). It subclasses
`Dram` and keeps its protocol (see the docstring of `socsim.components.dram.Dram`); a config
subclass adds the two new fields and names the class in `component`, which is all the SoC
builder needs. The script simulates 1.0-SqNxt-23 on squeezelerator-16x16 with and without
refresh, checks the run's invariants, then checks them on random small SoCs and networks.

    .venv/bin/python examples/custom_component.py   (needs the dev extras: Hypothesis)
"""

from __future__ import annotations

import tempfile
from collections.abc import Generator
from dataclasses import asdict, dataclass, replace

import simpy
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from socsim import ConfigError, get_preset, simulate
from socsim.components.config import DramConfig, SocConfig
from socsim.components.dram import Dram
from socsim.components.eventlog import EventLog
from socsim.testing import check_invariants, networks, soc_configs

NETWORK = "1.0-SqNxt-23"


class RefreshDram(Dram):
    """DRAM whose every channel refreshes for `refresh_cycles` each `refresh_interval_cycles`.

    A refresh due while its channel is idle runs at once; one due while a chunk moves
    waits for the chunk's end (as controllers postpone refresh), when `contended` makes the
    holder hand the channel over. Each refresh is logged as a `refresh` row on the channel.
    Refreshes are worked out from the clock when a master asks for the channel, not by a
    process ticking forever, which would cost an event a tick; those after a channel's
    last use are not logged.
    """

    def __init__(
        self, env: simpy.Environment, scope: str, config: RefreshDramConfig, log: EventLog
    ) -> None:
        super().__init__(env, scope, config, log)
        self.due = [config.refresh_interval_cycles] * config.channels  # next refresh
        self.idle_since = [0] * config.channels

    def acquire(self) -> Generator[simpy.Event, int, int]:
        channel = yield from super().acquire()
        ready = self.refresh(channel)
        if ready > self.env.now:
            yield self.env.timeout(ready - self.env.now)
        return channel

    def contended(self, channel: int) -> bool:
        return super().contended(channel) or self.due[channel] <= self.env.now

    def release(self, channel: int, *run) -> None:
        super().release(channel, *run)
        self.idle_since[channel] = self.env.now

    def refresh(self, channel: int) -> int:
        """Logs the refreshes due on `channel` by now, each as soon as the channel was
        free, and returns when the last one ends."""
        interval, cycles = self.config.refresh_interval_cycles, self.config.refresh_cycles
        ready = self.idle_since[channel]
        while self.due[channel] <= self.env.now:
            start = max(self.due[channel], ready)
            ready = start + cycles
            self.log.add(start, ready, self.channel_scopes[channel], "refresh")
            self.due[channel] += interval
        return ready


@dataclass(frozen=True, kw_only=True)
class RefreshDramConfig(DramConfig):
    refresh_interval_cycles: int = 3900  # from one refresh of a channel to the next (tREFI)
    refresh_cycles: int = 175  # a refresh holds its channel this long (tRFC)
    component = RefreshDram

    def __post_init__(self) -> None:
        if self.refresh_cycles >= self.refresh_interval_cycles:  # the channel would never serve
            raise ConfigError(
                f"dram.refresh_cycles={self.refresh_cycles}, expected less than "
                f"dram.refresh_interval_cycles={self.refresh_interval_cycles}"
            )


def with_refresh(soc: SocConfig, **fields: int) -> SocConfig:
    """`soc` with its DRAM refreshing, every other DRAM setting kept."""
    return replace(soc, dram=RefreshDramConfig(**asdict(soc.dram), **fields))


@settings(max_examples=25, deadline=None, database=None)
@given(
    networks(max_layers=3), soc_configs(max_clusters=2), st.integers(41, 400), st.integers(1, 40)
)
def test_refresh_keeps_the_invariants(network, soc, interval, cycles):
    soc = with_refresh(soc, refresh_interval_cycles=interval, refresh_cycles=cycles)
    check_invariants(simulate(network, soc, frames=2))


def main() -> None:
    preset = get_preset("squeezelerator-16x16")
    plain, refreshed = simulate(NETWORK, preset), simulate(NETWORK, with_refresh(preset))
    check_invariants(refreshed)
    before, after = plain.summary["cycles"], refreshed.summary["cycles"]
    refreshes = refreshed.events[refreshed.events["action"] == "refresh"]
    print(f"{NETWORK} on {preset.name}, one frame")
    print(f"  without refresh  {before:>10,} cycles")
    print(f"  with refresh     {after:>10,} cycles (+{after / before - 1:.2%}), "
          f"{len(refreshes)} refreshes logged")  # fmt: skip
    print("  invariants hold with refresh: True")
    with tempfile.TemporaryDirectory() as scratch:  # not ./.hypothesis: an example writes nothing
        set_hypothesis_home_dir(scratch)
        test_refresh_keeps_the_invariants()
    print("Invariants hold on 25 random SoCs and networks with refresh: True")


if __name__ == "__main__":
    main()
