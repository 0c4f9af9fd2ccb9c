"""The event log: one row per activity interval, stored in typed columns, framed on demand.

Rows are appended as plain tuples (the cheapest thing a process can do) and, every
`BLOCK` rows, packed into a numpy block of `ROW` records: unit and action as small integer
codes into tables of names, the access counts as an index into a table of the distinct
count tuples (a tile's counts repeat for every tile alike), the rest as integers of the
width they need, about 50 bytes a row. Each packed block is also folded into a `Tally`, the
running totals the summaries need, so a run that keeps no events (`keep=False`) still gets
every summary, in memory that grows with the frames and layers, not with the events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from socsim.dataflow.types import AccessCounts

if TYPE_CHECKING:
    import pandas as pd

COUNT_COLUMNS = list(AccessCounts().as_dict())
COLUMNS = [
    "start",
    "end",
    "unit",
    "action",
    "frame",
    "layer",
    "tile",
    "bytes",
    "macs",
    *COUNT_COLUMNS,
]
NO_COUNTS = (0,) * len(COUNT_COLUMNS)
STALL_CAUSES = ("wait_dma", "wait_buffer", "wait_array")  # see Controller.stalled
# Not activity: a buffer's occupancy and a stage waiting (on no hardware of its own).
NOT_BUSY = ("hold", *STALL_CAUSES)
ROW = np.dtype(
    [
        ("start", np.int64),
        ("end", np.int64),
        ("unit", np.int16),
        ("action", np.int16),
        ("frame", np.int32),
        ("layer", np.int32),
        ("tile", np.int32),
        ("bytes", np.int64),
        ("macs", np.int64),
        ("counts", np.int32),
    ]
)
BLOCK = 4096  # rows appended as tuples before they are packed
NONE = np.iinfo(np.int64).max  # the first start of a (frame, layer) with no rows


class EventLog:
    """Collects activity intervals from every component of one simulation.

    A row is (start, end, unit scope, action, frame, layer index, tile index, bytes, macs,
    then the access counts of `AccessCounts` in words). Counts sit on the row of the unit
    that spends the energy: DRAM words on DRAM rows, array and buffer words on compute rows,
    so that summing any grouping of rows never counts an access twice. Frame, layer and
    tile are -1 where they do not apply. With `keep=False` packed rows are only tallied,
    not kept: `frame()` then raises.
    """

    def __init__(self, keep: bool = True) -> None:
        self.keep = keep
        self.pending: list[tuple] = []
        self.blocks: list[np.ndarray] = []
        self.units: dict[str, int] = {}  # name -> code, in order of first use
        self.actions: dict[str, int] = {}
        self.counts: dict[tuple[int, ...], int] = {NO_COUNTS: 0}
        self.tally = Tally()
        self.packed = 0  # rows packed so far

    def add(
        self,
        start: int,
        end: int,
        unit: str,
        action: str,
        frame: int = -1,
        layer: int = -1,
        tile: int = -1,
        nbytes: int = 0,
        macs: int = 0,
        counts: tuple[int, ...] = NO_COUNTS,
    ) -> None:
        pending = self.pending
        pending.append((start, end, unit, action, frame, layer, tile, nbytes, macs, counts))
        if len(pending) >= BLOCK:
            self.pack()

    def pack(self) -> None:
        """Packs the pending rows into a block and tallies it."""
        if not self.pending:
            return
        start, end, unit, action, frame, layer, tile, nbytes, macs, counts = zip(
            *self.pending, strict=True
        )
        self.pending = []
        block = np.empty(len(start), ROW)
        block["start"], block["end"] = start, end
        block["unit"] = [self.units.setdefault(u, len(self.units)) for u in unit]
        block["action"] = [self.actions.setdefault(a, len(self.actions)) for a in action]
        block["frame"], block["layer"], block["tile"] = frame, layer, tile
        block["bytes"], block["macs"] = nbytes, macs
        block["counts"] = [self.counts.setdefault(c, len(self.counts)) for c in counts]
        self.tally.fold(block, self)
        self.packed += len(block)
        if self.keep:
            self.blocks.append(block)

    def __len__(self) -> int:
        return self.packed + len(self.pending)

    def count_table(self) -> np.ndarray:
        """The distinct count tuples, one row per `counts` code, columns `COUNT_COLUMNS`."""
        return np.array(list(self.counts), np.int64).reshape(-1, len(COUNT_COLUMNS))

    def records(self) -> np.ndarray:
        """Every kept row as one array of `ROW` records, in the order they were logged."""
        if not self.keep:
            raise ValueError("the event log was not kept (keep_events=False)")
        self.pack()
        if len(self.blocks) > 1:
            self.blocks = [np.concatenate(self.blocks)]
        return self.blocks[0] if self.blocks else np.empty(0, ROW)

    def frame(self) -> pd.DataFrame:
        """The whole log as a DataFrame (`COLUMNS`; unit and action categorical, the rest
        int64), rows in the order they were logged."""
        import pandas as pd

        rows = self.records()
        columns: dict[str, object] = {}
        for name in COLUMNS[:9]:
            if name in ("unit", "action"):
                columns[name] = categorical(rows[name], getattr(self, f"{name}s"))
            else:
                columns[name] = rows[name].astype(np.int64)
        counts = self.count_table()[rows["counts"]]
        for i, name in enumerate(COUNT_COLUMNS):
            columns[name] = counts[:, i]
        return pd.DataFrame(columns)


def categorical(codes: np.ndarray, names: dict[str, int]) -> pd.Categorical:
    """Codes into `names` as a categorical whose categories are the names that occur, sorted
    (what `pd.Categorical` makes of the strings themselves)."""
    import pandas as pd

    table = np.array(list(names), dtype=object)
    used = np.unique(codes)
    order = used[np.argsort(table[used].astype(str), kind="stable")]
    recode = np.full(len(table), -1, np.int64)
    recode[order] = np.arange(len(order))
    categories = pd.Index(table[order].tolist())
    return pd.Categorical.from_codes(recode[codes], categories=categories)


class Tally:
    """The running totals of a log that the summaries need (see `socsim.summarize`).

    Per (frame, layer): the first start and last end of the rows tagged with them (the
    layer's span in that frame). Per
    layer, over all frames: the sums of MACs, of the access counts, and of bytes per unit.
    Per unit: bytes, and busy cycles, the union of its intervals that are activity (not
    `NOT_BUSY`). The union is computed a block at a time, carrying each unit's reach (the
    latest end so far): exact when an interval that overlaps an earlier one of its unit
    does not start before that unit's previous block ended, which holds for every unit that
    serves one interval at a time (its intervals never overlap).
    """

    def __init__(self) -> None:
        self.first = np.zeros((0, 0), np.int64)  # [frame + 1, layer]; NONE: no row
        self.last = np.zeros((0, 0), np.int64)
        self.macs = np.zeros(0, np.int64)  # [layer]
        self.counts = np.zeros((0, len(COUNT_COLUMNS)), np.int64)  # [layer, count column]
        self.layer_bytes = np.zeros((0, 0), np.int64)  # [layer, unit]
        self.unit_bytes = np.zeros(0, np.int64)  # [unit], every row
        self.busy = np.zeros(0, np.int64)  # [unit]
        self.reach = np.zeros(0, np.int64)  # [unit]; -1: no busy interval yet
        self.seen = np.zeros(0, bool)  # [unit]: has a busy interval
        self.all_macs = 0
        self.all_counts = np.zeros(len(COUNT_COLUMNS), np.int64)

    def _grow(self, frames: int, layers: int, units: int) -> None:
        """Widens the tables to hold `frames`, `layers` and `units` (doubling, so the copies
        amortise)."""
        f0, l0 = self.first.shape
        if frames > f0 or layers > l0:
            shape = (max(f0, frames, 2 * f0 if frames > f0 else 0), max(l0, layers))
            self.first = _padded(self.first, shape, NONE)
            self.last = _padded(self.last, shape, -1)
        if layers > len(self.macs):
            self.macs = _padded(self.macs, (layers,), 0)
            self.counts = _padded(self.counts, (layers, len(COUNT_COLUMNS)), 0)
        u0 = len(self.busy)
        if units > u0 or layers > self.layer_bytes.shape[0]:
            self.layer_bytes = _padded(
                self.layer_bytes, (max(layers, self.layer_bytes.shape[0]), max(units, u0)), 0
            )
        if units > u0:
            self.unit_bytes = _padded(self.unit_bytes, (units,), 0)
            self.busy = _padded(self.busy, (units,), 0)
            self.reach = _padded(self.reach, (units,), -1)
            self.seen = _padded(self.seen, (units,), False)

    def fold(self, block: np.ndarray, log: EventLog) -> None:
        """Adds one packed block of `log` to the totals."""
        counts = log.count_table()[block["counts"]]
        unit = block["unit"].astype(np.intp)
        nbytes = block["bytes"]
        self.all_macs += int(block["macs"].sum())
        self.all_counts += counts.sum(axis=0)
        tagged = block["layer"] >= 0
        # Row f + 1 of `first` and `last` holds frame f, so that a row of a layer outside any
        # frame (-1) has a place of its own, as a group of its own in a frame of the events.
        frame = block["frame"][tagged].astype(np.intp) + 1
        layer = block["layer"][tagged].astype(np.intp)
        self._grow(int(frame.max(initial=0)) + 1, int(layer.max(initial=-1)) + 1, len(log.units))
        np.add.at(self.unit_bytes, unit, nbytes)
        if tagged.any():
            np.minimum.at(self.first, (frame, layer), block["start"][tagged])
            np.maximum.at(self.last, (frame, layer), block["end"][tagged])
            np.add.at(self.macs, layer, block["macs"][tagged])
            np.add.at(self.counts, layer, counts[tagged])
            np.add.at(self.layer_bytes, (layer, unit[tagged]), nbytes[tagged])
        self._fold_busy(block, unit, log)

    def _fold_busy(self, block: np.ndarray, unit: np.ndarray, log: EventLog) -> None:
        """Adds the block's busy intervals to each unit's union."""
        idle = [code for name, code in log.actions.items() if name in NOT_BUSY]
        busy = ~np.isin(block["action"], idle)
        add_busy(self.busy, self.reach, unit[busy], block["start"][busy], block["end"][busy])
        self.seen[unit[busy]] = True


def add_busy(
    busy: np.ndarray, reach: np.ndarray, unit: np.ndarray, start: np.ndarray, end: np.ndarray
) -> None:
    """Adds intervals (`unit` codes, `start`, `end`) to each unit's `busy` cycles, the union
    of its intervals, taking them in start order per unit: an interval adds what reaches
    past every earlier one of its unit, and past the unit's `reach` (the latest end of the
    intervals added before; -1 for none), which is updated."""
    if not len(unit):
        return
    order = np.lexsort((start, unit))
    unit, start, end = unit[order], start[order], end[order]
    cuts = np.flatnonzero(np.diff(unit)) + 1
    for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(unit)], strict=True):
        u, s, e = unit[lo], start[lo:hi], end[lo:hi]
        before = np.maximum.accumulate(np.r_[reach[u], e[:-1]])
        busy[u] += int(np.clip(e - np.maximum(s, before), 0, None).sum())
        reach[u] = max(reach[u], int(e.max()))


def _padded(array: np.ndarray, shape: tuple[int, ...], fill: object) -> np.ndarray:
    """`array` copied into the top-left corner of a new array of `shape` filled with `fill`."""
    out = np.full(shape, fill, array.dtype)
    out[tuple(slice(0, n) for n in array.shape)] = array
    return out
