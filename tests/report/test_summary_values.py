"""`Result.layers` per-layer figures checked against hand-worked runs and the event log.

`compute_cycles` is the array's busy time for the layer, `efficiency` MACs / (compute
cycles x PEs), `cycles` the layer's span (its first event's start to its last event's end)
and `utilization` MACs / (span x PEs).
"""

from __future__ import annotations

import pytest

import socsim
from socsim.components.config import (
    ControllerConfig,
    DmaConfig,
    DramConfig,
    GlobalBufferConfig,
    InterconnectConfig,
    PeArrayConfig,
    SocConfig,
)
from socsim.workloads import NetworkBuilder


def two_convs():
    """Two 1x1 convolutions on a 3-channel 2x3 input: 3 -> 5 -> 2 channels."""
    builder = NetworkBuilder("two-convs", (3, 2, 3))
    builder.conv("a", "input", 5, 1)
    builder.conv("b", "a", 2, 1)
    return builder.build()


# Numbers chosen so that nothing divides: 3 B/cycle DRAM behind an 8 B/cycle bus, 32-byte
# bursts, DMA setup 7, DRAM latency 13, firmware 11 per layer and 5 per command.
ODD = SocConfig(
    pe_array=PeArrayConfig(rows=4, cols=4, dataflow="os", weight_sparsity=0.0),
    global_buffer=GlobalBufferConfig(size_bytes=1000),
    dma=DmaConfig(setup_cycles=7, burst_bytes=32),
    dram=DramConfig(latency_cycles=13, bytes_per_cycle=3),
    interconnect=InterconnectConfig(bytes_per_cycle=8, grant_bytes=4096),
    controller=ControllerConfig(layer_setup_cycles=11, command_cycles=5),
)


@pytest.fixture(scope="module")
def odd_run():
    return socsim.simulate(two_convs(), ODD, frames=2)


def test_layer_utilization_and_efficiency_hand_worked(odd_run):
    """Both layers fit one tile (68 and 42 words in a 500-byte half buffer), OS on 4x4.

    Array (the mapper's OS timing; steps of at most 8 words, one cycle each at 32 words per
    cycle; fold T = steps + 1; drain = active rows; two accumulators, so
    T_1 + sum max(T_f, drain_{f-1}) + last drain):
      a: 6 pixels (folds of 4 and 2 rows) x 5 filters (4 and 1 columns), bias + 3 steps:
         T = 5, drains 4, 2, 4, 2: 5 + 5 + 5 + 5 + 2 = 22 cycles; MACs 6 * 5 * (3 + 1) = 120
      b: 6 pixels x 2 filters, bias + 5 steps: T = 7, drains 4, 2: 7 + 7 + 2 = 16 cycles;
         MACs 6 * 2 * (5 + 1) = 72
    Transfers (DMA setup 7, then latency 13, then whole 32-byte bursts at the slower of the
    bus, 8 B/cycle, and DRAM, 3 B/cycle):
      a load: 18 inputs + 20 weights = 76 B -> 96 B: ceil(96 / 3) = 32; 7 + 13 + 32 = 52
      a store: 30 outputs = 60 B -> 64 B: ceil(64 / 3) = 22; 7 + 13 + 22 = 42
      b load: 30 inputs + 12 weights = 84 B -> 96 B: 52;  b store: 12 outputs = 24 B
        -> 32 B: ceil(32 / 3) = 11; 7 + 13 + 11 = 31
    Layer a, from its start: setup 0-11, load command 11-16, load 16-68, compute command
    68-73, compute 73-95, store command 95-100, store 100-142: span 142.
    Layer b: setup 11, command 5, load 52, command 5, compute 16, command 5, store 31:
    span 11 + 5 + 52 + 5 + 16 + 5 + 31 = 125.
    The second frame waits for the cluster and repeats the first, so means equal these.
      a: efficiency 120 / (22 * 16) = 120 / 352, utilization 120 / (142 * 16) = 120 / 2272
      b: efficiency  72 / (16 * 16) =  72 / 256, utilization  72 / (125 * 16) =  72 / 2000
    """
    layers = odd_run.layers
    assert list(layers["tiles"]) == [1, 1]
    assert list(layers["compute_cycles"]) == [22, 16]
    assert list(layers["cycles"]) == [142, 125]
    assert list(layers["macs"]) == [120, 72]
    assert list(layers["efficiency"]) == [120 / 352, 72 / 256]
    assert list(layers["utilization"]) == [120 / 2272, 72 / 2000]
    assert list(odd_run.frames["finish"]) == [267, 534]


def test_dram_bytes_per_layer_hand_worked(odd_run):
    """DRAM rows carry each transfer's bytes (not the bursts moved): a 76 + 60 = 136,
    b 84 + 24 = 108 (see the timeline above)."""
    assert list(odd_run.layers["dram_bytes"]) == [136, 108]


def test_channel_shares_report_what_ran(shared):
    """Under `channels` each layer's figures come from the clusters' shares that ran, as
    the event log shows them: compute_cycles is the arrays' logged busy time summed over
    clusters (per frame), tiles the compute commands, efficiency MACs over that busy time,
    utilization MACs over the span on both clusters' PEs. The whole-layer mappings, which
    never ran, differ on some layers, so the check has teeth."""
    events, layers = shared.events, shared.layers
    compute = events[(events["action"] == "compute") & (events["layer"] >= 0)]
    per_frame = compute.assign(busy=compute["end"] - compute["start"]).groupby(["frame", "layer"])
    busy = per_frame["busy"].sum().groupby(level="layer").mean()
    tiles = per_frame.size().groupby(level="layer").mean()
    pes = shared.soc.pe_array.rows * shared.soc.pe_array.cols
    assert shared.soc.clusters == 2
    assert list(layers["compute_cycles"]) == list(busy)
    assert list(layers["tiles"]) == list(tiles)
    assert list(layers["efficiency"]) == list(layers["macs"] / (busy * pes))
    assert list(layers["utilization"]) == list(layers["macs"] / (layers["cycles"] * pes * 2))
    whole = [m.cycles for m in shared.mappings]
    assert sum(w != b for w, b in zip(whole, busy, strict=True)) > 0
