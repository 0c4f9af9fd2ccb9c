"""Tiling a layer to the global buffer: block sizes, loop order and the tile sequence.

A tile is one block of each loop: a block of groups, of filters, of output pixels (a
rectangle of rows x columns) and a chunk of input channels. Its working set is its input
block (the input rows and columns its kernel windows touch, halo and padding included; a
stride longer than the kernel skips the rows between windows), its weight block (with the
biases when it holds the first chunk) and its output block; it must fit `tile_fraction` of
the buffer, so that the next tile can load while this one computes (double buffering).

Between consecutive tiles a block stays in the buffer while its index does not change, so
the loop order decides what is re-fetched from DRAM: the input block is loaded whenever the
pixel block, the chunk or the group block changes; the weight block whenever the filter
block, the chunk or the group block changes; the output block is written back whenever it
is about to change (or the layer ends), and read back in as partial sums when it returns
for a later chunk. With the chunk loop inside the filter and pixel loops a split reduction
accumulates in the buffer and never leaves it; with it outside, the partial sums spill.

The search (`plan_layer`) tries chunk sizes (the whole reduction, and its halvings rounded
up to the period of the zero pattern so that full chunks hold equal zeros), for each of
them filter blocks (the whole group, powers of two times the array's columns, the largest
that fits, and even splits of these), several groups per block when a block holds all of
a group, and for each the largest pixel block that fits (whole rows if one row fits, else
part of a row) and its even split. Each is priced under all six loop orders. The plan that
moves the fewest DRAM words wins (the same plan for OS and WS), then the one with the
fewest cycles, then the fewest tiles (plans within `TRAFFIC_SLACK` of the least traffic
count as least): a heuristic over a few dozen plans per layer, not an
exhaustive search.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from fractions import Fraction
from functools import lru_cache
from math import gcd
from typing import NamedTuple

from socsim.dataflow.array import Chunk, Shape, blocks, span, tile_work
from socsim.dataflow.types import (
    LOOPS,
    AccessCounts,
    ArrayConfig,
    Dataflow,
    Region,
    Tile,
    TilePlan,
)
from socsim.errors import MappingError
from socsim.workloads import Layer, Op

DEPENDS = {  # which loops index each tensor's block ("h", "w": rows and columns of pixels)
    "ifmap": frozenset("ghwc"),
    "weights": frozenset("gkc"),
    "out": frozenset("gkhw"),
}
ORDERS = tuple(itertools.permutations(LOOPS))  # ("k", "p", "c") first: ties prefer it
ALL = frozenset("gkhwc")  # before the first tile every block is "changed"


def shape_of(layer: Layer) -> Shape:
    """The shape key of a layer: what mapping depends on, without names or tags."""
    common = dict(
        k_h=layer.k_h, k_w=layer.k_w, stride=layer.stride, pad_h=layer.pad_h,
        pad_w=layer.pad_w, h_in=layer.h_in, w_in=layer.w_in, h_out=layer.h_out,
        w_out=layer.w_out,
    )  # fmt: skip
    if layer.has_weights:
        g = layer.groups
        return Shape("conv", g, layer.c_out // g, layer.c_in // g, operands=1, steps=0, **common)
    if layer.op is Op.ADD:
        kind, operands, steps = "add", len(layer.inputs), len(layer.inputs)
    elif layer.op is Op.CONCAT:
        kind, operands, steps = "copy", 1, 0
    else:
        kind, operands, steps = "pool", 1, layer.k_h * layer.k_w
    return Shape(kind, layer.c_in, 1, 1, operands=operands, steps=steps, **common)


def sparsity(array: ArrayConfig) -> Fraction:
    """The zero fraction as an exact decimal fraction (0.4 -> 2/5)."""
    return Fraction(repr(array.weight_sparsity))


def zeros_in(start: int, stop: int, s: Fraction) -> int:
    """Zero weights among positions [start, stop) of a filter's reduction.

    Model: each filter's zeros are spread evenly along its reduction (c, then kernel row,
    then kernel column): position r is zero when floor((r + 1) s) > floor(r s). So any run
    of positions holds the number below, and a filter of R weights holds floor(R s) zeros.
    """
    return stop * s.numerator // s.denominator - start * s.numerator // s.denominator


class AxisRun(NamedTuple):
    """`count` consecutive blocks along rows (or columns) that load alike."""

    count: int
    out: int  # output rows in each block
    inside: int  # input rows its windows touch inside the input map (read from DRAM)


@lru_cache(maxsize=1 << 14)
def axis_runs(
    n_out: int, block: int, stride: int, k: int, pad: int, n_in: int
) -> tuple[AxisRun, ...]:
    """Blocks of `block` outputs along one axis, run-length encoded.

    Only blocks whose windows reach into the padding (a few at each border) and the last,
    short block differ from the rest, so the runs are few and computed without a loop over
    all blocks.
    """
    n = -(-n_out // block)

    def inside(first: int, out: int) -> int:
        if stride <= k:
            start = first * stride - pad
            return max(0, min(start + span(out, stride, k), n_in) - max(start, 0))
        return sum(
            max(0, min(o * stride - pad + k, n_in) - max(o * stride - pad, 0))
            for o in range(first, first + out)
        )

    def run(b: int, count: int = 1) -> AxisRun:
        out = min(block, n_out - b * block)
        return AxisRun(count, out, inside(b * block, out))

    top = min(n - 1, -(-pad // (block * stride)))
    bottom = (n_in + pad - (block - 1) * stride - k) // (block * stride) + 1
    bottom = max(top, min(bottom, n - 1))
    runs = [run(b) for b in range(top)]
    if bottom > top:
        runs.append(run(top, bottom - top))
    runs += [run(b) for b in range(bottom, n)]
    merged: list[AxisRun] = []
    for r in runs:
        if merged and merged[-1][1:] == r[1:]:
            merged[-1] = merged[-1]._replace(count=merged[-1].count + r.count)
        else:
            merged.append(r)
    return tuple(merged)


@lru_cache(maxsize=1 << 14)
def chunk_runs(shape: Shape, array: ArrayConfig, channels: int) -> tuple[tuple[int, Chunk], ...]:
    """Chunks of `channels` input channels of each filter's reduction, run-length encoded."""
    if not shape.weighted:
        return ((1, Chunk(True, 0, 0)),)
    kk, s = shape.k_h * shape.k_w, sparsity(array)
    runs: list[list] = []
    for start in range(0, shape.channels, channels):
        stop = min(shape.channels, start + channels)
        chunk = Chunk(start == 0, (stop - start) * kk, zeros_in(start * kk, stop * kk, s))
        if runs and runs[-1][1] == chunk:
            runs[-1][0] += 1
        else:
            runs.append([1, chunk])
    return tuple((c, k) for c, k in runs)


