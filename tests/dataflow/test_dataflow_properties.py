"""Invariants of every mapping, on layers from small to network-sized (analytical only)."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from dataclasses import replace
from itertools import pairwise, permutations

import pytest
from dataflow_cases import small_arrays, small_layers
from hypothesis import given, settings
from hypothesis import strategies as st

from socsim.dataflow import ArrayConfig, ArrayTiming, SparsityMode, choose_dataflow, map_layer
from socsim.dataflow.tiling import axis_runs, build_tiles, shape_of, span
from socsim.dataflow.types import LOOPS
from socsim.energy import EYERISS
from socsim.errors import ConfigError, MappingError
from socsim.workloads import Layer, Op

DATAFLOWS = ArrayTiming.BROADCAST.dataflows  # OS and WS: the broadcast array's
RUNS = ArrayTiming.BROADCAST.runs  # and row stationary, which runs when configured


@st.composite
def mapped(draw: st.DrawFn):
    layer = draw(small_layers())
    array = draw(small_arrays(layer))
    return map_layer(layer, array, draw(st.sampled_from(RUNS)))


@st.composite
def big_layers(draw: st.DrawFn) -> Layer:
    """Network-sized convolutions, so that tiling, edges and spills happen at scale."""
    groups = draw(st.sampled_from([1, 1, 2, 4]))
    c_in = groups * draw(st.integers(1, 64))
    c_out = groups * draw(st.integers(1, 64))
    if draw(st.booleans()):  # depthwise
        groups, c_out = c_in, c_in
    h = draw(st.integers(1, 60))
    k = draw(st.sampled_from([(1, 1), (3, 3), (1, 3), (3, 1), (5, 5), (7, 7)]))
    k = (min(k[0], h), min(k[1], h))
    return Layer(name="big", op=Op.CONV, c_in=c_in, h_in=h, w_in=h, c_out=c_out, k_h=k[0],
                 k_w=k[1], stride=draw(st.integers(1, 2)), pad_h=k[0] // 2, pad_w=k[1] // 2,
                 groups=groups)  # fmt: skip


PRESETS = (
    ArrayConfig(rows=8, cols=8, glb_bytes=32768, weight_sparsity=0.4, sparsity_mode="gate"),
    ArrayConfig(rows=16, cols=16, glb_bytes=131072, weight_sparsity=0.4, sparsity_mode="gate"),
)


def check_invariants(m) -> None:
    layer, array = m.layer, m.array
    # the plan's blocks are no larger than the axes they cut
    sh, plan = shape_of(layer), m.plan
    blocks = (plan.groups, plan.filters, plan.rows, plan.cols, plan.channels)
    axes = (sh.groups, sh.filters, sh.h_out, sh.w_out, sh.channels)
    assert all(1 <= b <= n for b, n in zip(blocks, axes, strict=True)), (blocks, axes)
    # tiles cover every (output, reduction chunk) exactly once, and chunks split each reduction
    seen = Counter()
    chunks = set()
    tiles = list(m.expanded())
    regions = list(m.regions())
    assert len(tiles) == len(regions)
    per_group = layer.c_out // layer.groups if layer.has_weights else 1
    kk = layer.k_h * layer.k_w
    for t, r in zip(tiles, regions, strict=True):
        chunks.add((r.channels.start, r.channels.stop))
        for g in r.groups:
            for k in r.filters:
                for y in r.rows:
                    for x in r.cols:
                        seen[(g * per_group + k, y, x, r.channels.start)] += 1
        outputs = len(r.groups) * len(r.filters) * len(r.rows) * len(r.cols)
        if layer.has_weights:
            assert t.macs == outputs * (len(r.channels) * kk + (r.channels.start == 0))
        # every tile's working set fits its share of the buffer
        assert t.glb_bytes <= array.tile_fraction * array.glb_bytes
    starts = sorted(chunks)
    assert starts[0][0] == 0 and all(a[1] == b[0] for a, b in pairwise(starts))
    assert set(seen.values()) == {1}
    assert len(seen) == layer.outputs * len(chunks)
    # MACs are conserved; the array never beats its peak
    assert m.macs == layer.macs
    assert m.counts.mac <= m.cycles * array.pes
    if array.sparsity_mode is not SparsityMode.SKIP:
        assert m.utilization <= 1
        assert m.cycles * array.pes >= m.macs
    # bytes per tile agree with the DRAM counts
    bpw = array.bytes_per_word
    assert m.counts.dram_read * bpw == sum(t.in_bytes * t.repeat for t in m.tiles)
    assert m.counts.dram_write * bpw == sum(t.out_bytes * t.repeat for t in m.tiles)
    assert 0 <= m.stall_cycles <= m.cycles


@settings(max_examples=150, deadline=None)
@given(mapped())
def test_invariants_on_small_layers(m):
    """Coverage, conservation, peak, buffer fit and byte accounting on random small cases."""
    check_invariants(m)


@settings(max_examples=40, deadline=None)
@given(big_layers(), st.sampled_from(PRESETS), st.sampled_from(RUNS))
def test_invariants_on_big_layers(layer, array, dataflow):
    """The same invariants on network-sized convolutions on the paper's two arrays."""
    check_invariants(map_layer(layer, array, dataflow))


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_more_bandwidth_is_never_slower(data):
    """Raising glb_words_per_cycle never adds cycles (stalls only shrink)."""
    layer = data.draw(small_layers())
    array = data.draw(small_arrays(layer))
    dataflow = data.draw(st.sampled_from(RUNS))
    wider = replace(
        array, glb_words_per_cycle=array.glb_words_per_cycle + data.draw(st.integers(1, 8))
    )
    assert map_layer(layer, wider, dataflow).cycles <= map_layer(layer, array, dataflow).cycles


