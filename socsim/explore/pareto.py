"""Pareto fronts: the designs that no other design beats on every objective at once."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

OBJECTIVES = ("seconds", "energy_total", "params")  # all minimised
NAMED = 8  # Pareto designs labelled with network and settings; more get numbers only


def pareto(frame: pd.DataFrame, objectives: Sequence[str] = OBJECTIVES) -> pd.DataFrame:
    """The rows of `frame` that no other row dominates, sorted by the first objective.

    A row dominates another if it is no worse on every objective and better on at least
    one; every objective is minimised. Rows with a `status` other than ok or with a
    missing objective take no part. Rows that tie on every objective are all kept.
    """
    if "status" in frame:
        frame = frame[frame["status"] == "ok"]
    frame = frame.dropna(subset=list(objectives))
    values = frame[list(objectives)].to_numpy(dtype=float)
    # In lexicographic order no row can be dominated by a later one, so one pass that
    # checks each row against the front found so far is enough.
    order = np.lexsort(values.T[::-1])
    front: list[int] = []
    for i in order:
        kept = values[front]
        dominated = np.any(np.all(kept <= values[i], axis=1) & np.any(kept < values[i], axis=1))
        if not dominated:
            front.append(i)
    return frame.iloc[front]


def pareto_figure(results: pd.DataFrame, front: pd.DataFrame) -> Figure:
    """Energy against time of every ok design, the front's coloured by their parameters.

    Time is per frame in milliseconds, energy per frame in the energy table's unit. Each
    Pareto design is labelled with its row number in `front` (and pareto.csv), and with
    its network and settings while there are at most `NAMED` of them. Save it with
    `figure.savefig(path_or_stream, format="png")`.
    """
    from matplotlib.figure import Figure  # here: workers import this package, not matplotlib

    ok = results[results["status"] == "ok"]
    unit = ok["energy_unit"].iloc[0] if len(ok) else "MAC"
    unit = "units of one MAC" if unit == "MAC" else unit
    fig = Figure(figsize=(7.5, 5), layout="constrained")
    ax = fig.subplots()
    ax.scatter(
        ok["seconds"] * 1e3, ok["energy_total"], s=12, c="0.7", label=f"all {len(ok)} designs"
    )
    params = front["params"].to_numpy(dtype=float) / 1e6
    marks = ax.scatter(
        front["seconds"] * 1e3,
        front["energy_total"],
        s=40,
        c=params,
        cmap="viridis",
        edgecolors="black",
        linewidths=0.6,
        label=f"{len(front)} Pareto-optimal in (time, energy, parameters)",
        zorder=3,
    )
    if len(np.unique(params)) > 1:
        fig.colorbar(marks, ax=ax, label="parameters (millions), Pareto designs")
    if len(ok) and ok["seconds"].max() > 10 * ok["seconds"].min():
        ax.set_xscale("log")  # a few slow outliers would squash the designs that matter
    names: dict[tuple[float, float], list[str]] = {}  # designs at one spot share a label
    for number, (x, y, text) in enumerate(
        zip(front["seconds"] * 1e3, front["energy_total"], _labels(front), strict=True), 1
    ):
        names.setdefault((x, y), []).append(
            f"{number}: {text}" if len(front) <= NAMED else str(number)
        )
    for (x, y), name in names.items():
        ax.annotate(
            ("\n" if len(front) <= NAMED else ", ").join(name), (x, y), xytext=(5, 4),
            textcoords="offset points", fontsize=7,
        )  # fmt: skip
    networks = ok["network"].nunique() if len(ok) else 0
    fig.suptitle(
        f"Design-space sweep: {len(ok)} designs of {networks} network(s), energy against time"
        + ("" if len(front) <= NAMED else "\n(numbers are the rows of pareto.csv)"),
        fontsize=11,
    )
    ax.set_xlabel("time per frame (ms)")
    ax.set_ylabel(f"energy per frame ({unit})")
    ax.grid(True, color="0.92")
    # Above the axes, so that it never hides a point.
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncols=2, frameon=False)
    return fig


def _labels(front: pd.DataFrame) -> list[str]:
    """Network and settings of each design, the settings by the last part of their path:
    `1.0-SqNxt-23 rows=8 size_bytes=32768`."""
    labels = []
    for network, overrides in zip(front["network"], front["overrides"], strict=True):
        settings = json.loads(overrides) if isinstance(overrides, str) else {}
        parts = [f"{path.rsplit('.', 1)[-1]}={value}" for path, value in settings.items()]
        labels.append(" ".join([str(network), *parts]))
    return labels
