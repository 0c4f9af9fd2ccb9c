"""Layer shapes and MACs against a brute-force walk of the loop nest, plus exact cases."""

from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socsim.errors import WorkloadError
from socsim.workloads.layer import Layer, Op

# -- the oracle -----------------------------------------------------------------------------


def window_starts(size: int, pad: int, k: int, stride: int) -> list[int]:
    """Starts, in padded coordinates, of the windows that lie inside the padded input."""
    starts = []
    start = 0
    while start + k <= size + 2 * pad:
        starts.append(start)
        start += stride
    return starts


def caffe_ceil_window_starts(size: int, pad: int, k: int, stride: int) -> list[int]:
    """Caffe's ceil-mode pooling: add windows while the last one leaves padded input uncovered,
    but (with padding) never one that starts in the right padding."""
    starts = [0]
    while starts[-1] + k < size + 2 * pad:
        start = starts[-1] + stride
        if pad and start >= size + pad:
            break
        starts.append(start)
    return starts


def brute_force_macs(layer: Layer) -> int:
    """Multiply-accumulates counted one by one, plus one per output for the bias."""
    ys = window_starts(layer.h_in, layer.pad_h, layer.k_h, layer.stride)
    xs = window_starts(layer.w_in, layer.pad_w, layer.k_w, layer.stride)
    c_in_per_group = layer.c_in // layer.groups
    c_out_per_group = layer.c_out // layer.groups
    macs = 0
    for oc, y, x, ic in product(range(layer.c_out), ys, xs, range(layer.c_in)):
        if ic // c_in_per_group != oc // c_out_per_group:
            continue  # another group's channel
        for ky, kx in product(range(layer.k_h), range(layer.k_w)):
            if y + ky < layer.h_in + 2 * layer.pad_h and x + kx < layer.w_in + 2 * layer.pad_w:
                macs += 1
    return macs + layer.c_out * len(ys) * len(xs)


# -- strategies -----------------------------------------------------------------------------


@st.composite
def convs(draw: st.DrawFn) -> Layer:
    """Small convs: dense, grouped and depthwise; square, 1xK and Kx1; strided and padded."""
    groups = draw(st.integers(1, 3))
    depthwise = draw(st.booleans())
    c_in = groups * (1 if depthwise else draw(st.integers(1, 3)))
    c_out = groups * (1 if depthwise else draw(st.integers(1, 3)))
    k_h, k_w = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    pad_h, pad_w = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    return Layer(
        name="conv", op=Op.CONV, c_in=c_in, c_out=c_out, groups=groups,
        h_in=draw(st.integers(max(1, k_h - 2 * pad_h), 8)),
        w_in=draw(st.integers(max(1, k_w - 2 * pad_w), 8)),
        k_h=k_h, k_w=k_w, stride=draw(st.integers(1, 3)), pad_h=pad_h, pad_w=pad_w,
    )  # fmt: skip


@st.composite
def pools(draw: st.DrawFn) -> Layer:
    k = draw(st.integers(1, 4))
    pad = draw(st.integers(0, k - 1))
    return Layer(
        name="pool", op=draw(st.sampled_from([Op.MAXPOOL, Op.AVGPOOL])),
        c_in=draw(st.integers(1, 4)), h_in=draw(st.integers(max(1, k - 2 * pad), 12)),
        w_in=draw(st.integers(max(1, k - 2 * pad), 12)), k_h=k, k_w=k,
        stride=draw(st.integers(1, 3)), pad_h=pad, pad_w=pad, ceil_mode=draw(st.booleans()),
    )  # fmt: skip