@settings(max_examples=60, deadline=None)
@given(big_layers(), st.sampled_from(RUNS), st.sampled_from([0.25, 0.4, 0.5]))
def test_gate_saves_exactly_the_zero_weights_macs(layer, dataflow, sparsity):
    """GATE: MACs done = MACs - zero weights x output pixels, whatever the tiling.

    Each filter holds floor(R s) zeros (R = c_in/groups x k_h x k_w) and each weight is used
    once per output pixel.
    """
    array = replace(PRESETS[1], weight_sparsity=sparsity)
    dense = map_layer(layer, replace(array, sparsity_mode="none"), dataflow)
    gated = map_layer(layer, array, dataflow)
    zeros = int(layer.reduction * sparsity)
    assert dense.counts.mac == layer.macs
    assert gated.counts.mac == layer.macs - layer.c_out * zeros * layer.h_out * layer.w_out
    assert gated.cycles == dense.cycles


def test_compression_stores_only_nonzero_weights():
    """compress_weights: a layer whose weights are loaded once moves R - floor(0.4 R) + 1 words
    per filter (the bias is never zero)."""
    layer = Layer(
        name="c", op="conv", c_in=32, h_in=14, w_in=14, c_out=64, k_h=3, k_w=3, pad_h=1, pad_w=1
    )
    array = replace(PRESETS[1], compress_weights=True)
    for dataflow in DATAFLOWS:
        m = map_layer(layer, array, dataflow)
        assert m.tile_count == 1
        stored = 64 * (288 - int(288 * 0.4) + 1)
        assert sum(t.weight_bytes * t.repeat for t in m.tiles) == 2 * stored
        plain = map_layer(layer, replace(array, compress_weights=False), dataflow)
        assert sum(t.weight_bytes * t.repeat for t in plain.tiles) == 2 * 64 * 289


