"""Exact timings of tiny hand-made workloads, checked against hand calculations.

The configuration is chosen for arithmetic: DRAM latency 10, 8 B/cycle, one channel;
bus 16 B/cycle; DMA setup 5; no firmware cost. A 1024-byte load then takes
5 (setup) + 10 (latency) + 1024/8 (DRAM, the slower of bus and DRAM) = 143 cycles and a
512-byte store 5 + 10 + 64 = 79.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace

import pytest

import socsim
from socsim.components.config import (
    ControllerConfig,
    DmaConfig,
    DramConfig,
    InterconnectConfig,
    Partition,
    SocConfig,
)
from socsim.components.dma import Dma
from socsim.components.interconnect import Interconnect
from socsim.components.plan import Program
from socsim.components.soc import Soc
from socsim.dataflow import AccessCounts, Dataflow, LayerMapping, Tile
from socsim.errors import SimulationError
from socsim.workloads import NetworkBuilder

CONFIG = SocConfig(
    dram=DramConfig(latency_cycles=10, bytes_per_cycle=8),
    interconnect=InterconnectConfig(bytes_per_cycle=16, grant_bytes=4096),
    dma=DmaConfig(channels=2, setup_cycles=5, burst_bytes=64),
    controller=ControllerConfig(layer_setup_cycles=0, command_cycles=0),
)
TILE = Tile(
    repeat=1,
    ifmap_bytes=1024,
    weight_bytes=0,
    psum_in_bytes=0,
    out_bytes=512,
    compute_cycles=100,
    macs=10,
    glb_bytes=2048,
    counts=AccessCounts(mac=10),
)


def run(config: SocConfig, tiles: tuple[Tile, ...], frames: int = 1) -> Soc:
    builder = NetworkBuilder("tiny", (4, 8, 8))
    builder.conv("conv", "input", 4, 1)
    network = builder.build()
    mapping = LayerMapping(network.layers[0], config.array(), Dataflow.OS, tiles)
    soc = Soc(config, Program((mapping,)))
    soc.run([0] * frames)
    return soc


def intervals(soc: Soc, unit: str) -> list[tuple[int, int]]:
    return [(row[0], row[1]) for row in soc.log.frame().itertuples(index=False) if row[2] == unit]


def test_one_tile_loads_computes_and_stores_in_sequence():
    soc = run(CONFIG, (TILE,))
    assert soc.host.frames == [[0, 0, 143 + 100 + 79]]
    assert intervals(soc, "soc.cluster0.pe_array") == [(143, 243)]
    assert intervals(soc, "soc.dram.ch0") == [(15, 143), (258, 322)]
    assert intervals(soc, "soc.cluster0.global_buffer") == [(0, 322)]


def test_second_load_overlaps_first_compute_and_store_waits_for_dram():
    soc = run(CONFIG, (replace(TILE, repeat=2),))
    # load1 is issued when load0 lands (143) and holds DRAM until 286; store0, ready at
    # 258, waits for it: 286 + 64 = 350. Compute1 runs 286-386; store1 lands at 465.
    assert intervals(soc, "soc.cluster0.pe_array") == [(143, 243), (286, 386)]
    assert intervals(soc, "soc.dram.ch0") == [(15, 143), (158, 286), (286, 350), (401, 465)]
    assert soc.host.frames == [[0, 0, 465]]


def test_two_clusters_contend_for_one_dram_channel():
    config = replace(CONFIG, clusters=2, partition=Partition.FRAMES)
    soc = run(config, (TILE,), frames=2)
    # Both loads reach DRAM at 15; cluster1 waits until 143. Cluster0's store waits for
    # cluster1's load to leave DRAM (271); cluster1 computes 271-371 and stores by 450.
    assert intervals(soc, "soc.cluster0.pe_array") == [(143, 243)]
    assert intervals(soc, "soc.cluster1.pe_array") == [(271, 371)]
    assert soc.host.frames == [[0, 0, 335], [0, 0, 450]]


def test_a_tile_larger_than_the_buffer_raises_naming_the_buffer():
    with pytest.raises(SimulationError, match=r"soc\.cluster0\.global_buffer.*never be admitted"):
        run(CONFIG, (replace(TILE, glb_bytes=CONFIG.global_buffer.size_bytes + 1),))


def test_a_run_that_cannot_finish_raises_naming_the_blocked_component(monkeypatch):
    def swallow(self, channel):  # a broken DMA: takes descriptors, never completes them
        while True:
            yield self.queue.get()

    monkeypatch.setattr(Dma, "serve", swallow)
    with pytest.raises(
        SimulationError,
        match=r"1 frame\(s\) unfinished.*soc\.cluster0\.controller load stage waits for "
        r"soc\.cluster0\.dma: the load of layer 0 tile 0",
    ):
        run(CONFIG, (TILE,))


def test_a_stopped_simulation_carries_its_partial_result(monkeypatch):
    """A run whose stores never land stops after the first tile's compute; the error holds
    the events up to then, the unfinished frame, and what the stuck stage waits for."""
    transfer = Interconnect.transfer

    def no_writes(self, nbytes, write, *args):  # a broken bus: writes never complete
        if write:
            yield self.env.event()
        yield from transfer(self, nbytes, write, *args)

    monkeypatch.setattr(Interconnect, "transfer", no_writes)
    builder = NetworkBuilder("tiny", (4, 8, 8))
    builder.conv("conv", "input", 4, 1)
    with pytest.raises(SimulationError, match=r"stopped at cycle (\d+)") as caught:
        socsim.simulate(builder.build(), CONFIG)
    error = caught.value
    assert error.waits == {
        "soc.cluster0.controller store": "soc.cluster0.dma: the store of layer 0 tile 0"
    }
    result = error.result
    (tile,) = result.mappings[0].tiles
    assert tile.repeat == 1
    events = result.events
    # Only the tile's load (DMA and DRAM), the wait for it and its compute ran; no store.
    assert sorted(events["action"].astype(str).unique()) == ["compute", "load", "read", "wait_dma"]
    assert events.loc[events["action"] == "load", "bytes"].sum() == tile.in_bytes
    assert result.summary["dram_bytes"] == tile.in_bytes
    assert result.summary["macs"] == tile.macs
    stopped = int(re.search(r"stopped at cycle (\d+)", str(error))[1])
    compute = events[events["action"] == "compute"]
    # The store's DMA set up (5 cycles) after the compute, then its transfer never ended.
    assert stopped == compute["end"].max() + 5 == result.summary["cycles"]
    assert result.frames["finish"].isna().all() and result.frames["latency"].isna().all()
    assert math.isnan(result.summary["latency_p50"])
