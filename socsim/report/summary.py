"""The run tables every `Result` carries, under the report package's name.

They are built by the summarize step of `simulate` (`socsim.summarize`), which lives below
the reports so that simulating never imports them; reports read them from here or there.
"""

from socsim.summarize import (
    ENERGY_COLUMNS,
    STALL_CAUSES,
    frame_summary,
    idle_by_unit,
    layer_summary,
    price,
    run_summary,
    span,
    with_energy,
)

__all__ = [
    "ENERGY_COLUMNS",
    "STALL_CAUSES",
    "frame_summary",
    "idle_by_unit",
    "layer_summary",
    "price",
    "run_summary",
    "span",
    "with_energy",
]