class _Sizes(NamedTuple):
    groups: int
    filters: int
    rows: int
    cols: int
    channels: int


class Held(NamedTuple):
    """Words a tile holds in the global buffer from its load to its write-back, per block."""

    ifmap: int
    weights: int
    out: int

    @property
    def total(self) -> int:
        return self.ifmap + self.weights + self.out


def held(
    shape: Shape, array: ArrayConfig, groups: int, filters: int, rows: int, cols: int,
    chunk: Chunk,
) -> Held:  # fmt: skip
    """The working set of a tile of `groups` x `filters` x (`rows` x `cols` outputs) with
    `chunk` of each filter's reduction: the one formula that tiles and plans are sized by.

    The input block holds every input row and column the outputs' windows touch (halo and
    padding included), for the chunk's channels; the weight block the chunk's stored
    weights (its bias if first; not its zeros under compression); the output block the
    outputs (none for a copy, which leaves from the buffer it arrived in).
    """
    sh = shape
    channels = chunk.length // (sh.k_h * sh.k_w) if sh.weighted else 1
    ifmap = groups * channels * span(rows, sh.stride, sh.k_h) * span(cols, sh.stride, sh.k_w)
    stored = 0
    if sh.weighted:
        stored = chunk.first + chunk.length - (chunk.zeros if array.compress_weights else 0)
    out = 0 if sh.kind == "copy" else groups * filters * rows * cols
    return Held(ifmap * sh.operands, groups * filters * stored, out)


