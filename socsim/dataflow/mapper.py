"""Mapping a layer onto the PE array: the micro-architecture, and `map_layer` on top of it.

This text is the contract. `socsim.dataflow.array` (closed forms) and
`socsim.dataflow.reference` (a cycle-stepped simulator moving real numbers) implement it
independently, and the tests hold them equal cycle for cycle and count for count.

Execution model
---------------
Layer by layer: each layer reads its inputs from DRAM and writes its outputs to DRAM.
Its work is cut into tiles (`socsim.dataflow.tiling`); a tile's blocks are DMA'd into
the global buffer (GLB) unless the previous tile left the same block there, the array
computes on them, and an output block is DMA'd back when the next tile needs another.
An input block holds the input rows and columns its kernel windows touch, padding
included: the DMA writes padding into the GLB as zeros (minus infinity for max pooling)
without a DRAM read. Tiles run back to back on the array; each tile's compute time starts
with an empty array and ends when its last result is in the GLB.

The array
---------
Two timing models (`ArrayConfig.timing`) share the tiling, the DMA and the tile sequence and
differ only in the array's cycles and on-chip accesses for conv and fc layers: `broadcast`
(the Squeezelerator, described from here to the pooling paragraph) and `systolic`
(SCALE-Sim's array, in its own section below). One mapper serves both.

`rows` x `cols` PEs. Each PE has a MAC unit and a register file (RF). Wires: one broadcast
bus per row and one per column, fed by the GLB; a link from each PE to the one below it;
and a read-out bus per column to the GLB's write port. The GLB delivers at most
`glb_words_per_cycle` (B) words per cycle to the buses; its write port takes one word per
column per cycle, and partial sums are accumulated there: a result for an output that
already holds a partial sum is added to it (one GLB read and one write), otherwise written.
The DMA uses ports of its own and never slows the array.

Words are staged on the buses one step at a time. A step's operands take
max(1, ceil(D / B)) cycles to deliver, D being the bus words it needs; a step with more
than B words stalls the array (the difference from one cycle per step is `stall_cycles`).
The bias is the first element of each filter's reduction, applied as a MAC with an input
of one that no bus carries (the paper counts it as a MAC; here it also takes a PE slot).

A fold is one pass of the array. One fold never mixes groups of a grouped convolution: the
broadcast buses share inputs (OS, WS) or weights (OS) only within a group, so a depthwise
layer uses one column.

Output stationary (OS): rows take output pixels (the tile's pixels row-major, `rows` per
fold), columns take filters (`cols` per fold). Each step broadcasts one input per active
row and one weight per active column (D = active rows + active columns; the bias step
carries only the weights) and every active PE accumulates into its RF; a step's MACs run
in the cycle after its delivery, while the next step is delivered. A fold takes
T = its delivery cycles + 1 (the last MAC, at whose end the accumulators are handed to the
drain). The drain reads one row per cycle over the read-out buses (drain = active rows
cycles, each PE's RF read once). With `rf_words` >= 2 each PE keeps two accumulators: the
next fold starts in the cycle after the hand-over and the drain runs under it, but a
hand-over waits until the previous drain has finished. So a tile takes
T_1 + sum over f >= 2 of max(T_f, drain_{f-1}) + drain_last. With one RF word a fold waits
for the previous drain: T_f + drain_{f-1}.

Weight stationary (WS): rows take reduction elements (bias first, then input channel,
kernel row, kernel column), columns take filters; each PE holds one weight in its RF. A
fold first loads its weights, one row per cycle over the column buses (D = active
columns). Then the tile's pixels stream, one per step: each active row's bus carries that
pixel's input for the row's element (D = active rows, the bias row excepted); skewing
registers delay row i by i beats, and partial sums move one PE down per beat, through any
idle rows, leaving at the bottom of each column into the GLB. The array advances one beat
per delivered step, and one per cycle while no step is being delivered, so the next
fold's weight load overlaps this fold's tail (a row is reloaded only after its last MAC).
A fold costs its load, active rows x max(1, ceil(active columns / B)), plus its stream,
pixels x max(1, ceil(input rows / B)); the tile adds `rows` cycles for the last pixel to
leave the array. A reduction longer than `rows` takes several folds whose results
accumulate in the GLB.

Row stationary (RS, Eyeriss's dataflow; run only when configured, never by an automatic
choice): each PE runs 1-D convolutions, a row of filter weights sliding along a row of
inputs, with three scratchpads (`rf_ifmap_words`, `rf_filter_words`, `rf_psum_words`). The
bias is left out of the PEs' work, as on the systolic array. A chunk's reduction is cut into
reduction rows (input channel, kernel row), channel-major. A PE takes q consecutive
reduction rows (a bundle) and p filters: q as large as the ifmap scratchpad holds q windows
of k_w inputs (and the filter scratchpad q filter rows), then p as large as the psum
scratchpad holds p sums and the filter scratchpad p x q filter rows, each at most what the
tile has (a scratchpad smaller than k_w is a `MappingError`). PE rows take bundles (`rows`
a fold); a PE set is e = min(output rows of the tile, `cols`) columns, one output row
each, and cols // e sets sit side by side, each with its own block of p filters (the
tile's filters in blocks of p, the short block last). A fold is one group x one block of
e output rows x one run of sets x one run of bundles; folds run back to back, each
starting with an empty array.

A fold first multicasts its weights over the buses: each distinct weight (per set: its
filters x the fold's reduction rows x k_w) is one bus word, B a cycle, written into the
filter scratchpad of every PE of its set on its row. Then the tile's output columns run as
steps. A step's new inputs are the input columns its window adds to the previous step's
(all k_w for the first, then min(stride, k_w)), for every distinct (channel, input row) the
fold's PEs read (PE on reduction row (c, j) in output row y reads input row
y stride - pad + j): one bus word each, B a cycle, into a latch, then into the ifmap
scratchpad of every PE that reads it. A step's words are delivered once the previous
step's words have left the latch (its compute has begun); a step computes once its words
are in and the previous step is done, each PE doing its p x q x k_w MACs one a cycle, the
step lasting as long as the busiest PE (M cycles). So a fold takes
ceil(W / B) + d_0 + M + (output columns - 1) x max(M, d_1) + active rows, where d_0 and d_1
are the first and later steps' delivery cycles; the part of max(M, d_1) beyond M is
`stall_cycles`. After each step every column adds its PEs' partial sums top to bottom (a
hop per row, p words per PE), and the bottom PE's sums leave into the GLB, where the
bias is added on an output's first write and an earlier partial sum after; the last
step's sums need the active rows' cycles to ripple out. Zero weights: NONE multiplies
them; GATE and SKIP gate their MACs (no MAC, no scratchpad access), no cycle saved (a
step waits for its busiest PE anyway). Compression as for OS.

Pooling and element-wise add (any broadcast dataflow): one output pixel of up to `cols` channels
per fold on the first row: each step carries one input word per active column on the
column buses (D = active columns), and the PE compares or adds it into its RF (one `mac`
count each, though no multiply). Window positions are steps (k_h x k_w), as are the
operands of an add; average pooling sums, its 1 / (k_h k_w) scale left to the next layer.
Timing as OS with one row. Concatenation is a DMA copy through the GLB: traffic, but no
array cycles. Both timing models run these layers this way.

The systolic array
------------------
Timing `systolic` is the array SCALE-Sim models (version 3.0.0, stall-free): operands enter
at the left and top edges, one word per edge PE per cycle (so the GLB's bandwidth and the RF
size do not limit it), and move one PE per cycle to the right or down; skewing registers
delay edge row (column) i by i cycles. A tile is the product of its ifmap operand matrix
(pixels x reduction) and its filter matrix (reduction x filters), per group; the dataflow
puts two of the three dimensions on the array, Sr on the rows and Sc on the columns, and
streams the third in time, T steps:

- OS: Sr = pixels, Sc = filters, T = reduction. Inputs flow right, weights down, each PE
  accumulates one output; the outputs then shift down and leave at the bottom.
- WS: Sr = reduction, Sc = filters, T = pixels. Weights load from the top, one per PE;
  inputs flow right, partial sums flow down and leave at the bottom.
- IS (systolic only): Sr = reduction, Sc = pixels, T = filters. Inputs load from the top,
  one per PE; weights flow right, partial sums flow down.

A fold is one R x C block (`rows` x `cols`) of the Sr x Sc plane: ceil(Sr / R) x
ceil(Sc / C) folds, back to back, each draining before the next starts, and each taking,
however few of its PEs are used, T + R + C - 2 cycles (OS: the stream, skewed over the rows,
then the last outputs' drain) or T + 2R + C - 2 (WS, IS: R more to load the stationary
operand). The reduction is the chunk without the bias, as SCALE-Sim has none: the GLB's
write port adds the bias (one `mac`, no cycle). No stall cycles; zero weights are gated
under GATE and SKIP alike (a step serves a whole row or column, so a zero skips nothing).

A tiling that cuts the streamed dimension, or the array dimensions off fold boundaries,
pays the fill and drain again. SCALE-Sim folds the whole layer whatever its buffers hold, so
its count (`LayerMapping.scalesim_compute_cycles`) equals a layer's `cycles` less one per
group (SCALE-Sim reports the index of the last cycle) only when the tiles keep its folds
whole and the stride divides the padded input less the filter (else SCALE-Sim computes one
more output row or column).

Counts: `mac` as above. `rf_read`/`rf_write`: OS as broadcast OS (the accumulator); WS and
IS read the stationary word per MAC and write it once per load. `noc`: one per word
entering a PE (from the edge or a neighbour) or leaving the array: each streamed word
passes the fold's active PEs along its row or column, and the stationary operand (WS, IS)
or the results (OS) shift through the rows above (below) them. `glb_read`: the words the
edge PEs read (SCALE-Sim's SRAM reads), plus one per result written (the bias on a first
write, the partial sum after). `glb_write`: one per result leaving the array (under WS and
IS, the partial sums of every row fold).

Weight sparsity
---------------
Zero weights (`weight_sparsity` = s) are spread evenly along each filter's reduction
(`socsim.dataflow.tiling.zeros_in`): a filter of R weights has floor(R s) zeros, and any
run of its weights the share that rounding gives. Biases are never zero.
NONE multiplies zeros like any weight. GATE skips their MACs: no MAC and no RF access,
but the cycle and the bus traffic stay. SKIP also saves cycles where a zero weight alone
holds the array back, which is only in a fold with a single active column (a depthwise
layer, or a lone filter at an edge): there OS skips the steps whose weight is zero (no
delivery, no cycle) and WS loads only the nonzero weights (and the bias) onto its rows,
so fewer rows and folds; the zero positions come from a mask kept with the weights (not
counted). With two or more columns a step (OS) or a row (WS) could be skipped only if
every column's weight were zero at once; with unstructured sparsity that is rare
(s^columns) and the model does not look for it, so zeros there are gated.
`compress_weights` stores only nonzero weights: DRAM reads, GLB writes and GLB reads of
weights shrink, and so does the buffer space they take; zeros are re-inserted at the GLB's
read port, so bus traffic and timing do not change. Index overhead is not modelled.

Access counts (words)
---------------------
`mac`: MACs done (and pooling/add operations; RS also counts the bias added at the GLB).
`rf_read`/`rf_write`: OS reads and writes the accumulator per MAC and reads it once more to
drain; WS reads its weight per MAC and writes it once per load; pooling as OS. RS reads the
weight, the input and the partial sum and writes the partial sum per MAC, writes each
weight and input word into each PE that keeps it, and per partial sum passed down reads it
in the sender and reads and writes the receiver's sum (a sender at the bottom reads it out). `noc`: a word driven onto a bus (a broadcast is one
transfer however many PEs listen: the wire is driven once, as in Eyeriss's accounting where
the buffer read pays for the delivery), each hop from a PE to the one below, and each
result leaving the array (RS: each multicast word once; each partial-sum hop; each result
leaving). `glb_read`/`glb_write`: bus deliveries and partial-sum accumulation on the array
side, plus the DMA's writes of loaded blocks and reads of blocks written back. `dram_*`:
the DMA's transfers.
"""

