"""The energy-driven dataflow choice prices energy with the SoC's own table.

The layer is a 1x1 conv (16 -> 8 channels on 55x55) on the 8x8 Squeezelerator. Output
stationary reads and writes each partial sum in the register file (RF 556,600 words) but
moves few words between PEs and the buffer; weight stationary keeps weights in the RFs
(267,560 words) but passes partial sums down the columns (NoC 630,560, GLB 243,496 vs OS's
124,960 and 197,696). MAC and DRAM counts are equal. On the Eyeriss table (rf 1, noc 2,
glb 6) OS costs 556,600 + 249,920 + 1,186,176 = 1,992,696 against WS's 267,560 +
1,261,120 + 1,460,976 = 2,989,656 of those levels; with a costly register file (rf 10, noc
0.5, glb 1) OS costs 5,566,000 + 62,480 + 197,696 = 5,826,176 against WS's 2,675,600 +
315,280 + 243,496 = 3,234,376. The choice must follow the table.
"""

from __future__ import annotations

from dataclasses import replace

from socsim import simulate
from socsim.components.config import DataflowChoice, EnergyConfig
from socsim.components.presets import get_preset
from socsim.dataflow import Dataflow, choose_dataflow, map_layer
from socsim.workloads import Layer, NetworkBuilder

LAYER = Layer(name="pw", op="conv", c_in=16, h_in=55, w_in=55, c_out=8)
BASE = get_preset("squeezelerator-8x8")
COSTLY_RF = {"rf": 10.0, "noc": 0.5, "glb": 1.0}


def on_chip(counts, rf: float, noc: float, glb: float) -> float:
    """The levels that differ between OS and WS, priced by hand."""
    return (
        rf * (counts.rf_read + counts.rf_write)
        + noc * counts.noc
        + glb * (counts.glb_read + counts.glb_write)
    )


def test_the_hand_figures_hold():
    """The docstring's arithmetic, from the mapper's counts."""
    os_, ws = (map_layer(LAYER, BASE.array(), d).counts for d in ("os", "ws"))
    assert (on_chip(os_, 1, 2, 6), on_chip(ws, 1, 2, 6)) == (1_992_696, 2_989_656)
    assert (on_chip(os_, **COSTLY_RF), on_chip(ws, **COSTLY_RF)) == (5_826_176, 3_234_376)


def test_choose_dataflow_uses_the_table_it_is_given():
    """Eyeriss (the default) picks OS; a table with a costly register file picks WS."""
    costly = replace(BASE.energy, **COSTLY_RF).costs()
    assert choose_dataflow(LAYER, BASE.array(), "energy").dataflow is Dataflow.OS
    assert choose_dataflow(LAYER, BASE.array(), "energy", costly).dataflow is Dataflow.WS


def test_simulate_chooses_by_the_socs_energy_table():
    """`dataflow: auto-energy` follows `SocConfig.energy`, overrides included."""
    builder = NetworkBuilder("one-pw", (16, 55, 55))
    builder.conv("pw", "input", 8, 1)
    network = builder.build()
    auto = replace(BASE, pe_array=replace(BASE.pe_array, dataflow=DataflowChoice.AUTO_ENERGY))
    users = replace(auto, energy=EnergyConfig(**COSTLY_RF))
    assert simulate(network, auto).mappings[0].dataflow is Dataflow.OS
    assert simulate(network, users).mappings[0].dataflow is Dataflow.WS
