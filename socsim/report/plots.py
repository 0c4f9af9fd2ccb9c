"""Figures of runs, written to files: the paper's Figures 6 to 8, a timeline and power.

Each function takes data and an output path (the format follows its suffix: .png, .svg,
.pdf), writes the figure and returns the path. Figures are built on the Agg canvas without
pyplot, so nothing is shown and no global state is left behind. Times are in milliseconds
(cycles over `soc.clock_hz`) unless an axis says cycles.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgba_array
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, PercentFormatter

from socsim.energy import LEVELS
from socsim.errors import ConfigError
from socsim.outputs import replace_file
from socsim.report.breakdown import stage_label, stage_summary
from socsim.summarize import STALL_CAUSES

if TYPE_CHECKING:  # annotations only: reading a Result needs no simulator
    from socsim.simulation import Result

Cycles = TypeVar("Cycles", float, np.ndarray, pd.Series)

DPI = 120
_PALETTE = ("#7f7f7f", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")
STAGE_COLOURS = {stage_label(n): colour for n, colour in enumerate(_PALETTE)}
OTHER_COLOUR = "#c7c7c7"
LEVEL_COLOURS = {
    "mac": "#2ca02c",
    "rf": "#98df8a",
    "noc": "#9467bd",
    "glb": "#ff7f0e",
    "dram": "#1f77b4",
}
# Loads and reads in blues, stores and writes in oranges, waits in pale tints.
ACTION_COLOURS = {
    "compute": "#2ca02c",
    "load": "#1f77b4",
    "read": "#6baed6",
    "store": "#e6550d",
    "write": "#fdae6b",
    "setup": "#7b4173",
    "command": "#ce6dbd",
    "wait_dma": "#fbb4ae",
    "wait_buffer": "#ffe680",
    "wait_array": "#d0d0d0",
}
WAIT_LABELS = {
    "wait_dma": "array waits for a load",
    "wait_buffer": "load waits for buffer space",
    "wait_array": "load waits for a prefetch slot",
}
GLB_COLOUR = "#8c564b"
PIXELS = 1500  # timeline buckets: about the axes' width in pixels at DPI
LAYER_SHADES = ("#b0b0b0", "#dedede")


def _figure(width: float, height: float) -> Figure:
    """A figure of that size in inches on its own Agg canvas (no pyplot state)."""
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)  # gives text a renderer to measure with
    return fig


def _energy_unit(unit: str) -> str:
    """The energy table's unit in words: the Eyeriss table's "MAC" is one MAC's energy."""
    return "one MAC's energy" if unit == "MAC" else unit


def _save(fig: Figure, path: str | os.PathLike) -> Path:
    """Saves `fig` whole or not at all, in the format its suffix names (png by default)."""
    path = Path(path)
    kind = path.suffix[1:].lower() or "png"
    replace_file(path, lambda stream: fig.savefig(stream, format=kind, bbox_inches="tight"))
    return path


def _ms(cycles: Cycles, result: Result) -> Cycles:
    return cycles / result.soc.clock_hz * 1e3


def _stage_colour(label: str) -> str:
    """A stage's colour, the same in every figure: the stem grey, the stages in order."""
    return STAGE_COLOURS.get(label, OTHER_COLOUR)


def _soc_names(results: Mapping[str, Result]) -> str:
    return ", ".join(dict.fromkeys(r.soc.name for r in results.values()))


