"""The Eyeriss cost table that choose_dataflow prices energy with."""

from __future__ import annotations

from socsim.dataflow import AccessCounts
from socsim.energy import EYERISS


def test_eyeriss_costs_per_level_and_total():
    """DRAM 200, GLB 6, inter-PE 2, RF 1, MAC 1 per word; reads and writes alike; total = sum."""
    counts = AccessCounts(mac=1, rf_read=2, rf_write=3, noc=4, glb_read=5, glb_write=6,
                          dram_read=7, dram_write=8)  # fmt: skip
    e = EYERISS.energy(counts)
    assert e == {"mac": 1, "rf": 5, "noc": 8, "glb": 66, "dram": 3000, "total": 3080}
