"""Shared helpers for the dataflow tests: small random layers and arrays, data, numpy models."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from socsim.dataflow import ArrayConfig, SparsityMode
from socsim.workloads import Layer, Op

SPARSITIES = (0.0, 0.25, 0.4, 0.5, 0.75)


@st.composite
def small_layers(
    draw: st.DrawFn, ops: tuple[str, ...] = ("conv", "dw", "fc", "pool", "add", "concat")
) -> Layer:
    """Layers of a few thousand MACs at most: every op, 1xK and Kx1 kernels, strides, padding."""
    op = draw(st.sampled_from(ops))
    h, w = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    if op == "fc":
        c_in, h_in, w_in = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
        return Layer(name="fc", op=Op.FC, c_in=c_in, h_in=h_in, w_in=w_in,
                     c_out=draw(st.integers(1, 9)))  # fmt: skip
    if op in ("add", "concat"):
        n = draw(st.integers(2, 3))
        return Layer(name=op, op=Op(op), c_in=draw(st.integers(1, 9)), h_in=h, w_in=w,
                     inputs=tuple(f"x{i}" for i in range(n)))  # fmt: skip
    k_h, k_w = draw(st.integers(1, min(3, h + 2))), draw(st.integers(1, min(3, w + 2)))
    pad_h, pad_w = draw(st.integers(0, k_h - 1)), draw(st.integers(0, k_w - 1))
    k_h, k_w = min(k_h, h + 2 * pad_h), min(k_w, w + 2 * pad_w)
    stride = draw(st.integers(1, 2))
    if op == "pool":
        kind = draw(st.sampled_from([Op.MAXPOOL, Op.AVGPOOL]))
        return Layer(name="pool", op=kind, c_in=draw(st.integers(1, 9)), h_in=h, w_in=w,
                     k_h=k_h, k_w=k_w, stride=stride, pad_h=pad_h, pad_w=pad_w,
                     ceil_mode=draw(st.booleans()))  # fmt: skip
    if op == "dw":
        c = draw(st.integers(1, 6))
        groups, c_in, c_out = c, c, c * draw(st.integers(1, 2))
    else:
        groups = draw(st.integers(1, 2))
        c_in = groups * draw(st.integers(1, 3))
        c_out = groups * draw(st.integers(1, 4))
    return Layer(name=op, op=Op.CONV, c_in=c_in, h_in=h, w_in=w, c_out=c_out, k_h=k_h, k_w=k_w,
                 stride=stride, pad_h=pad_h, pad_w=pad_w, groups=groups)  # fmt: skip


def smallest_tile_bytes(layer: Layer) -> int:
    """Working set of one pixel, one filter, one channel: what any tiling needs at least."""
    kk = layer.k_h * layer.k_w
    operands = len(layer.inputs) if layer.op is Op.ADD else 1
    if layer.has_weights:
        return 2 * (kk + (kk + 1) + 1)
    return 2 * (kk * operands + (0 if layer.op is Op.CONCAT else 1))


@st.composite
def small_arrays(draw: st.DrawFn, layer: Layer, max_side: int = 8) -> ArrayConfig:
    """Arrays of 2x2 to 8x8 PEs with buffers from barely enough to plenty, any sparsity."""
    fraction = draw(st.sampled_from([0.5, 1.0]))
    need = -(-smallest_tile_bytes(layer) * 2 // int(2 * fraction))
    return ArrayConfig(
        rows=draw(st.integers(2, max_side)),
        cols=draw(st.integers(2, max_side)),
        rf_words=draw(st.sampled_from([1, 2, 64])),
        glb_bytes=need + draw(st.integers(0, 1200)),
        glb_words_per_cycle=draw(st.integers(1, 12)),
        tile_fraction=fraction,
        weight_sparsity=draw(st.sampled_from(SPARSITIES)),
        sparsity_mode=draw(st.sampled_from(list(SparsityMode))),
        compress_weights=draw(st.booleans()),
    )


def zero_positions(n: int, sparsity: float) -> np.ndarray:
    """The model's zero pattern along a filter's reduction: r is zero when
    floor((r + 1) s) > floor(r s)."""
    s = Fraction(repr(sparsity))
    r = np.arange(n + 1) * s.numerator // s.denominator
    return np.diff(r) > 0


def layer_data(layer: Layer, sparsity: float, seed: int):
    """Random nonzero integers (exact in floats), with weights zeroed by the model's pattern."""
    rng = np.random.default_rng(seed)
    n = len(layer.inputs) if layer.op is Op.ADD else 1
    xs = [rng.integers(-4, 5, layer.in_shape).astype(float) for _ in range(n)]
    if not layer.has_weights:
        return (xs if layer.op is Op.ADD else xs[0]), None, None
    per = layer.c_in // layer.groups
    w = rng.choice([-3, -2, -1, 1, 2, 3], (layer.c_out, per * layer.k_h * layer.k_w)).astype(float)
    w[:, zero_positions(w.shape[1], sparsity)] = 0.0
    b = rng.choice([-2, -1, 1, 2], layer.c_out).astype(float)
    return xs[0], w.reshape(layer.c_out, per, layer.k_h, layer.k_w), b


def numpy_layer(layer: Layer, x, w, b) -> np.ndarray:
    """The layer computed with plain numpy (average pooling as a window sum)."""
    if layer.op is Op.ADD:
        return np.sum(x, axis=0)
    if layer.op is Op.CONCAT:
        return x
    pad_value = -np.inf if layer.op is Op.MAXPOOL else 0.0
    s = layer.stride
    # enough padding at the bottom/right for the last window (pools in ceil mode overhang)
    extra_h = max(0, (layer.h_out - 1) * s + layer.k_h - (layer.h_in + 2 * layer.pad_h))
    extra_w = max(0, (layer.w_out - 1) * s + layer.k_w - (layer.w_in + 2 * layer.pad_w))
    xp = np.pad(
        x,
        ((0, 0), (layer.pad_h, layer.pad_h + extra_h), (layer.pad_w, layer.pad_w + extra_w)),
        constant_values=pad_value,
    )
    win = sliding_window_view(xp, (layer.k_h, layer.k_w), axis=(1, 2))[:, ::s, ::s]
    win = win[:, : layer.h_out, : layer.w_out]  # (c, h_out, w_out, k_h, k_w)
    if layer.op is Op.MAXPOOL:
        return win.max(axis=(3, 4))
    if layer.op is Op.AVGPOOL:
        return win.sum(axis=(3, 4))
    g = layer.groups
    per_in, per_out = layer.c_in // g, layer.c_out // g
    win = win.reshape(g, per_in, layer.h_out, layer.w_out, layer.k_h, layer.k_w)
    wg = w.reshape(g, per_out, per_in, layer.k_h, layer.k_w)
    out = np.einsum("gchwij,gkcij->gkhw", win, wg).reshape(layer.c_out, layer.h_out, layer.w_out)
    return out + b[:, None, None]
