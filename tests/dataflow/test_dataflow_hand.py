"""Small cases worked out by hand from the mapper's micro-architecture text.

The paper's 2x2 example: a 1x1 conv with 2 input channels on a 2x2 input map and 2 filters
(4 outputs per filter), on a 2x2 array. Every block fits the buffer: one tile, which loads
the 8 inputs and 2 x (2 weights + bias) = 6 weights (dram_read 14, glb_write 14) and writes
the 8 outputs back (glb_read 8, dram_write 8). MACs = 8 outputs x (2 + 1) = 24.
"""

from __future__ import annotations

import pytest

from socsim.dataflow import AccessCounts, ArrayConfig, map_layer
from socsim.workloads import Layer

PW = Layer(name="pw", op="conv", c_in=2, h_in=2, w_in=2, c_out=2)


def array(**kw) -> ArrayConfig:
    return ArrayConfig(rows=2, cols=2, glb_bytes=4096, **kw)


def test_os_2x2_example():
    """OS: rows = 2 pixels, columns = 2 filters, so 2 folds (pixels 0-1, then 2-3).

    A fold steps bias, c0, c1 (3 steps, each one cycle at 32 words/cycle) + 1 cycle for the
    last MAC: T = 4; it drains its 2 rows in 2 cycles under the next fold. Tile:
    T1 + max(T2, drain1) + drain2 = 4 + 4 + 2 = 10 cycles.
    Per fold: inputs 2 rows x 2 steps = 4 GLB reads, each one bus transfer (4 noc);
    weights 2 columns x 3 steps = 6 GLB reads, each one bus transfer (6 noc); 4 results drained
    (4 noc, 4 RF reads, 4 GLB writes); 12 MACs, each an RF read and write.
    """
    m = map_layer(PW, array(), "os")
    assert m.cycles == 10 and m.tile_count == 1 and m.tiles[0].folds == 2
    assert m.counts == AccessCounts(
        mac=24, rf_read=24 + 8, rf_write=24, noc=2 * (4 + 6 + 4),
        glb_read=2 * (4 + 6) + 8, glb_write=2 * 4 + 14, dram_read=14, dram_write=8,
    )  # fmt: skip


def test_os_2x2_example_with_bandwidth_stalls_and_one_rf_word():
    """At 2 words/cycle a weight step needs 2 + 2 words: 2 cycles; the bias step 1.
    T = 1 + 2 x 2 + 1 = 6, tile 6 + max(6, 2) + 2 = 14, of which 4 are stalls. At 1 word
    per cycle: T = 2 + 2 x 4 + 1 = 11, tile 24. With one RF word the drain cannot overlap:
    4 + (4 + 2) + 2 = 12.
    """
    assert (map_layer(PW, array(glb_words_per_cycle=2), "os").cycles,
            map_layer(PW, array(glb_words_per_cycle=2), "os").stall_cycles) == (14, 4)  # fmt: skip
    assert map_layer(PW, array(glb_words_per_cycle=1), "os").cycles == 24
    assert map_layer(PW, array(rf_words=1), "os").cycles == 12


def test_ws_2x2_example():
    """WS: rows hold the reduction (bias, c0 | c1): 2 folds; columns hold the 2 filters.

    Fold 1 loads 2 rows (2 cycles) and streams the 4 pixels (4 cycles, one input word each);
    fold 2 loads 1 row and streams 4 pixels: 6 + 5, plus 2 cycles for the last pixel to
    leave the 2-row columns: 13 cycles.
    Inputs: 4 pixels x 2 channels = 8 GLB reads, each one bus transfer (8 noc); weights:
    6 GLB reads into 6 PEs (6 noc, 6 RF writes); each pixel's 2 partial sums hop down 2
    rows per fold (2 folds x 4 pixels x 2 columns x 2 = 32 noc); results: 16 GLB writes,
    of which fold 2's 8 accumulate (8 GLB reads). Each of the 24 MACs reads its weight.
    """
    m = map_layer(PW, array(), "ws")
    assert m.cycles == 13
    assert m.counts == AccessCounts(
        mac=24, rf_read=24, rf_write=6, noc=8 + 6 + 32,
        glb_read=8 + 6 + 8 + 8, glb_write=16 + 14, dram_read=14, dram_write=8,
    )  # fmt: skip


def test_ws_2x2_example_at_one_word_per_cycle():
    """Weight rows of 2 words take 2 cycles each: (4 + 4) + (2 + 4) + 2 = 16, 3 stalled."""
    m = map_layer(PW, array(glb_words_per_cycle=1), "ws")
    assert (m.cycles, m.stall_cycles) == (16, 3)