class _Pricing:
    """Working sets and DRAM traffic of candidate plans for one layer on one array."""

    def __init__(self, shape: Shape, array: ArrayConfig) -> None:
        self.shape, self.array = shape, array
        self.cap = int(array.tile_fraction * array.glb_bytes) // array.bytes_per_word
        self.kk = shape.k_h * shape.k_w
        self.s = sparsity(array)

    def working_set(self, z: _Sizes) -> int:
        """Words the largest tile of these sizes holds: `held` with a first chunk holding
        the fewest zeros a run of its length can (floor(n s), see `zeros_in`)."""
        n = z.channels * self.kk if self.shape.weighted else 0
        chunk = Chunk(True, n, zeros_in(0, n, self.s))
        return held(self.shape, self.array, z.groups, z.filters, z.rows, z.cols, chunk).total

    def fits(self, z: _Sizes) -> bool:
        return self.working_set(z) <= self.cap

    def largest(self, base: _Sizes, field: str, hi: int) -> int:
        """The largest v in [1, hi] such that `base` with `field` = v fits, or 0.

        The working set is affine in each block size but the chunk, so two evaluations
        give the answer.
        """
        first = self.working_set(base._replace(**{field: 1}))
        if first > self.cap:
            return 0
        if hi == 1:
            return 1
        step = self.working_set(base._replace(**{field: 2})) - first
        return hi if step <= 0 else min(hi, 1 + (self.cap - first) // step)


def _sizes(n: int, unit: int, hi: int) -> list[int]:
    """Candidate block sizes up to `hi` for an axis of `n`: n itself, unit x 2^i, the largest
    multiple of `unit`, and the even split of `n` into as many blocks as each of these makes."""
    top = min(n, hi)
    out = {top // unit * unit if top >= unit else top}
    if hi >= n:
        out.add(n)
    v = unit
    while v <= top:
        out.add(v)
        v *= 2
    for v in list(out):
        even = -(-n // -(-n // v))
        even = min(n, -(-even // unit) * unit)
        if even <= top:
            out.add(even)
    return sorted(out)


def _candidates(p: _Pricing) -> Iterator[_Sizes]:
    sh, arr = p.shape, p.array
    if not p.fits(_Sizes(1, 1, 1, 1, 1)):
        words = p.working_set(_Sizes(1, 1, 1, 1, 1))
        raise MappingError(
            f"cannot tile: the smallest tile needs {words * arr.bytes_per_word} bytes, "
            f"more than {int(arr.tile_fraction * arr.glb_bytes)} bytes "
            f"({arr.tile_fraction:g} of the {arr.glb_bytes}-byte global buffer)"
        )
    # Halving chunks: a split reduction lets other blocks grow. Chunks are rounded up to a
    # whole period of the zero pattern where they can be, so that all full chunks hold the
    # same number of zeros and the tile sequence stays compact.
    period = p.s.denominator // gcd(p.s.denominator, p.s.numerator * p.kk)
    chunks, n = {sh.channels}, 2
    while n < 2 * sh.channels:
        even = -(-sh.channels // n)
        chunks.add(min(sh.channels, -(-even // period) * period))
        n *= 2
    if not p.fits(_Sizes(1, 1, 1, 1, min(chunks))):
        chunks.update(range(1, min(chunks)))  # nothing aligned fits: give up alignment
    unit = arr.cols if not sh.weighted else 1
    for ct in sorted(chunks):
        if not p.fits(_Sizes(1, 1, 1, 1, ct)):
            break
        most_f = p.largest(_Sizes(1, 1, 1, 1, ct), "filters", sh.filters)
        for mt in _sizes(sh.filters, arr.cols, most_f):
            groups = [1]
            if mt == sh.filters and ct == sh.channels and sh.groups > 1:
                most_g = p.largest(_Sizes(1, mt, 1, 1, ct), "groups", sh.groups)
                groups = _sizes(sh.groups, unit, most_g)
            for gt in groups:
                full_rows = _Sizes(gt, mt, 1, sh.w_out, ct)
                rows = p.largest(full_rows, "rows", sh.h_out)
                if rows >= 1:
                    even = -(-sh.h_out // -(-sh.h_out // rows))
                    yield from (full_rows._replace(rows=ht) for ht in {rows, even})
                    continue
                cols = p.largest(full_rows._replace(cols=1), "cols", sh.w_out)
                even = -(-sh.w_out // -(-sh.w_out // cols))
                yield from (_Sizes(gt, mt, 1, wt, ct) for wt in {cols, even})


def _levels(order: tuple[str, ...]) -> tuple[str, ...]:
    """Loop levels outer to inner: groups, then `order` with "p" as rows then columns."""
    return ("g",) + tuple(itertools.chain.from_iterable("hw" if x == "p" else x for x in order))


BIT = {x: 1 << i for i, x in enumerate("gkhwc")}


def _loads(levels: tuple[str, ...], deps: frozenset[str]) -> tuple[tuple[str, int], ...]:
    """How a tensor's reloads multiply, for one loop order: per loop it does not depend on,
    the set (as bits of `BIT`) of loops inside it that it does depend on.

    A block changes whenever a loop it depends on advances, or an outer loop advances and
    resets one. So a loop the tensor does not depend on multiplies its loads by its trips
    if some loop inside it that the tensor depends on has more than one trip.
    """
    return tuple(
        (x, sum(BIT[y] for y in levels[i + 1 :] if y in deps))
        for i, x in enumerate(levels)
        if x not in deps
    )


def _times(rule: tuple[tuple[str, int], ...], trips: dict[str, int], several: int) -> int:
    """Loads per block under `rule`; `several` has the bits of loops with more than one trip."""
    times = 1
    for x, inner in rule:
        if several & inner:
            times *= trips[x]
    return times


PRICED_ORDERS = tuple(
    (order, *(_loads(_levels(order), DEPENDS[t]) for t in ("ifmap", "weights", "out")))
    for order in ORDERS
)


def _price(p: _Pricing, z: _Sizes) -> list[tuple[int, tuple[str, str, str]]]:
    """DRAM words moved by each loop order for these sizes."""
    sh, arr = p.shape, p.array
    h_runs = axis_runs(sh.h_out, z.rows, sh.stride, sh.k_h, sh.pad_h, sh.h_in)
    w_runs = axis_runs(sh.w_out, z.cols, sh.stride, sh.k_w, sh.pad_w, sh.w_in)
    inside_h = sum(r.count * r.inside for r in h_runs)
    inside_w = sum(r.count * r.inside for r in w_runs)
    trips = {
        "g": -(-sh.groups // z.groups), "k": -(-sh.filters // z.filters),
        "h": sum(r.count for r in h_runs), "w": sum(r.count for r in w_runs),
        "c": -(-sh.channels // z.channels),
    }  # fmt: skip
    ifmap = sh.groups * sh.channels * inside_h * inside_w * sh.operands
    weights = 0
    if sh.weighted:
        r = sh.channels * p.kk
        stored = r + 1 - (zeros_in(0, r, p.s) if arr.compress_weights else 0)
        weights = sh.groups * sh.filters * stored
    out = sh.groups * sh.filters * sh.h_out * sh.w_out
    several = sum(BIT[x] for x, n in trips.items() if n > 1)
    return [
        (
            _times(i_rule, trips, several) * ifmap + _times(w_rule, trips, several) * weights
            + (2 * _times(o_rule, trips, several) - 1) * out,
            order,
        )
        for order, i_rule, w_rule, o_rule in PRICED_ORDERS
    ]  # fmt: skip


def _total_cycles(shape: Shape, array: ArrayConfig, dataflow: Dataflow, plan: TilePlan) -> int:
    total = 0
    for (gc, gt), (fc, mt), hr, wr, (cc, chunk) in itertools.product(
        blocks(shape.groups, plan.groups), blocks(shape.filters, plan.filters),
        axis_runs(shape.h_out, plan.rows, shape.stride, shape.k_h, shape.pad_h, shape.h_in),
        axis_runs(shape.w_out, plan.cols, shape.stride, shape.k_w, shape.pad_w, shape.w_in),
        chunk_runs(shape, array, plan.channels),
    ):  # fmt: skip
        cols = wr.out if dataflow is Dataflow.RS else 0  # only RS needs the block's shape
        work = tile_work(shape, array, dataflow, gt, mt, hr.out * wr.out, chunk, cols)
        total += gc * fc * hr.count * wr.count * cc * work.cycles
    return total


# Plans within this share of the least DRAM traffic compete on cycles: a strict minimum
# would take, say, AlexNet's fc6 two filters at a time (2 of 16 columns busy) to save
# 0.2% of its traffic in spilled partial sums.
TRAFFIC_SLACK = 0.01


@lru_cache(maxsize=1 << 12)
def _least_traffic(shape: Shape, array: ArrayConfig) -> tuple[tuple[int, TilePlan], ...]:
    """The candidate plans that move (nearly) the fewest DRAM words (the same for OS and WS)."""
    p = _Pricing(shape, array)
    priced = []
    for z in _candidates(p):
        dram, order = min(_price(p, z), key=lambda x: x[0])
        priced.append((dram, TilePlan(order, *z)))
    least = min(d for d, _ in priced)
    return tuple((d, plan) for d, plan in priced if d <= least * (1 + TRAFFIC_SLACK))


@lru_cache(maxsize=1 << 12)
def plan_layer(shape: Shape, array: ArrayConfig, dataflow: Dataflow) -> TilePlan:
    """The tiling with (nearly) the least DRAM traffic, then the fewest cycles and tiles."""

    def rank(plan: TilePlan) -> tuple[int, int]:
        return _total_cycles(shape, array, dataflow, plan), tile_count(shape, plan)

    return min((plan for _, plan in _least_traffic(shape, array)), key=rank)


def tile_count(shape: Shape, plan: TilePlan) -> int:
    """How many tiles `plan` cuts the layer into, counted without building them."""
    return (
        -(-shape.groups // plan.groups) * -(-shape.filters // plan.filters)
        * -(-shape.h_out // plan.rows) * -(-shape.w_out // plan.cols)
        * -(-shape.channels // plan.channels)
    )  # fmt: skip


# -- the tile sequence --------------------------------------------------------------------


class _Kind(NamedTuple):
    """Everything that distinguishes one tile from another: block kinds and what loads."""

    groups: int
    filters: int
    rows: AxisRun
    cols: AxisRun
    chunk: Chunk
    load_ifmap: bool
    load_weights: bool
    load_out: bool


def _segments(
    shape: Shape, array: ArrayConfig, plan: TilePlan
) -> dict[str, list[tuple[int, object]]]:
    """Per loop level, its iterations as (count, block kind) runs."""
    sh = shape
    h = axis_runs(sh.h_out, plan.rows, sh.stride, sh.k_h, sh.pad_h, sh.h_in)
    w = axis_runs(sh.w_out, plan.cols, sh.stride, sh.k_w, sh.pad_w, sh.w_in)
    return {
        "g": blocks(sh.groups, plan.groups),
        "k": blocks(sh.filters, plan.filters),
        "h": [(r.count, r) for r in h],
        "w": [(r.count, r) for r in w],
        "c": list(chunk_runs(sh, array, plan.channels)),
    }


def _append(runs: list[list], kind: _Kind, count: int) -> None:
    if runs and runs[-1][0] == kind:
        runs[-1][1] += count
    else:
        runs.append([kind, count])


def _sequence(levels: tuple[str, ...], segs: dict[str, list[tuple[int, object]]]) -> list[list]:
    """The tiles of the loop nest as [kind, count] runs, with what each tile loads."""
    trips = {x: sum(c for c, _ in segs[x]) for x in levels}

    def nest(i: int, kinds: dict[str, object], changed: frozenset[str]) -> list[list]:
        if i == len(levels):
            k = _Kind(
                kinds["g"], kinds["k"], kinds["h"], kinds["w"], kinds["c"],
                bool(changed & DEPENDS["ifmap"]), bool(changed & DEPENDS["weights"]),
                bool(changed & DEPENDS["out"]),
            )  # fmt: skip
            return [[k, 1]]
        x = levels[i]
        runs: list[list] = []
        first = True
        for count, kind in segs[x]:
            inner_kinds = {**kinds, x: kind}
            if first:  # entering the loop resets it: a change if it has more than one trip
                reset = changed | {x} if trips[x] > 1 else changed
                for k, c in nest(i + 1, inner_kinds, reset):
                    _append(runs, k, c)
                count, first = count - 1, False
            if count:
                body = nest(i + 1, inner_kinds, frozenset(x))
                if len(body) == 1:
                    _append(runs, body[0][0], body[0][1] * count)
                else:
                    for _ in range(count):
                        for k, c in body:
                            _append(runs, k, c)
        return runs

    return nest(0, {}, ALL)


def build_tiles(
    shape: Shape, array: ArrayConfig, dataflow: Dataflow, plan: TilePlan
) -> tuple[Tile, ...]:
    """The layer's tiles in schedule order, identical neighbours merged into `repeat` runs."""
    runs = _sequence(_levels(plan.order), _segments(shape, array, plan))
    tiles: list[Tile] = []
    last = None  # the tile (repeat=1) that tiles[-1] repeats
    for i, (kind, count) in enumerate(runs):
        # the output block is written back after the last tile that uses it
        write_next = runs[i + 1][0].load_out if i + 1 < len(runs) else True
        parts = [(count - 1, kind.load_out), (1, write_next)] if count > 1 else [(1, write_next)]
        for c, write in parts:
            if not c:
                continue
            tile = _tile(shape, array, dataflow, kind, write)
            if tile == last:
                tiles[-1] = _repeated(tile, tiles[-1].repeat + c)
            else:
                tiles.append(_repeated(tile, c))
                last = tile
    return tuple(tiles)


def _repeated(t: Tile, repeat: int) -> Tile:
    return Tile(
        repeat, t.ifmap_bytes, t.weight_bytes, t.psum_in_bytes, t.out_bytes, t.compute_cycles,
        t.macs, t.glb_bytes, t.counts, t.folds, t.stall_cycles,
    )  # fmt: skip


@lru_cache(maxsize=1 << 16)
def _tile(shape: Shape, array: ArrayConfig, dataflow: Dataflow, kind: _Kind, write: bool) -> Tile:
    bpw = array.bytes_per_word
    chunk = kind.chunk
    channels = kind.groups * (chunk.length // (shape.k_h * shape.k_w) if shape.weighted else 1)
    ifmap_read = channels * kind.rows.inside * kind.cols.inside * shape.operands
    pixels = kind.rows.out * kind.cols.out
    block = held(shape, array, kind.groups, kind.filters, kind.rows.out, kind.cols.out, chunk)
    # a copy's outputs are its input block, leaving from the buffer
    outputs = block.ifmap if shape.kind == "copy" else block.out
    psum_in = outputs if kind.load_out and not chunk.first else 0
    load_i = ifmap_read if kind.load_ifmap else 0
    load_w = block.weights if kind.load_weights else 0
    written = outputs if write else 0
    cols = kind.cols.out if dataflow is Dataflow.RS else 0  # only RS needs the block's shape
    work = tile_work(shape, array, dataflow, kind.groups, kind.filters, pixels, chunk, cols)
    dma = AccessCounts(
        glb_read=written,
        glb_write=(block.ifmap if kind.load_ifmap else 0) + load_w + psum_in,
        dram_read=load_i + load_w + psum_in,
        dram_write=written,
    )
    macs = outputs * (chunk.length + chunk.first) if shape.weighted else 0
    return Tile(
        repeat=1,
        ifmap_bytes=load_i * bpw,
        weight_bytes=load_w * bpw,
        psum_in_bytes=psum_in * bpw,
        out_bytes=written * bpw,
        compute_cycles=work.cycles,
        macs=macs,
        glb_bytes=block.total * bpw,
        counts=work.counts + dma,
        folds=work.folds,
        stall_cycles=work.stall_cycles,
    )


CACHED = (axis_runs, chunk_runs, _least_traffic, plan_layer, _tile)  # see mapper.clear_cache


def plan_regions(layer: Layer, plan: TilePlan) -> Iterator[Region]:
    """Each tile's region, in schedule order: the plan's loop nest, unrolled."""
    sh = shape_of(layer)

    def ranges(n: int, size: int) -> list[range]:
        return [range(i, min(n, i + size)) for i in range(0, n, size)]

    axes = {
        "g": ranges(sh.groups, plan.groups), "k": ranges(sh.filters, plan.filters),
        "h": ranges(sh.h_out, plan.rows), "w": ranges(sh.w_out, plan.cols),
        "c": ranges(sh.channels, plan.channels),
    }  # fmt: skip
    levels = _levels(plan.order)
    for picks in itertools.product(*(axes[x] for x in levels)):
        at = dict(zip(levels, picks, strict=True))
        yield Region(at["g"], at["k"], at["h"], at["w"], at["c"])