def test_skip_saves_cycles_only_with_one_column():
    """SKIP: a depthwise layer (one column per fold) runs faster in OS; a dense layer does not."""
    dw = Layer(
        name="dw",
        op="conv",
        c_in=32,
        h_in=28,
        w_in=28,
        c_out=32,
        k_h=3,
        k_w=3,
        pad_h=1,
        pad_w=1,
        groups=32,
    )
    pw = Layer(name="pw", op="conv", c_in=32, h_in=28, w_in=28, c_out=64)
    gate, skip = PRESETS[1], replace(PRESETS[1], sparsity_mode="skip")
    assert map_layer(dw, skip, "os").cycles < map_layer(dw, gate, "os").cycles
    assert map_layer(pw, skip, "os").cycles == map_layer(pw, gate, "os").cycles
    assert map_layer(pw, skip, "ws").cycles == map_layer(pw, gate, "ws").cycles


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 60), st.integers(1, 20), st.integers(1, 3), st.integers(1, 7), st.data())
def test_axis_runs_match_block_by_block(n_out, block, stride, k, data):
    """The run-length encoding of pixel blocks equals the blocks computed one by one: rows
    held are those some window touches, rows read from DRAM those inside the map."""
    pad = data.draw(st.integers(0, k - 1))
    n_in = (n_out - 1) * stride + k - 2 * pad + data.draw(st.integers(0, stride - 1))
    if n_in < 1:
        return
    blocks = []
    for b in range(0, n_out, block):
        out = min(block, n_out - b)
        rows = {o * stride - pad + j for o in range(b, b + out) for j in range(k)}
        blocks.append((out, len(rows), sum(0 <= y < n_in for y in rows)))
    runs = axis_runs(n_out, block, stride, k, pad, n_in)
    got = [(r.out, span(r.out, stride, k), r.inside) for r in runs for _ in range(r.count)]
    assert got == blocks


def test_unmappable_layer_names_layer_working_set_and_buffer():
    """A layer whose smallest tile does not fit raises MappingError saying why."""
    layer = Layer(name="huge_kernel", op="conv", c_in=1, h_in=64, w_in=64, c_out=1, k_h=64, k_w=64)
    with pytest.raises(MappingError, match=r"huge_kernel.*16388 bytes.*16384 bytes.*32768"):
        map_layer(layer, PRESETS[0], "os")


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("rows", 0, "a positive integer <= 4096"),
        ("glb_words_per_cycle", -3, "a positive integer"),
        ("weight_sparsity", 0.995, r"a number in \[0.0, 0.99\]"),
        ("tile_fraction", 0.005, r"a number in \[0.01, 1.0\]"),
        ("timing", "pipelined", "'broadcast' or 'systolic'"),
    ],
)
def test_a_bad_array_field_is_named_with_its_value_and_range(field, value, expected):
    """`ArrayConfig` is the mapper's own entry point (no `SocConfig` checks it first), so it
    says which field, which value and what it takes, in the config's words."""
    with pytest.raises(ConfigError, match=rf"^pe_array\.{field}={value!r}, expected {expected}$"):
        ArrayConfig(**{field: value})


def test_alexnet_fc6_streams_its_weights():
    """fc6 (37.7M weights) cannot keep its weights on chip: it streams them, each read once."""
    fc6 = Layer(name="fc6", op="fc", c_in=256, h_in=6, w_in=6, c_out=4096)
    for array in PRESETS:
        m = choose_dataflow(fc6, array)
        assert sum(t.weight_bytes * t.repeat for t in m.tiles) == 2 * fc6.params
        assert m.tile_count > 1 and m.macs == fc6.macs


def test_choose_dataflow_takes_the_better_one():
    """By cycles the faster dataflow wins; by energy the cheaper one (Eyeriss costs)."""
    layers = [
        Layer(name="fc", op="fc", c_in=64, h_in=1, w_in=1, c_out=100),
        Layer(name="pw", op="conv", c_in=16, h_in=55, w_in=55, c_out=8),
        Layer(
            name="c3",
            op="conv",
            c_in=64,
            h_in=14,
            w_in=14,
            c_out=64,
            k_h=3,
            k_w=3,
            pad_h=1,
            pad_w=1,
        ),
    ]
    for layer in layers:
        for array in PRESETS:
            os_, ws = (map_layer(layer, array, d) for d in DATAFLOWS)
            energy = {m.dataflow: EYERISS.energy(m.counts)["total"] for m in (os_, ws)}
            fast = choose_dataflow(layer, array, "cycles")
            assert fast.cycles == min(os_.cycles, ws.cycles)
            cheap = choose_dataflow(layer, array, "energy")
            assert energy[cheap.dataflow] == min(energy.values())


