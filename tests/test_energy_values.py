"""Energy of a run is the cost table times every access count of the mappings.

The expected figures are worked out here, level by level, from each tile's `AccessCounts`
and the costs, without `socsim.energy`'s aggregation. The costs (mac 1.5, rf 0.25, noc 3,
glb 7, dram 211) are exact in binary, so every sum is exact in any order and the checks are
equalities. Reads and writes of a level cost the same, so a level that dropped one of its
two counts would fall short.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from sharing import shared

from socsim import simulate
from socsim.components.config import (
    ControllerConfig,
    DataflowChoice,
    DmaConfig,
    DramConfig,
    EnergyConfig,
    GlobalBufferConfig,
    InterconnectConfig,
    Partition,
    PeArrayConfig,
    SocConfig,
)
from socsim.components.plan import Program
from socsim.components.soc import Soc
from socsim.dataflow import AccessCounts, Dataflow, LayerMapping, Tile
from socsim.energy import EYERISS, EnergyTable
from socsim.summarize import with_energy
from socsim.workloads import NetworkBuilder

COSTS = {"mac": 1.5, "rf": 0.25, "noc": 3.0, "glb": 7.0, "dram": 211.0}
# The counts each level charges, written out here rather than taken from socsim.energy.
CHARGED = {
    "mac": ("mac",),
    "rf": ("rf_read", "rf_write"),
    "noc": ("noc",),
    "glb": ("glb_read", "glb_write"),
    "dram": ("dram_read", "dram_write"),
}
FIELDS = ("mac", "rf_read", "rf_write", "noc", "glb_read", "glb_write", "dram_read", "dram_write")
ON_CHIP, DRAM = FIELDS[:6], FIELDS[6:]
FRAMES = 2

# A 600-byte buffer on a 3x5 array cuts the conv into 126 tiles (42 distinct, with
# repeats); DRAM, bus, DMA and firmware figures divide nothing.
SOC = SocConfig(
    pe_array=PeArrayConfig(rows=3, cols=5),
    global_buffer=GlobalBufferConfig(size_bytes=600, words_per_cycle=7),
    dram=DramConfig(latency_cycles=7, bytes_per_cycle=6),
    interconnect=InterconnectConfig(bytes_per_cycle=9, grant_bytes=60),
    dma=DmaConfig(channels=2, setup_cycles=3, burst_bytes=20),
    controller=ControllerConfig(layer_setup_cycles=11, command_cycles=4),
    energy=EnergyConfig(**COSTS),
)
SOCS = {
    "one cluster": SOC,
    "frames": replace(SOC, clusters=2, partition=Partition.FRAMES),
    "pipeline": replace(SOC, clusters=2, partition=Partition.PIPELINE),
    "channels": replace(SOC, clusters=2, partition=Partition.CHANNELS),
    "weight stationary": replace(SOC, pe_array=replace(SOC.pe_array, dataflow=DataflowChoice.WS)),
}


def tiny_network():
    builder = NetworkBuilder("tiny", (3, 9, 7))
    x = builder.conv("conv", "input", 5, 3, pad=1)
    x = builder.maxpool("pool", x, 2, stride=2, ceil_mode=True)
    builder.fc("fc", x, 7)
    return builder.build()


@pytest.fixture(scope=shared("module"), params=list(SOCS))
def result(request):
    return simulate(tiny_network(), SOCS[request.param], frames=FRAMES)


def per_tile(result) -> dict[tuple[int, int], Counter]:
    """What the mappings count for each (layer, tile number): the sum over the shares a
    layer was cut into (each numbers its tiles from 0, as its cluster runs them)."""
    index = {layer.name: i for i, layer in enumerate(result.network.layers)}
    expected: dict[tuple[int, int], Counter] = {}
    for mapping in result.work:
        for number, tile in enumerate(mapping.expanded()):
            key = (index[mapping.layer.name], number)
            expected.setdefault(key, Counter()).update(tile.counts.as_dict())
    return expected


def energy_by_layer(result) -> dict[tuple[int, str], float]:
    """Per (layer, level): the cost times the charged counts of every tile of one frame."""
    index = {layer.name: i for i, layer in enumerate(result.network.layers)}
    energy: Counter = Counter()
    for mapping in result.work:
        for tile in mapping.tiles:
            counts = tile.counts.as_dict()
            for level, names in CHARGED.items():
                words = sum(counts[name] for name in names)
                energy[index[mapping.layer.name], level] += tile.repeat * COSTS[level] * words
    return energy


def logged(events: pd.DataFrame, units: str, fields: tuple[str, ...]) -> dict:
    """The sums of `fields` over the rows of units starting with `units`, per (frame, layer,
    tile), rows carrying none left out."""
    rows = events[events["unit"].astype(str).str.startswith(units)]
    sums = rows.groupby(["frame", "layer", "tile"])[list(fields)].sum()
    return {key: dict(row) for key, row in sums.iterrows() if any(row)}


def test_the_workload_exercises_every_count():
    """Every count is non-zero somewhere and the conv runs as several tiles, some repeated,
    so a dropped count or a tile counted once shows."""
    simulated = simulate(tiny_network(), SOC)
    totals = sum((m.counts for m in simulated.mappings), AccessCounts())
    assert all(totals.as_tuple())
    conv = simulated.mappings[0]
    assert conv.tile_count > len(conv.tiles) > 1


def test_the_array_logs_each_tiles_on_chip_counts(result):
    """Each compute row carries its tile's MACs, register-file, inter-PE and buffer counts,
    per frame, as the mapping counts them (shares of a layer summed)."""
    expected = {
        (frame, layer, tile): {name: counts[name] for name in ON_CHIP}
        for frame in range(FRAMES)
        for (layer, tile), counts in per_tile(result).items()
        if any(counts[name] for name in ON_CHIP)
    }
    assert logged(result.events, "soc.cluster", ON_CHIP) == expected
    compute = result.events[result.events["action"] == "compute"]
    assert (compute[list(DRAM)] == 0).all().all()  # DRAM words are the DRAM's to log


def test_dram_logs_each_tiles_words(result):
    """The DRAM rows of each tile add up to its mapping's DRAM reads and writes."""
    expected = {
        (frame, layer, tile): {name: counts[name] for name in DRAM}
        for frame in range(FRAMES)
        for (layer, tile), counts in per_tile(result).items()
        if any(counts[name] for name in DRAM)
    }
    assert logged(result.events, "soc.dram.", DRAM) == expected
    dram = result.events[result.events["unit"].astype(str).str.startswith("soc.dram.")]
    assert (dram[list(ON_CHIP)] == 0).all().all()


