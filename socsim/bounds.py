"""What a run achieved and what bounds it: stream rates, busy fractions, bandwidth, a verdict.

Each figure is worked out from the event log and the unit table (`socsim.components.units`),
so a user's own components are measured like socsim's:

- busy: per unit, the cycles it did something (the union of its intervals, so overlapping
  intervals count once) over the run's cycles. A global buffer's `hold` rows are occupancy,
  and a controller pipeline's `wait_*` rows are a stage waiting on someone else's hardware:
  neither is activity, so buffers and pipelines have no busy fraction.
- bandwidth: the bytes DRAM and the interconnect moved over what their configured peak
  (`bytes_per_cycle`, times the channels) could have moved in the same cycles.
- bound: which of five resources was closest to saturation, in these terms: `compute` (the
  PE arrays' busy fraction), `dram` and `interconnect` (bandwidth used over available),
  `firmware` (the control processors' busy fraction) and `buffer` (the share of the time the
  load stage waited for global-buffer space). For the run, over its cycles; for a layer,
  over the cycles the layer spanned (summed over frames), with its own work and traffic.
- stream rates: the offered rate (the arrival process's), the achieved rate over the steady
  state (both from the frame table: `frame_rates`), and the capacity, the rate the SoC
  would sustain were frames always waiting (`capacity_fps`).

`socsim.simulation.Result` puts `frame_rates` in its `summary` (cheap, every run) and the
figures that read the events in `Result.bounds` and `Result.layer_bounds`, computed when
first read (a run with `keep_events=False` has none).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from socsim.components.config import Partition, SocConfig
from socsim.components.plan import Program
from socsim.components.stream import Arrival

BOUNDS = ("compute", "dram", "interconnect", "firmware", "buffer")
NOT_ACTIVITY = ("hold",)  # plus every row on a `pipeline` unit (waits)


def union_cycles(start: np.ndarray, end: np.ndarray, group: np.ndarray) -> pd.Series:
    """Per group, the cycles covered by at least one of its intervals [start, end)."""
    if not len(start):
        return pd.Series(dtype=np.int64)
    keys, code = np.unique(group, return_inverse=True)
    # Each group on a time line of its own, after the previous group's: one running maximum
    # then serves every group, as no interval reaches into the next group's stretch.
    offset = code.astype(np.int64) * (int(end.max()) - int(start.min()) + 1) - int(start.min())
    order = np.lexsort((start, code))
    lo, hi = (start + offset)[order], (end + offset)[order]
    reach = np.r_[np.iinfo(np.int64).min, np.maximum.accumulate(hi)[:-1]]
    # An interval adds what lies past every earlier interval of its group.
    added = np.clip(hi - np.maximum(lo, reach), 0, None)
    return pd.Series(np.bincount(code[order], weights=added, minlength=len(keys)), index=keys)


def activity(events: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """The rows that are a unit doing something: not holds, not pipeline waits."""
    waits = units.index[units["kind"] == "pipeline"]
    return events[~events["action"].isin(NOT_ACTIVITY) & ~events["unit"].isin(waits)]


def busy_cycles(events: pd.DataFrame, units: pd.DataFrame) -> pd.Series:
    """Per unit scope that did something, the cycles it was busy (see the module docstring)."""
    rows = activity(events, units)
    code = rows["unit"].cat.codes.to_numpy()
    busy = union_cycles(rows["start"].to_numpy(), rows["end"].to_numpy(), code).astype(np.int64)
    return busy.set_axis(rows["unit"].cat.categories.astype(str)[busy.index])


def _kind(units: pd.DataFrame, kind: str) -> pd.Index:
    return units.index[units["kind"] == kind]


def run_bounds(
    events: pd.DataFrame, units: pd.DataFrame, config: SocConfig, cycles: int, reread: int = 0
) -> dict[str, Any]:
    """Per-unit busy fractions, bandwidth used over available, and the run's bound.

    Returns {"busy": {unit: fraction}, "dram_bandwidth": fraction, "interconnect_bandwidth":
    fraction, "bound": one of `BOUNDS`, "bound_fractions": {bound: fraction},
    "input_reread_bytes": `reread`, "verdict": one line (`verdict`)}, fractions of the run's
    `cycles`. `reread` is the run's input bytes loaded by more than one cluster
    (`reread_input_bytes` x frames); a memory-bound verdict says what share of the DRAM
    bytes they are.
    """
    run = max(cycles, 1)
    busy = busy_cycles(events, units) / run
    waits = events[events["action"] == "wait_buffer"]
    waited = int((waits["end"] - waits["start"]).sum())
    fractions = {
        "compute": _mean(busy, _kind(units, "pe_array")),
        "dram": _moved(events, _kind(units, "dram")) / (_peak(config, "dram") * run),
        "interconnect": _moved(events, _kind(units, "interconnect"))
        / (_peak(config, "interconnect") * run),
        "firmware": _mean(busy, _kind(units, "controller")),
        "buffer": waited / (run * config.clusters),
    }
    bound = max(fractions, key=fractions.__getitem__)
    line = verdict(bound, fractions)
    dram_bytes = _moved(events, _kind(units, "dram"))
    if reread and bound in ("dram", "interconnect") and dram_bytes:
        line += (
            f"; {reread / dram_bytes:.0%} of the DRAM bytes are inputs that more than one "
            "cluster loads (channels partition)"
        )
    return {
        "busy": {unit: float(f) for unit, f in busy.items()},
        "dram_bandwidth": fractions["dram"],
        "interconnect_bandwidth": fractions["interconnect"],
        "bound": bound,
        "bound_fractions": fractions,
        "input_reread_bytes": reread,
        "verdict": line,
    }


def _mean(busy: pd.Series, scopes: pd.Index) -> float:
    """The mean busy fraction of `scopes`, a unit that never worked counting as 0."""
    return float(busy.reindex(scopes, fill_value=0.0).mean()) if len(scopes) else 0.0


def _moved(events: pd.DataFrame, scopes: pd.Index) -> float:
    return float(events.loc[events["unit"].isin(scopes), "bytes"].sum())


def _peak(config: SocConfig, kind: str) -> int:
    """The bytes per cycle `kind` (dram: all channels; interconnect) moves at most."""
    if kind == "dram":
        return config.dram.bytes_per_cycle * config.dram.channels
    return config.interconnect.bytes_per_cycle


def layer_bounds(events: pd.DataFrame, units: pd.DataFrame, config: SocConfig) -> pd.DataFrame:
    """Per layer index, the five bound fractions over the layer's span and the `bound`.

    The span is the cycles from the layer's first to its last row, summed over frames; the
    array and firmware cycles are divided by the clusters the layer holds at once (all of
    them under `channels`, else one).
    """
    tagged = events[events["layer"] >= 0]
    layer, frame = tagged["layer"].to_numpy(), tagged["frame"].to_numpy()
    begin, finish = tagged["start"].to_numpy(), tagged["end"].to_numpy()
    count = int(layer.max()) + 1 if len(layer) else 0
    # Each (frame, layer)'s span, from its first row's start to its last row's end.
    pairs, pair = np.unique(frame.astype(np.int64) * count + layer, return_inverse=True)
    low, high = np.full(len(pairs), begin.max(initial=0)), np.zeros(len(pairs), begin.dtype)
    np.minimum.at(low, pair, begin)
    np.maximum.at(high, pair, finish)
    span = np.bincount(pairs % count, weights=high - low, minlength=count)
    kind = units["kind"].reindex(tagged["unit"].cat.categories.astype(str)).to_numpy(object)
    kind = kind[tagged["unit"].cat.codes.to_numpy()]
    action = tagged["action"].astype(str).to_numpy(object)
    held = config.clusters if config.partition is Partition.CHANNELS else 1

    def total(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return np.bincount(layer[rows], weights=values[rows], minlength=count)

    cycles, moved = (finish - begin).astype(float), tagged["bytes"].to_numpy(float)
    present = np.unique(layer)
    span = np.where(span > 0, span, np.nan)  # a layer without rows (fused away) has no span
    table = (
        pd.DataFrame(
            {
                "compute": total(cycles, kind == "pe_array") / (span * held),
                "dram": total(moved, kind == "dram") / (_peak(config, "dram") * span),
                "interconnect": total(moved, kind == "interconnect")
                / (_peak(config, "interconnect") * span),
                "firmware": total(cycles, kind == "controller") / (span * held),
                "buffer": total(cycles, action == "wait_buffer") / (span * held),
            }
        )
        .iloc[present]
        .fillna(0.0)
    )
    table.index = pd.Index(present, name="layer")
    table["bound"] = table[list(BOUNDS)].idxmax(axis=1)
    return table


def frame_rates(
    frames: pd.DataFrame, config: SocConfig, arrival: Arrival
) -> dict[str, float | None]:
    """The offered and achieved frame rates, in frames per second, from the frame table.

    - `offered_fps`: the arrival process's rate; None for a burst (every frame at once).
    - `achieved_fps`: frames finished per second. For a stream, in the steady state: the
      frames after the first to finish over the time from its finish to the last (a
      periodic stream the SoC keeps up with achieves its rate exactly; an overloaded one
      its capacity); None with fewer than two finish times. For a burst, every frame
      waiting from the start: the frames over the time to finish them all.
    """
    clock = config.clock_hz
    finish = frames["finish"].dropna().to_numpy(np.int64)
    achieved = None
    if arrival.kind == "burst" and finish.size:
        achieved = finish.size * clock / (finish.max() - frames["arrival"].min())
    elif finish.size > 1 and finish.max() > finish.min():
        achieved = (finish.size - 1) * clock / (finish.max() - finish.min())
    return {
        "offered_fps": arrival.fps if arrival.kind != "burst" else None,
        "achieved_fps": achieved,
    }


def capacity_fps(
    frames: int, events: pd.DataFrame, units: pd.DataFrame, config: SocConfig
) -> float | None:
    """The frame rate (frames per second) the SoC sustains with frames always waiting, from
    each cluster's busy cycles (the union of its units' activity) per frame it ran: under
    the `frames` partition the clusters' rates add up, otherwise every frame needs every
    cluster and the slowest sets the rate; DRAM and the interconnect, if busier per frame
    than that (`frames` frames in the run), cap it. None if nothing was busy."""
    rows = activity(events, units)
    table = units.reindex(rows["unit"].cat.categories.astype(str))
    cluster = table["cluster"].fillna(-1).to_numpy(np.int64)[rows["unit"].cat.codes.to_numpy()]
    frame = rows["frame"].to_numpy()
    mine = cluster >= 0
    per_cluster = union_cycles(
        rows["start"].to_numpy()[mine], rows["end"].to_numpy()[mine], cluster[mine]
    )
    tagged = mine & (frame >= 0)
    pairs = np.unique(np.stack([cluster[tagged], frame[tagged]]), axis=1)
    clusters, ran = np.unique(pairs[0], return_counts=True)
    rates = ran / per_cluster.reindex(clusters).to_numpy(float)
    rates = rates[np.isfinite(rates)]
    candidates = []
    if rates.size:
        candidates.append(rates.sum() if config.partition is Partition.FRAMES else rates.min())
    busy = busy_cycles(events, units)
    for scopes, parallel in (
        (_kind(units, "dram"), config.dram.channels),
        (_kind(units, "interconnect"), 1),
    ):
        shared = busy.reindex(scopes, fill_value=0).sum() / parallel
        if shared:
            candidates.append(frames / shared)
    return float(min(candidates) * config.clock_hz) if candidates else None


def reread_input_bytes(program: Program) -> int:
    """Per frame, the input bytes clusters load from DRAM that another cluster loads too:
    under the `channels` partition every share of a layer whose shares each read all its
    input channels (a dense conv or fc split by filters) loads the whole input, so all
    shares' input loads but the largest are repeats. 0 under the other partitions."""
    if program.partition is not Partition.CHANNELS:
        return 0
    total = 0
    for whole, parts in zip(program.mappings, program.ran, strict=True):
        if len(parts) > 1 and all(m.layer.c_in == whole.layer.c_in for m in parts):
            loads = [sum(t.ifmap_bytes * t.repeat for t in m.tiles) for m in parts]
            total += sum(loads) - max(loads)
    return total


