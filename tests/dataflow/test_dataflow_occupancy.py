"""A tile's global-buffer occupancy (`Tile.glb_bytes`) measured, not recomputed.

Three measures, none sharing the tiling's formula (`tiling.held`): hand-worked tile
sequences for plans chosen here, with sizes that do not divide (odd channels, filters and
maps, strides, padding, a stride longer than the kernel, a pooling window hanging over the
map, compressed sparse weights, grouped and depthwise, fc, add and concat); the words the
cycle-stepped reference actually keeps in its buffer for each of those tiles; and, for
random layers and buffers, a count of the distinct input, weight and output elements each
tile's region touches. The planner's own working set is held to the tiles it plans.
"""

from __future__ import annotations

import numpy as np
import pytest
from dataflow_cases import layer_data, small_arrays, small_layers, zero_positions
from hypothesis import given, settings
from hypothesis import strategies as st

from socsim.dataflow import ArrayConfig, Dataflow, LayerMapping, Region, TilePlan, map_layer
from socsim.dataflow.reference import simulate
from socsim.dataflow.tiling import _Pricing, _Sizes, build_tiles, shape_of
from socsim.workloads import Layer, Op

ROOMY = ArrayConfig(rows=3, cols=2, glb_bytes=1 << 20)  # every hand-picked plan fits


def conv_3x5() -> Layer:
    """3 -> 5 channels, 7x7 map, 3x3 kernel, stride 2, padding 1: a 4x4 output."""
    return Layer(
        name="c",
        op="conv",
        c_in=3,
        h_in=7,
        w_in=7,
        c_out=5,
        k_h=3,
        k_w=3,
        stride=2,
        pad_h=1,
        pad_w=1,
    )


