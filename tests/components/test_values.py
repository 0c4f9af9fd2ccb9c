"""Exact event logs of hand-made tiles on a SoC where nothing divides evenly.

Unlike `test_timing.py`, firmware costs are non-zero and no size divides a burst, a grant or
a bandwidth, so every rounding and every firmware command shows in the cycles:

- DRAM: latency 7, 6 B/cycle, one channel; bus: 9 B/cycle, grants of 60 B (200 B in the
  single-chunk case); DMA: 2 channels, setup 3, bursts of 20 B; controller: layer setup 11,
  4 per command (each DMA descriptor and each array start).
- The tile loads 150 B, computes for 37 cycles and stores 70 B (2 B words: 75 and 35).

A chunk of `c` bytes moves ceil(c / 20) bursts; the bus takes ceil(20 x bursts / 9) cycles
of it and DRAM ceil(20 x bursts / 6). A chunk before the last holds both for the longer of
the two; after the last one the bus is free once its bytes crossed, DRAM a little later.
"""

from __future__ import annotations

from dataclasses import replace

import simpy

import socsim
from socsim.components.config import (
    Arbitration,
    ControllerConfig,
    DmaConfig,
    DramConfig,
    GlobalBufferConfig,
    InterconnectConfig,
    Partition,
    SocConfig,
)
from socsim.components.dram import Dram
from socsim.components.eventlog import EventLog
from socsim.components.plan import Program
from socsim.components.soc import Soc
from socsim.dataflow import AccessCounts, Dataflow, LayerMapping, Tile
from socsim.workloads import NetworkBuilder

ONE_CHUNK = SocConfig(
    dram=DramConfig(latency_cycles=7, bytes_per_cycle=6),
    interconnect=InterconnectConfig(bytes_per_cycle=9, grant_bytes=200),
    dma=DmaConfig(channels=2, setup_cycles=3, burst_bytes=20),
    controller=ControllerConfig(layer_setup_cycles=11, command_cycles=4),
)
CHUNKED = replace(ONE_CHUNK, interconnect=replace(ONE_CHUNK.interconnect, grant_bytes=60))
TWO_CLUSTERS = replace(CHUNKED, clusters=2, partition=Partition.FRAMES)
COUNTS = AccessCounts(mac=10, rf_read=3, rf_write=5, noc=7, glb_read=11, glb_write=13)
TILE = Tile(
    repeat=1,
    ifmap_bytes=150,
    weight_bytes=0,
    psum_in_bytes=0,
    out_bytes=70,
    compute_cycles=37,
    macs=10,
    glb_bytes=400,
    counts=COUNTS,
)


def run(config: SocConfig, tiles: tuple[Tile, ...], frames: int = 1) -> Soc:
    builder = NetworkBuilder("tiny", (4, 8, 8))
    builder.conv("conv", "input", 4, 1)
    network = builder.build()
    mapping = LayerMapping(network.layers[0], config.array(), Dataflow.OS, tiles)
    soc = Soc(config, Program((mapping,)))
    soc.run([0] * frames)
    return soc


def rows(soc: Soc, unit: str) -> list[tuple[int, int, str, int, int, int]]:
    """(start, end, action, frame, tile, bytes) of each row `unit` logged, in log order."""
    return [
        (r[0], r[1], r[3], r[4], r[6], r[7])
        for r in soc.log.frame().itertuples(index=False)
        if r[2] == unit
    ]


def counts(soc: Soc, unit: str) -> list[tuple[int, ...]]:
    """The access counts of each row `unit` logged."""
    return [tuple(r[9:]) for r in soc.log.frame().itertuples(index=False) if r[2] == unit]