# -- properties -----------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(convs())
def test_conv_shape_and_macs_match_the_loop_nest(layer: Layer) -> None:
    """Output extent = windows that fit the padded input; MACs = taps counted one by one."""
    ys = window_starts(layer.h_in, layer.pad_h, layer.k_h, layer.stride)
    xs = window_starts(layer.w_in, layer.pad_w, layer.k_w, layer.stride)
    assert layer.out_shape == (layer.c_out, len(ys), len(xs))
    assert layer.macs == brute_force_macs(layer)
    assert layer.params == layer.c_out * (layer.c_in // layer.groups * layer.k_h * layer.k_w + 1)


@settings(max_examples=40, deadline=None)
@given(c_in=st.integers(1, 4), h=st.integers(1, 6), w=st.integers(1, 6), c_out=st.integers(1, 5))
def test_fc_is_the_conv_covering_its_input(c_in: int, h: int, w: int, c_out: int) -> None:
    """An fc layer reads the whole map: 1x1 output, and the MACs of that conv's loop nest."""
    layer = Layer(name="fc", op=Op.FC, c_in=c_in, h_in=h, w_in=w, c_out=c_out)
    assert (layer.k_h, layer.k_w) == (h, w)
    assert layer.out_shape == (c_out, 1, 1)
    assert layer.macs == brute_force_macs(layer) == c_out * (c_in * h * w + 1)


@settings(max_examples=80, deadline=None)
@given(pools())
def test_pool_shape_follows_its_windows(layer: Layer) -> None:
    """Floor mode: windows inside the padded input; ceil mode: Caffe's rule. No MACs, no weights."""
    starts = caffe_ceil_window_starts if layer.ceil_mode else window_starts
    ys = starts(layer.h_in, layer.pad_h, layer.k_h, layer.stride)
    xs = starts(layer.w_in, layer.pad_w, layer.k_w, layer.stride)
    assert layer.out_shape == (layer.c_in, len(ys), len(xs))
    assert (layer.macs, layer.params) == (0, 0)


# -- exact cases ----------------------------------------------------------------------------


def test_alexnet_conv1() -> None:
    """227x227x3, 96 filters 11x11 stride 4 -> 55x55; 105.7 M MACs with the bias."""
    layer = Layer(name="conv1", op=Op.CONV, c_in=3, h_in=227, w_in=227, c_out=96, k_h=11, k_w=11,
                  stride=4)  # fmt: skip
    assert layer.out_shape == (96, 55, 55)
    assert layer.macs == 96 * 55 * 55 * (3 * 11 * 11 + 1) == 105_705_600
    assert layer.params == 96 * (3 * 11 * 11 + 1)


def test_depthwise_conv() -> None:
    """A depthwise 3x3 reads one channel per filter: 32 x 112 x 112 x (9 + 1) MACs."""
    layer = Layer(name="dw", op=Op.CONV, c_in=32, h_in=112, w_in=112, c_out=32, k_h=3, k_w=3,
                  pad_h=1, pad_w=1, groups=32)  # fmt: skip
    assert layer.out_shape == (32, 112, 112)
    assert layer.macs == 32 * 112 * 112 * 10
    assert layer.params == 32 * 10


def test_separable_1x3_conv_keeps_the_size() -> None:
    layer = Layer(name="sep", op=Op.CONV, c_in=8, h_in=55, w_in=55, c_out=16, k_h=1, k_w=3,
                  pad_w=1)  # fmt: skip
    assert layer.out_shape == (16, 55, 55)
    assert layer.macs == 16 * 55 * 55 * (8 * 3 + 1)


@pytest.mark.parametrize(
    ("h_in", "k", "stride", "pad", "ceil_mode", "h_out"),
    [
        (111, 3, 2, 0, True, 55),  # SqueezeNext v1 pool1
        (112, 3, 2, 0, True, 56),  # SqueezeNext v2+ pool1: ceil keeps the partial window
        (112, 3, 2, 0, False, 55),
        (5, 2, 2, 1, True, 3),  # Caffe drops the window that would start in the padding
        (6, 2, 2, 1, True, 4),
        (5, 1, 3, 0, True, 3),  # unpadded, Caffe keeps a last window that starts past the input
    ],
)
def test_pool_extents(
    h_in: int, k: int, stride: int, pad: int, ceil_mode: bool, h_out: int
) -> None:
    layer = Layer(name="pool", op=Op.MAXPOOL, c_in=4, h_in=h_in, w_in=h_in, k_h=k, k_w=k,
                  stride=stride, pad_h=pad, pad_w=pad, ceil_mode=ceil_mode)  # fmt: skip
    assert layer.out_shape == (4, h_out, h_out)


# -- errors ---------------------------------------------------------------------------------


def test_kernel_larger_than_padded_input_names_layer_and_field() -> None:
    with pytest.raises(WorkloadError, match=r"layer 'c2': k_h=5, expected at most .* 4$"):
        Layer(name="c2", op=Op.CONV, c_in=8, h_in=2, w_in=8, c_out=8, k_h=5, k_w=3, pad_h=1)


def test_kernel_wider_than_padded_input_names_k_w() -> None:
    with pytest.raises(WorkloadError, match=r"layer 'p': k_w=4, expected at most .* 3$"):
        Layer(name="p", op=Op.AVGPOOL, c_in=1, h_in=8, w_in=3, k_h=2, k_w=4)


@pytest.mark.parametrize(("c_in", "c_out"), [(6, 8), (8, 6)])
def test_groups_must_divide_both_channel_counts(c_in: int, c_out: int) -> None:
    with pytest.raises(WorkloadError, match=r"layer 'g': groups=4, expected a divisor of c_"):
        Layer(name="g", op=Op.CONV, c_in=c_in, h_in=4, w_in=4, c_out=c_out, groups=4)


def test_groups_on_a_pool_are_refused() -> None:
    with pytest.raises(WorkloadError, match=r"groups=2, expected 1 for a layer without weights"):
        Layer(name="p", op=Op.MAXPOOL, c_in=4, h_in=4, w_in=4, k_h=2, k_w=2, groups=2)


def test_unknown_op_lists_the_ops() -> None:
    with pytest.raises(WorkloadError, match=r"layer 'x': op='deconv', expected one of conv, fc"):
        Layer(name="x", op="deconv", c_in=1, h_in=1, w_in=1)


@pytest.mark.parametrize("field", ["c_in", "h_in", "w_in", "stride"])
def test_non_positive_sizes_are_refused(field: str) -> None:
    kwargs = {"c_in": 2, "h_in": 4, "w_in": 4, "stride": 1, field: 0}
    with pytest.raises(WorkloadError, match=rf"layer 'z': {field}=0, expected a positive integer"):
        Layer(name="z", op=Op.CONV, c_out=2, **kwargs)


def test_conv_without_filters_is_refused() -> None:
    with pytest.raises(WorkloadError, match=r"c_out=0, expected a positive integer"):
        Layer(name="z", op=Op.CONV, c_in=2, h_in=4, w_in=4)
