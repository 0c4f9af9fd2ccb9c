"""The summarize step of `simulate`: from an event log to the tables and figures of one run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from socsim.components.config import Partition, SocConfig
from socsim.components.eventlog import (
    COUNT_COLUMNS,
    NONE,
    NOT_BUSY,
    EventLog,
    add_busy,
)
from socsim.components.eventlog import STALL_CAUSES as STALL_CAUSES  # the reports use it
from socsim.components.stream import Arrival
from socsim.dataflow.types import LayerMapping
from socsim.energy import LEVELS
from socsim.workloads import Network

ENERGY_COLUMNS = [f"energy_{level}" for level in LEVELS]


def with_energy(events: pd.DataFrame, config: SocConfig) -> pd.DataFrame:
    """The events with the energy of each row per level (`energy_mac` …) and in total."""
    energy = config.energy.costs().frame(events[COUNT_COLUMNS])
    energy.columns = ENERGY_COLUMNS
    events = pd.concat([events, energy], axis=1)
    events["energy"] = energy.sum(axis=1)
    return events


def idle_by_unit(events: pd.DataFrame, config: SocConfig, makespan: int) -> pd.Series:
    """Leakage per unit scope of a frame of events (see `leakage`)."""
    unit = pd.Categorical(events["unit"])
    busy = ~events["action"].isin(NOT_BUSY).to_numpy()
    codes = unit.codes[busy].astype(np.intp)
    cycles = np.zeros(len(unit.categories), np.int64)
    reach = np.full(len(unit.categories), -1, np.int64)
    add_busy(cycles, reach, codes, events["start"].to_numpy()[busy], events["end"].to_numpy()[busy])
    seen = np.zeros(len(cycles), bool)
    seen[codes] = True
    return leakage(unit.categories[seen].tolist(), cycles[seen], config, makespan)


def leakage_by_unit(log: EventLog, config: SocConfig, makespan: int) -> pd.Series:
    """Leakage per unit scope of a logged run (see `leakage`), from its tally."""
    tally = log.tally
    names = list(log.units)
    seen = np.flatnonzero(tally.seen)
    return leakage([names[i] for i in seen], tally.busy[seen], config, makespan)


def leakage(units: Sequence[str], busy: np.ndarray, config: SocConfig, makespan: int) -> pd.Series:
    """Leakage per unit scope: `idle_per_cycle` x (makespan - cycles the unit was busy).

    Busy time is the union of the unit's intervals, so overlapping intervals count once
    (`socsim.components.eventlog.add_busy`). Holds (a buffer's occupancy) and pipeline
    waits (`wait_*`, a stage waiting, on no hardware of its own) are not activity and are
    left out. Units are sorted by scope.
    """
    order = np.argsort(np.asarray(units, dtype=str), kind="stable")
    index = pd.Index([units[i] for i in order], name="unit")
    rate = config.energy.idle_per_cycle
    if not rate:
        return pd.Series(0.0, index=index)
    return pd.Series(rate * (makespan - busy[order]), index=index)


def span(frames: pd.DataFrame, end: int | None = None) -> int:
    """The makespan in cycles: first arrival to last finish, or to `end` for a run that
    stopped early."""
    last = frames["finish"].max() if end is None else end
    return int(last - frames["arrival"].min())


def frame_summary(records: Sequence[Sequence[int]], deadline: int | None) -> pd.DataFrame:
    """Per frame: arrival, start, finish and latency (finish - arrival) in cycles.

    A run that stopped early leaves frames unfinished (the host's -1): their start (if
    never started), finish and latency are missing (`pd.NA`, columns of type Int64).
    """
    table = pd.DataFrame(records, columns=["arrival", "start", "finish"], dtype=np.int64)
    table.index.name = "frame"
    if (table["finish"] < 0).any():
        table = table.astype("Int64")
        times = table[["start", "finish"]]
        table[["start", "finish"]] = times.mask(times < 0)
    table["latency"] = table["finish"] - table["arrival"]
    table["missed"] = (table["latency"] > deadline) if deadline is not None else False
    return table


def dram_units(log: EventLog, units: pd.DataFrame) -> np.ndarray:
    """The codes of `log`'s units of kind `dram` in the unit table."""
    dram = set(units.index[units["kind"] == "dram"])
    return np.array([code for name, code in log.units.items() if name in dram], np.intp)


def layer_summary(
    log: EventLog,
    network: Network,
    ran: Sequence[Sequence[LayerMapping]],
    config: SocConfig,
    units: pd.DataFrame,
) -> pd.DataFrame:
    """One row per layer, per frame (means over the frames that ran the layer), from the
    log's tally (`socsim.components.eventlog.Tally`).

    `ran[i]` is what ran of layer i: its mapping, or under the `channels` partition each
    cluster's share. `cycles` is the layer's span from its first to its last event (what it
    adds to a frame run alone), `compute_cycles` the arrays' busy time (summed over the
    shares), `efficiency` MACs / (compute cycles x PEs) and `utilization` MACs / (span x
    PEs of the clusters the layer holds: all of them under `channels`, else one).
    `dataflow` lists the shares' dataflows ("os+ws" when they differ). `macs`,
    `dram_bytes` and `energy` (by level and in total) are the layer's rows summed. A layer
    that logged nothing (a view, or a pool or add run in its producer's write-back) has
    zeros, and no efficiency or utilization (NaN). `dram_bytes` splits into
    `dram_weight_bytes` (the weights its tiles load, as planned) and
    `dram_activation_bytes` (the rest: inputs, shortcuts, partial sums and outputs).
    """
    tally, count = log.tally, len(network.layers)
    first, last = _columns(tally.first, count, NONE), _columns(tally.last, count, -1)
    ran_in = (first != NONE).sum(axis=0)  # frames with rows of each layer
    spans = np.where(first != NONE, last - first, 0).sum(axis=0)
    energy = config.energy.costs().by_level(
        {name: _rows(tally.counts[:, i], count) for i, name in enumerate(COUNT_COLUMNS)}
    )
    sums = {
        "macs": _rows(tally.macs, count),
        "dram_bytes": _rows(tally.layer_bytes[:, dram_units(log, units)].sum(axis=1), count),
        "energy": sum(np.asarray(e, np.float64) for e in energy.values()),
        **{f"energy_{level}": np.asarray(e, np.float64) for level, e in energy.items()},
        "cycles": spans,
    }
    # A layer that logged nothing (a concatenation run as a view) took no time, moved nothing.
    means = {
        name: np.divide(v, ran_in, out=np.zeros(count), where=ran_in > 0, dtype=np.float64)
        for name, v in sums.items()
    }
    pes = config.pe_array.rows * config.pe_array.cols
    held = config.clusters if config.partition is Partition.CHANNELS else 1
    rows = []
    for index, (layer, parts) in enumerate(zip(network.layers, ran, strict=True)):
        rows.append(
            {
                "layer": index,
                "name": layer.name,
                "op": layer.op.value,
                "stage": layer.stage,
                "block": layer.block,
                "dataflow": "+".join(dict.fromkeys(m.dataflow.value for m in parts)),
                "tiles": sum(m.tile_count for m in parts),
                "compute_cycles": sum(m.cycles for m in parts),
                "dram_weight_bytes": sum(t.weight_bytes * t.repeat for m in parts for t in m.tiles),
            }
        )
    table = pd.DataFrame(rows).set_index("layer")
    for name, values in means.items():
        table[name] = values
    table["dram_activation_bytes"] = table["dram_bytes"] - table["dram_weight_bytes"]
    table["efficiency"] = table["macs"] / (table["compute_cycles"] * pes)
    table["utilization"] = table["macs"] / (table["cycles"] * pes * held)
    return table.astype({"stage": "Int64", "block": "Int64"})


def _rows(values: np.ndarray, count: int) -> np.ndarray:
    """The first `count` entries of a per-layer total, zeros past what was logged."""
    out = np.zeros(count, values.dtype)
    out[: min(count, len(values))] = values[:count]
    return out


def _columns(table: np.ndarray, count: int, fill: int) -> np.ndarray:
    """A [frame, layer] table cut or padded (with `fill`) to `count` layers."""
    out = np.full((table.shape[0], count), fill, table.dtype)
    out[:, : min(count, table.shape[1])] = table[:, :count]
    return out


def run_summary(
    log: EventLog,
    frames: pd.DataFrame,
    network: Network,
    config: SocConfig,
    arrival: Arrival,
    leakage: pd.Series,
    makespan: int,
    units: pd.DataFrame,
) -> dict[str, Any]:
    """The headline figures: time, work, traffic, energy by level, and stream statistics
    (the offered and achieved frame rates are added by `socsim.bounds.frame_rates`).

    `cycles` is the `makespan`; `utilization` MACs over (cycles x PEs x clusters);
    latencies (of the finished frames; NaN if none) are in seconds; energy in the table's
    unit, `idle` the sum of the units' `leakage`.
    """
    tally = log.tally
    seconds = makespan / config.clock_hz
    macs = tally.all_macs
    pes = config.pe_array.rows * config.pe_array.cols * config.clusters
    counts = dict(zip(COUNT_COLUMNS, tally.all_counts.tolist(), strict=True))
    energy = {level: float(e) for level, e in config.energy.costs().by_level(counts).items()}
    energy["idle"] = float(leakage.sum())
    energy["total"] = sum(energy.values())
    latency = frames["latency"].dropna().to_numpy(np.float64) / config.clock_hz
    deadline = arrival.deadline_cycles(config.clock_hz)
    return {
        "model": network.name,
        "soc": config.name,
        "frames": len(frames),
        "cycles": makespan,
        "seconds": seconds,
        "macs": macs,
        "dram_bytes": int(tally.unit_bytes[dram_units(log, units)].sum()),
        "utilization": macs / (makespan * pes) if makespan else 0.0,
        "energy": energy,
        "energy_unit": config.energy.costs().unit,
        "arrival": arrival.kind,
        "latency_p50": float(np.percentile(latency, 50)) if latency.size else float("nan"),
        "latency_p99": float(np.percentile(latency, 99)) if latency.size else float("nan"),
        "deadline_s": None if deadline is None else deadline / config.clock_hz,
        "deadline_misses": int(frames["missed"].sum()),
    }