def test_the_event_energy_is_the_costs_times_the_mappings_counts(result):
    """Per layer and level, the events' energy over all frames is FRAMES x cost x the
    charged counts of the layer's tiles (repeats included); the total is their sum."""
    by_layer = energy_by_layer(result)
    events = result.events
    for level in COSTS:
        got = events.groupby("layer")[f"energy_{level}"].sum()
        got = {layer: value for layer, value in got.items() if layer >= 0}
        want = {layer: FRAMES * e for (layer, lvl), e in by_layer.items() if lvl == level}
        assert got == want, level
    assert events["energy"].sum() == FRAMES * sum(by_layer.values())


def test_the_summary_and_layer_table_hold_the_same_energy(result):
    """The summary's energy per level is FRAMES x the mappings' (no idle cost is set); the
    layer table's is one frame's, per layer."""
    by_layer = energy_by_layer(result)
    energy = result.summary["energy"]
    for level in COSTS:
        want = FRAMES * sum(e for (_, lvl), e in by_layer.items() if lvl == level)
        assert energy[level] == want, level
        column = result.layers[f"energy_{level}"].to_dict()
        assert column == {layer: by_layer[layer, level] for layer in column}, level
    assert energy["idle"] == 0.0
    assert energy["total"] == FRAMES * sum(by_layer.values())