from __future__ import annotations

from typing import NamedTuple

from socsim.dataflow.array import Shape, tile_work
from socsim.dataflow.tiling import CACHED, build_tiles, plan_layer, shape_of, tile_count
from socsim.dataflow.types import ArrayConfig, Dataflow, LayerMapping, Tile, TilePlan
from socsim.energy import EYERISS, EnergyTable
from socsim.errors import ConfigError, MappingError
from socsim.limits import EVENTS_PER_TILE, max_events, memory_text
from socsim.workloads import Layer

_TOTALS = ("cycles", "macs", "counts", "dram_bytes", "tile_count")  # cached properties


class _Mapped(NamedTuple):
    """What mapping one shape yields, kept for every layer of that shape."""

    plan: TilePlan
    tiles: tuple[Tile, ...]
    totals: dict[str, object]  # the mapping's sums over its tiles


_MAPPED: dict[tuple[Shape, ArrayConfig, Dataflow], _Mapped] = {}


def map_layer(layer: Layer, array: ArrayConfig, dataflow: Dataflow | str) -> LayerMapping:
    """Map `layer` onto `array` with `dataflow`: the tiling and the tile sequence.

    Mappings are cached by the layer's shape, so layers that differ only in name or tags
    share the work. Raises `MappingError` when not even the smallest tile fits the buffer.
    """
    try:
        dataflow = Dataflow(dataflow)
    except ValueError:
        raise ConfigError(f"dataflow={dataflow!r}, expected {_runs(array)}") from None
    if dataflow not in array.timing.runs:
        raise ConfigError(
            f"dataflow={dataflow.value!r}, expected {_runs(array)} on a {array.timing.value} "
            "array (input stationary needs timing='systolic', row stationary 'broadcast')"
        )
    return _map(layer, array, dataflow)


