"""Invariants every run must satisfy, checked on its event log.

`check_invariants(result)` verifies what socsim promises of any simulation, with any
components: buffer occupancy within capacity, bytes and MACs conserved against the
mappings, no unit busier than its capacity, time never running backwards per unit,
energy equal to the sum of its parts, every frame finished. It raises one
`AssertionError` listing every violation with the unit, the time and the values.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from socsim.energy import LEVELS

if TYPE_CHECKING:
    from socsim.simulation import Result

# Units that serve one thing at a time (the DMA and DRAM are checked per channel).
SINGLE_SERVER_SUFFIXES = (".pe_array", ".controller", "soc.interconnect")


def check_invariants(result: Result) -> None:
    """Raises `AssertionError` listing every invariant the run violates."""
    events = result.events
    problems: list[str] = []
    problems += _time_runs_forward(events)
    problems += _buffer_within_capacity(events, result.soc.global_buffer.size_bytes)
    problems += _one_at_a_time(events)
    problems += _conserved(result)
    problems += _energy_adds_up(result)
    unfinished = result.frames.index[result.frames["finish"] < 0].tolist()
    if unfinished:
        problems.append(f"frames {unfinished} never finished")
    if problems:
        raise AssertionError(
            f"{len(problems)} invariant(s) violated:\n" + "\n".join(f"- {p}" for p in problems)
        )


def _time_runs_forward(events: pd.DataFrame) -> list[str]:
    problems = []
    backwards = events[events["end"] < events["start"]]
    for row in backwards.head(5).itertuples():
        problems.append(
            f"{row.unit}: {row.action} ends at {row.end} before it starts at {row.start}"
        )
    for unit, group in events[events["action"] != "hold"].groupby("unit", observed=True):
        ends = group["end"].to_numpy()
        drops = np.flatnonzero(np.diff(ends) < 0)
        if len(drops):
            i = drops[0]
            problems.append(
                f"{unit}: logged an interval ending at {ends[i + 1]} after one ending at {ends[i]}"
            )
    return problems


def _buffer_within_capacity(events: pd.DataFrame, capacity: int) -> list[str]:
    problems = []
    holds = events[events["action"] == "hold"]
    for unit, group in holds.groupby("unit", observed=True):
        times = np.concatenate([group["start"].to_numpy(), group["end"].to_numpy()])
        deltas = np.concatenate([group["bytes"].to_numpy(), -group["bytes"].to_numpy()])
        order = np.lexsort((deltas, times))  # frees before takes at the same instant
        occupancy = np.cumsum(deltas[order])
        worst = int(np.argmax(occupancy)) if len(occupancy) else 0
        if len(occupancy) and occupancy[worst] > capacity:
            problems.append(
                f"{unit}: occupancy {occupancy[worst]} bytes at cycle {times[order][worst]} "
                f"exceeds the capacity {capacity}"
            )
        if len(occupancy) and occupancy.min() < 0:
            low = int(np.argmin(occupancy))
            problems.append(
                f"{unit}: occupancy {occupancy[low]} bytes at cycle {times[order][low]} is negative"
            )
    return problems


def _one_at_a_time(events: pd.DataFrame) -> list[str]:
    problems = []
    busy = events[events["action"] != "hold"]
    for unit, group in busy.groupby("unit", observed=True):
        if not (unit.endswith(SINGLE_SERVER_SUFFIXES) or ".ch" in unit):
            continue
        order = np.argsort(group["start"].to_numpy(), kind="stable")
        starts, ends = group["start"].to_numpy()[order], group["end"].to_numpy()[order]
        overlap = np.flatnonzero(starts[1:] < ends[:-1])
        if len(overlap):
            i = overlap[0]
            problems.append(
                f"{unit}: busy twice at cycle {starts[i + 1]} (an interval {starts[i]}-{ends[i]} "
                f"overlaps one from {starts[i + 1]}), capacity 1"
            )
    return problems


def _conserved(result: Result) -> list[str]:
    events, frames = result.events, len(result.frames)
    expected = {
        "MACs": sum(m.macs for m in result.work) * frames,
        "bytes loaded": sum(t.in_bytes * t.repeat for m in result.work for t in m.tiles) * frames,
        "bytes stored": sum(t.out_bytes * t.repeat for m in result.work for t in m.tiles) * frames,
    }
    dma = events["unit"].str.contains(r"\.dma\.ch", regex=True)
    dram = events["unit"].str.startswith("soc.dram.")
    got = {
        "MACs": int(events["macs"].sum()),
        "bytes loaded": int(events.loc[dma & (events["action"] == "load"), "bytes"].sum()),
        "bytes stored": int(events.loc[dma & (events["action"] == "store"), "bytes"].sum()),
    }
    problems = [
        f"{what}: the run has {got[what]}, the mappings ask for {expected[what]}"
        for what in expected
        if got[what] != expected[what]
    ]
    dram_bytes = int(events.loc[dram, "bytes"].sum())
    if dram_bytes != got["bytes loaded"] + got["bytes stored"]:
        problems.append(
            f"soc.dram: moved {dram_bytes} bytes, the DMA engines {got['bytes loaded'] + got['bytes stored']}"
        )
    return problems


def _energy_adds_up(result: Result) -> list[str]:
    energy = result.summary["energy"]
    problems = []
    parts = sum(energy[level] for level in (*LEVELS, "idle"))
    if not math.isclose(parts, energy["total"], rel_tol=1e-9, abs_tol=1e-9):
        problems.append(f"energy: total {energy['total']} is not the sum of its levels {parts}")
    per_layer = float((result.layers["energy"] * len(result.frames)).sum())
    logged = float(result.events["energy"].sum())
    if not math.isclose(per_layer, logged, rel_tol=1e-9, abs_tol=1e-9):
        problems.append(f"energy: per-layer parts sum to {per_layer}, the events to {logged}")
    if not math.isclose(logged + energy["idle"], energy["total"], rel_tol=1e-9, abs_tol=1e-9):
        problems.append(f"energy: events hold {logged}, the summary's total is {energy['total']}")
    return problems


# -- Hypothesis strategies ----------------------------------------------------------------


def _strategies():
    """Imported on first use: Hypothesis is a test dependency, not a runtime one."""
    from hypothesis import strategies

    return strategies


def layer_specs(max_channels: int = 8):
    """Hyper-parameters of one conv: (c_out, (k_h, k_w), stride, (pad_h, pad_w), groups)."""
    st = _strategies()
    kernels = st.sampled_from([(1, 1), (3, 3), (3, 1), (1, 3), (5, 5)])
    return st.tuples(
        st.integers(1, max_channels), kernels, st.integers(1, 2), st.sampled_from(["same", "valid"])
    )


def networks(max_layers: int = 4, max_channels: int = 8, max_size: int = 12):
    """Small valid networks: chains of convs (grouped and depthwise included), pools,
    SqueezeNext-like residual blocks and fire-like concats, ending in an fc."""
    from socsim.workloads import INPUT, NetworkBuilder

    st = _strategies()

    @st.composite
    def build(draw):
        c = draw(st.integers(1, max_channels))
        size = draw(st.integers(4, max_size))
        b = NetworkBuilder("random", (c, size, size))
        x = INPUT
        for i in range(draw(st.integers(1, max_layers))):
            c, height, width = b.shape(x)
            h = min(height, width)
            kind = draw(st.sampled_from(["conv", "grouped", "pool", "residual", "fire"]))
            if kind == "conv":
                c_out, (k_h, k_w), stride, pad = draw(layer_specs(max_channels))
                k_h, k_w = min(k_h, h), min(k_w, h)
                pads = (k_h // 2, k_w // 2) if pad == "same" else (0, 0)
                x = b.conv(f"conv{i}", x, c_out, (k_h, k_w), stride=stride, pad=pads)
            elif kind == "grouped":
                groups = draw(st.sampled_from([g for g in range(1, c + 1) if c % g == 0]))
                x = b.conv(
                    f"group{i}", x, c, 3 if h >= 3 else 1, pad=1 if h >= 3 else 0, groups=groups
                )
            elif kind == "pool" and h >= 2:
                x = b.maxpool(f"pool{i}", x, 2, stride=2, ceil_mode=draw(st.booleans()))
            elif kind == "residual":
                y = b.conv(f"res{i}_a", x, max(1, c // 2), 1)
                y = b.conv(f"res{i}_b", y, c, (3, 1) if h >= 3 else 1, pad=(1, 0) if h >= 3 else 0)
                x = b.add(f"res{i}_add", [x, y])
            else:
                s = b.conv(f"fire{i}_s", x, max(1, c // 2), 1)
                e1 = b.conv(f"fire{i}_e1", s, c, 1)
                e3 = b.conv(f"fire{i}_e3", s, c, 3 if h >= 3 else 1, pad=1 if h >= 3 else 0)
                x = b.concat(f"fire{i}_cat", [e1, e3])
        b.fc("fc", x, draw(st.integers(1, 10)))
        return b.build()

    return build()


def soc_configs(max_clusters: int = 3, max_array: int = 8):
    """Valid random SoCs: small arrays, any partition, bandwidths and costs within bounds."""
    from socsim.components import config as c

    st = _strategies()

    @st.composite
    def build(draw):
        burst = draw(st.sampled_from([16, 32, 64]))
        rows, cols = draw(st.integers(2, max_array)), draw(st.integers(2, max_array))
        return c.SocConfig(
            clusters=draw(st.integers(1, max_clusters)),
            partition=draw(st.sampled_from(list(c.Partition))),
            pe_array=c.PeArrayConfig(
                rows=rows,
                cols=cols,
                dataflow=draw(st.sampled_from(list(c.DataflowChoice))),
                weight_sparsity=draw(st.sampled_from([0.0, 0.4])),
            ),
            global_buffer=c.GlobalBufferConfig(
                size_bytes=draw(st.sampled_from([16384, 32768, 65536])),
                words_per_cycle=draw(st.integers(1, 32)),
            ),
            dma=c.DmaConfig(
                channels=draw(st.integers(1, 2)),
                queue_depth=draw(st.integers(1, 4)),
                setup_cycles=draw(st.integers(0, 20)),
                burst_bytes=burst,
            ),
            dram=c.DramConfig(
                channels=draw(st.integers(1, 2)),
                bytes_per_cycle=draw(st.integers(1, 16)),
                latency_cycles=draw(st.integers(0, 50)),
            ),
            interconnect=c.InterconnectConfig(
                bytes_per_cycle=draw(st.integers(1, 32)),
                grant_bytes=burst * draw(st.integers(1, 16)),
                arbitration=draw(st.sampled_from(list(c.Arbitration))),
            ),
            controller=c.ControllerConfig(
                layer_setup_cycles=draw(st.integers(0, 100)),
                command_cycles=draw(st.integers(0, 20)),
                prefetch_depth=draw(st.integers(1, 3)),
            ),
        )

    return build()
