"""Co-design: search SqueezeNext's depth distribution for one SoC.

The paper moved blocks out of the early, high-resolution stages by hand (v2 to v5). Here
every way of dealing `blocks` blocks to the four stages, at least one each (C(blocks-1, 3)
of them: 1,140 for 21), optionally crossed with conv1 kernels, widths and first-block
styles, is simulated on the given SoC with the sweep machinery and ranked by time, energy
or their product, beside the paper's own variants on the same hardware.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from socsim.checks import checked_number
from socsim.components.config import SocConfig
from socsim.errors import ConfigError
from socsim.explore.executors import Executor
from socsim.explore.spec import (
    FIRST_BLOCKS,
    DesignPoint,
    SqueezeNextNetwork,
    ZooNetwork,
    make_point,
    network_digest,
)
from socsim.explore.store import ResultStore
from socsim.explore.sweep import run_points
from socsim.limits import max_points
from socsim.workloads import Network, get_network, model_names
from socsim.workloads.squeezenext import STAGE_CHANNELS

STAGES = 4
MAX_WIDTH = 16  # width multiplier: 16x SqueezeNext's channels is far past any design
OBJECTIVES = ("time", "energy", "edp")  # edp: energy-delay product, cycles x energy
DESCRIBED = ["depth", "conv1_k", "width", "first_block"]  # what `_describe` says of a network
COLUMNS = [
    "network", *DESCRIBED, "cycles", "time_x", "seconds",
    "energy_total", "params", "macs", "utilization", "objective",
]  # fmt: skip


@dataclass(frozen=True)
class CodesignResult:
    """`designs`: the searched networks that ran, best first; `paper`: the paper's variants
    of the searched widths on the same SoC, with `rank`, the place the same network takes
    among `designs` (missing if outside the search). `time_x` is cycles over the fastest
    network of either table, as the paper normalises; `objective` the ranked value.
    `over_budget` counts candidates left out by `max_params`, `failed` designs that
    raised (their errors are in the sweep dataset if one was kept)."""

    designs: pd.DataFrame
    paper: pd.DataFrame
    objective: str
    over_budget: int
    failed: int


def compositions(total: int, parts: int = STAGES) -> list[tuple[int, ...]]:
    """Every way to write `total` as an ordered sum of `parts` positive integers."""
    return [
        tuple(b - a for a, b in zip((0, *cuts), (*cuts, total), strict=True))
        for cuts in itertools.combinations(range(1, total), parts - 1)
    ]


def search_space(
    blocks: int,
    *,
    conv1_ks: Sequence[int] = (5,),
    widths: Sequence[float] = (1.0,),
    first_blocks: Sequence[str] = ("projection",),
) -> list[SqueezeNextNetwork]:
    """The candidate networks: every depth distribution of `blocks` blocks, crossed with
    the conv1 kernels, widths and first-block styles."""
    checked_number("blocks", blocks, quantity="integer", low=STAGES, integer=True)
    for k in conv1_ks:
        checked_number("conv1_k", k, quantity="integer", low=1, integer=True)
    for width in widths:
        checked_number("width", width, quantity="width multiplier", high=MAX_WIDTH, positive=True)
    for style in first_blocks:
        if style not in FIRST_BLOCKS:
            raise ConfigError(f"first_block={style!r}, expected one of {', '.join(FIRST_BLOCKS)}")
    size = math.comb(blocks - 1, STAGES - 1) * len(widths) * len(conv1_ks) * len(first_blocks)
    if size > max_points():
        raise ConfigError(
            f"blocks={blocks} makes {size:,} candidate networks, expected at most "
            f"{max_points():,}: deal fewer blocks, search fewer kernels, widths or styles, or "
            "raise the limit (--max-points, SOCSIM_MAX_POINTS)"
        )
    return [
        SqueezeNextNetwork(depth, float(width), k, 1, style)  # type: ignore[arg-type]
        for width, k, style, depth in itertools.product(
            widths, conv1_ks, first_blocks, compositions(blocks)
        )
    ]


def paper_variants(widths: Sequence[float]) -> list[str]:
    """The zoo's 23-module SqueezeNexts (v1, and v2 to v5 where published) of these widths."""
    prefixes = {f"{float(width):.1f}-SqNxt-23" for width in widths}
    return [
        name
        for name in model_names()
        if any(re.fullmatch(re.escape(p) + r"(v\d)?", name) for p in prefixes)
    ]


