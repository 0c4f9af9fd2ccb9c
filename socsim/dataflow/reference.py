"""A cycle-stepped reference of the array that `socsim.dataflow.mapper` describes.

`simulate` executes a mapping's tile plan on real numbers: the DMA copies blocks between
a DRAM image and the global buffer (keeping a block while the next tile needs the same
one), and the array runs each tile PE by PE, cycle by cycle: buses deliver words at the
buffer's bandwidth, PEs multiply and accumulate, partial sums drain or flow down the
columns, results are written (or accumulated) into the buffer. Every access is counted by
incrementing a counter when the simulated hardware performs it, and cycles by stepping a
clock. It shares no formula with `socsim.dataflow.array` or `socsim.dataflow.tiling`, so
agreement between the two checks both against the mapper's text.

Slow by design (pure Python loops over PEs): meant for layers of a few thousand MACs on
arrays up to 8x8. Average pooling sums its window (the scale is left to the next layer).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from socsim.dataflow.types import (
    AccessCounts,
    ArrayConfig,
    ArrayTiming,
    Dataflow,
    SparsityMode,
    TilePlan,
)
from socsim.errors import ConfigError
from socsim.workloads import Layer, Op


class _Counters:
    """Mutable access counters, one attribute per `AccessCounts` field."""

    def __init__(self) -> None:
        for f in fields(AccessCounts):
            setattr(self, f.name, 0)

    def snapshot(self) -> AccessCounts:
        return AccessCounts(**{f.name: getattr(self, f.name) for f in fields(AccessCounts)})


@dataclass(frozen=True)
class RefTile:
    """One tile as the reference ran it (words, not bytes)."""

    cycles: int
    counts: AccessCounts
    ifmap_words: int  # read from DRAM
    weight_words: int
    psum_in_words: int
    out_words: int  # written to DRAM
    glb_words: int  # held in the global buffer from the tile's load to its write-back


@dataclass(frozen=True)
class RefResult:
    output: np.ndarray  # (c_out, h_out, w_out)
    cycles: int
    counts: AccessCounts
    tiles: tuple[RefTile, ...]


BIAS = "bias"  # the reduction element whose input is the constant 1


def simulate(
    layer: Layer, array: ArrayConfig, dataflow: Dataflow, plan: TilePlan,
    inputs: np.ndarray | list[np.ndarray], weights: np.ndarray | None = None,
    bias: np.ndarray | None = None,
) -> RefResult:  # fmt: skip
    """Run `layer` tile by tile as `plan` orders it; return outputs, cycles and counts.

    `inputs` is the input tensor (c, h, w), or a list of them for an add; `weights` are
    (c_out, c_in / groups, k_h, k_w) and `bias` (c_out,) for conv and fc. Only the broadcast
    array is simulated; a systolic `array` raises `ConfigError`.
    """
    if array.timing is not ArrayTiming.BROADCAST:
        raise ConfigError(
            f"timing={array.timing.value!r}, expected 'broadcast': the reference simulates "
            "the broadcast array only"
        )
    return _Machine(layer, array, Dataflow(dataflow), plan, inputs, weights, bias).run()


class _Machine:
    def __init__(
        self, layer: Layer, array: ArrayConfig, dataflow: Dataflow, plan: TilePlan,
        inputs: Any, weights: np.ndarray | None, bias: np.ndarray | None,
    ) -> None:  # fmt: skip
        self.layer, self.array, self.dataflow, self.plan = layer, array, dataflow, plan
        self.n = _Counters()
        self.weighted = layer.has_weights
        operands = inputs if isinstance(inputs, list) else [inputs]
        self.dram_in = [np.asarray(x, dtype=np.float64) for x in operands]
        self.dram_w = None if weights is None else np.asarray(weights, dtype=np.float64)
        self.dram_b = None if bias is None else np.asarray(bias, dtype=np.float64)
        self.dram_out = np.zeros(layer.out_shape)
        self.dram_out_held = np.zeros(layer.out_shape, dtype=bool)  # partial or final sums
        if self.weighted:
            self.groups = layer.groups
            self.filters = layer.c_out // layer.groups
            self.channels = layer.c_in // layer.groups
        else:
            self.groups, self.filters, self.channels = layer.c_in, 1, 1
        self.pad_value = -np.inf if layer.op is Op.MAXPOOL else 0.0
        self.glb: dict[str, Any] = {"ifmap": None, "weights": None, "out": None}

    # -- the schedule ---------------------------------------------------------------------

    def regions(self) -> list[dict[str, range]]:
        plan = self.plan

        def ranges(n: int, size: int) -> list[range]:
            return [range(i, min(n, i + size)) for i in range(0, n, size)]

        axes = {
            "g": ranges(self.groups, plan.groups), "k": ranges(self.filters, plan.filters),
            "h": ranges(self.layer.h_out, plan.rows), "w": ranges(self.layer.w_out, plan.cols),
            "c": ranges(self.channels, plan.channels),
        }  # fmt: skip
        levels = ["g"]
        for loop in plan.order:
            levels += ["h", "w"] if loop == "p" else [loop]
        return [
            dict(zip(levels, p, strict=True)) for p in itertools.product(*(axes[x] for x in levels))
        ]

    def run(self) -> RefResult:
        regions = self.regions()
        tiles = []
        cycles = 0
        for i, r in enumerate(regions):
            before = self.n.snapshot()
            moved = self.load(r)
            glb_words = self.held()
            t = self.compute(r)
            nxt = regions[i + 1] if i + 1 < len(regions) else None
            out_words = 0
            if nxt is None or _out_key(nxt) != _out_key(r):
                out_words = self.write_back()
            counts = _minus(self.n.snapshot(), before)
            tiles.append(RefTile(t, counts, *moved, out_words, glb_words))
            cycles += t
        return RefResult(self.dram_out, cycles, self.n.snapshot(), tuple(tiles))

    # -- DMA ------------------------------------------------------------------------------

    def load(self, r: dict[str, range]) -> tuple[int, int, int]:
        """Bring the tile's blocks into the buffer unless already there; DRAM words read."""
        n = self.n
        read = [0, 0, 0]
        key = ("ifmap", r["g"], r["h"], r["w"], r["c"])
        if self.glb["ifmap"] is None or self.glb["ifmap"][0] != key:
            before = n.dram_read
            self.glb["ifmap"] = (key, self.load_ifmap(r))
            read[0] = n.dram_read - before
        if self.weighted:
            key = ("weights", r["g"], r["k"], r["c"])
            if self.glb["weights"] is None or self.glb["weights"][0] != key:
                before = n.dram_read
                self.glb["weights"] = (key, self.load_weights(r))
                read[1] = n.dram_read - before
        key = _out_key(r)
        if self.layer.op is Op.CONCAT:  # the copy leaves from the input block: no output block
            self.glb["out"] = (key, None, None)
        elif self.glb["out"] is None or self.glb["out"][0] != key:
            shape = (len(r["g"]), len(r["k"]), len(r["h"]), len(r["w"]))
            values, valid = np.zeros(shape), np.zeros(shape, dtype=bool)
            for idx in np.ndindex(shape):
                o = self.out_index(r, idx)
                if self.dram_out_held[o]:  # partial sums spilled by an earlier chunk
                    values[idx], valid[idx] = self.dram_out[o], True
                    n.dram_read += 1
                    n.glb_write += 1
                    read[2] += 1
            self.glb["out"] = (key, values, valid)
        return read[0], read[1], read[2]

    def held(self) -> int:
        """Words in the buffer's blocks: inputs with padding, stored weights, outputs."""
        words = self.glb["ifmap"][1][0].size
        if self.weighted:
            words += sum(len(elements) for elements in self.glb["weights"][1].values())
        values = self.glb["out"][1]
        return words + (0 if values is None else values.size)

    def out_index(
        self, r: dict[str, range], idx: tuple[int, int, int, int]
    ) -> tuple[int, int, int]:
        g, k, y, x = idx
        return (r["g"][g] * self.filters + r["k"][k], r["h"][y], r["w"][x])

    def touched(self, outputs: range, k: int, pad: int) -> dict[int, int]:
        """Input rows (or columns) some window of these outputs reads -> slot in the block."""
        rows = sorted({o * self.layer.stride - pad + j for o in outputs for j in range(k)})
        return {row: i for i, row in enumerate(rows)}

    def load_ifmap(self, r: dict[str, range]) -> tuple[np.ndarray, dict[int, int], dict[int, int]]:
        """The input block, padding included: [operand, group, channel, row, column]."""
        L, n = self.layer, self.n
        rows = self.touched(r["h"], L.k_h, L.pad_h)
        cols = self.touched(r["w"], L.k_w, L.pad_w)
        block = np.empty((len(self.dram_in), len(r["g"]), len(r["c"]), len(rows), len(cols)))
        for o, x in enumerate(self.dram_in):
            for gi, g in enumerate(r["g"]):
                for ci, c in enumerate(r["c"]):
                    channel = g * self.channels + c
                    for y, yy in rows.items():
                        for xi, xx in cols.items():
                            n.glb_write += 1
                            if 0 <= y < L.h_in and 0 <= xi < L.w_in:
                                n.dram_read += 1
                                block[o, gi, ci, yy, xx] = x[channel, y, xi]
                            else:
                                block[o, gi, ci, yy, xx] = self.pad_value
        return block, rows, cols

    def load_weights(self, r: dict[str, range]) -> dict[tuple[int, int], dict[Any, float]]:
        """Per (group, filter) of the block: element -> weight, the bias first.

        Compressed, only nonzero weights are stored; a missing element reads as zero.
        """
        L, n = self.layer, self.n
        stored: dict[tuple[int, int], dict[Any, float]] = {}
        for gi, g in enumerate(r["g"]):
            for ki, k in enumerate(r["k"]):
                f = g * self.filters + k
                elements: dict[Any, float] = {}
                if r["c"][0] == 0:
                    elements[BIAS] = self.dram_b[f]
                for c in r["c"]:
                    for j in range(L.k_h):
                        for i in range(L.k_w):
                            w = self.dram_w[f, c, j, i]
                            if w != 0 or not self.array.compress_weights:
                                elements[(c, j, i)] = w
                for _ in elements:
                    n.dram_read += 1
                    n.glb_write += 1
                stored[(gi, ki)] = elements
        return stored

    def write_back(self) -> int:
        """DMA the output block to DRAM (final outputs, or partial sums to come back)."""
        key, values, _ = self.glb["out"]
        _, g, k, h, w = key
        r = {"g": g, "k": k, "h": h, "w": w}
        if values is None:  # a copy: the input block leaves as the output
            values = self.glb["ifmap"][1][0][0].reshape(len(g), len(k), len(h), len(w))
        for idx in np.ndindex(values.shape):
            o = self.out_index(r, idx)
            self.n.glb_read += 1
            self.n.dram_write += 1
            self.dram_out[o] = values[idx]
            self.dram_out_held[o] = True
        return values.size

    # -- the array ------------------------------------------------------------------------

    def weight(self, gi: int, ki: int, element: Any) -> float:
        return self.glb["weights"][1][(gi, ki)].get(element, 0.0)

    def weight_stored(self, gi: int, ki: int, element: Any) -> bool:
        return element in self.glb["weights"][1][(gi, ki)]

    def input(
        self, r: dict[str, range], gi: int, pixel: tuple[int, int], element: Any, operand: int = 0
    ) -> float:
        (y, x), (c, j, i) = pixel, element
        L = self.layer
        block, rows, cols = self.glb["ifmap"][1]
        row, col = rows[y * L.stride - L.pad_h + j], cols[x * L.stride - L.pad_w + i]
        return block[operand, gi, c - r["c"][0], row, col]

    def accumulate(
        self, gi: int, ki: int, pixel: tuple[int, int], r: dict[str, range], value: float
    ) -> None:
        """The GLB write port: add to a partial sum already there, else write."""
        _, values, valid = self.glb["out"]
        idx = (gi, ki, pixel[0] - r["h"][0], pixel[1] - r["w"][0])
        if valid[idx]:
            self.n.glb_read += 1
            values[idx] += value
        else:
            values[idx], valid[idx] = value, True
        self.n.glb_write += 1

    def elements(self, r: dict[str, range], gi: int, ki_list: list[int]) -> list[Any]:
        """The reduction elements a fold steps through, in order (bias first).

        With SKIP and a single column, the zero weights are dropped.
        """
        L = self.layer
        out: list[Any] = [BIAS] if r["c"][0] == 0 else []
        out += [(c, j, i) for c in r["c"] for j in range(L.k_h) for i in range(L.k_w)]
        if self.array.sparsity_mode is SparsityMode.SKIP and len(ki_list) == 1:
            out = [e for e in out if e == BIAS or self.weight(gi, ki_list[0], e) != 0]
        return out

    def pixels(self, r: dict[str, range]) -> list[tuple[int, int]]:
        return [(y, x) for y in r["h"] for x in r["w"]]

    def compute(self, r: dict[str, range]) -> int:
        if self.layer.op is Op.CONCAT:
            return 0
        if not self.weighted:
            return self.run_os(self.row_folds(r), r)
        if self.dataflow is Dataflow.OS:
            return self.run_os(self.os_folds(r), r)
        if self.dataflow is Dataflow.RS:
            return sum(self.run_rs_fold(r, fold) for fold in self.rs_folds(r))
        return self.run_ws(r)

    # -- output stationary ----------------------------------------------------------------

    def os_folds(self, r: dict[str, range]) -> list[dict[str, Any]]:
        A = self.array
        pixels = self.pixels(r)
        folds = []
        for gi in range(len(r["g"])):
            for k0 in range(0, len(r["k"]), A.cols):
                ks = list(range(k0, min(len(r["k"]), k0 + A.cols)))
                steps = self.elements(r, gi, ks)
                if not steps:
                    continue
                for p0 in range(0, len(pixels), A.rows):
                    px = pixels[p0 : p0 + A.rows]
                    folds.append({"kind": "mac", "g": gi, "ks": ks, "px": px, "steps": steps})
        return folds

    def row_folds(self, r: dict[str, range]) -> list[dict[str, Any]]:
        """Pooling and add: one pixel, up to `cols` channels, on the first row."""
        A, L = self.array, self.layer
        if L.op is Op.ADD:
            steps = [(o, (0, 0, 0)) for o in range(len(self.dram_in))]
        else:
            steps = [(0, (0, j, i)) for j in range(L.k_h) for i in range(L.k_w)]
        kind = "max" if L.op is Op.MAXPOOL else "add"
        folds = []
        for g0 in range(0, len(r["g"]), A.cols):
            gs = list(range(g0, min(len(r["g"]), g0 + A.cols)))
            for p in self.pixels(r):
                folds.append({"kind": kind, "gs": gs, "px": [p], "steps": steps})
        return folds

    def step_operands(
        self, r: dict[str, range], fold: dict[str, Any], step: Any
    ) -> tuple[list, list, int, int]:
        """Per-row and per-column bus words of one step, the GLB words read, bus words."""
        n_rows = len(fold["px"])
        if fold["kind"] == "mac":
            gi, ks = fold["g"], fold["ks"]
            ws = [self.weight(gi, k, step) for k in ks]
            reads = sum(self.weight_stored(gi, k, step) for k in ks)
            if step == BIAS:
                return [1.0] * n_rows, ws, reads, len(ks)
            xs = [self.input(r, gi, p, step) for p in fold["px"]]
            return xs, ws, reads + n_rows, n_rows + len(ks)
        operand, element = step
        cols = [self.input(r, g, fold["px"][0], element, operand) for g in fold["gs"]]
        return [], cols, len(cols), len(cols)

    def run_os(self, folds: list[dict[str, Any]], r: dict[str, range]) -> int:
        """Step the OS timeline: deliver, MAC, hand over, drain (see the mapper's text)."""
        if not folds:
            return 0
        A, n = self.array, self.n
        double = A.rf_words >= 2
        acc: list[np.ndarray | None] = [None, None]  # accumulator sets, per PE [row, col]
        cycle = 0
        fi = 0  # the fold being delivered / computed
        step = 0  # its next step to deliver
        words_left: int | None = None
        latched = None  # operands delivered, to MAC next cycle
        done_waiting = False  # the current fold made its last MAC and waits to hand over
        deliver_from = 0
        drain: dict[str, Any] | None = None
        while fi < len(folds) or drain is not None:
            fold = folds[fi] if fi < len(folds) else None
            draining_at_start = drain is not None
            # 1. the PEs work on the operands latched last cycle
            if latched is not None:
                xs, ws, last = latched
                self.os_macs(fold, acc[fi % 2 if double else 0], xs, ws)
                latched = None
                done_waiting = done_waiting or last
            # 2. the drain unit reads one row of the draining accumulators
            if drain is not None:
                self.drain_row(drain, r)
                if drain["row"] == len(drain["fold"]["px"]):
                    drain = None
            # 3. hand-over at the end of the fold: needs the previous drain finished
            if fold is not None and done_waiting and drain is None:
                drain = {"fold": fold, "acc": acc[fi % 2 if double else 0], "row": 0}
                fi, step, words_left, done_waiting = fi + 1, 0, None, False
                deliver_from = cycle + 1
                fold = folds[fi] if fi < len(folds) else None
            # 4. the GLB feeds the next step's words
            idle = fold is None or step == len(fold["steps"]) or cycle < deliver_from
            if not idle and not (not double and draining_at_start):
                if step == 0 and words_left is None:
                    ncols = len(fold["ks"] if fold["kind"] == "mac" else fold["gs"])
                    acc[fi % 2 if double else 0] = np.full(
                        (len(fold["px"]), ncols), -np.inf if fold["kind"] == "max" else 0.0
                    )
                xs, ws, reads, words = self.step_operands(r, fold, fold["steps"][step])
                if words_left is None:
                    words_left = words
                words_left -= min(A.glb_words_per_cycle, words_left)
                if words_left == 0:
                    n.glb_read += reads
                    on_bus = 0 if fold["steps"][step] == BIAS else len(xs)
                    self.count_broadcast(fold, on_bus, len(ws))
                    step += 1
                    latched = (xs, ws, step == len(fold["steps"]))
                    words_left = None if step < len(fold["steps"]) else 0
            cycle += 1
        return cycle

    def count_broadcast(self, fold: dict[str, Any], n_x: int, n_w: int) -> None:
        """Bus words driven: one transfer per word, however many PEs listen."""
        self.n.noc += (n_x if fold["kind"] == "mac" else 0) + n_w

    def os_macs(self, fold: dict[str, Any], acc: np.ndarray, xs: list, ws: list) -> None:
        n, gate = self.n, self.array.sparsity_mode is not SparsityMode.NONE
        if fold["kind"] == "mac":
            for i, x in enumerate(xs):
                for j, w in enumerate(ws):
                    if gate and w == 0:
                        continue
                    n.rf_read += 1
                    acc[i, j] += x * w
                    n.rf_write += 1
                    n.mac += 1
            return
        for j, w in enumerate(ws):  # pooling and add: column j's word into PE (0, j)
            n.rf_read += 1
            acc[0, j] = max(acc[0, j], w) if fold["kind"] == "max" else acc[0, j] + w
            n.rf_write += 1
            n.mac += 1

    def drain_row(self, drain: dict[str, Any], r: dict[str, range]) -> None:
        fold, i = drain["fold"], drain["row"]
        acc = drain["acc"]
        if fold["kind"] == "mac":
            for j, k in enumerate(fold["ks"]):
                self.n.rf_read += 1
                self.n.noc += 1
                self.accumulate(fold["g"], k, fold["px"][i], r, acc[i, j])
        else:
            for j, g in enumerate(fold["gs"]):
                self.n.rf_read += 1
                self.n.noc += 1
                self.accumulate(g, 0, fold["px"][0], r, acc[0, j])
        drain["row"] += 1

    # -- weight stationary ----------------------------------------------------------------

    def ws_folds(self, r: dict[str, range]) -> list[dict[str, Any]]:
        A = self.array
        folds = []
        for gi in range(len(r["g"])):
            for k0 in range(0, len(r["k"]), A.cols):
                ks = list(range(k0, min(len(r["k"]), k0 + A.cols)))
                elements = self.elements(r, gi, ks)
                for e0 in range(0, len(elements), A.rows):
                    folds.append({"g": gi, "ks": ks, "rows": elements[e0 : e0 + A.rows]})
        return folds

    def run_ws(self, r: dict[str, range]) -> int:
        """Step the WS timeline: load weights row by row, stream pixels, beat the columns."""
        A, n = self.array, self.n
        gate = A.sparsity_mode is not SparsityMode.NONE
        bw = A.glb_words_per_cycle
        folds = self.ws_folds(r)
        if not folds:
            return 0
        pixels = self.pixels(r)
        pe_weight: list[list[tuple[int, float] | None]] = [[None] * A.cols for _ in range(A.rows)]
        pipe: list[dict[str, Any] | None] = [None] * A.rows  # token per row, after its beat
        latched = None
        phase, fi, idx, words_left = "load", 0, 0, None
        cycle = 0
        while phase != "done" or latched is not None or any(t is not None for t in pipe):
            # 1. the array beats when a pixel was latched or no pixel is being delivered
            if latched is not None or phase != "stream":
                pipe = [latched] + pipe[:-1]
                latched = None
                for i, tok in enumerate(pipe):
                    if tok is None:
                        continue
                    fold = folds[tok["fold"]]
                    if i:
                        n.noc += len(fold["ks"])  # partial sums arrive from the PE above
                    if i >= len(fold["rows"]):
                        continue  # an idle row passes the sums on
                    x = 1.0 if fold["rows"][i] == BIAS else tok["xs"][i]
                    for j in range(len(fold["ks"])):
                        owner, w = pe_weight[i][j]
                        assert owner == tok["fold"], "weight replaced before its last MAC"
                        if gate and w == 0:
                            continue
                        n.rf_read += 1
                        tok["sums"][j] += w * x
                        n.mac += 1
                out = pipe[-1]
                if out is not None:  # leaves the bottom of the columns into the GLB
                    fold = folds[out["fold"]]
                    for j, k in enumerate(fold["ks"]):
                        n.noc += 1
                        self.accumulate(fold["g"], k, out["pixel"], r, out["sums"][j])
                    pipe[-1] = None
            # 2. the GLB feeds weights (load) or one pixel's inputs (stream)
            if phase == "load":
                fold = folds[fi]
                if words_left is None:
                    words_left = len(fold["ks"])
                words_left -= min(bw, words_left)
                if words_left == 0:
                    element = fold["rows"][idx]
                    for tok in pipe[:idx]:
                        assert tok is None or idx >= len(folds[tok["fold"]]["rows"]), "hazard"
                    for j, k in enumerate(fold["ks"]):
                        n.glb_read += self.weight_stored(fold["g"], k, element)
                        n.noc += 1
                        n.rf_write += 1
                        pe_weight[idx][j] = (fi, self.weight(fold["g"], k, element))
                    idx, words_left = idx + 1, None
                    if idx == len(fold["rows"]):
                        phase, idx = "stream", 0
            elif phase == "stream":
                fold = folds[fi]
                inputs = [e for e in fold["rows"] if e != BIAS]
                if words_left is None:
                    words_left = len(inputs)
                words_left -= min(bw, words_left)
                if words_left == 0:
                    p = pixels[idx]
                    xs = [
                        0.0 if e == BIAS else self.input(r, fold["g"], p, e) for e in fold["rows"]
                    ]
                    n.glb_read += len(inputs)
                    n.noc += len(inputs)
                    latched = {"fold": fi, "pixel": p, "xs": xs, "sums": [0.0] * len(fold["ks"])}
                    idx, words_left = idx + 1, None
                    if idx == len(pixels):
                        fi, idx = fi + 1, 0
                        phase = "load" if fi < len(folds) else "done"
            cycle += 1
        return cycle

    # -- row stationary -------------------------------------------------------------------

    def rs_folds(self, r: dict[str, range]) -> list[dict[str, Any]]:
        """Folds: group, block of output rows (a PE set's columns), the filter blocks of the
        sets side by side, and the bundles of input rows on the PE rows (see the mapper)."""
        A, L = self.array, self.layer
        rows = [(c, j) for c in r["c"] for j in range(L.k_h)]  # reduction rows of the chunk
        q = min(len(rows), A.rf_ifmap_words // L.k_w, A.rf_filter_words // L.k_w)
        p = min(len(r["k"]), A.rf_psum_words, A.rf_filter_words // (q * L.k_w))
        bundles = [rows[i : i + q] for i in range(0, len(rows), q)]
        ks = list(range(len(r["k"])))
        sets = [ks[i : i + p] for i in range(0, len(ks), p)]
        ys = list(r["h"])
        e = min(len(ys), A.cols)
        return [
            {"g": gi, "ys": ys[y0 : y0 + e], "sets": sets[s0 : s0 + A.cols // e],
             "bundles": bundles[b0 : b0 + A.rows]}
            for gi in range(len(r["g"]))
            for y0 in range(0, len(ys), e)
            for s0 in range(0, len(sets), A.cols // e)
            for b0 in range(0, len(bundles), A.rows)
        ]  # fmt: skip

    def run_rs_fold(self, r: dict[str, range], fold: dict[str, Any]) -> int:
        """Step one RS fold: multicast the filter rows, then per output column deliver the new
        inputs (into a latch while the previous column computes), MAC, and pass the partial
        sums down each column into the GLB; the fold ends when the last sums are out."""
        A, L, n = self.array, self.layer, self.n
        bw, gi, s = A.glb_words_per_cycle, fold["g"], L.stride
        gate = A.sparsity_mode is not SparsityMode.NONE
        ys, sets, bundles = fold["ys"], fold["sets"], fold["bundles"]
        pes = [(i, si, yi) for i in range(len(bundles)) for si in range(len(sets))
               for yi in range(len(ys))]  # fmt: skip
        # the weight load: each distinct filter word once on the buses, into every PE of
        # its filter's set on its row
        words = [(k, c, j, kc) for ks in sets for k in ks for b in bundles for c, j in b
                 for kc in range(L.k_w)]  # fmt: skip
        cycle = 0
        while words:
            for k, c, j, kc in words[:bw]:
                n.glb_read += self.weight_stored(gi, k, (c, j, kc))
                n.noc += 1
                n.rf_write += len(ys)
            words = words[bw:]
            cycle += 1
        cols = list(r["w"])
        delivered, started = [False] * len(cols), [False] * len(cols)
        to_deliver, words_left = 0, None
        computing, work, psums = -1, None, None
        finished = 0
        while finished < len(cols):
            # 1. a column whose inputs are in starts once the previous one is done
            if work is None and computing + 1 < len(cols) and delivered[computing + 1]:
                computing += 1
                started[computing] = True
                x = cols[computing]
                for i, _, _ in pes:  # the latch moves the new inputs into the ifmap RF
                    n.rf_write += len(bundles[i]) * len(self.rs_new_cols(cols, computing))
                work = {pe: self.rs_macs(pe, fold, x) for pe in pes}
                psums = {pe: dict.fromkeys(sets[pe[1]], 0.0) for pe in pes}
            # 2. every PE does its next MAC (a zero weight is gated, but takes its cycle)
            if work is not None:
                for pe, macs in work.items():
                    if not macs:
                        continue
                    k, (c, j, kc) = macs.pop()
                    w = self.weight(gi, k, (c, j, kc))
                    if gate and w == 0:
                        continue
                    y, x = ys[pe[2]], cols[computing]
                    psums[pe][k] += w * self.input(r, gi, (y, x), (c, j, kc))
                    n.rf_read += 3  # weight, input, partial sum
                    n.rf_write += 1
                    n.mac += 1
                if not any(work.values()):
                    self.rs_pass_down(r, fold, psums, cols[computing])
                    work, finished = None, finished + 1
            # 3. the buses deliver the next column's new inputs once the previous one started
            if to_deliver < len(cols) and (to_deliver == 0 or started[to_deliver - 1]):
                if words_left is None:
                    new = self.rs_new_cols(cols, to_deliver)
                    words_left = len({(c, y * s - L.pad_h + j, xx) for i, _, yi in pes
                                      for c, j in bundles[i] for y in [ys[yi]] for xx in new})  # fmt: skip
                    n.glb_read += words_left
                    n.noc += words_left
                words_left -= min(bw, words_left)
                if words_left == 0:
                    delivered[to_deliver], to_deliver, words_left = True, to_deliver + 1, None
            cycle += 1
        return cycle + len(bundles)  # the last sums ripple down the active rows and leave

    def rs_new_cols(self, cols: list[int], index: int) -> set[int]:
        """Input columns of output column `cols[index]`'s window not in the previous one's."""
        L = self.layer

        def window(x: int) -> set[int]:
            return {x * L.stride - L.pad_w + kc for kc in range(L.k_w)}

        new = window(cols[index])
        return new - window(cols[index - 1]) if index else new

    def rs_macs(self, pe: tuple[int, int, int], fold: dict[str, Any], x: int) -> list[Any]:
        """A PE's MACs for one output column: each of its filters over its input rows."""
        i, si, _ = pe
        return [(k, (c, j, kc)) for k in fold["sets"][si] for c, j in fold["bundles"][i]
                for kc in range(self.layer.k_w)]  # fmt: skip

    def rs_pass_down(self, r: dict[str, range], fold: dict[str, Any], psums: dict, x: int) -> None:
        """Each column sums its PEs' partial sums top to bottom (a hop, and an add into the
        receiver's psum RF) and the bottom PE's leave into the GLB: the bias is added there
        on an output's first write, an earlier partial sum after (one read, one write)."""
        n, gi = self.n, fold["g"]
        rows = len(fold["bundles"])
        for si, ks in enumerate(fold["sets"]):
            for yi, y in enumerate(fold["ys"]):
                for k in ks:
                    total = 0.0
                    for i in range(rows):
                        if i:
                            n.noc += 1
                            n.rf_read += 1
                            n.rf_write += 1
                        total += psums[(i, si, yi)][k]
                        n.rf_read += 1  # sent on to the PE below, or out
                    n.noc += 1
                    _, values, valid = self.glb["out"]
                    idx = (gi, k, y - r["h"][0], x - r["w"][0])
                    n.glb_read += 1
                    if valid[idx]:
                        values[idx] += total
                    else:
                        values[idx], valid[idx] = total + self.weight(gi, k, BIAS), True
                        n.mac += 1
                    n.glb_write += 1


def _out_key(r: dict[str, range]) -> tuple:
    return ("out", r["g"], r["k"], r["h"], r["w"])


def _minus(a: AccessCounts, b: AccessCounts) -> AccessCounts:
    return AccessCounts(**{f.name: getattr(a, f.name) - getattr(b, f.name) for f in fields(a)})
