"""`socsim.bounds`: stream rates, busy fractions, bandwidth and bounds, worked by hand."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from report.test_summary_values import ODD, two_convs
from sharing import shared

import socsim
from socsim.bounds import bandwidth_over_time, union_cycles
from socsim.components.stream import Arrival


@pytest.fixture(scope=shared("module"))
def odd_run():
    return socsim.simulate(two_convs(), ODD, frames=2)


def test_union_counts_overlaps_once():
    """a: [0,10) [5,12) [20,25) cover 12 + 5 = 17 cycles; b: [3,3) is empty, [1,4) 3."""
    got = union_cycles(
        np.array([20, 0, 5, 3, 1]), np.array([25, 10, 12, 3, 4]), np.array(list("aaabb"))
    )
    assert got.to_dict() == {"a": 17, "b": 3}


def test_busy_bandwidth_and_bound_hand_worked(odd_run):
    """The timeline of tests/report/test_summary_values.py: two frames of 267 cycles back
    to back, 534 in all. Busy per unit over both frames: controller 104, DMA ch0 (loads)
    208, ch1 (stores) 146, interconnect 72, DRAM 194, array 76; the buffer's holds and the
    pipeline's waits are no unit's work. DRAM moved 488 bytes of a possible 534 x 3, the
    bus 488 of 534 x 8. Bound fractions: compute 76/534 = 0.142, dram 488/1602 = 0.305,
    interconnect 488/4272 = 0.114, firmware 104/534 = 0.195, buffer 0: DRAM-bound."""
    bounds = odd_run.bounds
    busy = {"controller": 104, "dma.ch0": 208, "dma.ch1": 146, "pe_array": 76}
    want = {f"soc.cluster0.{unit}": b / 534 for unit, b in busy.items()}
    want |= {"soc.interconnect": 72 / 534, "soc.dram.ch0": 194 / 534}
    assert bounds["busy"] == pytest.approx(want, rel=1e-12)
    assert bounds["dram_bandwidth"] == 488 / (534 * 3)
    assert bounds["interconnect_bandwidth"] == 488 / (534 * 8)
    assert bounds["bound_fractions"] == pytest.approx(
        {"compute": 76 / 534, "dram": 488 / 1602, "interconnect": 488 / 4272,
         "firmware": 104 / 534, "buffer": 0.0}, rel=1e-12
    )  # fmt: skip
    assert bounds["bound"] == "dram"
    assert bounds["verdict"].startswith("dram-bound (DRAM bandwidth used 30%; next: control")


def test_layer_bounds_hand_worked(odd_run):
    """Layer a spans 142 cycles a frame (284 over two): DRAM 272 bytes of 284 x 3 = 0.32,
    firmware (11 + 3 x 5) x 2 = 52 / 284 = 0.18, array 44 / 284 = 0.15. Layer b spans
    125 (250): DRAM 216 / 750 = 0.29, firmware 52 / 250 = 0.21, array 32 / 250 = 0.13.
    Both DRAM-bound; with a DRAM and bus 100x wider both are firmware-bound."""
    assert odd_run.layer_bounds["bound"].tolist() == ["dram", "dram"]
    wide = replace(
        ODD,
        dram=replace(ODD.dram, bytes_per_cycle=300),
        interconnect=replace(ODD.interconnect, bytes_per_cycle=800),
    )
    assert socsim.simulate(two_convs(), wide).layer_bounds["bound"].tolist() == ["firmware"] * 2


@pytest.mark.parametrize(
    ("period", "finishes"),
    [(300, (267, 567)), (100, (267, 534))],
)
def test_stream_rates_offered_achieved_capacity(period, finishes):
    """Two frames of 267 cycles each. Arriving 300 cycles apart they finish at 267 and 567:
    achieved = 1 frame after the first finish / 300 cycles, the offered rate exactly (not
    2 / 567). Arriving 100 apart the second queues and finishes at 534: achieved 1 / 267,
    the capacity: one cluster busy 534 cycles for two frames."""
    clock = ODD.clock_hz
    arrival = Arrival(kind="periodic", fps=clock / period)
    result = socsim.simulate(two_convs(), ODD, frames=2, arrival=arrival)
    assert tuple(result.frames["finish"]) == finishes
    summary = result.summary
    assert summary["offered_fps"] == clock / period
    assert summary["achieved_fps"] == pytest.approx(clock / (finishes[1] - finishes[0]))
    assert result.bounds["capacity_fps"] == pytest.approx(clock / 267)


def test_a_burst_achieves_its_frames_over_its_makespan(odd_run):
    """Two frames waiting at 0 finish at 534: 2 / 534 cycles. A stream of one frame has
    no steady state."""
    assert odd_run.summary["offered_fps"] is None
    assert odd_run.summary["achieved_fps"] == 2 * ODD.clock_hz / 534
    single = socsim.simulate(two_convs(), ODD, frames=1, arrival=Arrival(kind="periodic", fps=9))
    assert single.summary["achieved_fps"] is None
    assert single.bounds["capacity_fps"] == pytest.approx(ODD.clock_hz / 267)


def test_frames_partition_adds_the_clusters_rates():
    """Four frames at once on two clusters running whole frames: a cluster is busy from a
    frame's start to its finish (some unit of it always works), so its rate is the frames
    it ran over the sum of their (finish - start), and the capacity the two rates added."""
    result = socsim.simulate(two_convs(), replace(ODD, clusters=2), frames=4)
    frames, events = result.frames, result.events
    computed = events[events["action"] == "compute"]
    cluster = computed.groupby("frame")["unit"].first().astype(str).str[len("soc.cluster")]
    service = (frames["finish"] - frames["start"]).groupby(cluster).agg(["count", "sum"])
    assert service["count"].tolist() == [2, 2]
    rates = service["count"] / service["sum"]
    assert result.bounds["capacity_fps"] == pytest.approx(rates.sum() * ODD.clock_hz)


def test_bandwidth_over_time_spreads_each_row_over_its_cycles():
    """DRAM rows: 30 B over [0, 10) and 12 B over [5, 8) (the bus row is not DRAM). Two
    windows, [0, 5) and [5, 10): the first gets 30 / 10 = 3 B/cycle, the second 3 + 12 / 5
    = 5.4; three windows of 10/3 cycles: 3, then 3 + 4 x (20/3 - 5) / (10/3) = 5, then
    3 + 4 x (8 - 20/3) / (10/3) = 4.6. The windows add up to the 42 bytes."""
    events = pd.DataFrame(
        {"start": [0, 5, 2], "end": [10, 8, 4], "bytes": [30, 12, 99],
         "unit": pd.Categorical(["d0", "d1", "bus"])}
    )  # fmt: skip
    units = pd.DataFrame({"kind": ["dram", "dram", "interconnect"]}, index=["d0", "d1", "bus"])
    halves = bandwidth_over_time(events, units, "dram", bins=2)
    assert halves["bytes_per_cycle"].tolist() == pytest.approx([3, 5.4])
    table = bandwidth_over_time(events, units, "dram", bins=3)
    assert table["bytes_per_cycle"].tolist() == pytest.approx([3, 5, 4.6])
    assert ((table["end"] - table["start"]) * table["bytes_per_cycle"]).sum() == pytest.approx(42)


def test_bandwidth_over_time_of_a_run_adds_up_to_its_dram_bytes(odd_run):
    table = bandwidth_over_time(odd_run.events, odd_run.units, "dram", bins=7)
    moved = ((table["end"] - table["start"]) * table["bytes_per_cycle"]).sum()
    assert moved == pytest.approx(odd_run.summary["dram_bytes"])
    assert table["bytes_per_cycle"].max() <= ODD.dram.bytes_per_cycle


def test_inputs_every_cluster_reloads_under_channels_hand_worked():
    """Two clusters split the filters of a (3 -> 5) and b (5 -> 2), 1x1 on 2x3 pixels, each
    share one tile: both shares of a load its 3 x 6 inputs (36 bytes), both of b its 5 x 6
    (60 bytes), so 36 + 60 = 96 bytes a frame are loaded twice, and the DRAM moves exactly
    96 bytes a frame more than on one cluster. The verdict says what share that is."""
    from socsim.components.config import Partition

    two = replace(ODD, clusters=2, partition=Partition.CHANNELS)
    split = socsim.simulate(two_convs(), two, frames=2)
    whole = socsim.simulate(two_convs(), ODD, frames=2)
    assert [m.tile_count for m in split.work] == [1, 1, 1, 1]
    assert split.bounds["input_reread_bytes"] == 2 * 96
    assert split.summary["dram_bytes"] - whole.summary["dram_bytes"] == 2 * 96
    assert whole.bounds["input_reread_bytes"] == 0
    share = 2 * 96 / split.summary["dram_bytes"]
    assert split.bounds["verdict"].endswith(
        f"; {share:.0%} of the DRAM bytes are inputs that more than one cluster loads "
        "(channels partition)"
    )


def test_bounds_need_the_events_the_rates_do_not(odd_run):
    """A run that keeps no events has the same offered and achieved rates in its summary,
    and refuses `bounds` and `layer_bounds` naming keep_events=False."""
    lean = socsim.simulate(two_convs(), ODD, frames=2, keep_events=False)
    assert lean.summary == odd_run.summary
    for name in ("bounds", "layer_bounds"):
        with pytest.raises(ValueError, match="keep_events=False"):
            getattr(lean, name)
