"""`Result.layers` per-layer figures checked against hand-worked runs and the event log.

`compute_cycles` is the array's busy time for the layer, `efficiency` MACs / (compute
cycles x PEs), `cycles` the layer's span (its first event's start to its last event's end)
and `utilization` MACs / (span x PEs).
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from sharing import shared

import socsim
from socsim.components.config import (
    ControllerConfig,
    DmaConfig,
    DramConfig,
    EnergyConfig,
    GlobalBufferConfig,
    InterconnectConfig,
    PeArrayConfig,
    SocConfig,
)
from socsim.components.interconnect import Interconnect
from socsim.components.stream import Arrival
from socsim.errors import SimulationError
from socsim.summarize import frame_summary, idle_by_unit
from socsim.workloads import NetworkBuilder


def two_convs():
    """Two 1x1 convolutions on a 3-channel 2x3 input: 3 -> 5 -> 2 channels."""
    builder = NetworkBuilder("two-convs", (3, 2, 3))
    builder.conv("a", "input", 5, 1)
    builder.conv("b", "a", 2, 1)
    return builder.build()


# Numbers chosen so that nothing divides: 3 B/cycle DRAM behind an 8 B/cycle bus, 32-byte
# bursts, DMA setup 7, DRAM latency 13, firmware 11 per layer and 5 per command; leakage
# 0.25 per idle cycle of each unit.
ODD = SocConfig(
    pe_array=PeArrayConfig(rows=4, cols=4, dataflow="os", weight_sparsity=0.0),
    global_buffer=GlobalBufferConfig(size_bytes=1000),
    dma=DmaConfig(setup_cycles=7, burst_bytes=32),
    dram=DramConfig(latency_cycles=13, bytes_per_cycle=3),
    interconnect=InterconnectConfig(bytes_per_cycle=8, grant_bytes=4096),
    controller=ControllerConfig(layer_setup_cycles=11, command_cycles=5),
    energy=EnergyConfig(idle_per_cycle=0.25),
)


@pytest.fixture(scope=shared("module"))
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


def test_run_summary_hand_worked(odd_run):
    """Two frames arrive at 0; the second waits for the cluster: finishes 267 and 534
    (each frame 142 + 125 = 267). Makespan 534 cycles; MACs 2 * (120 + 72) = 384;
    utilization 384 / (534 * 16); DRAM bytes 2 * (136 + 108) = 488; latencies 267 and 534
    cycles: median 400.5, p99 267 + 0.99 * 267 = 531.33 (linear interpolation).

    Leakage, 0.25 x (534 - busy) per unit, busy per frame (loads take DMA channel 0 and
    stores channel 1, each worker queueing for the next descriptor as it finishes):
      controller: setup + 3 commands per layer, 2 * (11 + 15) = 52 -> 104 over both frames
      dma.ch0: loads 52 + 52 -> 208;  dma.ch1: stores 42 + 31 -> 146
      interconnect (bus time, whole bursts / 8): 12 + 8 + 12 + 4 = 36 -> 72
      dram.ch0 (bursts / 3, rounded up): 32 + 22 + 32 + 11 = 97 -> 194
      pe_array: 22 + 16 = 38 -> 76
    The buffer's holds and the pipeline's waits are not activity. Idle energy:
    0.25 * (6 * 534 - 800) = 601.
    """
    summary, clock = odd_run.summary, ODD.clock_hz
    assert (summary["cycles"], summary["macs"], summary["dram_bytes"]) == (534, 384, 488)
    assert summary["utilization"] == 384 / (534 * 16)
    assert summary["seconds"] == 534 / clock
    assert summary["latency_p50"] == pytest.approx(400.5 / clock, rel=1e-15)
    assert summary["latency_p99"] == pytest.approx(531.33 / clock, rel=1e-12)
    idle = idle_by_unit(odd_run.events, ODD, 534).to_dict()
    busy = {"controller": 104, "dma.ch0": 208, "dma.ch1": 146, "pe_array": 76}
    want = {f"soc.cluster0.{unit}": 0.25 * (534 - b) for unit, b in busy.items()}
    want |= {"soc.interconnect": 0.25 * (534 - 72), "soc.dram.ch0": 0.25 * (534 - 194)}
    assert idle == want
    assert summary["energy"]["idle"] == 601.0


def test_frame_latency_and_deadline_misses():
    """Latency is finish - arrival (not - start), and a frame that finishes exactly at its
    deadline is on time: arrivals 0 and 100, starts 3 and 270, finishes 270 and 371 give
    latencies 270 and 271; with a deadline of 270 cycles only the second is missed."""
    table = frame_summary([(0, 3, 270), (100, 270, 371)], deadline=270)
    assert list(table["latency"]) == [270, 271]
    assert list(table["missed"]) == [False, True]
    assert not frame_summary([(0, 3, 270)], deadline=None)["missed"].any()


def test_channel_shares_report_what_ran(shared):
    """Under `channels` each layer's figures come from the clusters' shares that ran, as
    the event log shows them: compute_cycles is the arrays' logged busy time summed over
    clusters (per frame), tiles the compute commands, efficiency MACs over that busy time,
    utilization MACs over the span on both clusters' PEs. The whole-layer mappings, which
    never ran, differ on some layers, so the check has teeth."""
    events, layers = shared.events, shared.layers
    compute = events[(events["action"] == "compute") & (events["layer"] >= 0)]
    per_frame = compute.assign(busy=compute["end"] - compute["start"]).groupby(["frame", "layer"])
    # layers fused into a write-back or run as views log no compute: none ran, zero
    busy = per_frame["busy"].sum().groupby(level="layer").mean()
    busy = busy.reindex(layers.index, fill_value=0)
    tiles = per_frame.size().groupby(level="layer").mean().reindex(layers.index, fill_value=0)
    pes = shared.soc.pe_array.rows * shared.soc.pe_array.cols
    assert shared.soc.clusters == 2
    assert list(layers["compute_cycles"]) == list(busy)
    assert list(layers["tiles"]) == list(tiles)
    for column, expected in (
        ("efficiency", layers["macs"] / (busy * pes)),
        ("utilization", layers["macs"] / (layers["cycles"] * pes * 2)),
    ):
        pd.testing.assert_series_equal(layers[column], expected, check_names=False)
    whole = [m.cycles for m in shared.mappings]
    assert sum(w != b for w, b in zip(whole, busy, strict=True)) > 0


def stall(monkeypatch, writes: int, reads: bool = True) -> None:
    """A broken bus: the first `writes` writes complete, no later one ever does; reads
    complete if `reads`."""
    transfer, done = Interconnect.transfer, []

    def some(self, nbytes, write, *args):
        if write:
            done.append(nbytes)
        if (write and len(done) > writes) or not (write or reads):
            yield self.env.event()  # never triggered
        yield from transfer(self, nbytes, write, *args)

    monkeypatch.setattr(Interconnect, "transfer", some)


def test_a_stopped_run_leaves_what_never_happened_missing(monkeypatch):
    """Three frames at once on ODD's one cluster, the bus completing only the first frame's
    two stores. Frame 0 finishes at 267 (see above); frame 1 starts then and its first
    store (after setup 11, command 5, load 52, command 5, compute 22, command 5 and DMA
    setup 7: at 267 + 107 = 374) never lands; frame 2 never starts. Frames that did not
    start or finish have those times missing (Int64 columns, NA), the finished one keeps
    its numbers, and the latencies are frame 0's alone: 267 cycles."""
    stall(monkeypatch, writes=2)
    with pytest.raises(SimulationError, match=r"stopped at cycle 374\b") as caught:
        socsim.simulate(two_convs(), ODD, frames=3)
    result = caught.value.result
    frames = result.frames
    assert list(frames.dtypes) == ["Int64"] * 4 + ["bool"]
    times = frames[["arrival", "start", "finish", "latency"]].astype(object).fillna(-1)
    assert times.values.tolist() == [[0, 0, 267, 267], [0, 267, -1, -1], [0, -1, -1, -1]]
    summary = result.summary
    assert summary["cycles"] == 374
    assert summary["latency_p50"] == summary["latency_p99"] == 267 / ODD.clock_hz
    # A burst achieves the frames it finished over the time to finish them: 1 in 267.
    assert summary["achieved_fps"] == ODD.clock_hz / 267


