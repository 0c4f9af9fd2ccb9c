"""The SoC builder: DRAM, interconnect, clusters and host wired on one SimPy environment."""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import simpy
from simpy.core import EmptySchedule

from socsim.components.cluster import Cluster
from socsim.components.config import Partition, SocConfig
from socsim.components.dram import Dram
from socsim.components.eventlog import EventLog
from socsim.components.host import Host
from socsim.components.interconnect import Interconnect
from socsim.components.plan import Program
from socsim.components.units import Unit, unit_table
from socsim.errors import ConfigError, SimulationError, SocsimError


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


STEPS = 64  # events between two checks of the watch
WATCH_FACTOR = 1000  # tile bounds without a log row before a run counts as stalled


def _clock_keepers(env: simpy.Environment) -> list[str]:
    """The scopes of the units whose processes hold events in the queue: the process's
    generator runs a method of the unit (SimPy keeps both in private attributes)."""
    scopes = set()
    for *_, event in env._queue:
        for callback in event.callbacks or ():
            process = getattr(callback, "__self__", None)
            frame = getattr(getattr(process, "_generator", None), "gi_frame", None)
            unit = frame.f_locals.get("self") if frame else None
            if hasattr(unit, "scope") and not isinstance(unit, Host):
                scopes.add(f"{unit.scope} ({process.name})")
    return sorted(scopes)


def _from_user_code(error: Exception, now: int) -> SimulationError | None:
    """A `SimulationError` for an exception raised in a user's component (a unit whose
    class is not socsim's), naming the unit; None for socsim's own errors and bugs."""
    if isinstance(error, SocsimError):
        return None
    raised = error.__cause__ or error  # SimPy raises a copy of a process's exception
    units = [frame.f_locals.get("self") for frame, _ in traceback.walk_tb(raised.__traceback__)]
    unit = next((u for u in reversed(units) if hasattr(u, "scope")), None)
    if unit is None or type(unit).__module__.startswith("socsim."):
        return None
    return SimulationError(f"{unit.scope} raised {type(error).__name__} at cycle {now}: {error}")


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
            self.host.by_pipeline(arrivals, segments, program.holds)
        elif program.partition is Partition.CHANNELS:
            self.host.by_channels(arrivals, program.shares)
        else:  # every cluster runs whole frames, all alike
            self.host.by_frames(arrivals, program.layers_of(0), program.holds)
        try:
            self._run_watched(self.tile_bound())
            self._check_finished()
        except SimulationError as error:
            error.waits = self.waits()
            raise

    def tile_bound(self) -> int:
        """Cycles the longest tile takes alone at the slowest bandwidth, with every fixed
        cost, times the clusters that may contend for the same path: a generous bound on
        how long anything in flight takes to land."""
        c = self.config
        slowest = min(c.dram.bytes_per_cycle, c.interconnect.bytes_per_cycle)
        tile = max(
            (t.compute_cycles + -(-(t.in_bytes + t.out_bytes) // slowest))
            for m in self.program.work
            for t in m.tiles
        )
        fixed = c.dram.latency_cycles + c.dma.setup_cycles + c.controller.layer_setup_cycles
        fixed += 4 * c.controller.command_cycles
        return c.clusters * (tile + fixed)

    def _run_watched(self, bound: int) -> None:
        """Runs until the last frame finishes and then up to `bound` cycles more (what is in
        flight lands; a user process that ticks forever is left behind), or until the queue
        empties. Raises `SimulationError` naming the units whose processes keep the clock
        alive if `WATCH_FACTOR` x `bound` cycles pass with frames arrived and nothing
        logged, and for an exception a user's component raises."""
        env, host, window = self.env, self.host, WATCH_FACTOR * bound
        step, peek = env.step, env.peek
        mark, since = (len(self.log), host.pending), env.now
        try:
            # Stepped here in batches (env.run steps in Python too), so that the watch costs
            # a check per batch and no event of its own: a timeout would move the clock of
            # a run that stopped.
            while host.pending:
                for _ in range(STEPS):
                    step()
                if env.now - since > window:
                    # a frame that arrives in the window (or later) is news, not a stall
                    fresh = any(arrival >= since for arrival, _, _ in host.frames)
                    if (len(self.log), host.pending) == mark and not fresh:
                        raise SimulationError(
                            f"simulation made no progress for {window:,} cycles while "
                            f"{', '.join(_clock_keepers(env)) or 'a process'} kept the clock "
                            "alive: " + self._unfinished()
                        )
                    mark, since = (len(self.log), host.pending), env.now
            end = env.now + bound
            while peek() <= end:
                step()
        except EmptySchedule:
            pass  # nothing left to happen; `_check_finished` says whether frames are stuck
        except Exception as error:
            wrapped = _from_user_code(error, env.now)
            if wrapped is None:
                raise
            raise wrapped from error

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
        if self.host.pending:
            raise SimulationError(self._unfinished())

    def _unfinished(self) -> str:
        """Where a run that cannot finish stopped, and what each blocked stage waits for."""
        unfinished = [f for f, (_, _, finish) in enumerate(self.host.frames) if finish < 0]
        waits = [f"{stage} stage waits for {what}" for stage, what in self.waits().items()]
        return (
            f"simulation stopped at cycle {self.env.now} with {len(unfinished)} frame(s) "
            f"unfinished (first: {unfinished[0]}): " + ("; ".join(waits) or "no component waits")
        )
