"""A kit for property-testing socsim and the components users plug into it.

`check_invariants(result)` verifies what socsim promises of any simulation, with any
components that follow the protocols (see `socsim.components`): global-buffer occupancy
within capacity and never negative, bytes and MACs of every tile conserved against the
mappings and between the DMA engines, the interconnect and DRAM, no unit busier than its
capacity, no DRAM channel or interconnect moving more bytes per cycle than configured,
time never running backwards per unit, energy equal to the sum of its parts, every frame
finished, and every DRAM read of an activation after its write (under the execution
schedule the program ran: a fused pool's or add's tensor is written by the layer it runs
in, a view's readers read its producers), and each tensor the plan keeps in the buffer
(`Program.holds`) held once per frame, with its bytes, across every row of its writer and
last reader. It raises one `AssertionError` listing every violation with the
unit, the cycle and the values.

The Hypothesis strategies draw what to simulate, small enough for tests to stay fast:
`layers()` single layers of every kind, `networks()` small valid networks (SqueezeNext
blocks included), `soc_configs()` valid random SoCs. To test your own component, draw a
SoC and swap your config in::

    @given(networks(max_layers=3), soc_configs(max_clusters=2))
    def test_my_dram(network, soc):
        soc = replace(soc, dram=MyDramConfig(**asdict(soc.dram)))
        check_invariants(simulate(network, soc))

Hypothesis is a test dependency: the strategies import it on first use.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from socsim.energy import LEVELS

if TYPE_CHECKING:
    from socsim.simulation import Result

SHOWN = 5  # violations listed per invariant; the rest are counted


def check_invariants(result: Result, capacities: Mapping[str, int] | None = None) -> None:
    """Raises `AssertionError` listing every invariant the run violates.

    How many intervals a unit may run at once comes from the run's unit table
    (`Result.units`, capacity in `intervals`; the DMA engines and DRAM per channel; waits
    and units missing from the table are not checked). `capacities` overrides it by
    unit-scope pattern (fnmatch, tried in order): `{"soc.cluster*.my_unit": 2}` lets a unit
    of yours serve two intervals at once.
    """
    events = result.events
    rules = list((capacities or {}).items())
    problems = [
        *_time_runs_forward(events),
        *_buffer_within_capacity(events, result.soc.global_buffer.size_bytes),
        *_within_capacity(events, result.units, rules),
        *_within_bandwidth(result),
        *_conserved(result),
        *_energy_adds_up(result),
        *_reads_after_writes(result),
        *_tensors_held(result),
    ]
    unfinished = result.frames.index[result.frames["finish"] < 0].tolist()
    if unfinished:
        problems.append(f"soc.host: frame(s) {unfinished} never finished")
    if problems:
        raise AssertionError(
            f"{len(problems)} invariant violation(s):\n" + "\n".join(f"- {p}" for p in problems)
        )


def _shown(problems: list[str], what: str) -> list[str]:
    if len(problems) <= SHOWN:
        return problems
    return [*problems[:SHOWN], f"{what}: {len(problems) - SHOWN} more like these"]


def _time_runs_forward(events: pd.DataFrame) -> list[str]:
    """Each row ends no earlier than it starts, nor than the unit's row logged before it."""
    problems = [
        f"{row.unit}: time runs backwards: {row.action} ends at cycle {row.end} before it "
        f"starts at {row.start}"
        for row in events[events["end"] < events["start"]].itertuples()
    ]
    for unit, group in events.groupby("unit", observed=True):
        ends = group["end"].to_numpy()
        for i in np.flatnonzero(np.diff(ends) < 0):
            problems.append(
                f"{unit}: time runs backwards: a row ending at cycle {ends[i + 1]} was logged "
                f"after one ending at {ends[i]}"
            )
    return _shown(problems, "time")


