"""Energy: a cost per access at each level, applied to access counts in one place.

Levels: `mac` (one multiply-accumulate), `rf` (a register-file read or write), `noc` (an
inter-PE transfer), `glb` (a global-buffer read or write) and `dram` (a DRAM read or
write), each per 16-bit word. Totals, per-layer and per-component figures all apply one
linear formula (`EnergyTable.by_level`), to summed counts or row by row, so they add up
(to the bit when the costs are whole numbers, as Eyeriss's are).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from socsim.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

LEVELS = ("mac", "rf", "noc", "glb", "dram")

# Which fields of `socsim.dataflow.AccessCounts` each level charges. This module imports no
# other socsim package (a leaf every layer may use), so counts are read by field name.
LEVEL_COUNTS = {
    "mac": ("mac",),
    "rf": ("rf_read", "rf_write"),
    "noc": ("noc",),
    "glb": ("glb_read", "glb_write"),
    "dram": ("dram_read", "dram_write"),
}
COUNT_FIELDS = tuple(name for names in LEVEL_COUNTS.values() for name in names)


@dataclass(frozen=True, kw_only=True)
class EnergyTable:
    """Cost per word accessed at each level, in `unit`."""

    unit: str
    mac: float
    rf: float
    noc: float
    glb: float
    dram: float

    def by_level(self, counts: Mapping[str, Any]) -> dict[str, Any]:
        """Energy per level: its cost x the sum of the count fields it charges (`LEVEL_COUNTS`).

        The one formula: `counts` maps each `AccessCounts` field name to a number (one set
        of counts) or to a column (one value per event row), and so does the result.
        """
        return {
            level: getattr(self, level) * sum(counts[name] for name in LEVEL_COUNTS[level])
            for level in LEVELS
        }

    def energy(self, counts: Any) -> dict[str, float]:
        """Energy per level of one `AccessCounts` (or anything with its fields), and `total`."""
        parts = self.by_level({name: getattr(counts, name) for name in COUNT_FIELDS})
        parts["total"] = sum(parts.values())
        return parts

    def frame(self, counts: pd.DataFrame) -> pd.DataFrame:
        """Energy per level (columns `LEVELS`) of every row of a frame of count columns."""
        import pandas as pd  # loads on first use: `socsim --help` must not pay for it

        parts = self.by_level({name: counts[name].to_numpy(np.int64) for name in COUNT_FIELDS})
        return pd.DataFrame(
            {level: np.asarray(part, np.float64) for level, part in parts.items()},
            index=counts.index,
        )


# Eyeriss (Chen et al., ISCA 2016, Table IV) relative costs: the SqueezeNext paper's units.
EYERISS = EnergyTable(unit="MAC", mac=1.0, rf=1.0, noc=2.0, glb=6.0, dram=200.0)

# Picojoules per 16-bit access at 45 nm, from Horowitz (ISSCC 2014, "Computing's energy
# problem"): a 16-bit integer multiply-add ~0.85 pJ (8-bit mult 0.2, 32-bit 3.1, scaled);
# register file as one MAC (Eyeriss's ratio); a 100+ KiB SRAM ~5 pJ per 16-bit read (8 KiB
# 64-bit read is 10 pJ, larger arrays cost more); DRAM 1.3 nJ per 64-bit access -> 325 pJ.
PJ_45NM = EnergyTable(unit="pJ", mac=0.85, rf=0.85, noc=1.7, glb=5.0, dram=325.0)

TABLES = {"eyeriss": EYERISS, "pj-45nm": PJ_45NM}


def get_table(name: str) -> EnergyTable:
    try:
        return TABLES[name]
    except KeyError:
        raise ConfigError(f"energy.table={name!r}, expected one of {', '.join(TABLES)}") from None