def _runs(array: ArrayConfig) -> str:
    """The dataflows `array` runs, for an error message: 'os', 'ws' or 'rs'."""
    runs = [repr(d.value) for d in array.timing.runs]
    return ", ".join(runs[:-1]) + " or " + runs[-1]


def _map(layer: Layer, array: ArrayConfig, dataflow: Dataflow) -> LayerMapping:
    """The mapping, its tiles and sums computed once per shape."""
    key = (shape_of(layer), array, dataflow)
    found = _MAPPED.get(key)
    if found is None:
        try:
            plan = plan_layer(*key)
        except MappingError as e:
            raise MappingError(f"layer {layer.name!r}: {e}") from None
        _within_budget(layer, array, tile_count(key[0], plan))
        tiles = build_tiles(*key, plan)
        first = LayerMapping(layer, array, dataflow, tiles, plan)
        totals = {name: getattr(first, name) for name in _TOTALS}
        found = _MAPPED[key] = _Mapped(plan, tiles, totals)
    mapping = LayerMapping(layer, array, dataflow, found.tiles, found.plan)
    mapping.__dict__.update(found.totals)  # sums over the tiles, done once per shape
    return mapping


def _within_budget(layer: Layer, array: ArrayConfig, tiles: int) -> None:
    """Refuses a layer whose tiles alone would make a run past `limits.max_events`, before
    they are built (a tiny buffer or a huge layer: millions of tiles)."""
    events, limit = tiles * EVENTS_PER_TILE, max_events()
    if events > limit:
        raise MappingError(
            f"layer {layer.name!r}: {tiles:,} tiles on a {array.glb_bytes:,}-byte buffer "
            f"({events:,} events, {memory_text(events)}), expected at most {limit:,} events: "
            "raise global_buffer.size_bytes, or the limit (--max-events, SOCSIM_MAX_EVENTS)"
        )


def clear_cache() -> None:
    """Forget every mapping (for benchmarks that time mapping from scratch)."""
    _MAPPED.clear()
    for cached in (*CACHED, tile_work):
        cached.cache_clear()


def choose_dataflow(
    layer: Layer, array: ArrayConfig, objective: str = "cycles", costs: EnergyTable = EYERISS
) -> LayerMapping:
    """The best dataflow the array runs for `layer` (OS and WS; IS too when systolic; never
    RS, which runs only when configured): by cycles (ties: energy) or by energy (ties:
    cycles).

    Energy is `costs` (a SoC's `SocConfig.energy.costs()`; by default the Eyeriss table,
    the paper's units) applied to the mapping's access counts. A full tie keeps the first
    of OS, WS, IS.
    """
    if objective not in ("cycles", "energy"):
        raise ConfigError(f"objective={objective!r}, expected 'cycles' or 'energy'")
    best, best_key = None, None
    for dataflow in array.timing.dataflows:
        m = _map(layer, array, dataflow)
        energy = costs.energy(m.counts)["total"]
        key = (m.cycles, energy) if objective == "cycles" else (energy, m.cycles)
        if best_key is None or key < best_key:
            best, best_key = m, key
    assert best is not None
    return best