def plot_layer_times(results: Mapping[str, Result], path: str | os.PathLike) -> Path:
    """The paper's Figure 6: time per layer (bars, ms) and array efficiency (line, %).

    One panel per run, in the mapping's order, labelled by its key; the time axes are
    shared so the panels compare, and cut above the bulk of the layers when one or two
    (conv1) dwarf the rest: cut bars show a white break and their times in the panel title.
    Bars are coloured by stage. Efficiency is MACs / (compute cycles x PEs), drawn for the
    layers that do MACs (pools and adds have none).
    """
    stages = {name: [stage_label(s) for s in r.layers["stage"]] for name, r in results.items()}
    times = {name: _ms(r.layers["cycles"].to_numpy(), r) for name, r in results.items()}
    cap = _bar_cap(list(times.values()))
    height = 0.9 + 2.1 * len(results)
    fig = _figure(12, height)
    # Fixed margins, not tight_layout: laying out twin axes costs a second full draw.
    fig.subplots_adjust(
        left=0.06, right=0.93, top=1 - 0.75 / height, bottom=1.0 / height, hspace=0.45
    )
    axes = fig.subplots(len(results), 1, sharey=True, squeeze=False)[:, 0]
    for ax, (name, result) in zip(axes, results.items(), strict=True):
        layers = result.layers
        x = np.arange(len(layers))
        shown = np.minimum(times[name], cap)
        _rects(ax, x - 0.425, x + 0.425, 0, shown, [_stage_colour(s) for s in stages[name]])
        cut = times[name] > cap
        ax.hlines(np.full(cut.sum(), 0.92 * cap), x[cut] - 0.5, x[cut] + 0.5, color="white", lw=2)
        ax.set_xlim(-1, len(layers))
        ax.set_ylabel("time (ms)")
        total = _ms(layers["cycles"].sum(), result)
        soc = f" on {result.soc.name}" if len({r.soc.name for r in results.values()}) > 1 else ""
        title = f"{name}{soc}: {total:.2f} ms, {layers['macs'].sum() / 1e6:.0f}M MACs"
        off = ", ".join(
            f"{n} {t:.2f} ms" for n, t in zip(layers["name"][cut], times[name][cut], strict=True)
        )
        ax.set_title(title + (f"; off scale: {off}" if off else ""), loc="left")
        twin = ax.twinx()
        mac_layers = layers["macs"].to_numpy() > 0
        twin.plot(
            x[mac_layers], layers["efficiency"][mac_layers], color="black", lw=0.8, marker=".", ms=3
        )
        twin.set_ylim(0, 1.05)
        twin.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        twin.set_ylabel("efficiency")
    # Headroom keeps the bars below the efficiency line, which mostly runs at 80-100%.
    axes[0].set_ylim(0, max(ax.dataLim.y1 for ax in axes) * 1.3)
    axes[-1].set_xlabel("layer (index in network order)")
    seen = dict.fromkeys(s for labels in stages.values() for s in labels)
    handles = [Patch(color=_stage_colour(s), label=s) for s in seen]
    efficiency = "efficiency (MACs / (compute cycles x PEs))"
    handles.append(Line2D([], [], color="black", lw=0.8, marker=".", label=efficiency))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False)
    fig.suptitle(f"Time per layer and PE-array efficiency on {_soc_names(results)}")
    return _save(fig, path)


def _bar_cap(panels: list[np.ndarray]) -> float:
    """Where to cut a shared time axis so one or two huge layers do not flatten the rest.

    conv1 can take ten times the next layer: the axis then stops at 1.2x the largest
    third-largest bar of any panel (cut bars carry a white break and their times in the
    panel title), unless no bar is more than twice that.
    """
    tallest = max(float(v.max()) for v in panels)
    cap = 1.2 * max(float(np.sort(v)[-min(3, len(v))]) for v in panels)
    return cap if tallest > 2 * cap else tallest


def _rects(ax: Axes, x0: object, x1: object, y0: object, y1: object, colours: object) -> None:
    """Rectangles [x0, x1] x [y0, y1] (arrays or scalars) as one collection, one draw call:
    thousands of Rectangle artists, or broken_barh's per-bar unit conversion, draw slowly."""
    x0, x1, y0, y1 = np.broadcast_arrays(*(np.asarray(v, float) for v in (x0, x1, y0, y1)))
    corners = [(x0, y0), (x0, y1), (x1, y1), (x1, y0)]
    verts = np.stack([np.column_stack(c) for c in corners], axis=1)
    ax.add_collection(PolyCollection(verts, facecolors=colours, linewidths=0, antialiased=False))
    if len(verts):
        ax.update_datalim([(x0.min(), y0.min()), (x1.max(), y1.max())])


