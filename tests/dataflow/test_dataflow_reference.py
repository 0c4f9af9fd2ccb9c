"""The closed forms against the cycle-stepped reference, and the reference against numpy.

For random small layers (every op, grouped and depthwise, 1xK and Kx1, strides, padding,
fc) on random small arrays and buffers, with any sparsity mode: the mapping's cycles, every
access count and the buffer space held equal the reference's, tile by tile, and the
reference computes the same outputs as plain numpy. Row stationary likewise, with random
scratchpad sizes (each at least the kernel width, or the mapping refuses).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from dataflow_cases import layer_data, numpy_layer, small_arrays, small_layers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socsim.dataflow import ArrayConfig, ArrayTiming, Dataflow, map_layer
from socsim.dataflow.reference import simulate
from socsim.errors import MappingError
from socsim.workloads import Layer

DATAFLOWS = ArrayTiming.BROADCAST.dataflows  # OS and WS: the broadcast array's


@st.composite
def cases(draw: st.DrawFn):
    layer = draw(small_layers())
    return layer, draw(small_arrays(layer)), draw(st.sampled_from(list(DATAFLOWS)))


def check_against_reference(layer, array, dataflow, seed=0):
    mapping = map_layer(layer, array, dataflow)
    x, w, b = layer_data(layer, array.weight_sparsity, seed)
    ref = simulate(layer, array, dataflow, mapping.plan, x, w, b)
    np.testing.assert_array_equal(ref.output, numpy_layer(layer, x, w, b))
    bpw = array.bytes_per_word
    tiles = list(mapping.expanded())
    assert len(tiles) == len(ref.tiles)
    for i, (t, r) in enumerate(zip(tiles, ref.tiles, strict=True)):
        got = (
            t.compute_cycles,
            t.counts,
            t.ifmap_bytes,
            t.weight_bytes,
            t.psum_in_bytes,
            t.out_bytes,
            t.glb_bytes,
        )
        want = (r.cycles, r.counts, r.ifmap_words * bpw, r.weight_words * bpw,
                r.psum_in_words * bpw, r.out_words * bpw, r.glb_words * bpw)  # fmt: skip
        assert got == want, f"tile {i} of {mapping.plan}"
    assert (mapping.cycles, mapping.counts) == (ref.cycles, ref.counts)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_mapping_equals_reference(case):
    """Analytical cycles, counts and buffer occupancy equal the reference's exactly, per
    tile and in total."""
    check_against_reference(*case)


@st.composite
def rs_cases(draw: st.DrawFn):
    """Small layers on small arrays whose scratchpads hold from one filter row upwards."""
    layer = draw(small_layers())
    array = replace(
        draw(small_arrays(layer)),
        rf_ifmap_words=draw(st.integers(layer.k_w, 3 * layer.k_w + 1)),
        rf_filter_words=draw(st.integers(layer.k_w, 8 * layer.k_w + 3)),
        rf_psum_words=draw(st.integers(1, 5)),
    )
    return layer, array, Dataflow.RS


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rs_cases())
def test_row_stationary_equals_reference(case):
    """Row stationary: analytical cycles, counts and buffer occupancy equal the reference's
    exactly, per tile and in total (pooling, add and concat run as under OS and WS)."""
    check_against_reference(*case)


def test_row_stationary_refuses_a_scratchpad_smaller_than_a_filter_row():
    layer = Layer(name="c5", op="conv", c_in=2, h_in=6, w_in=6, c_out=3, k_h=5, k_w=5)
    with pytest.raises(MappingError, match=r"rf_ifmap_words=4, expected at least .* width 5"):
        map_layer(layer, ArrayConfig(rows=4, cols=4, rf_ifmap_words=4), Dataflow.RS)


@pytest.mark.parametrize("dataflow", list(DATAFLOWS))
def test_stalls_spills_and_skips_in_one_layer(dataflow):
    """A layer that needs everything at once: reduction split with spills, stalls, SKIP."""
    layer = Layer(name="fc", op="fc", c_in=20, h_in=1, w_in=1, c_out=9)
    array = ArrayConfig(
        rows=3, cols=2, glb_bytes=70, glb_words_per_cycle=1, rf_words=1,
        weight_sparsity=0.5, sparsity_mode="skip", compress_weights=True,
    )  # fmt: skip
    mapping = map_layer(layer, array, dataflow)
    assert mapping.plan.channels < 20 and mapping.stall_cycles > 0
    assert any(t.psum_in_bytes for t in mapping.tiles)
    check_against_reference(layer, array, dataflow)


@pytest.mark.parametrize(
    "layer",
    [
        Layer(name="pw", op="conv", c_in=16, h_in=12, w_in=12, c_out=8),
        Layer(name="sep", op="conv", c_in=8, h_in=10, w_in=10, c_out=20, k_h=3, pad_h=1),
        Layer(
            name="dw",
            op="conv",
            c_in=24,
            h_in=9,
            w_in=9,
            c_out=24,
            k_h=3,
            k_w=3,
            stride=2,
            pad_h=1,
            pad_w=1,
            groups=24,
        ),
        Layer(name="fc", op="fc", c_in=64, h_in=2, w_in=2, c_out=40),
    ],
    ids=lambda layer: layer.name,
)
@pytest.mark.parametrize("dataflow", [*DATAFLOWS, Dataflow.RS])
def test_reference_on_a_16x16_array(layer, dataflow):
    """The paper's 16x16 array with 40% gated sparsity and a buffer small enough to tile."""
    array = ArrayConfig(rows=16, cols=16, glb_bytes=8192, glb_words_per_cycle=16,
                        weight_sparsity=0.4, sparsity_mode="gate")  # fmt: skip
    check_against_reference(layer, array, dataflow)
