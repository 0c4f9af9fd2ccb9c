"""The summarize step's own formulas on hand-made inputs: leakage over the union of a unit's
intervals, the makespan, and what the layer and run tables add up across clusters."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from sharing import shared

import socsim
from socsim.components.config import EnergyConfig, Partition, SocConfig
from socsim.summarize import idle_by_unit, span
from socsim.workloads.zoo import get_network


def events(rows: list[tuple[str, str, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unit", "action", "start", "end"])


EVENTS = events(
    [
        ("a", "compute", 0, 10),
        ("a", "compute", 2, 5),  # inside the first: adds nothing
        ("a", "compute", 12, 15),
        ("a", "hold", 0, 40),  # occupancy, not activity
        ("a", "wait_dma", 20, 30),  # a stage waiting, not activity
        ("b", "read", 3, 3),  # zero length: adds nothing
        ("b", "read", 5, 9),
    ]
)


def test_leakage_counts_the_union_of_each_units_intervals() -> None:
    """Makespan 40 at 0.5 per idle cycle: a is busy 10 + 3 = 13 cycles (the nested interval
    and the hold and wait rows add none): 0.5 x 27 = 13.5; b is busy 4: 0.5 x 36 = 18."""
    config = SocConfig(energy=EnergyConfig(idle_per_cycle=0.5))
    expected = pd.Series([13.5, 18.0], index=pd.Index(["a", "b"], name="unit"))
    pd.testing.assert_series_equal(idle_by_unit(EVENTS, config, 40), expected, check_names=False)


def test_no_leakage_lists_every_unit_at_zero() -> None:
    expected = pd.Series(0.0, index=pd.Index(["a", "b"], name="unit"))
    pd.testing.assert_series_equal(idle_by_unit(EVENTS, SocConfig(), 40), expected)


def test_the_makespan_runs_from_the_first_arrival() -> None:
    """Arrivals 5 and 9, finishes 30 and 41: 41 - 5 = 36; stopped at 50: 50 - 5 = 45."""
    frames = pd.DataFrame({"arrival": [9, 5], "finish": [41, 30]})
    assert span(frames) == 36
    assert span(frames, end=50) == 45


@pytest.fixture(scope=shared("module"))
def two_clusters_by_frames():
    soc = replace(socsim.get_preset("squeezelerator-8x8"), clusters=2)
    return socsim.simulate(get_network("TinyDarknet"), soc, frames=2)


def test_utilization_counts_the_pes_a_run_and_a_layer_hold(two_clusters_by_frames) -> None:
    """Under `frames` a layer holds one cluster's 64 PEs, the run both clusters' 128 (a
    pool run in its conv's write-back took no time of its own: no utilization, NaN)."""
    result = two_clusters_by_frames
    summary, layers = result.summary, result.layers
    assert summary["utilization"] == summary["macs"] / (summary["cycles"] * 64 * 2)
    expected = layers["macs"] / (layers["cycles"] * 64)
    pd.testing.assert_series_equal(layers["utilization"], expected, check_names=False)
    assert layers["utilization"].isna().sum() == (layers["cycles"] == 0).sum() > 0
    assert 0 < layers["utilization"].max() <= 1


def test_the_layer_table_names_each_layers_op_and_the_dataflows_that_ran() -> None:
    """1.0-SqNxt-23 on three 16x16 clusters splitting every layer: conv1 runs OS on every
    share, b1_sep3x1 runs OS on one share and WS on the two others."""
    soc = replace(
        socsim.get_preset("squeezelerator-16x16"), clusters=3, partition=Partition.CHANNELS
    )
    layers = socsim.simulate(get_network("1.0-SqNxt-23"), soc).layers
    assert list(layers.columns[:7]) == [
        "name", "op", "stage", "block", "dataflow", "tiles", "compute_cycles"
    ]  # fmt: skip
    assert layers.loc[[0, 5], ["name", "op", "dataflow"]].values.tolist() == [
        ["conv1", "conv", "os"],
        ["b1_sep3x1", "conv", "os+ws"],
    ]


def test_the_frame_table_is_indexed_by_frame(two_clusters_by_frames) -> None:
    frames = two_clusters_by_frames.frames
    assert frames.index.name == "frame" and list(frames.index) == [0, 1]