def _buffer_within_capacity(events: pd.DataFrame, capacity: int) -> list[str]:
    """Occupancy, the sum of the `hold` rows spanning an instant, stays in [0, capacity]."""
    problems = []
    holds = events[events["action"] == "hold"]
    for unit, group in holds.groupby("unit", observed=True):
        times = np.concatenate([group["start"].to_numpy(), group["end"].to_numpy()])
        deltas = np.concatenate([group["bytes"].to_numpy(), -group["bytes"].to_numpy()])
        order = np.lexsort((deltas, times))  # frees before takes at the same instant
        occupancy, times = np.cumsum(deltas[order]), times[order]
        high, low = int(np.argmax(occupancy)), int(np.argmin(occupancy))
        if occupancy[high] > capacity:
            problems.append(
                f"{unit}: occupancy {occupancy[high]} bytes at cycle {times[high]} exceeds "
                f"the capacity of {capacity} bytes"
            )
        if occupancy[low] < 0:
            problems.append(
                f"{unit}: occupancy {occupancy[low]} bytes at cycle {times[low]} is negative"
            )
    return problems


def _within_capacity(
    events: pd.DataFrame, units: pd.DataFrame, rules: list[tuple[str, int]]
) -> list[str]:
    """No unit has more intervals at once than its capacity (holds are occupancy, not work)."""
    limited = units[units["capacity_unit"] == "intervals"]["capacity"]
    problems = []
    for unit, group in events[events["action"] != "hold"].groupby("unit", observed=True):
        capacity = next((c for pattern, c in rules if fnmatchcase(unit, pattern)), None)
        if capacity is None:
            capacity = limited.get(unit)
        if capacity is None:
            continue
        starts, ends = group["start"].to_numpy(), group["end"].to_numpy()
        times = np.concatenate([starts, ends])
        deltas = np.concatenate([np.ones_like(starts), -np.ones_like(ends)])
        order = np.lexsort((deltas, times))  # an interval ending frees its unit for one starting
        busy = np.cumsum(deltas[order])
        worst = int(np.argmax(busy))
        if busy[worst] > capacity:
            at = times[order][worst]
            spanning = group[(group["start"] <= at) & (group["end"] > at)].sort_values("start")
            listed = ", ".join(
                f"{row.action} {row.start}-{row.end}" for row in spanning.head(3).itertuples()
            )
            problems.append(
                f"{unit}: over capacity at cycle {at}: {busy[worst]} intervals at once "
                f"({listed}), capacity {capacity}"
            )
    return problems


def _within_bandwidth(result: Result) -> list[str]:
    """No row of a DRAM channel or the interconnect moves more bytes than its cycles allow at
    the configured `bytes_per_cycle` (a DRAM's per channel)."""
    events, kinds = result.events, result.units["kind"]
    peaks = {
        "dram": result.soc.dram.bytes_per_cycle,
        "interconnect": result.soc.interconnect.bytes_per_cycle,
    }
    problems = []
    for kind, peak in peaks.items():
        rows = events[events["unit"].isin(kinds.index[kinds == kind])]
        fast = rows[rows["bytes"] > (rows["end"] - rows["start"]) * peak]
        problems += [
            f"{row.unit}: {row.action} at cycles {row.start}-{row.end} moved {row.bytes} bytes, "
            f"{row.bytes / max(row.end - row.start, 1):.4g} B/cycle, above the configured "
            f"{peak} bytes_per_cycle"
            for row in fast.itertuples()
        ]
    return _shown(problems, "bandwidth")


KEY = ["frame", "layer", "tile"]