def plot_layer_traffic(results: Mapping[str, Result], path: str | os.PathLike) -> Path:
    """DRAM traffic per layer (MB per frame), weights and activations stacked, one panel per
    run labelled by its key, on shared axes (to set schedules side by side)."""
    height = 0.9 + 1.9 * len(results)
    fig = _figure(12, height)
    fig.subplots_adjust(left=0.06, right=0.98, top=1 - 0.75 / height, bottom=1.0 / height,
                        hspace=0.45)  # fmt: skip
    axes = fig.subplots(len(results), 1, sharey=True, squeeze=False)[:, 0]
    for ax, (name, result) in zip(axes, results.items(), strict=True):
        layers = result.layers
        x = np.arange(len(layers))
        weights = layers["dram_weight_bytes"].to_numpy() / 1e6
        activations = layers["dram_activation_bytes"].to_numpy() / 1e6
        ax.bar(x, weights, 0.85, color=WEIGHT_COLOUR, label="weights")
        ax.bar(x, activations, 0.85, bottom=weights, color=ACTIVATION_COLOUR, label="activations")
        ax.set_xlim(-1, len(layers))
        ax.set_ylabel("DRAM (MB)")
        ax.set_title(
            f"{name}: weights {weights.sum():.1f} MB, activations {activations.sum():.1f} MB",
            loc="left",
        )
    axes[0].legend(loc="upper right", frameon=False)
    axes[-1].set_xlabel("layer")
    return _save(fig, path)


WEIGHT_COLOUR, ACTIVATION_COLOUR = "#1f77b4", "#ff7f0e"


def plot_stage_times(results: Mapping[str, Result], path: str | os.PathLike) -> Path:
    """The paper's Figure 8: time per stage (ms), stacked, one bar per run.

    A stage's time is the sum of its layers' times (`stage_summary`); the total is printed
    above each bar.
    """
    table = pd.DataFrame(
        {name: _ms(stage_summary(r)["cycles"], r) for name, r in results.items()}
    ).fillna(0.0)
    fig = _figure(1.6 + 1.1 * len(results), 4.5)
    ax = fig.subplots()
    x = np.arange(len(results))
    bottom = np.zeros(len(results))
    for stage, times in table.iterrows():
        ax.bar(x, times, bottom=bottom, width=0.65, color=_stage_colour(stage), label=stage)
        bottom += times.to_numpy()
    for xi, total in zip(x, bottom, strict=True):
        ax.annotate(
            f"{total:.2f}",
            (xi, total),
            xytext=(0, 2),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=8,
        )
    ax.set_xticks(x, list(results), rotation=30, ha="right")
    ax.set_ylabel("time (ms)")
    ax.set_ylim(0, bottom.max() * 1.08)
    ax.set_title(f"Time per stage on {_soc_names(results)}")
    handles, names = ax.get_legend_handles_labels()
    ax.legend(
        handles[::-1],
        names[::-1],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        title="stage (top to bottom)",
    )
    return _save(fig, path)


def plot_accuracy_vs_cost(
    table: pd.DataFrame,
    path: str | os.PathLike,
    preset_label: str,
    *,
    energy_unit: str = "MAC",
) -> Path:
    """The paper's Figure 7: top-1 accuracy against energy and against normalised time.

    `table` has one row per network: `model`, `top1` (%), `params_M`, `time` (normalised to
    the fastest network) and `energy` (per inference, in `energy_unit`; "MAC" means the
    paper's units, 1 = one MAC). Bubble areas are proportional to the parameter count;
    each bubble is labelled with its model, placed clear of other labels and bubbles where
    the panel has room.
    """
    table = table.dropna(subset=["top1", "params_M", "time", "energy"])
    fig = _figure(13, 5.2)
    axes = fig.subplots(1, 2, sharey=True)
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.12, top=0.9, wspace=0.06)
    # The largest bubble gets ~3000 pt^2 (AlexNet's 61M); area stays proportional.
    scale = min(60.0, 3000.0 / table["params_M"].max())
    sizes = table["params_M"].to_numpy() * scale
    exponent = int(np.floor(np.log10(table["energy"].min()))) if len(table) else 0
    unit = _energy_unit(energy_unit)
    panels = [
        (table["energy"] / 10.0**exponent, rf"energy per inference ($10^{{{exponent}}}$ x {unit})"),
        (table["time"], "time normalised to the fastest network"),
    ]
    y = table["top1"].to_numpy(float)
    for ax, (values, xlabel) in zip(axes, panels, strict=True):
        x = values.to_numpy(float)
        ax.scatter(x, y, s=sizes, alpha=0.45, color="#1f77b4", edgecolor="#08306b", lw=0.8)
        ax.set_xscale("log")  # AlexNet sits 5 to 10 times right of the SqueezeNext cluster
        pad = 10 ** (0.12 * max(np.log10(x.max() / x.min()), 0.3)) if len(x) else 2.0
        ax.set_xlim(x.min() / pad, x.max() * pad)
        ax.set_ylim(y.min() - 2.0, y.max() + 2.0)
        ax.xaxis.set_major_formatter(FuncFormatter(_plain))
        ax.xaxis.set_minor_formatter(FuncFormatter(_plain_minor))
        ax.set_xlabel(f"{xlabel}, log scale")
        ax.grid(True, which="both", alpha=0.25)
        _place_labels(ax, x, y, np.sqrt(sizes / np.pi), list(table["model"]))
    axes[0].set_ylabel("top-1 accuracy (%)")
    fig.suptitle(f"Accuracy against energy and time on {preset_label}")
    handles = [
        axes[1].scatter([], [], s=m * scale, color="#1f77b4", alpha=0.45, label=f"{m}M")
        for m in (1, 5, 25)
    ]
    fig.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=3,
        frameon=False,
        title="parameters (bubble area)",
        columnspacing=3,
        handlelength=4,
    )
    return _save(fig, path)


