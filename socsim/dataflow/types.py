"""The vocabulary of mapping: the array as mapping sees it, access counts, tiles, mappings."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from functools import cached_property

from socsim.checks import checked_number
from socsim.enums import StrEnum
from socsim.errors import ConfigError
from socsim.workloads import Layer


class Dataflow(StrEnum):
    """Which operand stays put in the PEs while the others stream past."""

    OS = "os"  # output stationary: each PE accumulates one output
    WS = "ws"  # weight stationary: each PE holds one weight
    IS = "is"  # input stationary: each PE holds one input (systolic timing only)
    RS = "rs"  # row stationary: each PE holds filter rows and convolves an input row (broadcast)


class ArrayTiming(StrEnum):
    """How the PE array moves operands, and so how its cycles are counted (see `mapper`)."""

    BROADCAST = "broadcast"  # row and column buses from the buffer (the Squeezelerator)
    SYSTOLIC = "systolic"  # operands hop PE to PE from the edges, skewed (SCALE-Sim's array)

    @property
    def dataflows(self) -> tuple[Dataflow, ...]:
        """The dataflows an automatic choice picks from: input stationary only on the
        systolic array; row stationary never (it runs only when configured, see `runs`)."""
        if self is ArrayTiming.BROADCAST:
            return (Dataflow.OS, Dataflow.WS)
        return (Dataflow.OS, Dataflow.WS, Dataflow.IS)

    @property
    def runs(self) -> tuple[Dataflow, ...]:
        """Every dataflow this array runs: the automatic choices, and row stationary on the
        broadcast array (whose buses then multicast, as Eyeriss's network does)."""
        if self is ArrayTiming.BROADCAST:
            return (*self.dataflows, Dataflow.RS)
        return self.dataflows


class SparsityMode(StrEnum):
    """What the zero weights (`ArrayConfig.weight_sparsity`) save."""

    NONE = "none"  # nothing: zeros are multiplied like any weight
    GATE = "gate"  # a zero weight gates its MAC, saving MAC energy but no cycles
    SKIP = "skip"  # as gate, and zero weights also skip cycles where the dataflow allows


# The allowed range of each numeric field of the array, inclusive (None: unbounded); a
# field not listed is a positive integer. The one table: the SoC's config checks the
# fields it passes to the mapper against it too (`socsim.components.config`).
ARRAY_RANGES: dict[str, tuple[float, float | None]] = {
    "rows": (1, 4096),  # past these, surely a slip: a 100000 x 100000 array
    "cols": (1, 4096),
    "weight_sparsity": (0.0, 0.99),
    "tile_fraction": (0.01, 1.0),
}

_POSITIVE = (
    "rows", "cols", "rf_words", "rf_ifmap_words", "rf_filter_words", "rf_psum_words",
    "glb_bytes", "bytes_per_word", "glb_words_per_cycle",
)  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class ArrayConfig:
    """The PE array and its global buffer, as far as mapping a layer needs to know them.

    A simulation derives it from its SoC (`SocConfig.array()`: `pe_array` and
    `global_buffer`), whose sections take their defaults for these fields from here and
    check them against `ARRAY_RANGES`. One deliberate difference: a bare `ArrayConfig` is
    dense (no zero weights), while the SoC's `pe_array` defaults to the paper's 40% gated.
    """

    rows: int = 16
    cols: int = 16
    rf_words: int = 64  # register-file words per PE; with 2+ an OS drain overlaps the next fold
    # Row stationary's three scratchpads per PE (Eyeriss v1's sizes by default); they bound
    # how many input rows and filters a PE takes (see `mapper`) and nothing else.
    rf_ifmap_words: int = 12
    rf_filter_words: int = 224
    rf_psum_words: int = 24
    glb_bytes: int = 131072  # global buffer capacity
    bytes_per_word: int = 2  # 16-bit data
    glb_words_per_cycle: int = 32  # global buffer -> array bandwidth; less stalls the array
    tile_fraction: float = (
        0.5  # share of the buffer one tile's working set may take (double buffering)
    )
    weight_sparsity: float = 0.0  # fraction of weights that are zero
    sparsity_mode: SparsityMode = SparsityMode.NONE
    compress_weights: bool = False  # zero weights are not stored or moved (DRAM and GLB traffic)
    # broadcast: the Squeezelerator's buses; systolic: SCALE-Sim's skewed array, whose edge
    # PEs each read one word per cycle, so `glb_words_per_cycle` and `rf_words` do not change
    # its cycles on conv and fc layers (pooling and add run as on broadcast). See `mapper`.
    timing: ArrayTiming = ArrayTiming.BROADCAST

    def __post_init__(self) -> None:
        for name in dict.fromkeys((*_POSITIVE, *ARRAY_RANGES)):
            low, high = ARRAY_RANGES.get(name, (1, None))
            integer = name in _POSITIVE
            quantity = "integer" if integer else "number"
            checked_number(
                f"pe_array.{name}", getattr(self, name), quantity=quantity, low=low, high=high,
                integer=integer,
            )  # fmt: skip
        object.__setattr__(self, "sparsity_mode", SparsityMode(self.sparsity_mode))
        try:
            object.__setattr__(self, "timing", ArrayTiming(self.timing))
        except ValueError:
            raise ConfigError(
                f"pe_array.timing={self.timing!r}, expected 'broadcast' or 'systolic'"
            ) from None

    @property
    def pes(self) -> int:
        return self.rows * self.cols


@dataclass(frozen=True, slots=True)
class AccessCounts:
    """Accesses per level of the memory hierarchy, in words (one word = one 16-bit value).

    These are what the energy table multiplies: `mac` operations, register-file reads and
    writes, inter-PE (`noc`) transfers, global-buffer reads and writes, DRAM reads and writes.
    """

    mac: int = 0
    rf_read: int = 0
    rf_write: int = 0
    noc: int = 0
    glb_read: int = 0
    glb_write: int = 0
    dram_read: int = 0
    dram_write: int = 0

    def __add__(self, other: AccessCounts) -> AccessCounts:
        return AccessCounts(
            *(a + b for a, b in zip(self.as_tuple(), other.as_tuple(), strict=True))
        )

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def as_tuple(self) -> tuple[int, ...]:
        """The counts in field order (fast: mapping sums many of these)."""
        return (
            self.mac, self.rf_read, self.rf_write, self.noc,
            self.glb_read, self.glb_write, self.dram_read, self.dram_write,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Tile:
    """One step of a layer's schedule: load, compute on the array, write back.

    `repeat` consecutive tiles are identical in every field, so a mapping stays compact;
    the timing layer expands them. Bytes are DRAM <-> global-buffer traffic. A block the
    previous tile left in the buffer is not loaded again (its bytes here are 0) but still
    counts in `glb_bytes`; an output block is written back by the last tile that uses it.
    """

    repeat: int
    ifmap_bytes: int  # input activations loaded before compute
    weight_bytes: int  # weights loaded before compute
    psum_in_bytes: int  # partial sums reloaded (a reduction split across tiles and spilled)
    out_bytes: int  # outputs (or spilled partial sums) written back after compute
    compute_cycles: int  # array busy time: folds, fill and drain, idle PEs, buffer stalls
    macs: int  # useful MACs, counted as `Layer.macs` counts them
    glb_bytes: int  # global-buffer space the tile holds from load to write-back
    counts: AccessCounts  # every access of this one tile, DRAM included
    folds: int = 0  # passes of the array the tile takes (see `socsim.dataflow.mapper`)
    stall_cycles: int = 0  # part of compute_cycles spent waiting for global-buffer words

    @property
    def in_bytes(self) -> int:
        return self.ifmap_bytes + self.weight_bytes + self.psum_in_bytes


LOOPS = ("k", "p", "c")  # filter blocks, pixel blocks (rows, then columns), channel chunks


@dataclass(frozen=True, slots=True)
class TilePlan:
    """How a layer is cut into tiles: block sizes and the order of the block loops.

    The loop nest is: group blocks (outermost), then `order` from outer to inner, where
    "k" runs over filter blocks, "p" over pixel blocks (output rows, then output columns)
    and "c" over input-channel chunks of the reduction. Sizes are per block; the last block
    along an axis may be smaller. For layers without weights `groups` counts channels.
    """

    order: tuple[str, str, str]
    groups: int  # groups per tile (channels, for pooling, add and concat)
    filters: int  # filters per group per tile
    rows: int  # output rows per tile
    cols: int  # output columns per tile
    channels: int  # input channels per group per tile (a chunk of the reduction)


@dataclass(frozen=True, slots=True)
class Region:
    """The part of a layer's work one tile does: which outputs, over which input channels.

    Filters and channels are counted within a group; output channel = group x filters per
    group + filter. For layers without weights `groups` are channels, and `filters` and
    `channels` are range(1).
    """

    groups: range
    filters: range
    rows: range  # output rows
    cols: range  # output columns
    channels: range  # input channels of the reduction chunk


@dataclass(frozen=True)
class LayerMapping:
    """A layer mapped onto an array with one dataflow: its folds and its tile sequence."""

    layer: Layer
    array: ArrayConfig
    dataflow: Dataflow
    tiles: tuple[Tile, ...]
    plan: TilePlan | None = None  # the tiling the tiles follow, for `regions`

    @cached_property
    def cycles(self) -> int:
        """Compute cycles of the whole layer on the array, tiles back to back."""
        return sum(t.compute_cycles * t.repeat for t in self.tiles)

    @cached_property
    def macs(self) -> int:
        return sum(t.macs * t.repeat for t in self.tiles)

    @cached_property
    def counts(self) -> AccessCounts:
        totals = [0] * len(fields(AccessCounts))
        for t in self.tiles:
            for i, v in enumerate(t.counts.as_tuple()):
                totals[i] += v * t.repeat
        return AccessCounts(*totals)

    @cached_property
    def dram_bytes(self) -> int:
        return sum((t.in_bytes + t.out_bytes) * t.repeat for t in self.tiles)

    @cached_property
    def tile_count(self) -> int:
        return sum(t.repeat for t in self.tiles)

    @property
    def stall_cycles(self) -> int:
        return sum(t.stall_cycles * t.repeat for t in self.tiles)

    def expanded(self) -> Iterator[Tile]:
        """Every tile in schedule order, runs of `repeat` unrolled."""
        for t in self.tiles:
            for _ in range(t.repeat):
                yield t

    def regions(self) -> Iterator[Region]:
        """The region of each tile of `expanded()`, in the same order (from `plan`)."""
        from socsim.dataflow.tiling import plan_regions

        if self.plan is None:
            raise ValueError(f"mapping of layer {self.layer.name!r} carries no plan")
        return plan_regions(self.layer, self.plan)

    @property
    def utilization(self) -> float:
        """MACs / (cycles x PEs): the share of the array's peak the layer achieves."""
        return self.macs / (self.cycles * self.array.pes) if self.cycles else 0.0

    @property
    def scalesim_compute_cycles(self) -> int:
        """The compute cycles SCALE-Sim 3.0.0 reports for this layer on an array of this size
        with this dataflow (its COMPUTE_REPORT's Total Cycles less Stall Cycles), exactly.

        SCALE-Sim folds the whole layer at once, whatever its buffers hold; with systolic
        timing this is `cycles` less one per group when the tiles keep SCALE-Sim's folds
        whole, and less than `cycles` by the extra fill and drain when the buffer makes the
        tiling cut them. A stride that does not divide the padded input less the filter
        gives SCALE-Sim one more output row or column than the layer has (see
        `socsim.dataflow.array.scalesim_compute_cycles`). 0 for the layers SCALE-Sim does
        not model (pooling, add, concatenation).
        """
        from socsim.dataflow.array import scalesim_compute_cycles
        from socsim.dataflow.tiling import shape_of

        return scalesim_compute_cycles(shape_of(self.layer), self.array, self.dataflow)