def _expected(result: Result) -> pd.DataFrame:
    """What the mappings ask of each (frame, layer, tile): MACs, bytes loaded and stored.

    Channel shares of a layer (the `channels` partition) each number their tiles from 0,
    as their clusters run them, so their demands add up under the same key.
    """
    index = {layer.name: i for i, layer in enumerate(result.network.layers)}
    columns: dict[str, list[np.ndarray]] = {
        "layer": [],
        "tile": [],
        "macs": [],
        "in": [],
        "out": [],
    }
    for mapping in result.work:
        repeats = [t.repeat for t in mapping.tiles]
        columns["layer"].append(np.full(sum(repeats), index[mapping.layer.name]))
        columns["tile"].append(np.arange(sum(repeats)))
        for name, values in (
            ("macs", [t.macs for t in mapping.tiles]),
            ("in", [t.in_bytes for t in mapping.tiles]),
            ("out", [t.out_bytes for t in mapping.tiles]),
        ):
            columns[name].append(np.repeat(np.asarray(values, np.int64), repeats))
    per_tile = pd.DataFrame({k: np.concatenate(v) for k, v in columns.items()})
    per_tile = per_tile.groupby(["layer", "tile"]).sum()
    frames = pd.DataFrame({"frame": np.arange(len(result.frames))})
    return frames.merge(per_tile.reset_index(), how="cross").set_index(KEY)


def _conserved(result: Result) -> list[str]:
    """Per tile: MACs on the array and bytes through the DMA as the mapping asks, and each
    mover below the DMA (the interconnect, DRAM) moving what the DMA moved."""
    events = result.events
    tagged = events[events["layer"] >= 0]
    action, nbytes = tagged["action"], tagged["bytes"]
    logged = pd.DataFrame(
        {
            "macs": tagged["macs"],
            "in": nbytes.where(action == "load", 0),
            "out": nbytes.where(action == "store", 0),
        }
    )
    got = logged.groupby([tagged[k] for k in KEY]).sum()
    expected = _expected(result)
    keys = expected.index.union(got.index)
    got, expected = got.reindex(keys, fill_value=0), expected.reindex(keys, fill_value=0)
    names = [layer.name for layer in result.network.layers]
    problems = []
    for column, what, rows in (
        ("macs", "MACs", tagged[tagged["macs"] > 0]),
        ("in", "bytes loaded", tagged[action == "load"]),
        ("out", "bytes stored", tagged[action == "store"]),
    ):
        problems += _differences(
            got[column], expected[column], rows, names, what, "the mapping asks for"
        )
    movers = tagged[action.isin(("read", "write"))]
    # DRAM channels add up to their DRAM; a unit missing from the table stands alone.
    scope = movers["unit"].astype(str)
    family = scope.map(result.units["component"]).fillna(scope)
    for unit, rows in movers.groupby(family):
        moved = rows.assign(
            read=rows["bytes"].where(rows["action"] == "read", 0),
            write=rows["bytes"].where(rows["action"] == "write", 0),
        )
        moved = moved.groupby(KEY)[["read", "write"]].sum().reindex(keys, fill_value=0)
        for mine, theirs, done in (("read", "in", "loaded"), ("write", "out", "stored")):
            what = f"bytes {'read' if mine == 'read' else 'written'}"
            problems += _differences(
                moved[mine],
                got[theirs],
                rows[rows["action"] == mine],
                names,
                what,
                f"the DMA {done}",
                f"{what} by {unit}",
            )
    return problems


def _differences(
    got: pd.Series,
    want: pd.Series,
    rows: pd.DataFrame,
    names: list[str],
    what: str,
    source: str,
    label: str | None = None,
) -> list[str]:
    """One line for each of the first tiles where `got` differs from `want`, then a count
    under `label` (default: `what`)."""
    wrong = got.index[got.to_numpy() != want.to_numpy()]
    found = [
        f"{_where(rows, key, names)}: {what} {got[key]}, {source} {want[key]}"
        for key in wrong[:SHOWN]
    ]
    if len(wrong) > SHOWN:
        found.append(
            f"{label or what}: {len(wrong) - SHOWN} more tiles differ (in total {got.sum()}, "
            f"{source} {want.sum()})"
        )
    return found


def _where(rows: pd.DataFrame, key: tuple[int, int, int], names: list[str]) -> str:
    """`units by cycle T, frame f layer l (name) tile t`: who logged the tile, and when last."""
    frame, layer, tile = key
    mine = rows[(rows["frame"] == frame) & (rows["layer"] == layer) & (rows["tile"] == tile)]
    units = ", ".join(sorted(mine["unit"].astype(str).unique())) or "nothing logged"
    when = f" by cycle {mine['end'].max()}" if len(mine) else ""
    return f"{units}{when}, frame {frame} layer {layer} ({names[layer]}) tile {tile}"


