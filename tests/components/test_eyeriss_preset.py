"""The eyeriss-v1 preset: the chip's published architecture, run row stationary, and the
Squeezelerator presets untouched by it (their automatic choice never picks RS)."""

from __future__ import annotations

import pytest

from socsim import simulate
from socsim.components.config import DataflowChoice, with_overrides
from socsim.components.presets import get_preset
from socsim.dataflow import Dataflow, choose_dataflow
from socsim.errors import ConfigError
from socsim.workloads import get_network


def test_the_preset_is_the_published_chip():
    soc = get_preset("eyeriss-v1")
    pe, glb = soc.pe_array, soc.global_buffer
    assert (pe.rows, pe.cols, pe.bytes_per_word) == (12, 14, 2)
    assert (pe.rf_ifmap_words, pe.rf_filter_words, pe.rf_psum_words) == (12, 224, 24)
    assert (glb.size_bytes, soc.clock_hz, pe.dataflow) == (108 * 1024, 200e6, DataflowChoice.RS)
    assert pe.weight_sparsity == 0.0


def test_alexnet_runs_row_stationary_on_it():
    """Every conv and fc layer maps RS; the frame's MACs are the network's."""
    result = simulate("AlexNet", "eyeriss-v1")
    weighted = result.layers[result.layers["op"].isin(["conv", "fc"])]
    assert set(weighted["dataflow"]) == {"rs"}
    assert result.summary["macs"] == get_network("AlexNet").macs


@pytest.mark.parametrize("preset", ["squeezelerator-8x8", "squeezelerator-16x16"])
@pytest.mark.parametrize("objective", ["cycles", "energy"])
def test_an_automatic_choice_never_picks_row_stationary(preset, objective):
    array = get_preset(preset).array()
    for layer in get_network("1.0-SqNxt-23v5").layers:
        assert choose_dataflow(layer, array, objective).dataflow is not Dataflow.RS


def test_row_stationary_on_a_systolic_array_is_refused():
    with pytest.raises(ConfigError, match=r"pe_array.dataflow='rs' with pe_array.timing='sys"):
        with_overrides(get_preset("eyeriss-v1"), {"pe_array.timing": "systolic"})