def dram_words(tiles) -> int:
    return sum((t.counts.dram_read + t.counts.dram_write) * t.repeat for t in tiles)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_the_chosen_loop_order_moves_the_fewest_dram_words(data):
    """For the block sizes it picked, no other order of the block loops would move fewer
    DRAM words (reads and writes, as the built tiles count them): the planner prices every
    order exactly before it chooses. Convs of some size in small buffers make them differ."""
    k = data.draw(st.sampled_from([1, 3, 5]))
    h = data.draw(st.integers(k, 18))
    layer = Layer(name="c", op=Op.CONV, c_in=data.draw(st.integers(1, 16)), h_in=h, w_in=h,
                  c_out=data.draw(st.integers(1, 16)), k_h=k, k_w=k,
                  stride=data.draw(st.integers(1, 2)), pad_h=k // 2, pad_w=k // 2)  # fmt: skip
    array = data.draw(small_arrays(layer, max_side=6))
    m = map_layer(layer, array, data.draw(st.sampled_from(DATAFLOWS)))
    shape = shape_of(layer)
    others = [
        dram_words(build_tiles(shape, array, m.dataflow, replace(m.plan, order=order)))
        for order in permutations(LOOPS)
    ]
    assert dram_words(m.tiles) == min(others)


def test_a_full_tie_keeps_the_first_dataflow():
    """A 3x3 stride-2 max pool has no weights to keep stationary: OS and WS map it alike
    (same cycles, same counts, so the same energy), and either objective keeps OS, the
    first of the dataflows."""
    pool = Layer(name="p", op="maxpool", c_in=5, h_in=7, w_in=7, c_out=5, k_h=3, k_w=3, stride=2)
    array = ArrayConfig(rows=4, cols=3, glb_bytes=4096)
    os_, ws = (map_layer(pool, array, d) for d in DATAFLOWS)
    assert (os_.cycles, os_.counts) == (ws.cycles, ws.counts)
    assert [choose_dataflow(pool, array, o).dataflow for o in ("cycles", "energy")] == ["os"] * 2


def test_enum_fields_given_as_strings_become_enums():
    """As a YAML file or a caller gives them: `timing` and `sparsity_mode` are held as
    their enums, so what depends on them (the dataflows the array runs) works."""
    array = ArrayConfig(timing="systolic", sparsity_mode="gate")
    assert array.timing is ArrayTiming.SYSTOLIC and array.sparsity_mode is SparsityMode.GATE
    assert array.timing.dataflows == ("os", "ws", "is")


def test_cache_keeps_each_layers_identity():
    """Layers of equal shape share the work but each mapping names its own layer."""
    a = Layer(name="a", op="conv", c_in=8, h_in=8, w_in=8, c_out=8, stage=1)
    b = replace(a, name="b", stage=2)
    ma, mb = map_layer(a, PRESETS[0], "os"), map_layer(b, PRESETS[0], "os")
    assert ma.layer is a and mb.layer is b and ma.tiles is mb.tiles


NO_SIMPY = """
import sys
import socsim.dataflow, socsim.dataflow.reference
from socsim.workloads import Layer
socsim.dataflow.choose_dataflow(Layer(name="x", op="conv", c_in=4, h_in=4, w_in=4, c_out=4),
                                socsim.dataflow.ArrayConfig())
print("simpy" in sys.modules)
"""


def test_dataflow_never_imports_simpy():
    """socsim.dataflow is pure Python and numpy: nothing it imports (or runs) loads simpy."""
    code = NO_SIMPY
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_unknown_dataflow_or_objective_is_a_config_error():
    """A misspelt dataflow or objective names the value and what was expected."""
    layer = Layer(name="a", op="conv", c_in=8, h_in=8, w_in=8, c_out=8)
    with pytest.raises(ConfigError, match="dataflow='xs', expected 'os', 'ws' or 'rs'"):
        map_layer(layer, PRESETS[0], "xs")
    systolic = replace(PRESETS[0], timing="systolic")
    with pytest.raises(ConfigError, match="dataflow='rs', expected 'os', 'ws' or 'is' on a sys"):
        map_layer(layer, systolic, "rs")
    with pytest.raises(ConfigError, match="objective='area'"):
        choose_dataflow(layer, PRESETS[0], "area")