def test_a_hand_made_tile_costs_its_counts_on_the_eyeriss_table():
    """A tile with mac 10, rf 3 + 5, noc 7, glb 11 + 13 that loads 150 B and stores 70 B
    (75 + 35 DRAM words) costs, at Eyeriss's 1, 1, 2, 6, 200: mac 10, rf 8, noc 14,
    glb 144, dram 22000; 22176 in all."""
    counts = AccessCounts(mac=10, rf_read=3, rf_write=5, noc=7, glb_read=11, glb_write=13)
    tile = Tile(
        repeat=1,
        ifmap_bytes=150,
        weight_bytes=0,
        psum_in_bytes=0,
        out_bytes=70,
        compute_cycles=37,
        macs=10,
        glb_bytes=400,
        counts=counts,
    )
    config = replace(SOC, energy=EnergyConfig(table="eyeriss"))
    builder = NetworkBuilder("one", (4, 8, 8))
    builder.conv("conv", "input", 4, 1)
    network = builder.build()
    mapping = LayerMapping(network.layers[0], config.array(), Dataflow.OS, (tile,))
    soc = Soc(config, Program((mapping,)))
    soc.run([0])
    events = with_energy(soc.log.frame(), config)
    got = {level: events[f"energy_{level}"].sum() for level in COSTS}
    assert got == {"mac": 10.0, "rf": 8.0, "noc": 14.0, "glb": 144.0, "dram": 22000.0}
    assert events["energy"].sum() == 22176.0


def test_the_table_charges_reads_and_writes_of_every_level():
    """mac 2, rf 3 + 4, noc 5, glb 6 + 7, dram 8 + 9 words at Eyeriss's costs: mac 2,
    rf 7, noc 2 x 5 = 10, glb 6 x 13 = 78, dram 200 x 17 = 3400; 3497 in all. A frame of
    two such rows costs twice that per level."""
    counts = AccessCounts(2, 3, 4, 5, 6, 7, 8, 9)
    want = {"mac": 2.0, "rf": 7.0, "noc": 10.0, "glb": 78.0, "dram": 3400.0}
    assert EYERISS.energy(counts) == {**want, "total": 3497.0}
    frame = pd.DataFrame([counts.as_dict()] * 2)
    assert EYERISS.frame(frame).sum().to_dict() == {k: 2 * v for k, v in want.items()}


def test_a_frame_of_counts_is_priced_row_by_row_on_its_own_index():
    """Rows keep their labels (an event log filtered to rows 7, 12 and 3, say), so the
    energy lines up with the rows it prices when joined back. Counts stored as int32 (as a
    file may keep them) are summed without wrapping: rf reads and writes of 2**31 - 1 each
    are 2**32 - 2 words, rf energy 2**32 - 2 at Eyeriss's rf cost of 1, where int32
    arithmetic would wrap to -2."""
    big = 2**31 - 1
    rows = [AccessCounts(2, 3, 4, 5, 6, 7, 8, 9), AccessCounts(0, big, big), AccessCounts(1)]
    frame = pd.DataFrame([c.as_dict() for c in rows], index=[7, 12, 3]).astype("int32")
    energy = EYERISS.frame(frame)
    assert list(energy.index) == [7, 12, 3]
    assert energy.loc[7].to_dict() == {
        "mac": 2.0,
        "rf": 7.0,
        "noc": 10.0,
        "glb": 78.0,
        "dram": 3400.0,
    }
    assert energy.loc[12, "rf"] == 2.0**32 - 2
    assert energy.loc[3].to_dict() == {"mac": 1.0, "rf": 0.0, "noc": 0.0, "glb": 0.0, "dram": 0.0}


def test_a_table_with_whole_number_costs_prices_in_floats():
    """Eyeriss's table as the paper prints it (1, 1, 2, 6, 200), written with integers: the
    energy columns are floats all the same (energy is summed with fractional leakage and
    stored beside other tables' fractional costs), with the same values."""
    whole = EnergyTable(unit="MAC", mac=1, rf=1, noc=2, glb=6, dram=200)
    frame = pd.DataFrame([AccessCounts(2, 3, 4, 5, 6, 7, 8, 9).as_dict()] * 3)
    energy = whole.frame(frame)
    assert set(energy.dtypes) == {np.dtype(np.float64)}
    assert energy.equals(EYERISS.frame(frame))
