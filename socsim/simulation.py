"""`simulate`: one network on one SoC, from names or objects to a `Result`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pandas as pd

from socsim.components.config import SocConfig
from socsim.components.plan import map_network
from socsim.components.presets import load_soc
from socsim.components.soc import Soc
from socsim.components.stream import Arrival
from socsim.dataflow.types import LayerMapping
from socsim.errors import ConfigError, SimulationError
from socsim.summarize import frame_summary, layer_summary, price, run_summary, span
from socsim.workloads import Network
from socsim.workloads.load import load_network


@dataclass(frozen=True)
class Result:
    """Everything one simulation produced.

    `mappings` holds the mapping of each layer; `work` what one frame ran (the same, or
    each cluster's share of each layer under the `channels` partition). `events` has one row per activity interval (see `socsim.components.eventlog`) plus the
    energy of each row per level; `layers` one row per layer (per frame: means over frames),
    its compute figures from what ran (the channel shares, under `channels`);
    `frames` the arrival, start, finish and latency of each frame in cycles; `summary` the
    headline figures (see `socsim.summarize.run_summary`); `leakage` the leakage energy of
    each unit scope over the run (`energy.idle_per_cycle` per idle cycle; sums to
    `summary["energy"]["idle"]`). Energy is priced once, by `socsim.summarize.price`.
    `units` is the unit table (`socsim.components.units`): what each `unit` of the events
    is, for reports to join on.
    """

    network: Network
    soc: SocConfig
    mappings: tuple[LayerMapping, ...]
    work: tuple[LayerMapping, ...]
    events: pd.DataFrame
    layers: pd.DataFrame
    frames: pd.DataFrame
    summary: dict[str, Any]
    leakage: pd.Series
    units: pd.DataFrame


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
    net = load_network(network)
    config = load_soc(soc)
    stream = Arrival.of(arrival)
    mappings = map_network(net, config)
    arrivals = stream.times(frames, config.clock_hz, seed)
    machine = Soc(config)
    try:
        machine.run(net, mappings, arrivals)
    except SimulationError as error:
        error.result = summarize(net, config, stream, mappings, machine, stopped=True)
        raise
    return summarize(net, config, stream, mappings, machine)


def summarize(
    network: Network,
    config: SocConfig,
    stream: Arrival,
    mappings: list[LayerMapping],
    machine: Soc,
    stopped: bool = False,
) -> Result:
    """The `Result` of a run; `stopped`: it ended early, so its time ends at the last event."""
    frame_table = frame_summary(machine.host.frames, stream.deadline_cycles(config.clock_hz))
    makespan = span(frame_table, machine.env.now if stopped else None)
    events, leakage = price(machine.log.frame(), config, makespan)
    units = machine.units()
    layers = layer_summary(events, network, machine.ran, config, units)
    summary = run_summary(events, frame_table, network, config, stream, leakage, makespan, units)
    return Result(
        network,
        config,
        tuple(mappings),
        tuple(machine.work),
        events,
        layers,
        frame_table,
        summary,
        leakage,
        units,
    )