def _reads_after_writes(result: Result) -> list[str]:
    """Per frame, a layer's first DRAM load starts no earlier than the last store of each
    activation it loads (the network's input excepted: it is in DRAM before time starts)."""
    from socsim.components.schedule import ALONE, Role

    layers = result.network.layers
    steps = result.program.steps or (ALONE,) * len(layers)
    index = {layer.name: i for i, layer in enumerate(layers)}

    def writers(name: str) -> list[int]:
        """The layers whose stores hold tensor `name` in DRAM."""
        if name not in index:
            return []
        i = index[name]
        if steps[i].role is Role.VIEW:
            return [w for source in layers[i].inputs for w in writers(source)]
        return [steps[i].host if steps[i].host >= 0 else i]

    reads: dict[int, set[int]] = {}
    for i, (layer, step) in enumerate(zip(layers, steps, strict=True)):
        if step.role is Role.ALONE:
            reads.setdefault(i, set()).update(w for n in layer.inputs for w in writers(n))
        elif step.role is Role.ADD:  # the shortcut is loaded by the layer it runs in
            shortcut = (n for n in layer.inputs if n != layers[step.host].name)
            reads.setdefault(step.host, set()).update(w for n in shortcut for w in writers(n))
    events = result.events
    loads = events[events["action"] == "load"].groupby(["frame", "layer"])["start"].min()
    stores = events[events["action"] == "store"].groupby(["frame", "layer"])["end"].max()
    problems = []
    for (frame, layer), first in loads.items():
        for writer in sorted(reads.get(layer, ())):
            last = stores.get((frame, writer))
            if last is not None and first < last:
                problems.append(
                    f"frame {frame} layer {layer} ({layers[layer].name}): loads from cycle "
                    f"{first}, before layer {writer} ({layers[writer].name}) finishes "
                    f"writing its output at {last}"
                )
    return _shown(problems, "reads before writes")


def _tensors_held(result: Result) -> list[str]:
    """Per frame, each tensor the plan keeps in the buffer (`Program.holds`) is one `hold`
    row of its bytes, tagged with its writer and tile -1, spanning every row of its writer
    and its last reader (so the buffer's occupancy counts it wherever it is used)."""
    events = result.events
    tagged = events[(events["layer"] >= 0) & (events["tile"] >= 0)]
    first = tagged.groupby(["frame", "layer"])["start"].min()
    last = tagged.groupby(["frame", "layer"])["end"].max()
    rows = events[(events["action"] == "hold") & (events["tile"] == -1)]
    rows = rows.set_index(["frame", "layer"])
    names = [layer.name for layer in result.network.layers]
    problems = []
    for hold in result.program.holds:
        for frame in range(len(result.frames)):
            key = (frame, hold.first)
            row = rows.loc[[key]] if key in rows.index else rows.iloc[:0]
            where = f"frame {frame} tensor {hold.tensor} (layers {hold.first}-{hold.last})"
            if len(row) != 1 or int(row["bytes"].iloc[0]) != hold.nbytes:
                problems.append(f"{where}: expected one hold of {hold.nbytes} bytes")
                continue
            start, end = int(row["start"].iloc[0]), int(row["end"].iloc[0])
            begins = first.get(key)
            ends = last.get((frame, hold.last))
            if begins is not None and start > begins:
                problems.append(
                    f"{where}: held from cycle {start}, after {names[hold.first]} "
                    f"starts at {begins}"
                )
            if ends is not None and end < ends:
                problems.append(
                    f"{where}: freed at cycle {end}, before {names[hold.last]} ends at {ends}"
                )
    return _shown(problems, "held tensors")


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


