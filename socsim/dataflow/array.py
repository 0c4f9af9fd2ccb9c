"""The PE array's side of a tile: folds, compute cycles and on-chip accesses, in closed form.

`tile_work` prices one tile on the array, following the micro-architecture that the
`socsim.dataflow.mapper` docstring describes (that text is the contract; this module and
`socsim.dataflow.reference` both implement the broadcast array, independently, and this
module alone the systolic one, whose cycles mirror SCALE-Sim's and are tested against it).
Everything is integer arithmetic over fold kinds: a tile has at most a few kinds of fold
(full, or short at an edge), so no Python loop runs over folds.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from socsim.dataflow.types import AccessCounts, ArrayConfig, ArrayTiming, Dataflow, SparsityMode
from socsim.errors import MappingError


class Shape(NamedTuple):
    """A layer reduced to what mapping depends on (layers of equal shape map alike).

    `kind` is "conv" (conv and fc), "pool", "add" or "copy" (concat). Layers without weights
    count their channels as `groups` with one filter and one input channel each; `steps` is
    then the number of words a PE combines per output (window size for a pool, operands for
    an add).
    """

    kind: str
    groups: int
    filters: int  # per group
    channels: int  # input channels per group
    k_h: int
    k_w: int
    stride: int
    pad_h: int
    pad_w: int
    h_in: int
    w_in: int
    h_out: int
    w_out: int
    operands: int  # input tensors read at each position (add); 1 otherwise
    steps: int  # words combined per output by a layer without weights

    @property
    def weighted(self) -> bool:
        return self.kind == "conv"


class Chunk(NamedTuple):
    """A tile's share of each filter's reduction: `length` weights, `zeros` of them zero.

    The first chunk of a filter also carries its bias (one more MAC per output, by the
    paper's convention) and is the only one whose results are written, not accumulated.
    """

    first: bool
    length: int
    zeros: int


class Work(NamedTuple):
    """What one tile costs on the array (global-buffer side of DMA transfers excluded)."""

    cycles: int
    stall_cycles: int
    folds: int
    counts: AccessCounts


def _ceil(a: int, b: int) -> int:
    return -(-a // b)


def span(out: int, stride: int, k: int) -> int:
    """Input rows that `out` consecutive outputs' windows touch: with a stride longer than
    the kernel the windows are disjoint and the rows between them are never loaded."""
    return (out - 1) * stride + k if stride <= k else out * k


def blocks(n: int, size: int) -> list[tuple[int, int]]:
    """`n` items in blocks of `size`: [(count, block size)], the short block last."""
    full, rest = divmod(n, size)
    return [(c, s) for c, s in ((full, size), (1, rest)) if c and s]


class _Seq(NamedTuple):
    """A run of folds for the overlapped-drain timing: T1 + sum(join) + last drain.

    `inner` sums, over every fold but the first, the time it adds: max(T_f, drain_{f-1})
    when the drain overlaps the next fold, T_f + drain_{f-1} when it cannot.
    """

    first: int
    last: int
    inner: int

    def join(self, nxt: _Seq, overlap: bool) -> int:
        return max(nxt.first, self.last) if overlap else nxt.first + self.last

    def then(self, nxt: _Seq, overlap: bool) -> _Seq:
        return _Seq(self.first, nxt.last, self.inner + nxt.inner + self.join(nxt, overlap))

    def times(self, m: int, overlap: bool) -> _Seq:
        return _Seq(self.first, self.last, m * self.inner + (m - 1) * self.join(self, overlap))

    @property
    def total(self) -> int:
        return self.first + self.inner + self.last


def _concat(parts: list[tuple[int, _Seq]], overlap: bool) -> _Seq:
    seq = None
    for count, part in parts:
        run = part.times(count, overlap)
        seq = run if seq is None else seq.then(run, overlap)
    assert seq is not None
    return seq


@lru_cache(maxsize=1 << 16)
def tile_work(
    shape: Shape, array: ArrayConfig, dataflow: Dataflow, groups: int, filters: int,
    pixels: int, chunk: Chunk, out_cols: int = 0,
) -> Work:  # fmt: skip
    """Cycles, folds and array-side accesses of one tile.

    The tile covers `groups` groups x `filters` filters per group x `pixels` output pixels,
    over `chunk` of each filter's reduction. Counts exclude the DMA's global-buffer and DRAM
    accesses, which depend on what the tile loads (see `socsim.dataflow.tiling`). Row
    stationary also needs the pixels' shape: `out_cols` output columns per output row
    (the other dataflows pass 0, so their cached entries do not multiply).
    """
    if shape.kind == "copy":
        return Work(0, 0, 0, AccessCounts())
    if not shape.weighted:
        return _row_work(shape, array, groups, pixels)
    if array.timing is ArrayTiming.SYSTOLIC:
        return _systolic_work(array, dataflow, groups, filters, pixels, chunk)
    if dataflow is Dataflow.OS:
        return _os_work(array, groups, filters, pixels, chunk)
    if dataflow is Dataflow.RS:
        return _rs_work(shape, array, groups, filters, pixels // out_cols, out_cols, chunk)
    return _ws_work(array, groups, filters, pixels, chunk)


def _effective(array: ArrayConfig, cols: int, chunk: Chunk) -> tuple[int, int, int]:
    """Weights a fold of `cols` active columns steps through, zeros among them, zeros gated.

    SKIP drops the zero weights of a single-column fold; otherwise every weight is stepped
    and the zeros are gated (GATE, SKIP) or multiplied (NONE).
    """
    mode = array.sparsity_mode
    if mode is SparsityMode.SKIP and cols == 1:
        return chunk.length - chunk.zeros, 0, 0
    return chunk.length, chunk.zeros, 0 if mode is SparsityMode.NONE else chunk.zeros


def _os_work(array: ArrayConfig, groups: int, filters: int, pixels: int, chunk: Chunk) -> Work:
    bw = array.glb_words_per_cycle
    overlap = array.rf_words >= 2
    bias, rmw = int(chunk.first), not chunk.first
    k_folds, p_folds = blocks(filters, array.cols), blocks(pixels, array.rows)
    mac = noc = glb_read = glb_write = drained = 0
    k_parts, k_ideal = [], []
    for k_count, cols in k_folds:
        steps, zeros, gated = _effective(array, cols, chunk)
        if bias + steps == 0:
            continue  # a skipped chunk of zeros leaves the fold nothing to do
        weight_reads = bias + steps - (zeros if array.compress_weights else 0)
        p_parts, p_ideal = [], []
        for p_count, rows in p_folds:
            n = groups * k_count * p_count
            beats = bias * _ceil(cols, bw) + steps * _ceil(rows + cols, bw)
            p_parts.append((p_count, _Seq(beats + 1, rows, 0)))
            p_ideal.append((p_count, _Seq(bias + steps + 1, rows, 0)))
            mac += n * rows * cols * (bias + steps - gated)
            noc += n * (rows * steps + cols * (bias + steps) + rows * cols)
            glb_read += n * (rows * steps + cols * weight_reads + (rows * cols if rmw else 0))
            glb_write += n * rows * cols
            drained += n * rows * cols
        k_parts.append((k_count, _concat(p_parts, overlap)))
        k_ideal.append((k_count, _concat(p_ideal, overlap)))
    if not k_parts:
        return Work(0, 0, 0, AccessCounts())
    cycles = _concat(k_parts, overlap).times(groups, overlap).total
    ideal = _concat(k_ideal, overlap).times(groups, overlap).total
    folds = groups * sum(k for k, _ in k_parts) * sum(p for p, _ in p_folds)
    counts = AccessCounts(
        mac=mac, rf_read=mac + drained, rf_write=mac, noc=noc,
        glb_read=glb_read, glb_write=glb_write,
    )  # fmt: skip
    return Work(cycles, cycles - ideal, folds, counts)


def _ws_work(array: ArrayConfig, groups: int, filters: int, pixels: int, chunk: Chunk) -> Work:
    bw = array.glb_words_per_cycle
    bias, rmw = int(chunk.first), not chunk.first
    cycles = ideal = folds = 0
    mac = rf_write = noc = glb_read = glb_write = 0
    for k_count, cols in blocks(filters, array.cols):
        steps, zeros, gated = _effective(array, cols, chunk)
        elements = bias + steps  # rows to fill: the bias row first, then the weights
        if elements == 0:
            continue  # a skipped chunk of zeros leaves the fold nothing to do
        first = min(elements, array.rows)
        r_folds = [(1, first, first - bias)]
        r_folds += [(c, r, r) for c, r in blocks(elements - first, array.rows)]
        n_r = sum(c for c, _, _ in r_folds)
        n = groups * k_count
        for r_count, rows, inputs in r_folds:
            load = rows * _ceil(cols, bw)
            stream = pixels * max(1, _ceil(inputs, bw))
            cycles += n * r_count * (load + stream)
            ideal += n * r_count * (rows + pixels)
        folds += n * n_r
        weight_reads = elements * cols - (cols * zeros if array.compress_weights else 0)
        mac += n * pixels * cols * (elements - gated)
        rf_write += n * elements * cols
        noc += n * (pixels * steps + elements * cols + n_r * pixels * cols * array.rows)
        glb_read += n * (pixels * steps + weight_reads + pixels * cols * (n_r - 1 + rmw))
        glb_write += n * n_r * pixels * cols
    if folds:  # the last pixel's partial sums leave the bottom of the columns
        cycles += array.rows
        ideal += array.rows
    counts = AccessCounts(
        mac=mac, rf_read=mac, rf_write=rf_write, noc=noc, glb_read=glb_read, glb_write=glb_write
    )
    return Work(cycles, cycles - ideal, folds, counts)


# -- row stationary ---------------------------------------------------------------------------


def rs_sizes(
    shape: Shape, array: ArrayConfig, reduction_rows: int, filters: int
) -> tuple[int, int]:
    """(q, p): the reduction rows (input rows) and the filters one row-stationary PE takes.

    q as large as the ifmap scratchpad holds windows of `k_w` inputs (and the filter
    scratchpad their weights), then p as large as the psum scratchpad holds sums and the
    filter scratchpad p x q filter rows. Raises `MappingError` when a scratchpad cannot hold
    one filter row or its input window.
    """
    k_w = shape.k_w
    for name in ("rf_ifmap_words", "rf_filter_words"):
        if getattr(array, name) < k_w:
            raise MappingError(
                f"pe_array.{name}={getattr(array, name)}, expected at least the kernel width "
                f"{k_w} (a row-stationary PE holds a whole filter row and its input window)"
            )
    q = min(reduction_rows, array.rf_ifmap_words // k_w, array.rf_filter_words // k_w)
    p = min(filters, array.rf_psum_words, array.rf_filter_words // (q * k_w))
    return q, p


def _rs_fold_rows(shape: Shape, n: int, q: int, rows: int) -> list[tuple[int, int, int, list[int]]]:
    """The row folds of a chunk of `n` reduction rows, in bundles of `q`, `rows` bundles a
    fold: (active PE rows, reduction rows, the largest bundle, kernel rows per channel)."""
    k_h, step = shape.k_h, rows * q
    out = []
    for a in range(0, n, step):
        b = min(n, a + step)
        kernel_rows = [
            min(b, (c + 1) * k_h) - max(a, c * k_h) for c in range(a // k_h, (b - 1) // k_h + 1)
        ]
        out.append((_ceil(b - a, q), b - a, min(q, b - a), kernel_rows))
    return out


def _rs_work(
    shape: Shape, array: ArrayConfig, groups: int, filters: int, out_rows: int, width: int,
    chunk: Chunk,
) -> Work:  # fmt: skip
    """Row stationary on the broadcast array (its buses multicast): see `mapper`."""
    k_w, s, bw = shape.k_w, shape.stride, array.glb_words_per_cycle
    q, p = rs_sizes(shape, array, chunk.length // k_w, filters)
    e = min(out_rows, array.cols)  # output rows a PE set spans: one per column
    t = array.cols // e  # PE sets side by side, each with its own filters
    full, rest = divmod(filters, p)
    fgroups = [(full // t, t * p, p, t)] if full // t else []  # (count, filters, largest, sets)
    tail = [p] * (full % t) + ([rest] if rest else [])
    if tail:
        fgroups.append((1, sum(tail), max(tail), len(tail)))
    y_blocks = blocks(out_rows, e)
    window = span(width, s, k_w)  # input words of a row the tile's output columns read
    cycles = stalls = folds = 0
    noc = glb_read = glb_write = rf_read = rf_write = 0
    for r, nr, q_max, kernel_rows in _rs_fold_rows(shape, chunk.length // k_w, q, array.rows):
        for y_count, e_f in y_blocks:
            rows_in = sum(span(e_f, s, kc) for kc in kernel_rows)  # distinct input rows
            first = _ceil(rows_in * k_w, bw)
            later = _ceil(rows_in * min(s, k_w), bw)
            for g_count, sum_p, max_p, sets in fgroups:
                n = groups * y_count * g_count
                weights = sum_p * nr * k_w
                macs = max_p * q_max * k_w  # one step: the busiest PE's MACs, one a cycle
                step = max(macs, later)
                cycles += n * (_ceil(weights, bw) + first + macs + (width - 1) * step + r)
                stalls += n * (width - 1) * (step - macs)
                folds += n
                results = width * e_f * sum_p
                noc += n * (weights + rows_in * window + results * r)
                glb_read += n * (weights + rows_in * window + results)
                glb_write += n * results
                rf_write += n * (e_f * sum_p * nr * k_w + e_f * sets * nr * window)
                rf_write += n * results * (r - 1)
                rf_read += n * results * (2 * r - 1)
    outputs = groups * filters * out_rows * width
    gated = 0 if array.sparsity_mode is SparsityMode.NONE else chunk.zeros
    pe_macs = outputs * (chunk.length - gated)
    if array.compress_weights:  # each fold's zero weights, over all folds
        glb_read -= groups * sum(c for c, _ in y_blocks) * filters * chunk.zeros
    counts = AccessCounts(
        mac=pe_macs + outputs * chunk.first, rf_read=rf_read + 3 * pe_macs,
        rf_write=rf_write + pe_macs, noc=noc, glb_read=glb_read, glb_write=glb_write,
    )  # fmt: skip
    return Work(cycles, stalls, folds, counts)


# -- the systolic array (SCALE-Sim's model) --------------------------------------------------


def _plane(dataflow: Dataflow, pixels: int, filters: int, reduction: int) -> tuple[int, int, int]:
    """SCALE-Sim's (Sr, Sc, T): the operand-matrix dimensions on the array's rows, on its
    columns, and streamed in time (scalesim/topology_utils.py, calc_spatio_temporal_params)."""
    if dataflow is Dataflow.OS:
        return pixels, filters, reduction
    if dataflow is Dataflow.WS:
        return reduction, filters, pixels
    return reduction, pixels, filters


def _fill(array: ArrayConfig, dataflow: Dataflow) -> int:
    """Cycles a systolic fold takes beyond its T steps, however few PEs it uses.

    SCALE-Sim pads every fold's demand matrices to the full array and skews them
    (scalesim/compute/systolic_compute_{os,ws,is}.py, create_*_demand_mat and skew_matrix):
    OS streams T steps, then C - 1 cycles for the last outputs to drain, skewed over R rows
    (T + R + C - 2); WS and IS first load the stationary operand (R cycles), stream T, and
    let the partial sums leave (C - 1), skewed over R rows (T + 2R + C - 2).
    """
    skew = array.rows + array.cols - 2
    return skew if dataflow is Dataflow.OS else skew + array.rows


def scalesim_compute_cycles(shape: Shape, array: ArrayConfig, dataflow: Dataflow) -> int:
    """The compute cycles SCALE-Sim 3.0.0 reports for a layer: its folds of the whole layer.

    Per group (SCALE-Sim runs each group, written as its own topology row, as a layer):
    ceil(Sr / R) x ceil(Sc / C) folds of T + `_fill` cycles, less one, since SCALE-Sim
    reports the 0-based index of the last cycle, not the count (its total is the largest
    cycle an output is written in: scalesim/memory/double_buffered_scratchpad_mem.py,
    service_memory_requests). No bias: SCALE-Sim's reduction is the filter window alone.
    Its output is ceil((ifmap - filter + stride) / stride) a side, the ifmap padded
    (scalesim/topology_utils.py, topo_calc_hyperparams): one more row (column) than the
    layer has when the stride does not divide the padded ifmap less the filter, a window
    that hangs off the edge. Layers SCALE-Sim does not model (pooling, add, concatenation)
    give 0.
    """
    if not shape.weighted:
        return 0

    def out(ifmap: int, k: int) -> int:
        return _ceil(ifmap - k + shape.stride, shape.stride)

    pixels = out(shape.h_in + 2 * shape.pad_h, shape.k_h) * out(
        shape.w_in + 2 * shape.pad_w, shape.k_w
    )
    reduction = shape.channels * shape.k_h * shape.k_w
    sr, sc, t = _plane(dataflow, pixels, shape.filters, reduction)
    folds = _ceil(sr, array.rows) * _ceil(sc, array.cols)
    return shape.groups * (folds * (t + _fill(array, dataflow)) - 1)


def _systolic_work(
    array: ArrayConfig, dataflow: Dataflow, groups: int, filters: int, pixels: int, chunk: Chunk
) -> Work:
    """A tile on the systolic array: its folds back to back, as SCALE-Sim counts them.

    The reduction is the chunk without the bias (as in SCALE-Sim); the bias is added by the
    global buffer's write port. No stalls: each edge PE gets its word every cycle. Zero
    weights are gated under GATE and SKIP alike (a systolic step serves a whole row or
    column, so a zero skips nothing).
    """
    length = chunk.length
    gated = 0 if array.sparsity_mode is SparsityMode.NONE else chunk.zeros
    stored = length - (chunk.zeros if array.compress_weights else 0)  # weight words read
    sr, sc, t = _plane(dataflow, pixels, filters, length)
    row_folds, col_folds = _ceil(sr, array.rows), _ceil(sc, array.cols)
    cycles = groups * row_folds * col_folds * (t + _fill(array, dataflow))
    outputs = filters * pixels
    pe_macs = outputs * (length - gated)
    # Words that shift down through the rows of a fold, summed over the row folds: the
    # stationary operand loading from the top (WS, IS), or the outputs draining (OS).
    shifted = sum(n * r * (r + 1) // 2 for n, r in blocks(sr, array.rows))
    if dataflow is Dataflow.OS:
        reads = col_folds * pixels * length + row_folds * filters * stored
        writes = outputs
        rf_read, rf_write = pe_macs + outputs, pe_macs
        noc = 2 * outputs * length + filters * shifted
    elif dataflow is Dataflow.WS:
        reads = col_folds * length * pixels + filters * stored
        writes = row_folds * outputs
        rf_read, rf_write = pe_macs, filters * length
        noc = 2 * outputs * length + filters * shifted
    else:
        reads = length * pixels + col_folds * filters * stored
        writes = row_folds * outputs
        rf_read, rf_write = pe_macs, pixels * length
        noc = 2 * outputs * length + pixels * shifted
    counts = AccessCounts(
        mac=groups * (pe_macs + outputs * chunk.first), rf_read=groups * rf_read,
        rf_write=groups * rf_write, noc=groups * noc,
        glb_read=groups * (reads + writes), glb_write=groups * writes,
    )  # fmt: skip
    return Work(cycles, 0, groups * row_folds * col_folds, counts)


def _row_work(shape: Shape, array: ArrayConfig, channels: int, pixels: int) -> Work:
    """Pooling and add: one output pixel of up to `cols` channels per fold, on row 0."""
    bw = array.glb_words_per_cycle
    overlap = array.rf_words >= 2
    c_folds = blocks(channels, array.cols)
    parts = [(c * pixels, _Seq(shape.steps * _ceil(cols, bw) + 1, 1, 0)) for c, cols in c_folds]
    ideal = [(c * pixels, _Seq(shape.steps + 1, 1, 0)) for c, _ in c_folds]
    cycles = _concat(parts, overlap).total
    ops = channels * pixels * shape.steps
    outputs = channels * pixels
    counts = AccessCounts(
        mac=ops, rf_read=ops + outputs, rf_write=ops, noc=ops + outputs,
        glb_read=ops, glb_write=outputs,
    )  # fmt: skip
    folds = pixels * sum(c for c, _ in c_folds)
    return Work(cycles, cycles - _concat(ideal, overlap).total, folds, counts)
