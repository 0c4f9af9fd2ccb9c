"""The summarize step of `simulate`: from an event log to the tables and figures of one run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from socsim.components.config import Partition, SocConfig
from socsim.components.eventlog import COUNT_COLUMNS
from socsim.components.stream import Arrival
from socsim.dataflow.types import LayerMapping
from socsim.energy import LEVELS
from socsim.workloads import Network

ENERGY_COLUMNS = [f"energy_{level}" for level in LEVELS]
STALL_CAUSES = ("wait_dma", "wait_buffer", "wait_array")  # see Controller.stalled


def price(events: pd.DataFrame, config: SocConfig, makespan: int) -> tuple[pd.DataFrame, pd.Series]:
    """The one place a run's energy is applied, from `config.energy`: the events with each
    row's energy by level (`with_energy`), and each unit's leakage over `makespan` cycles
    (`idle_by_unit`), which `Result.leakage` carries so reports need not price it again."""
    events = with_energy(events, config)
    return events, idle_by_unit(events, config, makespan)


def with_energy(events: pd.DataFrame, config: SocConfig) -> pd.DataFrame:
    """The events with the energy of each row per level (`energy_mac` …) and in total."""
    energy = config.energy.costs().frame(events[COUNT_COLUMNS])
    energy.columns = ENERGY_COLUMNS
    events = pd.concat([events, energy], axis=1)
    events["energy"] = energy.sum(axis=1)
    return events


def idle_by_unit(events: pd.DataFrame, config: SocConfig, makespan: int) -> pd.Series:
    """Leakage per unit scope: `idle_per_cycle` x (makespan - cycles the unit was busy).

    Busy time is the union of the unit's intervals, so overlapping intervals count once.
    Holds (a buffer's occupancy) and pipeline waits (`wait_*`, a stage waiting, on no
    hardware of its own) are not activity and are left out.
    """
    busy = events[~events["action"].isin(("hold", *STALL_CAUSES))]
    busy = busy.assign(unit=busy["unit"].astype(str)).sort_values(["unit", "start"])
    rate = config.energy.idle_per_cycle
    if not rate:
        return pd.Series(0.0, index=pd.Index(busy["unit"].unique(), name="unit"))
    # An interval adds what reaches past every earlier interval of its unit.
    by_unit = busy["unit"]
    reach = busy.groupby(by_unit)["end"].cummax().groupby(by_unit).shift(fill_value=-1)
    added = (busy["end"] - np.maximum(busy["start"], reach)).clip(lower=0)
    return rate * (makespan - added.groupby(by_unit).sum())


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


def dram_rows(events: pd.DataFrame, units: pd.DataFrame) -> pd.Series:
    """Which events are DRAM transfers: rows on a unit of kind `dram` in the unit table."""
    return events["unit"].isin(units.index[units["kind"] == "dram"])


def layer_summary(
    events: pd.DataFrame,
    network: Network,
    ran: Sequence[Sequence[LayerMapping]],
    config: SocConfig,
    units: pd.DataFrame,
) -> pd.DataFrame:
    """One row per layer, per frame (means over frames).

    `ran[i]` is what ran of layer i: its mapping, or under the `channels` partition each
    cluster's share. `cycles` is the layer's span from its first to its last event (what it
    adds to a frame run alone), `compute_cycles` the arrays' busy time (summed over the
    shares), `efficiency` MACs / (compute cycles x PEs) and `utilization` MACs / (span x
    PEs of the clusters the layer holds: all of them under `channels`, else one).
    `dataflow` lists the shares' dataflows ("os+ws" when they differ). A layer that logged
    nothing (a view, or a pool or add run in its producer's write-back) has zeros, and
    no efficiency or utilization (NaN). `dram_bytes` splits into `dram_weight_bytes` (the weights
    its tiles load, as planned) and `dram_activation_bytes` (the rest: inputs, shortcuts,
    partial sums and outputs).
    """
    per_frame = (
        events[events["layer"] >= 0]
        .assign(dram_bytes=lambda e: e["bytes"].where(dram_rows(e, units), 0))
        .groupby(["frame", "layer"], observed=True)
        .agg(
            start=("start", "min"),
            end=("end", "max"),
            macs=("macs", "sum"),
            dram_bytes=("dram_bytes", "sum"),
            energy=("energy", "sum"),
            **{c: (c, "sum") for c in ENERGY_COLUMNS},
        )
    )
    per_frame["cycles"] = per_frame["end"] - per_frame["start"]
    means = per_frame.drop(columns=["start", "end"]).groupby(level="layer").mean()
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
    table = pd.DataFrame(rows).set_index("layer").join(means)
    # a layer that logged nothing (a concatenation run as a view) took no time and moved nothing
    table[list(means.columns)] = table[list(means.columns)].fillna(0)
    table["dram_activation_bytes"] = table["dram_bytes"] - table["dram_weight_bytes"]
    table["efficiency"] = table["macs"] / (table["compute_cycles"] * pes)
    table["utilization"] = table["macs"] / (table["cycles"] * pes * held)
    return table.astype({"stage": "Int64", "block": "Int64"})


def run_summary(
    events: pd.DataFrame,
    frames: pd.DataFrame,
    network: Network,
    config: SocConfig,
    arrival: Arrival,
    leakage: pd.Series,
    makespan: int,
    units: pd.DataFrame,
) -> dict[str, Any]:
    """The headline figures: time, work, traffic, energy by level, and stream statistics
    (the frame rates and what bounds the run are added by `socsim.bounds`).

    `cycles` is the `makespan`; `utilization` MACs over (cycles x PEs x clusters);
    latencies (of the finished frames; NaN if none) are in seconds; energy in the table's
    unit, `idle` the sum of the units' `leakage`.
    """
    seconds = makespan / config.clock_hz
    macs = int(events["macs"].sum())
    pes = config.pe_array.rows * config.pe_array.cols * config.clusters
    energy = {level: float(events[f"energy_{level}"].sum()) for level in LEVELS}
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
        "dram_bytes": int(events.loc[dram_rows(events, units), "bytes"].sum()),
        "utilization": macs / (makespan * pes) if makespan else 0.0,
        "energy": energy,
        "energy_unit": config.energy.costs().unit,
        "arrival": arrival.kind,
        "latency_p50": float(np.percentile(latency, 50)) if latency.size else float("nan"),
        "latency_p99": float(np.percentile(latency, 99)) if latency.size else float("nan"),
        "deadline_s": None if deadline is None else deadline / config.clock_hz,
        "deadline_misses": int(frames["missed"].sum()),
    }
