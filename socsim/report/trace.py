"""A run as a Chrome trace (JSON), to open in ui.perfetto.dev or chrome://tracing.

One process per cluster (`soc.cluster0` …, the unit table's `owner`) and one, `soc`, for
the shared interconnect and DRAM; one thread per unit scope. Every interval of the event log
except buffer holds becomes a complete ("X") event named action, layer and tile, with
timestamps in microseconds; each global buffer's occupancy becomes a counter track.
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
    tid = busy["unit"].cat.codes.to_numpy()
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
        unit_pid[tid],
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
    meta += [
        {
            "ph": "M",
            "name": "thread_name",
            "pid": int(unit_pid[t]),
            "tid": int(t),
            "args": {"name": units[t]},
        }
        for t in np.unique(tid)
    ]
    return {
        "traceEvents": meta + complete + _occupancy(events, units, unit_pid, micro),
        "otherData": {
            "model": result.network.name,
            "soc": result.soc.name,
            "clock_hz": result.soc.clock_hz,
        },
    }


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