def _plain(value: float, _pos: object) -> str:
    """A log axis tick as a plain number: 2, 0.5, 10."""
    return f"{value:g}"


def _plain_minor(value: float, _pos: object) -> str:
    """Labels the 2, 3 and 5 minor ticks of a log axis, so short axes still read."""
    mantissa = value / 10 ** np.floor(np.log10(value))
    return f"{value:g}" if round(mantissa) in (2, 3, 5) else ""


def _place_labels(
    ax: Axes, x: np.ndarray, y: np.ndarray, radii_pt: np.ndarray, names: list[str]
) -> None:
    """Labels each bubble at the nearest spot that overlaps no label, bubble or edge.

    Greedy in display space: candidates ring each bubble at growing distances, the first
    free one wins (else the least covered); a label set off from its bubble gets a thin
    leader line. Good enough for a few dozen points.
    """
    renderer = ax.figure.canvas.get_renderer()
    to_px = ax.figure.dpi / 72.0
    points = ax.transData.transform(np.column_stack([x, y]))
    radii = radii_pt * to_px
    frame = ax.get_window_extent(renderer)
    bubbles = np.column_stack([points - radii[:, None], points + radii[:, None]])
    placed = np.empty((0, 4))
    directions = [(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1)]
    for i in np.argsort(-radii):  # big bubbles first: their labels have the fewest spots
        probe = ax.text(0, 0, names[i], fontsize=8)
        extent = probe.get_window_extent(renderer)
        probe.remove()
        w, h = extent.width, extent.height
        others = np.delete(bubbles, i, axis=0)
        best, best_cost, best_gap = None, np.inf, 0
        for gap in (2, 10, 20, 34, 52):
            reach = radii[i] + gap * to_px
            for dx, dy in directions:
                cx = points[i, 0] + dx * (reach + w / 2)
                cy = points[i, 1] + dy * (reach + h / 2)
                box = np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
                outside = box[0] < frame.x0 or box[2] > frame.x1
                outside |= box[1] < frame.y0 or box[3] > frame.y1
                cost = 10 * _overlap(box, placed) + _overlap(box, others) + 1e9 * outside
                if cost < best_cost:
                    best, best_cost, best_gap = box, cost, gap
            if best_cost == 0:
                break
        placed = np.vstack([placed, best])
        centre = ax.transData.inverted().transform((best[:2] + best[2:]) / 2)
        ax.annotate(
            names[i],
            (x[i], y[i]),
            xytext=centre,
            textcoords="data",
            fontsize=8,
            ha="center",
            va="center",
            arrowprops={"arrowstyle": "-", "lw": 0.5, "color": "0.4"} if best_gap > 2 else None,
        )


def _overlap(box: np.ndarray, boxes: np.ndarray) -> float:
    """Total area (px^2) where `box` overlaps the rows of `boxes` (x0, y0, x1, y1)."""
    if not len(boxes):
        return 0.0
    w = np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0])
    h = np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1])
    return float((np.clip(w, 0, None) * np.clip(h, 0, None)).sum())


