"""The paper's hardware effects come out of the model (nothing here is written into it)."""

from __future__ import annotations

import pytest

from socsim.dataflow import ArrayConfig, choose_dataflow
from socsim.workloads import get_network

A8 = ArrayConfig(rows=8, cols=8, glb_bytes=32768, glb_words_per_cycle=16, weight_sparsity=0.4,
                 sparsity_mode="gate")  # fmt: skip
A16 = ArrayConfig(rows=16, cols=16, glb_bytes=131072, glb_words_per_cycle=32,
                  weight_sparsity=0.4, sparsity_mode="gate")  # fmt: skip


def test_few_filters_leave_columns_idle_on_16x16():
    """SqNxt's early 1x1 with 8 filters fills an 8x8 array but half the 16x16's columns."""
    layer = get_network("1.0-SqNxt-23").layer("b1_reduce2")  # 16 -> 8 channels at 55x55
    assert layer.c_out == 8
    small, big = choose_dataflow(layer, A8), choose_dataflow(layer, A16)
    assert small.utilization > 0.92  # 0.924
    assert big.utilization < 0.47  # 0.465


@pytest.mark.parametrize(
    "array, depthwise_columns, pointwise_min, pointwise_mean",
    [
        (A8, 0.91, 0.57, 0.79),  # measured 0.907, 0.576, 0.793
        (A16, 0.63, 0.51, 0.84),  # measured 0.624, 0.513, 0.845
    ],
    ids=["8x8", "16x16"],
)
def test_depthwise_layers_run_inefficiently(
    array, depthwise_columns, pointwise_min, pointwise_mean
):
    """MobileNet's depthwise layers use less than one column per fold (`depthwise_columns`
    columns' worth of the array at most); its pointwise ones use most of the array (less
    where tiling to the buffer leaves short pixel blocks)."""
    pointwise = []
    for layer in get_network("MobileNet").layers:
        m = choose_dataflow(layer, array)
        if layer.groups > 1:
            assert m.utilization < depthwise_columns / array.cols, layer.name
        elif layer.name.startswith("pw"):
            pointwise.append(m.utilization)
    assert len(pointwise) == 13
    assert min(pointwise) > pointwise_min
    assert sum(pointwise) / len(pointwise) > pointwise_mean


def test_network_totals_conserve_macs():
    """Summed over 1.0-SqNxt-23, the mappings' MACs are the network's MACs on both arrays."""
    net = get_network("1.0-SqNxt-23")
    for array in (A8, A16):
        assert sum(choose_dataflow(layer, array).macs for layer in net.layers) == net.macs