def component_settings(max_examples: int = 20, shrink: bool = False):
    """Hypothesis settings for properties over whole simulations, to decorate a test with.

    No deadline (a simulation takes longer than Hypothesis' 200 ms default) and
    `max_examples` draws. Without `shrink`, a failing example is reported as drawn: shrinking
    reruns simulations until Hypothesis' own five-minute limit on a broken component, and
    the strategies' bounds already keep draws small.
    """
    from hypothesis import Phase, settings

    phases = [p for p in Phase if shrink or p not in (Phase.shrink, Phase.explain)]
    return settings(deadline=None, max_examples=max_examples, phases=phases)


def _strategies():
    """Imported on first use: Hypothesis is a test dependency, not a runtime one."""
    from hypothesis import strategies

    return strategies


LAYER_KINDS = ("conv", "grouped", "depthwise", "fc", "pool", "add", "concat")
KERNELS = [(1, 1), (3, 3), (3, 1), (1, 3), (5, 5)]


def layers(kinds: tuple[str, ...] = LAYER_KINDS, max_channels: int = 8, max_size: int = 8):
    """Single valid layers of the given kinds (`LAYER_KINDS`): convolutions dense, grouped
    and depthwise with square, 1xK and Kx1 kernels, strides and padding; fully connected;
    max and average pooling; element-wise add and concat of 2 or 3 inputs. Channels are at
    most `max_channels` (per input for add and concat), height and width `max_size`."""
    from socsim.workloads import Layer, Op

    st = _strategies()
    channels = st.integers(1, max_channels)

    @st.composite
    def build(draw):
        kind = draw(st.sampled_from(kinds))
        h, w = draw(st.integers(1, max_size)), draw(st.integers(1, max_size))
        if kind == "fc":
            return Layer(name="fc", op=Op.FC, c_in=draw(channels), h_in=h, w_in=w,
                         c_out=draw(channels))  # fmt: skip
        if kind in ("add", "concat"):
            inputs = tuple(f"x{i}" for i in range(draw(st.integers(2, 3))))
            c = draw(channels) * (len(inputs) if kind == "concat" else 1)
            return Layer(name=kind, op=Op(kind), c_in=c, h_in=h, w_in=w, inputs=inputs)
        k = draw(st.sampled_from(KERNELS if kind != "pool" else [(2, 2), (3, 3)]))
        pad = draw(st.sampled_from([(0, 0), (k[0] // 2, k[1] // 2)]))
        k_h, k_w = min(k[0], h + 2 * pad[0]), min(k[1], w + 2 * pad[1])
        shape = {"h_in": h, "w_in": w, "k_h": k_h, "k_w": k_w, "stride": draw(st.integers(1, 2)),
                 "pad_h": pad[0], "pad_w": pad[1]}  # fmt: skip
        if kind == "pool":
            op = draw(st.sampled_from([Op.MAXPOOL, Op.AVGPOOL]))
            return Layer(name="pool", op=op, c_in=draw(channels), ceil_mode=draw(st.booleans()),
                         **shape)  # fmt: skip
        if kind == "depthwise":
            c = draw(channels)
            return Layer(name=kind, op=Op.CONV, c_in=c, c_out=c, groups=c, **shape)
        groups = draw(st.integers(2, max(2, max_channels // 2))) if kind == "grouped" else 1
        per_group = st.integers(1, max(1, max_channels // groups))
        return Layer(name=kind, op=Op.CONV, c_in=groups * draw(per_group),
                     c_out=groups * draw(per_group), groups=groups, **shape)  # fmt: skip

    return build()


def networks(max_layers: int = 4, max_channels: int = 8, max_size: int = 12):
    """Small valid networks: `max_layers` blocks at most, each a conv (dense, grouped or
    depthwise), a pool, a SqueezeNext block (1x1, 1x1, 3x1, 1x3, 1x1 and a shortcut, with a
    1x1 projection when it strides or changes channels) or a fire-like concat, then an fc.
    The input has at most `max_channels` channels and `max_size` pixels a side."""
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
            fits = h >= 3  # a 3-pixel kernel fits the map (padded to keep its size)
            kind = draw(st.sampled_from(["conv", "grouped", "pool", "squeezenext", "fire"]))
            if kind == "conv":
                c_out = draw(st.integers(1, max_channels))
                k_h, k_w = (min(k, h) for k in draw(st.sampled_from(KERNELS)))
                pads = draw(st.sampled_from([(0, 0), (k_h // 2, k_w // 2)]))
                x = b.conv(f"conv{i}", x, c_out, (k_h, k_w), stride=draw(st.integers(1, 2)),
                           pad=pads)  # fmt: skip
            elif kind == "grouped":  # depthwise when groups == c
                groups = draw(st.sampled_from([g for g in range(1, c + 1) if c % g == 0]))
                x = b.conv(f"group{i}", x, c, 3 if fits else 1, pad=1 if fits else 0, groups=groups)
            elif kind == "pool" and h >= 2:
                pool = draw(st.sampled_from([b.maxpool, b.avgpool]))
                x = pool(f"pool{i}", x, 2, stride=2, ceil_mode=draw(st.booleans()))
            elif kind == "squeezenext":
                c_out = draw(st.integers(1, max_channels))
                stride = draw(st.integers(1, 2 if h >= 2 else 1))
                y = b.conv(f"sqnxt{i}_a", x, max(1, c_out // 2), 1, stride=stride)
                y = b.conv(f"sqnxt{i}_b", y, max(1, c_out // 4), 1)
                y = b.conv(f"sqnxt{i}_c", y, max(1, c_out // 2), (3, 1) if fits else 1,
                           pad=(1, 0) if fits else 0)  # fmt: skip
                y = b.conv(f"sqnxt{i}_d", y, max(1, c_out // 2), (1, 3) if fits else 1,
                           pad=(0, 1) if fits else 0)  # fmt: skip
                y = b.conv(f"sqnxt{i}_e", y, c_out, 1)
                if stride > 1 or c_out != c:
                    x = b.conv(f"sqnxt{i}_proj", x, c_out, 1, stride=stride)
                x = b.add(f"sqnxt{i}_add", [x, y])
            else:
                s = b.conv(f"fire{i}_s", x, max(1, c // 2), 1)
                e1 = b.conv(f"fire{i}_e1", s, c, 1)
                e3 = b.conv(f"fire{i}_e3", s, c, 3 if fits else 1, pad=1 if fits else 0)
                x = b.concat(f"fire{i}_cat", [e1, e3])
        b.fc("fc", x, draw(st.integers(1, 10)))
        return b.build()

    return build()


def soc_configs(max_clusters: int = 3, max_array: int = 8):
    """Valid random SoCs: up to `max_clusters` clusters under any partition and execution
    schedule (fusion, and residency 0, 0.25 or 0.5), arrays of 2 to `max_array` PEs a side (broadcast or systolic), buffers of 16
    to 64 KiB, and bandwidths, latencies, queue depths and firmware costs drawn within
    small bounds, so runs take milliseconds."""
    from socsim.components import config as c

    st = _strategies()

    @st.composite
    def build(draw):
        burst = draw(st.sampled_from([16, 32, 64]))
        rows, cols = draw(st.integers(2, max_array)), draw(st.integers(2, max_array))
        timing = draw(st.sampled_from(list(c.ArrayTiming)))
        runs = {d.value for d in timing.runs}  # IS needs systolic timing, RS broadcast
        dataflows = [d for d in c.DataflowChoice if d.value in runs or d.value.startswith("auto")]
        return c.SocConfig(
            clusters=draw(st.integers(1, max_clusters)),
            partition=draw(st.sampled_from(list(c.Partition))),
            pe_array=c.PeArrayConfig(
                rows=rows,
                cols=cols,
                timing=timing,
                dataflow=draw(st.sampled_from(dataflows)),
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
            schedule=c.ScheduleConfig(
                fusion=draw(st.sampled_from(list(c.Fusion))),
                residency=draw(st.sampled_from([0.0, 0.25, 0.5])),
            ),
        )

    return build()