def _lanes(units: pd.DataFrame) -> pd.DataFrame:
    """The timeline's lanes, top to bottom: per cluster its controller, waits, DMA channels,
    buffer and array; then the shared interconnect and DRAM channels. `units` is the unit
    table's rows of the lanes shown (a scope missing from it, a component's own, comes
    last, with the shared units). Indexed by unit scope, with `cluster` (-1 for shared
    units), `owner` (the cluster's scope, or `soc`), `kind` and `label`."""
    kinds = ["controller", "pipeline", "dma", "global_buffer", "pe_array"]
    kinds += ["interconnect", "dram"]
    parts = pd.DataFrame(
        {
            "cluster": units["cluster"].fillna(-1).astype(int),
            "owner": units["owner"].fillna("soc"),
            "kind": units["kind"],
            "rank": units["kind"].map({k: i for i, k in enumerate(kinds)}).fillna(len(kinds)),
            "channel": units["channel"].fillna(-1).astype(int),
        },
        index=units.index,
    )
    parts["shared"] = parts["cluster"] < 0
    parts = parts.sort_values(["shared", "cluster", "rank", "channel"], kind="stable")
    parts["label"] = (
        parts.index.str.removeprefix("soc.")
        .str.replace("controller.pipeline", "pipeline waits")
        .str.replace("global_buffer", "global_buffer fill")
    )
    return parts[["cluster", "owner", "kind", "label"]]


def _raster(
    ax: Axes,
    spans: pd.DataFrame,
    edges: np.ndarray,
    y: float,
    height: float,
) -> None:
    """Draws one lane at pixel resolution in one call: each pixel-wide bucket takes the
    colour of the action busiest in it and is as opaque as the lane is busy there, so a
    lone 20-cycle command in a bucket of thousands reads as a pale sliver."""
    codes = spans["action"].cat.codes.to_numpy()
    present = np.unique(codes)
    actions = list(spans["action"].cat.categories[present])
    lengths = (spans["end"] - spans["start"]).to_numpy(float)
    weights = lengths[:, None] * (codes[:, None] == present)
    busy = _spread(spans["start"].to_numpy(), spans["end"].to_numpy(), weights, edges)
    fraction = np.clip(busy.sum(axis=1) / np.diff(edges), 0.0, 1.0)
    on = fraction > 0
    rgba = to_rgba_array([ACTION_COLOURS.get(actions[i], "black") for i in busy.argmax(axis=1)[on]])
    rgba[:, 3] = 0.3 + 0.7 * fraction[on]
    _rects(ax, edges[:-1][on], edges[1:][on], y, y + height, rgba)


def _time_axes(ax: Axes, clock_hz: float) -> None:
    """Cycles with thousands separators below, microseconds on a secondary axis on top."""
    ax.set_xlabel("time (cycles)")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    top = ax.secondary_xaxis(
        "top", functions=(lambda c: c / clock_hz * 1e6, lambda us: us * clock_hz / 1e6)
    )
    top.set_xlabel("time (µs)")


