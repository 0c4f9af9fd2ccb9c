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
from dataclasses import dataclass
from typing import Any

import pandas as pd

from socsim.bounds import layer_bounds, reread_input_bytes, run_bounds, stream_rates
from socsim.components.config import SocConfig
from socsim.components.plan import Program, plan
from socsim.components.presets import load_soc
from socsim.components.soc import RunLog, Soc
from socsim.components.stream import Arrival
from socsim.dataflow.types import LayerMapping
from socsim.errors import ConfigError, SimulationError
from socsim.summarize import frame_summary, layer_summary, price, run_summary, span
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
    and action: docs/events.md); `layers` one row per layer (per frame: means over frames), its compute
    figures from what ran (`program.ran`) and the resource that bounds it (`bound`, see
    `socsim.bounds`); `frames` the arrival, start, finish and latency
    of each frame in cycles; `summary` the headline figures (see
    `socsim.summarize.run_summary`, with the offered, achieved and sustainable frame rates,
    per-unit busy fractions, bandwidth used and the run's bound from `socsim.bounds`);
    `leakage` the leakage energy of each unit scope over
    the run (`energy.idle_per_cycle` per idle cycle; sums to `summary["energy"]["idle"]`).
    Energy is priced once, by `socsim.summarize.price`. `units` is the unit table
    (`socsim.components.units`): what each `unit` of the events is, for reports to join on.
    """

    network: Network
    soc: SocConfig
    program: Program
    events: pd.DataFrame
    layers: pd.DataFrame
    frames: pd.DataFrame
    summary: dict[str, Any]
    leakage: pd.Series
    units: pd.DataFrame

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
) -> Result:
    """Simulates `frames` frames of `network` on `soc`.

    `network` is a zoo name, a `Network` or a topology file; `soc` a preset name, a
    `SocConfig` or a YAML file. `arrival` is None (all frames at once), a frame rate in
    frames per second (periodic), or an `Arrival`; `seed` drives Poisson arrivals. Raises
    `SimulationError` if the run cannot finish; the error's `result` then holds what ran
    until it stopped and its `waits` what each blocked stage waits for.
    """
    if isinstance(frames, bool) or not isinstance(frames, int) or frames < 1:
        raise ConfigError(f"frames={frames!r}, expected a positive integer")
    net, config, stream = load_network(network), load_soc(soc), Arrival.of(arrival)
    began = time.perf_counter()
    program = plan(net, config)
    machine = elaborate(config, program)
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
        "simulated %d cycles, %d events, in %.2f s", log.end, len(log.events),
        time.perf_counter() - began,
    )  # fmt: skip
    return result


def elaborate(soc: SocConfig, program: Program) -> Soc:
    """The elaborate step of `simulate`: builds the SimPy SoC that will carry out `program`,
    each component made by the class its config section names, and its unit table
    (`Soc.units`, see `socsim.components.units`)."""
    return Soc(soc, program)


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
    program, the unit table, the log) and the energy of `config.energy`, priced here once.
    A run that stopped early ends at its last event."""
    frame_table = frame_summary(log.frames, arrival.deadline_cycles(config.clock_hz))
    makespan = span(frame_table, log.end if log.stopped else None)
    events, leakage = price(log.events, config, makespan)
    layers = layer_summary(events, network, program.ran, config, units)
    summary = run_summary(events, frame_table, network, config, arrival, leakage, makespan, units)
    # What the run achieved and what bounds it (`socsim.bounds`): in the summary, and the
    # bound of each layer as a column of the layer table.
    summary |= stream_rates(frame_table, events, units, config, arrival)
    reread = reread_input_bytes(program) * len(frame_table)
    summary |= run_bounds(events, units, config, makespan, reread)
    layers = layers.join(layer_bounds(events, units, config)["bound"])
    return Result(network, config, program, events, layers, frame_table, summary, leakage, units)