def test_one_tile_pays_firmware_latency_and_whole_bursts():
    """Setup 0-11; load command 11-15; DMA setup 15-18; DRAM latency 18-25.
    Load: 150 B = 8 bursts = 160 B: bus ceil(160/9) = 18 (25-43), DRAM ceil(160/6) = 27
    (25-52). Array command 52-56, compute 56-93. Store command 93-97 on the idle DMA channel
    1: setup 97-100, latency 100-107, 70 B = 4 bursts = 80 B: bus ceil(80/9) = 9 (107-116),
    DRAM ceil(80/6) = 14 (107-121). The buffer holds 400 B from 11 to 121."""
    soc = run(ONE_CHUNK, (TILE,))
    c = "soc.cluster0.controller"
    assert rows(soc, c) == [
        (0, 11, "setup", 0, -1, 0),
        (11, 15, "command", 0, 0, 0),
        (52, 56, "command", 0, 0, 0),
        (93, 97, "command", 0, 0, 0),
    ]
    assert rows(soc, f"{c}.pipeline") == [(11, 52, "wait_dma", 0, 0, 0)]
    assert rows(soc, "soc.cluster0.dma.ch0") == [(15, 52, "load", 0, 0, 150)]
    assert rows(soc, "soc.cluster0.dma.ch1") == [(97, 121, "store", 0, 0, 70)]
    assert rows(soc, "soc.interconnect") == [
        (25, 43, "read", 0, 0, 150),
        (107, 116, "write", 0, 0, 70),
    ]
    assert rows(soc, "soc.dram.ch0") == [(25, 52, "read", 0, 0, 150), (107, 121, "write", 0, 0, 70)]
    assert rows(soc, "soc.cluster0.pe_array") == [(56, 93, "compute", 0, 0, 0)]
    assert rows(soc, "soc.cluster0.global_buffer") == [(11, 121, "hold", 0, 0, 400)]
    assert soc.host.frames == [[0, 0, 121]]


def test_two_tiles_overlap_with_transfers_cut_into_grants():
    """Grants of 60 B: a 150 B load is chunks 60, 60, 30 -> 3, 3 and 2 bursts. The first two
    hold bus and DRAM for max(ceil(60/9), ceil(60/6)) = 10 each; the last takes the bus
    ceil(40/9) = 5 and DRAM ceil(40/6) = 7: bus 25 cycles, DRAM 27. A 70 B store is chunks
    60, 10: 10, then bus ceil(20/9) = 3 and DRAM ceil(20/6) = 4: bus 13, DRAM 14.

    Tile 0 loads as in the single-chunk case (DMA 15-52). At 52 the compute stage takes the
    processor first (command 52-56, compute 56-93), then the load of tile 1 (command 56-60,
    DMA channel 1 60-97: latency to 70, DRAM 70-97). Store 0: command 93-97, DMA channel 0
    97-121 (DRAM 107-121). Tile 1 waited for its load 93-97: command 97-101, compute
    101-138. Store 1: command 138-142, DMA 142-166 (DRAM 152-166)."""
    soc = run(CHUNKED, (replace(TILE, repeat=2),))
    assert rows(soc, "soc.cluster0.controller") == [
        (0, 11, "setup", 0, -1, 0),
        (11, 15, "command", 0, 0, 0),
        (52, 56, "command", 0, 0, 0),
        (56, 60, "command", 0, 1, 0),
        (93, 97, "command", 0, 0, 0),
        (97, 101, "command", 0, 1, 0),
        (138, 142, "command", 0, 1, 0),
    ]
    assert rows(soc, "soc.cluster0.controller.pipeline") == [
        (11, 52, "wait_dma", 0, 0, 0),
        (93, 97, "wait_dma", 0, 1, 0),
    ]
    assert rows(soc, "soc.cluster0.pe_array") == [
        (56, 93, "compute", 0, 0, 0),
        (101, 138, "compute", 0, 1, 0),
    ]
    assert rows(soc, "soc.cluster0.dma.ch0") == [
        (15, 52, "load", 0, 0, 150),
        (97, 121, "store", 0, 0, 70),
    ]
    assert rows(soc, "soc.cluster0.dma.ch1") == [
        (60, 97, "load", 0, 1, 150),
        (142, 166, "store", 0, 1, 70),
    ]
    assert rows(soc, "soc.interconnect") == [
        (25, 50, "read", 0, 0, 150),
        (70, 95, "read", 0, 1, 150),
        (107, 120, "write", 0, 0, 70),
        (152, 165, "write", 0, 1, 70),
    ]
    assert rows(soc, "soc.dram.ch0") == [
        (25, 52, "read", 0, 0, 150),
        (70, 97, "read", 0, 1, 150),
        (107, 121, "write", 0, 0, 70),
        (152, 166, "write", 0, 1, 70),
    ]
    assert rows(soc, "soc.cluster0.global_buffer") == [
        (11, 121, "hold", 0, 0, 400),
        (52, 166, "hold", 0, 1, 400),
    ]
    assert soc.host.frames == [[0, 0, 166]]


