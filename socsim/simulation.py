"""`simulate`: one network on one SoC, from names or objects to a `Result`, in four steps.

`plan` decides every mapping and the schedule (a `Program`, plain data), `elaborate` builds
the SimPy SoC and its unit table, `run` carries the program out in simulated time (a
`RunLog`), and `summarize` turns the records into a `Result`. Each is public, so a caller
can inspect or reuse what a step hands to the next.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

from socsim.bounds import capacity_fps, frame_rates, layer_bounds, reread_input_bytes, run_bounds
from socsim.checks import checked_number
from socsim.components.config import SocConfig
from socsim.components.eventlog import EventLog
from socsim.components.plan import Program, check_work, plan
from socsim.components.presets import load_soc
from socsim.components.soc import RunLog, Soc
from socsim.components.stream import Arrival
from socsim.dataflow.types import LayerMapping
from socsim.errors import SimulationError
from socsim.summarize import (
    frame_summary,
    layer_summary,
    leakage_by_unit,
    run_summary,
    span,
    with_energy,
)
from socsim.workloads import Network
from socsim.workloads.load import load_network

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Result:
    """Everything one simulation produced.

    `program` is what ran, as planned before time started (`socsim.components.plan`): its
    `mappings` the mapping of each whole layer, its `work` what one frame ran (the same, or
    each cluster's share of each layer under the `channels` partition). `events` has one
    row per activity interval plus the energy of each row per level (every column, unit
    and action: docs/events.md), built from `log` when first read (a run with
    `keep_events=False` kept none: reading it raises `ValueError`); `layers` one row per
    layer (per frame: means over frames), its compute figures from what ran
    (`program.ran`); `frames` the arrival, start, finish and latency of each frame in
    cycles; `summary` the headline figures (see `socsim.summarize.run_summary`, with the
    offered and achieved frame rates of `socsim.bounds.frame_rates`); `leakage` the
    leakage energy of each unit scope over the run (`energy.idle_per_cycle` per idle
    cycle; sums to `summary["energy"]["idle"]`). What bounds the run, which reads the
    events, is computed when first read: `bounds` for the run, `layer_bounds` per layer
    (`socsim.bounds`). Energy is priced in `socsim.summarize` only: the summaries from
    the log's summed counts, the events row by row (`with_energy`) when they are read.
    `units` is the unit table
    (`socsim.components.units`): what each `unit` of the events is, for reports to join on.
    """

    network: Network
    soc: SocConfig
    program: Program
    log: EventLog = field(repr=False, compare=False)
    layers: pd.DataFrame
    frames: pd.DataFrame
    summary: dict[str, Any]
    leakage: pd.Series
    units: pd.DataFrame

    @cached_property
    def events(self) -> pd.DataFrame:
        """Every event, with its energy per level (priced by `socsim.summarize.with_energy`)."""
        return with_energy(self.log.frame(), self.soc)

    @cached_property
    def bounds(self) -> dict[str, Any]:
        """What bounds the run, from its events (`socsim.bounds`): `run_bounds`' per-unit
        `busy` fractions, `dram_bandwidth`, `interconnect_bandwidth`, `bound`,
        `bound_fractions`, `input_reread_bytes` and `verdict`, plus `capacity_fps`, the
        rate the SoC sustains with frames always waiting. Raises `ValueError` for a run
        with `keep_events=False`."""
        frames, cycles = len(self.frames), self.summary["cycles"]
        reread = reread_input_bytes(self.program) * frames
        figures = run_bounds(self.events, self.units, self.soc, cycles, reread)
        return {**figures, "capacity_fps": capacity_fps(frames, self.events, self.units, self.soc)}

    @cached_property
    def layer_bounds(self) -> pd.DataFrame:
        """Per layer that logged rows (index `layer`, as in `layers`), the five bound
        fractions over its span and its `bound` (`socsim.bounds.layer_bounds`). Raises
        `ValueError` for a run with `keep_events=False`."""
        return layer_bounds(self.events, self.units, self.soc)

    @property
    def mappings(self) -> tuple[LayerMapping, ...]:
        """The mapping of each whole layer: `program.mappings`."""
        return self.program.mappings

    @property
    def work(self) -> tuple[LayerMapping, ...]:
        """What one frame ran, in order: `program.work`."""
        return self.program.work


def simulate(
    network: str | os.PathLike | Network,
    soc: str | os.PathLike | SocConfig = "squeezelerator-16x16",
    *,
    frames: int = 1,
    arrival: Arrival | float | None = None,
    seed: int = 0,
    keep_events: bool = True,
) -> Result:
    """Simulates `frames` frames of `network` on `soc`.

    `network` is a zoo name, a `Network` or a topology file; `soc` a preset name, a
    `SocConfig` or a YAML file. `arrival` is None (all frames at once), a frame rate in
    frames per second (periodic), or an `Arrival`; `seed` drives Poisson arrivals.
    `keep_events=False` keeps only what the summaries need (`Result.events` then raises):
    memory that does not grow with the run, for sweeps and long streams. A bad argument
    raises `ConfigError` (or `WorkloadError` for the network), and so does a run whose plan
    needs more than `socsim.limits.max_events()` events. Raises
    `SimulationError` if the run cannot finish; the error's `result` then holds what ran
    until it stopped and its `waits` what each blocked stage waits for.
    """
    frames = checked_number("frames", frames, quantity="integer", low=1, integer=True)
    seed = checked_number("seed", seed, quantity="integer", low=0, high=2**64 - 1, integer=True)
    net, config, stream = load_network(network), load_soc(soc), Arrival.of(arrival)
    stream.check_clock(config.clock_hz)
    began = time.perf_counter()
    program = plan(net, config)
    check_work(program, frames)
    machine = elaborate(config, program, keep_events)
    logger.info(
        "planned %s (%d layers) on %s, %d cluster(s); running %d frame(s)",
        net.name, len(net.layers), config.name, config.clusters, frames,
    )  # fmt: skip
    try:
        log = run(machine, frames, stream, seed)
    except SimulationError as error:
        log = machine.record(stopped=True)
        error.result = summarize(net, config, program, machine.units, log, stream)
        raise
    result = summarize(net, config, program, machine.units, log, stream)
    logger.info(
        "simulated %d cycles, %d events, in %.2f s", log.end, len(log.log),
        time.perf_counter() - began,
    )  # fmt: skip
    return result


def elaborate(soc: SocConfig, program: Program, keep_events: bool = True) -> Soc:
    """The elaborate step of `simulate`: builds the SimPy SoC that will carry out `program`,
    each component made by the class its config section names, and its unit table
    (`Soc.units`, see `socsim.components.units`); `keep_events=False`: its log keeps only
    the summaries' totals."""
    return Soc(soc, program, keep_events)


def run(machine: Soc, frames: int, arrival: Arrival, seed: int = 0) -> RunLog:
    """The run step of `simulate`: `frames` frames arriving as `arrival` says (`seed` drives
    Poisson arrivals) run on `machine` as its program says, in simulated time; returns the
    log. Raises `SimulationError` (with `waits`) if a frame cannot finish; `machine.record`
    then gives the log up to the stop."""
    machine.run(arrival.times(frames, machine.config.clock_hz, seed))
    return machine.record()


def summarize(
    network: Network,
    config: SocConfig,
    program: Program,
    units: pd.DataFrame,
    log: RunLog,
    arrival: Arrival,
) -> Result:
    """The summarize step of `simulate`: the `Result` of a run from its plain records (the
    program, the unit table, the log and its tally) and the energy of `config.energy`,
    priced here once (the events' energy when they are first read). A run that stopped
    early ends at its last event."""
    frame_table = frame_summary(log.frames, arrival.deadline_cycles(config.clock_hz))
    makespan = span(frame_table, log.end if log.stopped else None)
    records = log.log
    leakage = leakage_by_unit(records, config, makespan)
    layers = layer_summary(records, network, program.ran, config, units)
    summary = run_summary(records, frame_table, network, config, arrival, leakage, makespan, units)
    summary |= frame_rates(frame_table, config, arrival)
    return Result(network, config, program, records, layers, frame_table, summary, leakage, units)