@pytest.mark.parametrize("dataflow", ["os", "ws"])
def test_max_pool_on_the_first_row(dataflow):
    """2x2/2 max pool of 3 channels of 4x4 on a 2x2 array, either dataflow.

    Folds: one output pixel of 2 channels, then of 1 channel; 4 pixels: 8 folds, each 4
    window steps + 1 = 5 cycles, drains of 1 cycle hidden but the last: 8 x 5 + 1 = 41.
    48 comparisons (RF read and write each), 12 results drained; inputs 48 words from DRAM.
    """
    pool = Layer(name="pool", op="maxpool", c_in=3, h_in=4, w_in=4, k_h=2, k_w=2, stride=2)
    m = map_layer(pool, array(), dataflow)
    assert m.cycles == 41 and m.macs == 0
    assert m.counts == AccessCounts(
        mac=48, rf_read=60, rf_write=48, noc=60, glb_read=60, glb_write=60,
        dram_read=48, dram_write=12,
    )  # fmt: skip


def test_concat_is_a_copy():
    """Concatenation moves every word DRAM -> GLB -> DRAM and takes no array cycles."""
    cat = Layer(name="cat", op="concat", c_in=6, h_in=3, w_in=3, inputs=("a", "b"))
    m = map_layer(cat, array(), "os")
    assert m.cycles == 0
    assert m.counts == AccessCounts(glb_read=54, glb_write=54, dram_read=54, dram_write=54)


def test_rs_folds_sets_and_steps():
    """RS: a 2x2 conv, 2 channels on a 4x4 map (3x3 outputs), 3 filters, on 2x4 PEs, B = 2.

    Reduction rows (c, j): 4. Scratchpads 5 / 8 / 2 words: q = min(4, 5 // 2, 8 // 2) = 2,
    p = min(3, 2, 8 // (2 x 2)) = 2. Two bundles fill the 2 PE rows (one row fold, r = 2).
    A set spans e = min(3 rows, 4 cols) = 3 columns; 4 // 3 = 1 set a fold, so the filter
    blocks [2, 1] make two folds. Each reads all 4 input rows of both channels
    (span(3, 1, 2) = 4 each): 8 rows, 8 x 2 = 16 words for the first step (8 cycles), 8 x 1
    for each later one (4 cycles). Fold A (2 filters): W = 2 x 4 x 2 = 16 words (8 cycles),
    M = 2 x 2 x 2 = 8: 8 + 8 + 8 + 2 x max(8, 4) + 2 rows = 42. Fold B (1 filter): W = 8
    (4 cycles), M = 4: 4 + 8 + 4 + 2 x 4 + 2 = 26. Tile: 68 cycles.
    Counts: 27 outputs x 8 weights = 216 PE MACs + 27 biases. Results 18 + 9 = 27, each one
    GLB read and write; inputs per fold 8 rows x span(3, 1, 2) = 4 columns = 32 words.
    noc: 16 + 32 + 18 x 2 rows and 8 + 32 + 9 x 2. glb_read: 16 + 32 + 18, 8 + 32 + 9, and
    27 written back. rf_write: per fold weights into 3 PEs each (48, 24), inputs 3 columns
    x 4 rows x 4 (48 twice), sums received 18 and 9, and 216 MAC writes; rf_read: 3 per MAC
    and 3 per result (one sender read a row, one receiver read).
    """
    layer = Layer(name="c", op="conv", c_in=2, h_in=4, w_in=4, c_out=3, k_h=2, k_w=2)
    arr = ArrayConfig(rows=2, cols=4, glb_bytes=4096, glb_words_per_cycle=2,
                      rf_ifmap_words=5, rf_filter_words=8, rf_psum_words=2)  # fmt: skip
    m = map_layer(layer, arr, "rs")
    assert (m.cycles, m.tile_count, m.tiles[0].folds, m.stall_cycles) == (42 + 26, 1, 2, 0)
    assert m.counts == AccessCounts(
        mac=216 + 27, rf_read=3 * 216 + 3 * 27, rf_write=216 + 48 + 24 + 2 * 48 + 27,
        noc=(16 + 32 + 36) + (8 + 32 + 18), glb_read=(16 + 32 + 18) + (8 + 32 + 9) + 27,
        glb_write=27 + 32 + 3 * 9, dram_read=32 + 27, dram_write=27,
    )  # fmt: skip
