"""Where the time, the stalls and the energy of a run go: per stage, block, layer and unit.

Every table here is a grouping of `Result.layers` or `Result.events`, so its rows add up to
the run's totals. Layer-based tables (`stage_summary`, `block_summary`) are per frame, as
`Result.layers` is (means over frames); event-based tables (`stall_summary`,
`energy_by_component`) sum over the whole run, every frame and cluster.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pandas as pd

from socsim.summarize import ENERGY_COLUMNS, STALL_CAUSES

if TYPE_CHECKING:  # annotations only: reading a Result needs no simulator
    from socsim.simulation import Result

OTHER = "other"
# The zoo's stage tags: 0 the stem (conv1 and its pool), 1 to 4 the stages, 5 the head.
STAGE_NAMES = {0: "stem", 5: "head"}


def stage_label(stage: object) -> str:
    """Display name of a stage tag: "stem", "stage 1" … "stage 4", "head"; "other" if untagged."""
    if pd.isna(stage):
        return OTHER
    return STAGE_NAMES.get(int(stage), f"stage {int(stage)}")


def _group(result: Result, key: str) -> pd.DataFrame:
    """Sums the per-layer figures of `result.layers` over the groups of column `key`."""
    layers = result.layers
    pes = result.soc.pe_array.rows * result.soc.pe_array.cols
    sums = ["cycles", "compute_cycles", "macs", "dram_bytes", *ENERGY_COLUMNS, "energy"]
    table = layers.groupby(key, dropna=False, sort=True).agg(
        layers=("name", "size"), **{c: (c, "sum") for c in sums}
    )
    table["efficiency"] = table["macs"] / (table["compute_cycles"] * pes)
    return table


def stage_summary(result: Result) -> pd.DataFrame:
    """Per stage, in network order: the sums over its layers, per frame.

    Indexed by `stage_label` ("stem", "stage 1" …, "head"); layers without a stage tag
    (every layer of AlexNet or SqueezeNet, say) form the last row, "other", so the rows
    always add up to the network. Columns: `layers` (count), `cycles` (sum of the layers'
    spans), `compute_cycles` (the array's busy cycles), `macs`, `efficiency` (MACs /
    (compute cycles x PEs)), `dram_bytes`, energy per level (`energy_mac` …) and `energy`
    in total, in `result.summary["energy_unit"]`.
    """
    table = _group(result, "stage")
    table.index = pd.Index([stage_label(s) for s in table.index], name="stage")
    return table


def block_summary(result: Result) -> pd.DataFrame:
    """Per residual block (fire module, …), in network order: as `stage_summary`, per frame.

    Indexed by the block tag, with the block's `stage` label first. Layers outside any
    block (the stem, pools between stages, the head) are left out: `stage_summary` holds
    them, so the rows here add up to the blocks only.
    """
    table = _group(result, "block").loc[lambda t: t.index.notna()]
    table.index = table.index.astype(int)
    stages = result.layers.groupby("block")["stage"].first()
    table.insert(0, "stage", [stage_label(s) for s in stages.reindex(table.index)])
    return table


def stall_summary(result: Result) -> pd.DataFrame:
    """Cycles each layer's pipeline stages spent waiting, by cause, summed over the run.

    One row per layer (name first), one column per cause, then `total`:
    `wait_dma` (the array waited for a tile's load), `wait_buffer` (a load waited for
    global-buffer space), `wait_array` (the prefetch window was full: a load waited for the
    array and the stores to retire a tile). Summed over frames and clusters; the causes
    are waits of different stages, so they may overlap in time and the total can exceed
    the layer's span. The run's totals are `table[list(STALL_CAUSES)].sum()`.
    """
    events = result.events
    waits = events[events["action"].isin(STALL_CAUSES)]
    table = (
        (waits["end"] - waits["start"])
        .groupby([waits["layer"], waits["action"].astype(str)])
        .sum()
        .unstack(fill_value=0)
        .reindex(index=result.layers.index, columns=list(STALL_CAUSES), fill_value=0)
        .astype("int64")
    )
    table.columns.name = None
    table["total"] = table.sum(axis=1)
    table.insert(0, "name", result.layers["name"])
    return table


def energy_by_component(result: Result) -> pd.DataFrame:
    """Energy per unit scope over the whole run, by level, in `summary["energy_unit"]`.

    Sums the row energies of each unit (DRAM channels carry the DRAM level, the PE arrays
    the on-chip levels), adds the unit's leakage as `energy_idle` (zero unless the SoC sets
    `energy.idle_per_cycle`; `Result.leakage`), then `energy` in total and `share` of the run's total. The
    `energy` column sums to `summary["energy"]["total"]`.
    """
    events = result.events
    table = events.groupby(events["unit"].astype(str))[ENERGY_COLUMNS].sum()
    table["energy_idle"] = result.leakage.reindex(table.index, fill_value=0.0)
    table["energy"] = table.sum(axis=1)
    table["share"] = table["energy"] / table["energy"].sum()
    return table.rename_axis("unit")


def normalise(table: pd.DataFrame, column: str, by: str | list[str] | None = None) -> pd.Series:
    """`column` divided by its minimum within each group of `by`, the paper's way.

    Table 3 divides each network's time by the fastest network's on the same configuration,
    so `normalise(runs, "cycles", by="soc")` reads 1.00 for the fastest network of each SoC.
    With `by=None` the whole table is one group.
    """
    values = table[column]
    least = values.min() if by is None else table.groupby(by)[column].transform("min")
    return values / least


def run_table(results: Iterable[Result]) -> pd.DataFrame:
    """One row per run: the headline figures and the paper's metadata, ready to compare.

    Columns: `model`, `soc`, `cycles` (makespan), `macs`, `dram_bytes` and `energy` per
    frame (energy in the run's unit), `efficiency` (MACs / (compute cycles x PEs), the
    network's whole), `top1` (%) and `params_M` from the network's metadata (NaN when the
    paper gives none), and `time`, the cycles normalised by the fastest run of each SoC.
    With one frame per run, `cycles` is that frame's time, the paper's measure.
    """
    rows = []
    for r in results:
        frames = r.summary["frames"]
        pes = r.soc.pe_array.rows * r.soc.pe_array.cols
        rows.append(
            {
                "model": r.network.name,
                "soc": r.soc.name,
                "cycles": r.summary["cycles"],
                "macs": r.summary["macs"] / frames,
                "dram_bytes": r.summary["dram_bytes"] / frames,
                "energy": r.summary["energy"]["total"] / frames,
                "efficiency": r.layers["macs"].sum() / (r.layers["compute_cycles"].sum() * pes),
                "top1": r.network.metadata.get("top1"),
                "params_M": r.network.metadata.get("paper_params_M"),
            }
        )
    table = pd.DataFrame(rows).astype({"top1": float, "params_M": float})
    table["time"] = normalise(table, "cycles", by="soc")
    return table
