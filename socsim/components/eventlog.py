"""The event log: one row per activity interval, appended as plain tuples, framed once."""

from __future__ import annotations

import numpy as np
import pandas as pd

from socsim.dataflow.types import AccessCounts

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


class EventLog:
    """Collects activity intervals from every component of one simulation.

    A row is (start, end, unit scope, action, frame, layer index, tile index, bytes, macs,
    then the access counts of `AccessCounts` in words). Counts sit on the row of the unit
    that spends the energy: DRAM words on DRAM rows, array and buffer words on compute rows,
    so that summing any grouping of rows never counts an access twice. Frame, layer and
    tile are -1 where they do not apply.
    """

    def __init__(self) -> None:
        self.rows: list[tuple] = []

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
        self.rows.append((start, end, unit, action, frame, layer, tile, nbytes, macs, *counts))

    def __len__(self) -> int:
        return len(self.rows)

    def frame(self) -> pd.DataFrame:
        """The whole log as a DataFrame, rows in the order they were logged."""
        if not self.rows:
            return pd.DataFrame({c: pd.Series(dtype=np.int64) for c in COLUMNS}).astype(
                {"unit": "category", "action": "category"}
            )
        data = list(zip(*self.rows, strict=True))
        columns = {
            name: (pd.Categorical(col) if name in ("unit", "action") else np.asarray(col, np.int64))
            for name, col in zip(COLUMNS, data, strict=True)
        }
        return pd.DataFrame(columns)