def codesign(
    soc: SocConfig,
    *,
    blocks: int = 21,
    objective: str = "time",
    max_params: float | None = None,
    conv1_ks: Sequence[int] = (5,),
    widths: Sequence[float] = (1.0,),
    first_blocks: Sequence[str] = ("projection",),
    executor: Executor | None = None,
    store: ResultStore | None = None,
    progress: bool | None = False,
) -> CodesignResult:
    """Simulates every candidate of `search_space` with at most `max_params` parameters,
    and the paper's variants, on `soc`; ranks the candidates by `objective`.

    `executor`, `store` and `progress` are as for `socsim.explore.run_points`: with a
    store, the search resumes where it stopped.
    """
    if objective not in OBJECTIVES:
        raise ConfigError(f"objective={objective!r}, expected one of {', '.join(OBJECTIVES)}")
    if max_params is not None:
        checked_number("max_params", max_params, quantity="number of parameters", positive=True)
    # id -> (point, its description): networks are built once here, and not kept.
    candidates: dict[str, tuple[DesignPoint, dict[str, object]]] = {}
    over_budget = 0
    for spec in search_space(blocks, conv1_ks=conv1_ks, widths=widths, first_blocks=first_blocks):
        network = spec.build()
        if max_params is not None and network.params > max_params:
            over_budget += 1
            continue
        point = make_point(spec, soc, digest=network_digest(network))
        candidates[point.id] = (point, _describe(network))
    paper = {}
    for name in paper_variants(widths):
        network = get_network(name)
        point = make_point(ZooNetwork(name), soc, digest=network_digest(network))
        paper[point.id] = (point, _describe(network))
    points = [point for point, _ in (*candidates.values(), *paper.values())]
    run = run_points(points, executor=executor, store=store, progress=progress)
    ok = run.results[run.results["status"] == "ok"].set_index("point_id")
    fastest = ok["cycles"].min() if len(ok) else 1
    designs = _table(ok, candidates, objective, fastest)
    reference = _table(ok, paper, objective, fastest)
    ranks = designs[DESCRIBED].assign(rank=range(1, len(designs) + 1))
    reference = reference.merge(ranks, on=DESCRIBED, how="left").astype({"rank": "Int64"})
    failed = len({point.id for point in points}) - len(ok)
    return CodesignResult(designs, reference, objective, over_budget, failed)


def _table(
    ok: pd.DataFrame,
    points: dict[str, tuple[DesignPoint, dict[str, object]]],
    objective: str,
    fastest: float,
) -> pd.DataFrame:
    """The ok rows of `points`, described and ranked best first."""
    ids = [point_id for point_id in points if point_id in ok.index]
    table = ok.loc[ids].copy()
    # An id names what runs, so the paper's v5 and the same searched network share a row;
    # each table shows its own name.
    table["network"] = [points[i][0].network.label for i in ids]
    described = [points[i][1] for i in ids]
    table = table.join(pd.DataFrame(described, index=table.index, columns=DESCRIBED))
    table["time_x"] = table["cycles"] / fastest
    table["objective"] = {
        "time": table["cycles"].astype(float),
        "energy": table["energy_total"],
        "edp": table["cycles"].astype(float) * table["energy_total"],
    }[objective]
    table = table.sort_values(["objective", "cycles", "energy_total", "params"], kind="stable")
    return table[COLUMNS].reset_index(drop=True)


def _describe(network: Network) -> dict[str, object]:
    """Depth per stage, conv1 kernel, width and first-block style, read off the layers
    (so the zoo's networks are described like the searched ones)."""
    blocks: dict[int, set[int]] = {}
    for layer in network.layers:
        if layer.block is not None and layer.stage is not None:
            blocks.setdefault(layer.stage, set()).add(layer.block)
    depth = [len(blocks.get(stage, ())) for stage in range(1, STAGES + 1)]
    names = {layer.name for layer in network.layers}
    return {
        "depth": "[" + ",".join(map(str, depth)) + "]",
        "conv1_k": network.layer("conv1").k_h,
        "width": network.layer("b1_expand").c_out / STAGE_CHANNELS[0],
        "first_block": "projection" if "b1_proj" in names else "shortcut",
    }


def codesign_report(result: CodesignResult, top: int = 10) -> str:
    """The `top` designs, then the paper's variants with the place each takes in the search,
    as aligned text."""

    def table(frame: pd.DataFrame, columns: list[str]) -> str:
        shown = frame.assign(
            width=frame["width"].map("{:.1f}".format),
            energy=frame["energy_total"],
            params_M=frame["params"] / 1e6,
            macs_M=frame["macs"] / 1e6,
        )[columns]
        return shown.to_string(index=False, float_format="{:.4g}".format) + "\n"

    numbers = ["cycles", "time_x", "energy", "params_M", "macs_M"]
    designs = result.designs.head(top).assign(rank=lambda f: range(1, len(f) + 1))
    text = f"best {len(designs)} of {len(result.designs)} designs by {result.objective}"
    text += f" ({result.over_budget} more over the parameter budget)" if result.over_budget else ""
    text += f", {result.failed} failed" if result.failed else ""
    if len(designs):
        text += ":\n" + table(designs, ["rank", *DESCRIBED, *numbers])
    else:
        text += ": none ran\n"
    text += "\nthe paper's variants on the same SoC (rank: their place in the search):\n"
    paper = result.paper.assign(
        rank=result.paper["rank"].astype(object).where(result.paper["rank"].notna(), "-")
    )
    return text + table(paper, ["network", *DESCRIBED, *numbers, "rank"])
