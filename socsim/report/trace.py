"""A run as a Chrome trace (JSON), to open in ui.perfetto.dev or chrome://tracing.

One process per cluster (`soc.cluster0` …, the unit table's `owner`) and one, `soc`, for
the shared interconnect and DRAM; one thread (track) per unit scope. Every interval of the
event log except buffer holds becomes a complete ("X") event named action, layer and tile,
with timestamps in microseconds; each global buffer's occupancy becomes a counter track.

Trace viewers nest the slices of a track by time and mis-draw or drop a slice that starts
inside another and ends after it. So no track holds two overlapping slices: a controller's
pipeline waits (which overlap: the load stage waits for a slot while the array waits for a
load) get one track per cause (`soc.cluster0.controller.pipeline wait_dma`), and a unit
whose own intervals overlap (a user's component serving two at once) is spread over extra
tracks (`<scope> #2` …), each interval on the first that is free.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from socsim.outputs import replace_file

if TYPE_CHECKING:  # annotations only: reading a Result needs no simulator
    from socsim.simulation import Result

ARGS = ["frame", "layer", "tile", "bytes", "macs"]
DECIMALS = 6  # picoseconds: exact for clocks up to 1 THz, and no 22.080000000000002 noise


def to_chrome_trace(result: Result) -> dict[str, Any]:
    """The trace as a dict ready for `json.dump`: {"traceEvents": [...], ...}.

    `ts` and `dur` are microseconds (cycles over `soc.clock_hz`); `args` carry the frame,
    layer index, tile, bytes and MACs of each interval, and the layer's name. Process and
    thread names come as metadata ("M") events; occupancy as counter ("C") events in bytes.
    """
    events = result.events
    micro = 1e6 / result.soc.clock_hz
    units = events["unit"].cat.categories.astype(str)
    # A unit missing from the unit table (a component's own extra scope) joins `soc`.
    table = result.units.reindex(units)
    process = table["owner"].fillna("soc")
    cluster = table["cluster"].fillna(-1).to_numpy()
    # Clusters in number order, then the shared `soc` process.
    order = sorted(set(zip(cluster < 0, cluster, process, strict=True)))
    pids = {name: pid for pid, name in enumerate(dict.fromkeys(name for *_, name in order))}
    unit_pid = process.map(pids).to_numpy()

    busy = events[events["action"] != "hold"]
    unit_code = busy["unit"].cat.codes.to_numpy()
    tid, track_names = _tracks(busy, table["kind"].eq("pipeline").to_numpy())
    actions = busy["action"].astype(str).to_numpy(object)
    layer_names = np.array([layer.name for layer in result.network.layers] + [""], object)[
        busy["layer"].to_numpy()
    ]  # layer -1 (no layer) reads the trailing ""
    tiles = busy["tile"].to_numpy()
    names = (
        actions
        + np.where(layer_names == "", "", " " + layer_names)
        + np.where(tiles >= 0, " t" + tiles.astype(str).astype(object), "")
    )
    columns = [
        names,
        actions,
        np.round(busy["start"].to_numpy() * micro, DECIMALS),
        np.round((busy["end"] - busy["start"]).to_numpy() * micro, DECIMALS),
        unit_pid[unit_code],
        tid,
        *(busy[c].to_numpy() for c in ARGS),
        layer_names,
    ]
    # Lists of Python scalars, zipped into dicts: several times faster than to_dict().
    complete = [
        {
            "name": n,
            "cat": c,
            "ph": "X",
            "ts": ts,
            "dur": dur,
            "pid": pid,
            "tid": t,
            "args": {"frame": f, "layer": la, "tile": ti, "bytes": b, "macs": m, "layer_name": ln},
        }
        for n, c, ts, dur, pid, t, f, la, ti, b, m, ln in zip(
            *(np.asarray(col).tolist() for col in columns), strict=True
        )
    ]
    meta = [
        {"ph": "M", "name": key, "pid": pid, "tid": 0, "args": {arg: value}}
        for name, pid in pids.items()
        for key, arg, value in (
            ("process_name", "name", name),
            ("process_sort_index", "sort_index", pid),
        )
    ]
    track_pid = np.zeros(len(track_names), np.int64)
    track_pid[tid] = unit_pid[unit_code]
    meta += [
        {"ph": "M", "name": key, "pid": int(track_pid[t]), "tid": t, "args": {arg: value}}
        for t, name in enumerate(track_names)
        for key, arg, value in (
            ("thread_name", "name", name),
            ("thread_sort_index", "sort_index", t),
        )
    ]
    return {
        "traceEvents": meta + complete + _occupancy(events, units, unit_pid, micro),
        "otherData": {
            "model": result.network.name,
            "soc": result.soc.name,
            "clock_hz": result.soc.clock_hz,
        },
    }


def _tracks(busy: pd.DataFrame, split_actions: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """The track (thread id) of each row and each track's name, tracks in unit order.

    Rows of a unit whose code is true in `split_actions` (the pipeline waits) go to one
    track per action; then the rows of a track that overlap go to extra lanes (`_lanes`).
    """
    code = busy["unit"].cat.codes.to_numpy()
    action = busy["action"].astype(str).to_numpy(object)
    units = busy["unit"].cat.categories.astype(str)
    frame = pd.DataFrame(
        {
            "code": code,
            "sub": np.where(split_actions[code], action, ""),
            "start": busy["start"].to_numpy(),
            "end": busy["end"].to_numpy(),
            "lane": 0,
        }
    )
    for _, group in frame.groupby(["code", "sub"], sort=False):
        frame.loc[group.index, "lane"] = _lanes(group["start"].to_numpy(), group["end"].to_numpy())
    keys = frame[["code", "sub", "lane"]]
    tracks = keys.drop_duplicates().sort_values(["code", "sub", "lane"])
    tid = pd.MultiIndex.from_frame(tracks).get_indexer(pd.MultiIndex.from_frame(keys))
    names = [
        units[c] + (f" {sub}" if sub else "") + (f" #{lane + 1}" if lane else "")
        for c, sub, lane in tracks.itertuples(index=False)
    ]
    return tid, names


def _lanes(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """A lane for each interval such that no two intervals of a lane overlap: all 0 when
    none overlap, else each interval in start order takes the lowest lane free at its start."""
    order = np.argsort(start, kind="stable")
    reach = np.maximum.accumulate(end[order])
    lanes = np.zeros(len(start), np.int64)
    if not (start[order][1:] < reach[:-1]).any():
        return lanes
    lane_end: list[int] = []  # when each lane is free again
    for i in order:
        lane = next((n for n, free in enumerate(lane_end) if free <= start[i]), len(lane_end))
        if lane == len(lane_end):
            lane_end.append(0)
        lane_end[lane] = end[i]
        lanes[i] = lane
    return lanes


def _occupancy(
    events: pd.DataFrame, units: pd.Index, unit_pid: np.ndarray, micro: float
) -> list[dict]:
    """Counter events: each buffer's bytes held, stepping at every hold's start and end."""
    holds = events[events["action"] == "hold"]
    steps = pd.DataFrame(
        {
            "unit": np.concatenate([holds["unit"].cat.codes] * 2),
            "time": np.concatenate([holds["start"], holds["end"]]),
            "delta": np.concatenate([holds["bytes"], -holds["bytes"]]),
        }
    )
    steps = steps.groupby(["unit", "time"], as_index=False)["delta"].sum()
    code = steps["unit"].to_numpy()
    columns = [
        (units[code] + " occupancy").tolist(),
        np.round(steps["time"].to_numpy() * micro, DECIMALS).tolist(),
        unit_pid[code].tolist(),
        steps.groupby("unit")["delta"].cumsum().tolist(),
    ]
    return [
        {"name": name, "ph": "C", "ts": ts, "pid": pid, "args": {"bytes": held}}
        for name, ts, pid, held in zip(*columns, strict=True)
    ]


def write_chrome_trace(result: Result, path: str | os.PathLike) -> Path:
    """Writes `to_chrome_trace(result)` as compact JSON to `path`, whole or not at all;
    returns the path."""
    path = Path(path)
    # json.dumps runs in C; json.dump to a file streams through the pure-Python encoder.
    replace_file(path, json.dumps(to_chrome_trace(result), separators=(",", ":")).encode())
    return path
