"""The SoC builder: DRAM, interconnect, clusters and host wired on one SimPy environment."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import simpy

from socsim.components import plan
from socsim.components.cluster import Cluster
from socsim.components.config import Partition, SocConfig
from socsim.components.dram import Dram
from socsim.components.eventlog import EventLog
from socsim.components.host import Host
from socsim.components.interconnect import Interconnect
from socsim.components.units import Unit, unit_table
from socsim.dataflow.types import LayerMapping
from socsim.errors import SimulationError
from socsim.workloads import Network


class Soc:
    """A built SoC, ready to run one workload.

    Each component is made by the class its config section names in `component` (see
    `socsim.components.config`), so a user's class replaces socsim's without editing it.
    """

    def __init__(self, config: SocConfig) -> None:
        self.config = config
        self.env = simpy.Environment()
        self.log = EventLog()
        self.dram: Dram = config.dram.component(self.env, "soc.dram", config.dram, self.log)
        self.interconnect: Interconnect = config.interconnect.component(
            self.env, "soc.interconnect", config.interconnect, self.dram, self.log
        )
        self.clusters = [
            Cluster(self.env, f"soc.cluster{i}", config, self.interconnect, self.log, i)
            for i in range(config.clusters)
        ]
        self.host = Host(self.env, "soc.host", self.clusters)
        # What one frame runs, per layer: its mapping, or the clusters' channel shares
        self.ran: list[tuple[LayerMapping, ...]] = []

    def run(
        self, network: Network, mappings: Sequence[LayerMapping], arrivals: Sequence[int]
    ) -> None:
        """Simulates every frame to completion; raises `SimulationError` if any cannot finish."""
        program = list(enumerate(mappings))
        partition = self.config.partition
        self.ran = [(m,) for m in mappings]
        if partition is Partition.FRAMES or len(self.clusters) == 1:
            self.host.by_frames(arrivals, program)
        elif partition is Partition.PIPELINE:
            costs = [m.cycles for m in mappings]
            segments = [
                [program[i] for i in part]
                for part in plan.balanced_segments(costs, len(self.clusters))
            ]
            self.host.by_pipeline(arrivals, segments)
        else:
            array, choice = self.config.array(), self.config.pe_array.dataflow
            costs = self.config.energy.costs()
            shares = [
                [
                    None if part is None else plan.map_one(part, array, choice, costs)
                    for part in plan.split_channels(layer, len(self.clusters))
                ]
                for layer in network.layers
            ]
            self.ran = [tuple(part for part in parts if part is not None) for parts in shares]
            self.host.by_channels(arrivals, shares)
        try:
            self.env.run()
            self._check_finished()
        except SimulationError as error:
            error.waits = self.waits()
            raise

    @property
    def work(self) -> list[LayerMapping]:
        """What one frame runs, in order: `ran` flattened."""
        return [m for parts in self.ran for m in parts]

    def units(self) -> pd.DataFrame:
        """The unit table of this SoC (see `socsim.components.units`): the elaborate step."""
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