def plot_timeline(
    result: Result,
    path: str | os.PathLike,
    start: int | None = None,
    end: int | None = None,
) -> Path:
    """A Gantt chart of every unit over time, cycles on the x axis (µs on top).

    One lane per unit scope, grouped by cluster: a lane naming the layer the cluster runs,
    the controller (setup, commands), pipeline waits in pale tints (one stripe per cause:
    array waits for a load, load waits for buffer space, load waits for a prefetch slot),
    DMA channels (loads, stores), global-buffer occupancy (shaded height: fraction full),
    PE array (compute); then the shared interconnect and DRAM channels (reads, writes).
    `start`/`end` (cycles) select a window, by default the whole run. Lanes are drawn at
    pixel resolution, whatever the number of intervals: each pixel shows the action busiest
    in it, paler the less busy the unit was, so sparse activity stays visible and honest.
    """
    events = result.events
    lo = int(events["start"].min()) if start is None else start
    hi = int(events["end"].max()) if end is None else end
    if hi <= lo:
        raise ConfigError(f"start={lo}, end={hi}: expected a window with start < end (cycles)")
    shown = events[(events["end"] > lo) & (events["start"] < hi)]
    spans = pd.DataFrame(
        {
            "lane": shown["unit"].cat.remove_unused_categories(),
            "action": shown["action"],
            "start": shown["start"].clip(lower=lo),
            "end": shown["end"].clip(upper=hi),
            "bytes": shown["bytes"],
        }
    )
    holds = spans[spans["action"] == "hold"]
    spans = spans[spans["action"] != "hold"]
    lanes = _lanes(result.units.reindex(spans["lane"].cat.categories.astype(str)))
    labels: dict[str, str] = {}  # lane key -> y tick label, top to bottom
    for (cluster, owner), group in lanes.groupby(["cluster", "owner"], sort=False):
        if cluster >= 0:  # a lane naming the layers, above the cluster's units
            labels[f"{owner} layers"] = f"{owner.removeprefix('soc.')} layers"
        labels.update(group["label"])
    ypos = {lane: len(labels) - i for i, lane in enumerate(labels)}

    fig = _figure(14, 1.3 + 0.32 * len(labels))
    ax = fig.subplots()
    edges = np.linspace(lo, hi, PIXELS + 1)
    for lane, group in spans.groupby("lane", observed=True):
        y = ypos[lane]
        if lanes.at[lane, "kind"] == "pipeline":  # one stripe per cause: they may overlap
            for k, cause in enumerate(STALL_CAUSES):
                part = group[group["action"] == cause]
                if len(part):
                    _raster(ax, part, edges, y - 0.4 + 0.8 * k / 3, 0.8 / 3)
        else:
            _raster(ax, group, edges, y - 0.4, 0.8)
    for lane, group in holds.groupby("lane", observed=True):
        _occupancy(ax, group, ypos[lane], result.soc.global_buffer.size_bytes, lo, hi)
    for cluster, owner in lanes[["cluster", "owner"]].drop_duplicates().itertuples(index=False):
        if cluster >= 0:
            _layer_lane(ax, result, cluster, ypos[f"{owner} layers"], lo, hi)
    ax.set_yticks(list(ypos.values()), list(labels.values()))
    ax.set_ylim(0.4, len(labels) + 0.6)
    ax.set_xlim(lo, hi)
    _time_axes(ax, result.soc.clock_hz)
    ax.grid(True, axis="x", alpha=0.3)
    present = set(spans["action"].unique())
    handles = [
        Patch(color=colour, label=WAIT_LABELS.get(action, action))
        for action, colour in ACTION_COLOURS.items()
        if action in present
    ]
    if len(holds):
        handles.append(Patch(color=GLB_COLOUR, alpha=0.5, label="buffer occupancy"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.005, 1.0), frameon=False)
    ax.set_title(
        f"Timeline of {result.network.name} on {result.soc.name}, cycles {lo:,} to {hi:,}", pad=10
    )
    return _save(fig, path)


def _occupancy(ax: Axes, holds: pd.DataFrame, y: float, size: int, lo: int, hi: int) -> None:
    """Draws a buffer's occupancy as a step area filling the lane at 100%."""
    times = np.concatenate([holds["start"], holds["end"], [lo, hi]])
    deltas = np.concatenate([holds["bytes"], -holds["bytes"], [0, 0]])
    order = np.argsort(times, kind="stable")
    level = np.cumsum(deltas[order]) / size
    ax.fill_between(
        times[order], y - 0.4, y - 0.4 + 0.8 * level, step="post", color=GLB_COLOUR, alpha=0.5, lw=0
    )


def _layer_lane(ax: Axes, result: Result, cluster: int, y: float, lo: int, hi: int) -> None:
    """Shades each layer's span on one cluster in alternating greys, named where it fits."""
    events = result.events
    units = result.units.index[result.units["cluster"] == cluster]
    mine = events[events["unit"].isin(units) & (events["layer"] >= 0)]
    spans = mine.groupby(["frame", "layer"]).agg(start=("start", "min"), end=("end", "max"))
    spans = spans[(spans["end"] > lo) & (spans["start"] < hi)].sort_values("start")
    starts = spans["start"].clip(lower=lo).to_numpy()
    widths = spans["end"].clip(upper=hi).to_numpy() - starts
    shades = [LAYER_SHADES[i % 2] for i in range(len(spans))]
    _rects(ax, starts, starts + widths, y - 0.4, y + 0.4, shades)
    names = [layer.name for layer in result.network.layers]
    wide = widths > (hi - lo) / 25  # room for a short name at 8 pt
    for s, w, layer in zip(
        starts[wide], widths[wide], spans.index.get_level_values("layer")[wide], strict=True
    ):
        ax.text(s + w / 2, y, names[layer], ha="center", va="center", fontsize=7, clip_on=True)