def test_a_run_stuck_at_its_first_cycle_reports_no_rates(monkeypatch):
    """No firmware or DMA setup cost and a bus on which nothing completes: the run stops at
    cycle 0, a makespan of 0 cycles, so utilization and throughput are 0, not a division
    by zero."""
    stall(monkeypatch, writes=0, reads=False)
    free = replace(
        ODD,
        dma=replace(ODD.dma, setup_cycles=0),
        controller=ControllerConfig(layer_setup_cycles=0, command_cycles=0),
    )
    with pytest.raises(SimulationError, match=r"stopped at cycle 0\b") as caught:
        socsim.simulate(two_convs(), free)
    summary = caught.value.result.summary
    assert (summary["cycles"], summary["seconds"]) == (0, 0.0)
    assert (summary["utilization"], summary["achieved_fps"]) == (0.0, None)


def test_a_stream_with_a_deadline_reports_it(odd_run):
    """ODD's two frames, now arriving every 200 cycles (2.5 M frames/s at 500 MHz) with a
    deadline of 300 cycles (0.6 us): frame 1 arrives at 200 but waits for the cluster, so
    it still starts at 267 and finishes at 534; latencies 267 and 334, so frame 1 misses.
    The makespan is 534 from the first arrival."""
    stream = Arrival(kind="periodic", fps=ODD.clock_hz / 200, deadline_s=300 / ODD.clock_hz)
    result = socsim.simulate(two_convs(), ODD, frames=2, arrival=stream)
    assert list(result.frames["latency"]) == [267, 334]
    assert list(result.frames["missed"]) == [False, True]
    summary = result.summary
    names = (summary["model"], summary["soc"], summary["arrival"])
    assert names == ("two-convs", "custom", "periodic")
    assert summary["deadline_s"] == 300 / ODD.clock_hz
    assert (summary["cycles"], summary["deadline_misses"]) == (534, 1)
    assert odd_run.summary["arrival"] == "burst" and odd_run.summary["deadline_s"] is None