def test_two_clusters_hand_the_dram_channel_over_at_every_grant():
    """Two frames on two clusters reach DRAM together at 25 (11 setup, 4 command, 3 DMA
    setup, 7 latency). Cluster 0 goes first; at each 60 B grant boundary the other waits, so
    they alternate 10-cycle grants: 0 25-35, 1 35-45, 0 45-55, 1 55-65, then cluster 0's
    last 30 B (bus 65-70, DRAM 65-72) and cluster 1's (bus 72-77, DRAM 72-79). Cluster 0:
    command 72-76, compute 76-113, store command 113-117, DMA setup to 120, latency to 127.
    Cluster 1: command 79-83, compute 83-120, store command 120-124, at DRAM by 134. Stores
    alternate too: 0 127-137, 1 137-147, then the last 10 B of each (bus 3, DRAM 4): 0 147-151
    (frame 0 done), 1 151-155 (frame 1 done)."""
    soc = run(TWO_CLUSTERS, (TILE,), frames=2)
    assert rows(soc, "soc.dram.ch0") == [
        (25, 35, "read", 0, 0, 60),
        (35, 45, "read", 1, 0, 60),
        (45, 55, "read", 0, 0, 60),
        (55, 65, "read", 1, 0, 60),
        (65, 72, "read", 0, 0, 30),
        (72, 79, "read", 1, 0, 30),
        (127, 137, "write", 0, 0, 60),
        (137, 147, "write", 1, 0, 60),
        (147, 151, "write", 0, 0, 10),
        (151, 155, "write", 1, 0, 10),
    ]
    bus = [(start, end) for start, end, *_ in rows(soc, "soc.interconnect")]
    assert bus == [
        (25, 35), (35, 45), (45, 55), (55, 65), (65, 70), (72, 77),
        (127, 137), (137, 147), (147, 150), (151, 154),
    ]  # fmt: skip
    assert rows(soc, "soc.cluster0.pe_array") == [(76, 113, "compute", 0, 0, 0)]
    assert rows(soc, "soc.cluster1.pe_array") == [(83, 120, "compute", 1, 0, 0)]
    assert rows(soc, "soc.cluster0.dma.ch1") == [(117, 151, "store", 0, 0, 70)]
    assert rows(soc, "soc.cluster1.dma.ch1") == [(124, 155, "store", 1, 0, 70)]
    assert soc.host.frames == [[0, 0, 151], [0, 0, 155]]


def test_a_third_tile_waits_for_a_prefetch_slot():
    """Prefetch depth 2: tiles 0 and 1 run as in the two-tile case, and tile 2 waits from
    97 (tile 1 loaded) until store 0 frees a slot at 121. Its load: command 121-125, DMA
    channel 1 125-128, latency to 135, two uninterrupted grants 135-155; store 1 (command
    138-142, at DRAM by 152) waits, so at 155 they alternate: store 1 60 B 155-165, load 2's
    last 30 B 165-172 (bus to 170), store 1's last 10 B 172-176 (bus to 175). Tile 2 waited
    for its load 138-172: command 172-176, compute 176-213; store 2: command 213-217, DMA
    217-241 (DRAM 227-241)."""
    soc = run(CHUNKED, (replace(TILE, repeat=3),))
    assert rows(soc, "soc.cluster0.controller.pipeline") == [
        (11, 52, "wait_dma", 0, 0, 0),
        (93, 97, "wait_dma", 0, 1, 0),
        (97, 121, "wait_array", 0, 2, 0),
        (138, 172, "wait_dma", 0, 2, 0),
    ]
    assert rows(soc, "soc.dram.ch0")[3:] == [
        (135, 155, "read", 0, 2, 120),
        (155, 165, "write", 0, 1, 60),
        (165, 172, "read", 0, 2, 30),
        (172, 176, "write", 0, 1, 10),
        (227, 241, "write", 0, 2, 70),
    ]
    assert rows(soc, "soc.cluster0.pe_array")[2:] == [(176, 213, "compute", 0, 2, 0)]
    assert rows(soc, "soc.cluster0.global_buffer") == [
        (11, 121, "hold", 0, 0, 400),
        (52, 176, "hold", 0, 1, 400),
        (121, 241, "hold", 0, 2, 400),
    ]
    assert soc.host.frames == [[0, 0, 241]]