def plot_power(result: Result, path: str | os.PathLike, window_cycles: int | None = None) -> Path:
    """Power over time: energy per bucket of `window_cycles` over its length, by level.

    Each row's energy is spread uniformly over its interval, so a long DRAM burst warms
    every bucket it spans. The y axis is the run's energy unit per cycle (with mW on the
    right when the unit is pJ); the dashed line is the run's mean. `window_cycles` defaults
    to a 200th of the run.
    """
    events = result.events
    lo, hi = int(events["start"].min()), int(events["end"].max())
    width = window_cycles or max(1, -(-(hi - lo) // 200))
    edges = np.arange(lo, hi + width, width)
    energy = events[[f"energy_{level}" for level in LEVELS]].to_numpy()
    power = _spread(events["start"].to_numpy(), events["end"].to_numpy(), energy, edges)
    power /= np.diff(edges)[:, None]

    fig = _figure(12, 4.5)
    ax = fig.subplots()
    bottom = np.zeros(len(edges))
    for level, column in zip(LEVELS, power.T, strict=True):
        top = bottom + np.append(column, column[-1])
        ax.fill_between(
            edges, bottom, top, step="post", color=LEVEL_COLOURS[level], label=level, lw=0
        )
        bottom = top
    unit = result.summary["energy_unit"]
    mean = energy.sum() / (hi - lo)
    ax.axhline(mean, color="black", ls="--", lw=0.8, label=f"mean ({mean:,.0f})")
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, bottom.max() * 1.05)
    ax.set_ylabel(f"power ({_energy_unit(unit)} per cycle)")
    clock = result.soc.clock_hz
    _time_axes(ax, clock)
    if unit == "pJ":  # pJ per cycle x cycles per second = pJ/s; 1e-9 of that is mW
        ax.secondary_yaxis(
            "right", functions=(lambda p: p * clock * 1e-9, lambda mw: mw / (clock * 1e-9))
        ).set_ylabel("power (mW)")
    handles, names = ax.get_legend_handles_labels()
    ax.legend(
        handles[::-1],
        names[::-1],
        loc="upper left",
        bbox_to_anchor=(1.06 if unit == "pJ" else 1.01, 1.0),
        frameon=False,
        title="level",
    )
    ax.set_title(
        f"Power of {result.network.name} on {result.soc.name}, buckets of {width:,} cycles"
    )
    return _save(fig, path)


def _spread(
    starts: np.ndarray, ends: np.ndarray, amounts: np.ndarray, edges: np.ndarray
) -> np.ndarray:
    """How much of each interval's amounts falls in each bucket between `edges`.

    `amounts` has a row per interval and a column per quantity (energy per level, busy
    cycles per action); the result a row per bucket. An interval spreads its amounts
    uniformly over its length: the running total is piecewise linear between the sorted
    starts and ends, so reading it at the edges and differencing is exact. Zero-length
    intervals drop into their bucket whole.
    """
    length = ends - starts
    timed = length > 0
    times = np.concatenate([starts[timed], ends[timed]])
    order = np.argsort(times, kind="stable")
    times = times[order]
    rate = amounts[timed] / length[timed, None]
    slope = np.cumsum(np.concatenate([rate, -rate])[order], axis=0)[:-1]  # between points
    running = np.cumsum(slope * np.diff(times)[:, None], axis=0)
    running = np.vstack([np.zeros((1, amounts.shape[1])), running])
    if len(times):
        at_edges = np.column_stack([np.interp(edges, times, c) for c in running.T])
        buckets = np.diff(at_edges, axis=0)
    else:
        buckets = np.zeros((len(edges) - 1, amounts.shape[1]))
    instant = ~timed
    index = np.clip(np.searchsorted(edges, starts[instant], side="right") - 1, 0, len(edges) - 2)
    np.add.at(buckets, index, amounts[instant])
    return buckets
