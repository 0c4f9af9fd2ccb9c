"""The SoC builder: DRAM, interconnect, clusters and host wired on one SimPy environment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import simpy

from socsim.components.cluster import Cluster
from socsim.components.config import Partition, SocConfig
from socsim.components.dram import Dram
from socsim.components.eventlog import EventLog
from socsim.components.host import Host
from socsim.components.interconnect import Interconnect
from socsim.components.plan import Program
from socsim.components.units import Unit, unit_table
from socsim.errors import ConfigError, SimulationError


@dataclass(frozen=True)
class RunLog:
    """What the run step returns: the event log (`socsim.components.eventlog`; `events` is
    it as a DataFrame), each frame's (arrival, start, finish) in cycles (finish -1: never
    finished), the cycle the run ended at and whether it `stopped` early (a
    `SimulationError`)."""

    log: EventLog
    frames: tuple[tuple[int, int, int], ...]
    end: int
    stopped: bool

    @property
    def events(self) -> pd.DataFrame:
        return self.log.frame()


class Soc:
    """A built SoC, ready to carry out one `Program` (see `socsim.components.plan`).

    Each component is made by the class its config section names in `component` (see
    `socsim.components.config`), so a user's class replaces socsim's without editing it.
    With `keep_events=False` the log keeps only the totals the summaries need.
    """

    def __init__(self, config: SocConfig, program: Program, keep_events: bool = True) -> None:
        split = program.partition
        widths = {len(program.segments)} if split is Partition.PIPELINE else set()
        widths |= {len(parts) for parts in program.shares}
        if split is not Partition.FRAMES and widths != {config.clusters}:
            raise ConfigError(
                f"program partition={split.value} is planned for {sorted(widths)} cluster(s), "
                f"expected the SoC's clusters={config.clusters}"
            )
        self.config = config
        self.program = program
        self.env = simpy.Environment()
        self.log = EventLog(keep=keep_events)
        self.dram: Dram = config.dram.component(self.env, "soc.dram", config.dram, self.log)
        self.interconnect: Interconnect = config.interconnect.component(
            self.env, "soc.interconnect", config.interconnect, self.dram, self.log
        )
        self.clusters = [
            Cluster(self.env, f"soc.cluster{i}", config, self.interconnect, self.log, i)
            for i in range(config.clusters)
        ]
        self.host = Host(self.env, "soc.host", self.clusters)
        self.units = self._unit_table()

    def run(self, arrivals: Sequence[int]) -> None:
        """Carries out the program for frames arriving at `arrivals` (cycles), every frame to
        completion; raises `SimulationError` if any cannot finish. Maps nothing: every
        mapping and share comes from the program."""
        program = self.program
        if program.partition is Partition.PIPELINE:
            segments = [program.layers_of(i) for i in range(len(self.clusters))]
            self.host.by_pipeline(arrivals, segments)
        elif program.partition is Partition.CHANNELS:
            self.host.by_channels(arrivals, program.shares)
        else:  # every cluster runs whole frames, all alike
            self.host.by_frames(arrivals, program.layers_of(0))
        try:
            self.env.run()
            self._check_finished()
        except SimulationError as error:
            error.waits = self.waits()
            raise

    def record(self, stopped: bool = False) -> RunLog:
        """What the run logged so far, as plain data; `stopped`: it ended early."""
        self.log.pack()
        return RunLog(
            self.log,
            tuple(tuple(record) for record in self.host.frames),
            self.env.now,
            stopped,
        )

    def _unit_table(self) -> pd.DataFrame:
        """The unit table of this SoC (see `socsim.components.units`)."""
        dram, bus = self.dram, self.interconnect
        moved = "bytes moved in the run"
        units = [
            Unit(scope=scope, kind="dram", component=dram.scope, channel=i,
                 actions=("read", "write"), bytes=f"{moved} on the channel")
            for i, scope in enumerate(dram.channel_scopes)
        ]  # fmt: skip
        units.append(
            Unit(scope=bus.scope, kind="interconnect", component=bus.scope,
                 actions=("read", "write"), bytes=f"{moved} across the bus")
        )  # fmt: skip
        for c in self.clusters:
            ctl, dma, glb, array = c.controller, c.dma, c.buffer, c.array
            mine = {"cluster": c.index, "owner": c.scope}
            units += [
                Unit(scope=ctl.scope, kind="controller", component=ctl.scope, **mine,
                     actions=("setup", "command"), bytes="none (0)"),
                Unit(scope=ctl.stage_scope, kind="pipeline", component=ctl.scope, **mine,
                     capacity=0, capacity_unit="none",
                     actions=("wait_dma", "wait_buffer", "wait_array"), bytes="none (0)"),
                *(
                    Unit(scope=scope, kind="dma", component=dma.scope, channel=i, **mine,
                         actions=("load", "store"), bytes="the descriptor's bytes")
                    for i, scope in enumerate(dma.channel_scopes)
                ),
                Unit(scope=glb.scope, kind="global_buffer", component=glb.scope, **mine,
                     capacity=glb.config.size_bytes, capacity_unit="bytes",
                     actions=("hold",), bytes="bytes held from start to end"),
                Unit(scope=array.scope, kind="pe_array", component=array.scope, **mine,
                     actions=("compute",), bytes="none (0)"),
            ]  # fmt: skip
        return unit_table(units)

    def waits(self) -> dict[str, str]:
        """What each blocked controller stage waits for, by `"<controller scope> <stage>"`."""
        return {
            f"{c.controller.scope} {stage}": what
            for c in self.clusters
            for stage, what in c.controller.blocked.items()
        }

    def _check_finished(self) -> None:
        unfinished = [f for f, (_, _, finish) in enumerate(self.host.frames) if finish < 0]
        if not unfinished:
            return
        waits = [f"{stage} stage waits for {what}" for stage, what in self.waits().items()]
        raise SimulationError(
            f"simulation stopped at cycle {self.env.now} with {len(unfinished)} frame(s) "
            f"unfinished (first: {unfinished[0]}): " + ("; ".join(waits) or "no component waits")
        )