def test_a_tile_waits_for_buffer_space():
    """A 700 B buffer holds one 400 B tile: tile 1 waits for space from 52 until store 0
    frees it at 121. Its load: command 121-125, DMA channel 0 125-162 (setup to 128, latency
    to 135, DRAM 135-162); compute waited 93-162: command 162-166, compute 166-203; store:
    command 203-207, DMA channel 1 207-231 (DRAM 217-231)."""
    small = replace(CHUNKED, global_buffer=GlobalBufferConfig(size_bytes=700))
    soc = run(small, (replace(TILE, repeat=2),))
    assert rows(soc, "soc.cluster0.controller.pipeline") == [
        (11, 52, "wait_dma", 0, 0, 0),
        (52, 121, "wait_buffer", 0, 1, 0),
        (93, 162, "wait_dma", 0, 1, 0),
    ]
    assert rows(soc, "soc.cluster0.dma.ch0") == [
        (15, 52, "load", 0, 0, 150),
        (125, 162, "load", 0, 1, 150),
    ]
    assert rows(soc, "soc.cluster0.pe_array")[1:] == [(166, 203, "compute", 0, 1, 0)]
    assert rows(soc, "soc.cluster0.global_buffer") == [
        (11, 121, "hold", 0, 0, 400),
        (121, 231, "hold", 0, 1, 400),
    ]
    assert soc.host.frames == [[0, 0, 231]]


def test_a_full_buffer_tile_is_admitted():
    """A tile holding exactly the buffer's 700 B runs: 121 cycles, as in the one-tile case."""
    whole = replace(ONE_CHUNK, global_buffer=GlobalBufferConfig(size_bytes=700))
    soc = run(whole, (replace(TILE, glb_bytes=700),))
    assert soc.host.frames == [[0, 0, 121]]


def test_two_dram_channels_share_the_bus_a_grant_at_a_time():
    """With a DRAM channel each, the two clusters still share the bus: at every 60 B boundary
    the other waits for it, so grants alternate as on one channel (0 25-35, 1 35-45, 0 45-55,
    1 55-65), but cluster 1's last 30 B takes the bus as soon as cluster 0's has crossed it
    (bus 65-70 and 70-75; DRAM ch0 65-72, ch1 70-77). Cluster 1: command 77-81, compute
    81-118, store command 118-122, DMA setup to 125, latency to 132, where it waits for the
    bus cluster 0 took at 127: stores 127-137 (0), 137-147 (1), then the last 10 B of each:
    bus 147-150, DRAM ch0 to 151; bus 150-153, DRAM ch1 to 154."""
    two = replace(TWO_CLUSTERS, dram=replace(CHUNKED.dram, channels=2))
    soc = run(two, (TILE,), frames=2)
    bus = [(start, end, frame) for start, end, _, frame, *_ in rows(soc, "soc.interconnect")]
    assert bus == [
        (25, 35, 0), (35, 45, 1), (45, 55, 0), (55, 65, 1), (65, 70, 0), (70, 75, 1),
        (127, 137, 0), (137, 147, 1), (147, 150, 0), (150, 153, 1),
    ]  # fmt: skip
    assert [(start, end) for start, end, *_ in rows(soc, "soc.dram.ch1")] == [
        (35, 45), (55, 65), (70, 77), (137, 147), (150, 154),
    ]  # fmt: skip
    assert rows(soc, "soc.cluster1.pe_array") == [(81, 118, "compute", 1, 0, 0)]
    assert soc.host.frames == [[0, 0, 151], [0, 0, 154]]


def test_priority_arbitration_serves_the_lower_cluster_index_first():
    """Three clusters, a DRAM channel each, all at the bus at 25. Under FIFO they would take
    turns; by priority clusters 0 and 1 alternate grants (25-35, 35-45, 45-55, 55-65, then
    their last 30 B 65-70 and 70-75) and cluster 2 waits until 75, then moves its 150 B in
    one run: bus 75-100, DRAM 75-102 (10 + 10 + 7)."""
    prioritised = replace(
        CHUNKED,
        clusters=3,
        partition=Partition.FRAMES,
        dram=replace(CHUNKED.dram, channels=3),
        interconnect=replace(CHUNKED.interconnect, arbitration=Arbitration.PRIORITY),
    )
    soc = run(prioritised, (TILE,), frames=3)
    loads = [(start, end, frame) for start, end, _, frame, *_ in rows(soc, "soc.interconnect")]
    assert loads[:7] == [
        (25, 35, 0), (35, 45, 1), (45, 55, 0), (55, 65, 1), (65, 70, 0), (70, 75, 1),
        (75, 100, 2),
    ]  # fmt: skip
    assert rows(soc, "soc.cluster2.dma.ch0") == [(15, 102, "load", 2, 0, 150)]


