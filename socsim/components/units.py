"""The unit table: every unit of a built SoC that logs events, as plain data.

Elaborating a SoC (`Soc.units`, built with it) lists, per unit scope (the `unit` column of the event
log): its `kind` (`dram`, `interconnect`, `dma`, `global_buffer`, `pe_array`, `controller`,
`pipeline`), the `component` it belongs to (a DRAM or DMA channel's engine, a pipeline's
controller; otherwise the unit itself), its `cluster` (-1 for shared units) and that
cluster's scope in `owner` (`soc` for shared units), its `channel` (-1 if none), its
`capacity` in `capacity_unit` (`intervals` it may run at once, `bytes` it may hold, or
`none` for waits, which overlap), the `actions` it logs and what its `bytes` column means.
Reports, traces and `socsim.testing` join events on this table instead of parsing scopes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

COLUMNS = (
    "kind",
    "component",
    "cluster",
    "owner",
    "channel",
    "capacity",
    "capacity_unit",
    "actions",
    "bytes",
)


@dataclass(frozen=True, kw_only=True)
class Unit:
    """One row of the unit table (see the module docstring)."""

    scope: str
    kind: str
    component: str
    cluster: int = -1
    owner: str = "soc"
    channel: int = -1
    capacity: int = 1
    capacity_unit: str = "intervals"
    actions: tuple[str, ...]
    bytes: str


def unit_table(units: list[Unit]) -> pd.DataFrame:
    """The units as a DataFrame indexed by scope, in elaboration order."""
    table = pd.DataFrame([asdict(u) for u in units], columns=["scope", *COLUMNS])
    return table.set_index("scope")