# (layer, array, plan, each tile's working set in words, in schedule order)
CASES = {
    "conv: filters, rows and channels split": (
        # Filter blocks 2, 2, 1; row blocks of 3 and 1 output rows; chunks of 2 and 1 input
        # channels; every block 4 output columns wide. Input rows held: 3 output rows
        # touch rows -1..5 (7, padding included), 1 output row rows 5..7 (3); 4 output
        # columns touch columns -1..7 (9). Weights per filter: 2 channels x 9 + the bias =
        # 19 in the first chunk, 9 in the second. Outputs: filters x rows x 4.
        #   2 filters, 3 rows, chunk 2: 2*7*9 + 2*19 + 2*3*4 = 126 + 38 + 24 = 188
        #   2 filters, 3 rows, chunk 1: 1*7*9 + 2*9  + 2*3*4 =  63 + 18 + 24 = 105
        #   2 filters, 1 row,  chunk 2: 2*3*9 + 2*19 + 2*1*4 =  54 + 38 +  8 = 100
        #   2 filters, 1 row,  chunk 1: 1*3*9 + 2*9  + 2*1*4 =  27 + 18 +  8 =  53
        #   1 filter:  126 + 19 + 12 = 157, 63 + 9 + 12 = 84, 54 + 19 + 4 = 77, 27 + 9 + 4 = 40
        conv_3x5(),
        ROOMY,
        TilePlan(("k", "p", "c"), 1, 2, 3, 4, 2),
        [188, 105, 100, 53] * 2 + [157, 84, 77, 40],
    ),
    "conv: compressed weights, 2/5 zero": (
        # As above, pixels outermost, with weight sparsity 0.4 compressed: a filter's
        # reduction positions r = 0..26 (channel, kernel row, kernel column) hold
        # floor(27 * 0.4) = 10 zeros; positions 0..17 (channels 0, 1) floor(18 * 0.4) = 7 of
        # them, positions 18..26 the other 3. Stored per filter: 18 + 1 - 7 = 12 in the
        # first chunk, 9 - 3 = 6 in the second. Order pixels, filters, chunks:
        #   3 rows: 2 filters: 126 + 24 + 24 = 174, 63 + 12 + 24 = 99;
        #           1 filter:  126 + 12 + 12 = 150, 63 +  6 + 12 = 81
        #   1 row:  2 filters:  54 + 24 +  8 =  86, 27 + 12 +  8 = 47;
        #           1 filter:   54 + 12 +  4 =  70, 27 +  6 +  4 = 37
        conv_3x5(),
        ArrayConfig(rows=3, cols=2, glb_bytes=1 << 20, weight_sparsity=0.4, compress_weights=True),
        TilePlan(("p", "k", "c"), 1, 2, 3, 4, 2),
        [174, 99, 174, 99, 150, 81, 86, 47, 86, 47, 70, 37],
    ),
    "depthwise: stride 3 longer than the 2x2 kernel": (
        # 3 channels, 8x8 map, 2x2 kernel, stride 3: 3x3 outputs whose windows leave rows
        # 2 and 5 (and those columns) untouched. 3 output rows hold rows 0,1,3,4,6,7 (6);
        # 2 output columns hold 4 columns, 1 holds 2. Groups of 2 and 1, one filter each,
        # 2x2 + 1 = 5 weights per filter. Outputs: groups x 3 rows x columns.
        #   2 groups, 2 columns: 2*6*4 + 2*5 + 2*3*2 = 48 + 10 + 12 = 70
        #   2 groups, 1 column:  2*6*2 + 2*5 + 2*3*1 = 24 + 10 +  6 = 40
        #   1 group,  2 columns: 1*6*4 + 5 + 6 = 35; 1 column: 12 + 5 + 3 = 20
        Layer(
            name="dw", op="conv", c_in=3, h_in=8, w_in=8, c_out=3, k_h=2, k_w=2, stride=3, groups=3
        ),
        ROOMY,
        TilePlan(("k", "p", "c"), 2, 1, 3, 2, 1),
        [70, 40, 35, 20],
    ),
    "grouped conv: 2 groups of 3 -> 2 channels": (
        # 6 -> 4 channels in 2 groups, 5x3 map, 1x3 kernel, padding 1 across: 5x3 outputs.
        # One group per tile, 2 filters, 2 output rows (2 input rows), all 3 columns (5
        # held, padding included), chunks of 2 and 1 channels: weights 2*3 + 1 = 7 and 3.
        #   2 rows: chunk 2: 2*2*5 + 2*7 + 2*2*3 = 20 + 14 + 12 = 46; chunk 1: 10 + 6 + 12 = 28
        #   1 row:  chunk 2: 2*1*5 + 14 + 2*1*3 = 10 + 14 + 6 = 30;  chunk 1: 5 + 6 + 6 = 17
        # Row blocks 2, 2, 1 per group, chunks innermost.
        Layer(
            name="g", op="conv", c_in=6, h_in=5, w_in=3, c_out=4, k_h=1, k_w=3, pad_w=1, groups=2
        ),
        ROOMY,
        TilePlan(("k", "p", "c"), 1, 2, 2, 3, 2),
        ([46, 28] * 2 + [30, 17]) * 2,
    ),
    "fc: 3 channels of 2x2 to 7": (
        # The kernel is the 2x2 map: a chunk of c channels holds c*4 inputs and c*4 weights
        # per filter (+1 bias in the first). Filter blocks 4 and 3, chunks 2 and 1:
        #   4 filters: 8 + 4*9 + 4 = 48, 4 + 4*4 + 4 = 24
        #   3 filters: 8 + 3*9 + 3 = 38, 4 + 3*4 + 3 = 19
        Layer(name="fc", op="fc", c_in=3, h_in=2, w_in=2, c_out=7),
        ROOMY,
        TilePlan(("k", "p", "c"), 1, 4, 1, 1, 2),
        [48, 24, 38, 19],
    ),
    "max pooling in ceil mode, the last window over the edge": (
        # 2 channels, 6x6, 3x3 windows, stride 2, ceil mode: 3x3 outputs, the last window
        # reading rows 4..6 (row 6 outside the map, held as padding). Output rows 0..1 hold
        # input rows 0..4 (5), row 2 rows 4..6 (3); 3 output columns hold 7 columns. One
        # channel per tile: 5*7 + 2*3 = 41, 3*7 + 3 = 24.
        Layer(
            name="mp", op="maxpool", c_in=2, h_in=6, w_in=6, k_h=3, k_w=3, stride=2, ceil_mode=True
        ),
        ROOMY,
        TilePlan(("k", "p", "c"), 1, 1, 2, 3, 1),
        [41, 24, 41, 24],
    ),
    "add of 3 tensors": (
        # 5 channels of 3x5; channel blocks 2, 2, 1, row blocks 2 and 1, all 5 columns.
        # Inputs: 3 operands x channels x rows x 5; outputs channels x rows x 5.
        #   2 channels, 2 rows: 3*2*2*5 + 2*2*5 = 60 + 20 = 80; 1 row: 30 + 10 = 40
        #   1 channel,  2 rows: 3*1*2*5 + 10 = 40;             1 row: 15 + 5 = 20
        Layer(name="add", op="add", c_in=5, h_in=3, w_in=5, inputs=("a", "b", "c")),
        ROOMY,
        TilePlan(("k", "p", "c"), 2, 1, 2, 5, 1),
        [80, 40, 80, 40, 40, 20],
    ),
    "concat: the copy leaves from its input block": (
        # 5 channels of 3x5 (two inputs, read as one tensor); the output is the input
        # block itself, so a tile holds channels x rows x 5 words and no output block.
        #   2 channels, 2 rows: 20; 1 row: 10. 1 channel: 10, 5.
        Layer(name="cat", op="concat", c_in=5, h_in=3, w_in=5, inputs=("a", "b")),
        ROOMY,
        TilePlan(("k", "p", "c"), 2, 1, 2, 5, 1),
        [20, 10, 20, 10, 10, 5],
    ),
}