def test_dram_words_add_up_to_the_bytes_when_a_grant_splits_a_word():
    """Grants of 61 B cut each 150 B load into runs of 61, 61 and 28 B and each 70 B store
    into 61 and 9 B. The words counted per run are the words completed by it: 61 // 2 = 30,
    122 // 2 - 30 = 31, 75 - 61 = 14 (75 in all); 30 and 35 - 30 = 5 (35). A 61 B grant
    moves 4 bursts = 80 B: max(ceil(80/9), ceil(80/6)) = 14 cycles, so the runs alternate
    25-39, 39-53, 53-67, 67-81, then 81-88 and 88-95 (the last 28 B: 2 bursts, DRAM 7)."""
    odd = replace(TWO_CLUSTERS, interconnect=replace(CHUNKED.interconnect, grant_bytes=61))
    soc = run(odd, (TILE,), frames=2)
    dram = rows(soc, "soc.dram.ch0")
    words = [c[6] + c[7] for c in counts(soc, "soc.dram.ch0")]
    assert [(start, end, frame, nbytes) for start, end, _, frame, _, nbytes in dram[:6]] == [
        (25, 39, 0, 61), (39, 53, 1, 61), (53, 67, 0, 61), (67, 81, 1, 61),
        (81, 88, 0, 28), (88, 95, 1, 28),
    ]  # fmt: skip
    assert [(nbytes, w) for (*_, nbytes), w in zip(dram, words, strict=True)] == [
        (61, 30), (61, 30), (61, 31), (61, 31), (28, 14), (28, 14),
        (61, 30), (61, 30), (9, 5), (9, 5),
    ]  # fmt: skip


def test_dram_and_array_rows_carry_the_tiles_counts():
    """The array row carries the tile's on-chip counts (mac 10, rf 3 + 5, noc 7, glb 11 + 13)
    and no DRAM words; the DRAM rows carry the words, 150 / 2 = 75 read and 70 / 2 = 35
    written, and nothing else."""
    soc = run(ONE_CHUNK, (TILE,))
    assert counts(soc, "soc.cluster0.pe_array") == [(10, 3, 5, 7, 11, 13, 0, 0)]
    assert counts(soc, "soc.dram.ch0") == [(0, 0, 0, 0, 0, 0, 75, 0), (0, 0, 0, 0, 0, 0, 0, 35)]
    macs = [
        r[8] for r in soc.log.frame().itertuples(index=False) if r[2] == "soc.cluster0.pe_array"
    ]
    assert macs == [10]


def test_dram_busy_time_rounds_up_to_whole_cycles():
    """At 6 B/cycle: 1 B takes 1 cycle, 6 B 1, 7 B 2, 161 B ceil(26.8) = 27, 0 B 0."""
    dram = Dram(simpy.Environment(), "dram", DramConfig(bytes_per_cycle=6), EventLog())
    assert [dram.cycles(n) for n in (0, 1, 6, 7, 161)] == [0, 1, 1, 2, 27]


def test_a_one_byte_store_crosses_the_bus_as_a_whole_burst():
    """8-bit data and an fc layer with one output: its store is 1 B, one 20 B burst, which
    the bus carries for ceil(20 / 9) = 3 cycles and DRAM for ceil(20 / 6) = 4; DRAM counts
    the 1 word written."""
    builder = NetworkBuilder("one-out", (3, 1, 1))
    builder.fc("fc", "input", 1)
    config = replace(ONE_CHUNK, pe_array=replace(ONE_CHUNK.pe_array, bytes_per_word=1))
    events = socsim.simulate(builder.build(), config).events
    writes = events[events["action"] == "write"]
    assert list(writes["unit"].astype(str)) == ["soc.interconnect", "soc.dram.ch0"]
    assert list(writes["end"] - writes["start"]) == [3, 4]
    assert list(writes["bytes"]) == [1, 1]
    assert list(writes["dram_write"]) == [0, 1]
