"""A sweep's results on disk: a directory of Parquet parts, each written whole or not at all.

``DIR/parts/part-<uuid>.parquet`` holds one batch of rows (columns: see
`socsim.explore.evaluate.SCHEMA`). A part is written under a temporary name, flushed to
disk and renamed into place, so a crash leaves at most a temporary file, which readers
ignore; several sweeps may write into one directory at once. Reading concatenates the parts
and keeps one row per point id: its ok row if it has one, else the latest.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pandas as pd

from socsim.errors import ConfigError
from socsim.explore.evaluate import rows_frame
from socsim.outputs import replace_file

PARTS = "parts"  # the folder of parts, inside the dataset
PART_GLOB = "part-*.parquet"


class ResultStore:
    """The dataset in directory `root` (created on the first write)."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)
        self.parts = self.root / PARTS

    def part_files(self) -> list[Path]:
        return sorted(self.parts.glob(PART_GLOB))

    def read(self, columns: list[str] | None = None) -> pd.DataFrame:
        """One row per point id (see the module docstring), in no particular order.

        `columns` limits what is read (`point_id`, `status` and `finished` always are).
        """
        if columns is not None:
            columns = list(dict.fromkeys(["point_id", "status", "finished", *columns]))
        frames = [self._read_part(path, columns) for path in self.part_files()]
        if not frames:
            empty = rows_frame([])
            return empty if columns is None else empty[columns]
        frame = pd.concat(frames, ignore_index=True)
        ok_first = frame.assign(_ok=frame["status"] == "ok").sort_values(
            ["_ok", "finished"], ascending=False, kind="stable"
        )
        return ok_first.drop_duplicates("point_id").drop(columns="_ok").reset_index(drop=True)

    def completed(self, *, retry_errors: bool = False) -> set[str]:
        """Ids of the points that need no rerun: every recorded one, or only the ok ones."""
        frame = self.read([])
        if retry_errors:
            frame = frame[frame["status"] == "ok"]
        return set(frame["point_id"])

    def write(self, rows: list[dict[str, Any]]) -> Path:
        """Writes `rows` as a new part, atomically; returns its path."""
        path = self.parts / f"part-{uuid.uuid4().hex}.parquet"
        self._mkdir(self.parts)
        frame = rows_frame(rows)
        self._replace(path, "wb", lambda stream: frame.to_parquet(stream, index=False))
        return path

    def write_file(self, name: str, write: Callable[[IO[Any]], Any], mode: str = "w") -> Path:
        """Writes ``root/name`` through `write(stream)`, atomically; returns its path."""
        self._mkdir(self.root)
        path = self.root / name
        self._replace(path, mode, write)
        return path

    def _read_part(self, path: Path, columns: list[str] | None) -> pd.DataFrame:
        try:
            return pd.read_parquet(path, columns=columns)
        except Exception as error:  # pyarrow raises several types for a damaged file
            raise ConfigError(
                f"{path}: {error}, expected a Parquet part written by socsim sweep"
            ) from None

    def _mkdir(self, path: Path) -> None:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ConfigError(
                f"{path}: {error.strerror or error}, expected a writable directory"
            ) from None

    def _replace(self, path: Path, mode: str, write: Callable[[IO[Any]], Any]) -> None:
        try:
            replace_file(path, write, mode)
        except OSError as error:
            raise ConfigError(
                f"{path}: {error.strerror or error}, expected a writable file"
            ) from None


class PartWriter:
    """Buffers rows and writes them as a part every `max_rows` rows or `max_seconds`
    seconds (checked as rows arrive), and on `flush`."""

    def __init__(self, store: ResultStore, max_rows: int = 64, max_seconds: float = 10.0) -> None:
        self.store = store
        self.max_rows = max_rows
        self.max_seconds = max_seconds
        self._pending: list[dict[str, Any]] = []
        self._last = time.monotonic()

    def add(self, rows: list[dict[str, Any]]) -> None:
        self._pending += rows
        due = time.monotonic() - self._last >= self.max_seconds
        if len(self._pending) >= self.max_rows or due:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self.store.write(self._pending)
            self._pending = []
        self._last = time.monotonic()