def verdict(bound: str, fractions: dict[str, float]) -> str:
    """One line: the bound and the figure behind it, then the runner-up's."""
    ranked = sorted(fractions, key=fractions.__getitem__, reverse=True)
    what = {
        "compute": "PE arrays busy",
        "dram": "DRAM bandwidth used",
        "interconnect": "interconnect bandwidth used",
        "firmware": "control processors busy",
        "buffer": "loads waiting for buffer space",
    }
    second = ranked[1] if ranked[0] == bound else ranked[0]
    return (
        f"{bound}-bound ({what[bound]} {fractions[bound]:.0%}; "
        f"next: {what[second]} {fractions[second]:.0%})"
    )


def bandwidth_over_time(
    events: pd.DataFrame, units: pd.DataFrame, kind: str = "dram", bins: int = 100
) -> pd.DataFrame:
    """Bytes per cycle the units of `kind` (`dram`: all channels; `interconnect`) moved in
    each of `bins` equal windows from the first row's start to the last row's end.

    A row's bytes are spread evenly over its cycles, so a window gets the share of each
    row it overlaps and the windows add up to every byte moved. Columns: `start` and `end`
    (cycles) of each window and `bytes_per_cycle`; divide by the configured peak for a
    fraction.
    """
    rows = events[events["unit"].isin(_kind(units, kind)) & (events["end"] > events["start"])]
    start, end = rows["start"].to_numpy(np.float64), rows["end"].to_numpy(np.float64)
    rate = rows["bytes"].to_numpy(np.float64) / (end - start)
    lo, hi = (start.min(), end.max()) if len(rows) else (0.0, 1.0)
    edges = np.linspace(lo, hi, bins + 1)

    def moved_by(at: np.ndarray, since: np.ndarray) -> np.ndarray:
        """Sum over rows of rate x (at - since) for the rows with since < at."""
        order = np.argsort(since)
        cum_rate = np.r_[0.0, np.cumsum(rate[order])]
        cum_product = np.r_[0.0, np.cumsum(rate[order] * since[order])]
        n = np.searchsorted(since[order], at)
        return at * cum_rate[n] - cum_product[n]

    # Bytes moved by each edge: what rows started before it, less what those ended lost.
    moved = moved_by(edges, start) - moved_by(edges, end)
    width = np.diff(edges)
    return pd.DataFrame(
        {"start": edges[:-1], "end": edges[1:], "bytes_per_cycle": np.diff(moved) / width}
    )