def tiles_of(layer: Layer, array: ArrayConfig, dataflow: Dataflow, plan: TilePlan) -> list:
    mapping = LayerMapping(
        layer, array, dataflow, build_tiles(shape_of(layer), array, dataflow, plan), plan
    )
    return list(mapping.expanded())


@pytest.mark.parametrize("dataflow", [Dataflow.OS, Dataflow.WS])
@pytest.mark.parametrize("name", list(CASES))
def test_tile_occupancy_hand_worked(name, dataflow):
    """Each tile's glb_bytes is the hand-worked working set (2 bytes a word), and the
    reference, running the same plan on real numbers, holds exactly that many words."""
    layer, array, plan, words = CASES[name]
    tiles = tiles_of(layer, array, dataflow, plan)
    assert [t.glb_bytes for t in tiles] == [2 * w for w in words]
    x, w, b = layer_data(layer, array.weight_sparsity, seed=1)
    ref = simulate(layer, array, dataflow, plan, x, w, b)
    assert [t.glb_words for t in ref.tiles] == words


def touched(outputs: range, stride: int, k: int, pad: int) -> int:
    """Distinct input rows (or columns) the windows of these outputs read, padding included."""
    return len({o * stride - pad + j for o in outputs for j in range(k)})


def counted_words(layer: Layer, array: ArrayConfig, region: Region) -> int:
    """Distinct elements a tile's region needs in the buffer: inputs, stored weights and
    bias, outputs (none for concat)."""
    rows = touched(region.rows, layer.stride, layer.k_h, layer.pad_h)
    cols = touched(region.cols, layer.stride, layer.k_w, layer.pad_w)
    operands = len(layer.inputs) if layer.op is Op.ADD else 1
    words = operands * len(region.groups) * len(region.channels) * rows * cols
    if layer.op is Op.CONCAT:
        return words
    words += len(region.groups) * len(region.filters) * len(region.rows) * len(region.cols)
    if layer.has_weights:
        kk = layer.k_h * layer.k_w
        positions = np.arange(region.channels.start * kk, region.channels.stop * kk)
        stored = positions.size + (region.channels.start == 0)
        if array.compress_weights:
            zero = zero_positions(layer.c_in // layer.groups * kk, array.weight_sparsity)
            stored -= int(zero[positions].sum())
        words += len(region.groups) * len(region.filters) * stored
    return words


@st.composite
def planned(draw: st.DrawFn):
    layer = draw(small_layers())
    return layer, draw(small_arrays(layer)), draw(st.sampled_from([Dataflow.OS, Dataflow.WS]))


@settings(max_examples=400, deadline=None)
@given(planned())
def test_tile_occupancy_counts_distinct_elements(case):
    """For the planner's tiling of random small layers and buffers, each tile's glb_bytes
    is 2 bytes x the distinct elements its region touches, and fits its share of the
    buffer."""
    layer, array, dataflow = case
    mapping = map_layer(layer, array, dataflow)
    got = [t.glb_bytes for t in mapping.expanded()]
    want = [2 * counted_words(layer, array, r) for r in mapping.regions()]
    assert got == want
    assert max(got) <= array.tile_fraction * array.glb_bytes


@settings(max_examples=400, deadline=None)
@given(planned())
def test_planned_working_set_bounds_the_tiles(case):
    """The working set the planner sized the plan by is the largest tile's (without
    compression), and bounds every tile (with it, a chunk may hold more zeros)."""
    layer, array, dataflow = case
    mapping = map_layer(layer, array, dataflow)
    p = mapping.plan
    priced = 2 * _Pricing(shape_of(layer), array).working_set(
        _Sizes(p.groups, p.filters, p.rows, p.cols, p.channels)
    )
    largest = max(t.glb_bytes for t in mapping.tiles)
    if array.compress_weights and layer.has_weights:
        assert largest <= priced
    else:
        assert largest == priced


def test_regions_need_the_plan_and_say_whose():
    """A mapping put together from tiles alone (as a test or a tool may build one) has no
    plan to derive regions from: asking for them fails naming the layer."""
    tiles = map_layer(conv_3x5(), ROOMY, "os").tiles
    with pytest.raises(ValueError, match=r"^mapping of layer 'c' carries no plan$"):
        LayerMapping(conv_3x5(), ROOMY, Dataflow.OS, tiles).regions()
