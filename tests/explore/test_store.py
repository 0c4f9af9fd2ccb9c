"""The dataset: atomic parts, one row per point, ok rows preferred, temporary files ignored."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from socsim.errors import ConfigError
from socsim.explore import SCHEMA, ResultStore, parse_spec
from socsim.explore.evaluate import evaluate, lost_row
from socsim.explore.store import PartWriter


@pytest.fixture
def rows(tiny: dict) -> list[dict]:
    points = parse_spec(tiny).points[:3]
    return [lost_row(point, RuntimeError("boom")) for point in points]


def test_rows_round_trip_with_the_schema(tmp_path: Path, rows: list[dict]) -> None:
    store = ResultStore(tmp_path / "out")
    assert store.read().empty and list(store.read().columns) == list(SCHEMA)
    store.write(rows[:2])
    store.write(rows[2:])
    frame = store.read()
    assert len(store.part_files()) == 2
    assert sorted(frame["point_id"]) == sorted(row["point_id"] for row in rows)
    assert frame.dtypes.astype(str).to_dict() == pd.Series(SCHEMA).to_dict()
    assert (frame["error"] == "worker lost (RuntimeError: boom)").all()


def test_one_row_per_point_the_ok_one_first_else_the_latest(tmp_path: Path, tiny: dict) -> None:
    point = parse_spec(tiny).points[0]
    store = ResultStore(tmp_path)
    ok = evaluate(point)
    store.write([lost_row(point, RuntimeError("first"))])
    store.write([ok])
    store.write([lost_row(point, RuntimeError("later"))])
    (row,) = store.read().to_dict("records")
    assert (row["status"], row["cycles"]) == ("ok", ok["cycles"])
    assert store.completed(retry_errors=True) == {point.id}

    errors = ResultStore(tmp_path / "errors")
    errors.write([lost_row(point, RuntimeError("first"))])
    errors.write([lost_row(point, RuntimeError("later"))])
    assert errors.read()["error"].tolist() == ["worker lost (RuntimeError: later)"]
    assert errors.completed() == {point.id}
    assert errors.completed(retry_errors=True) == set()


def test_leftovers_of_a_crash_are_ignored(tmp_path: Path, rows: list[dict]) -> None:
    store = ResultStore(tmp_path)
    store.write(rows[:1])
    # What a writer killed mid-write leaves: a temporary file, half written.
    (store.parts / ".part-0123.parquet.x1y2.tmp").write_bytes(b"PAR1\x00half")
    assert store.read()["point_id"].tolist() == [rows[0]["point_id"]]


def test_a_damaged_part_is_named(tmp_path: Path, rows: list[dict]) -> None:
    store = ResultStore(tmp_path)
    store.write(rows)
    (store.parts / "part-damaged.parquet").write_bytes(b"not parquet")
    with pytest.raises(ConfigError, match="part-damaged.parquet"):
        store.read()


def test_an_unwritable_directory_is_a_config_error(tmp_path: Path, rows: list[dict]) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(ConfigError, match="expected a writable directory"):
        ResultStore(tmp_path / "file").write(rows)


def test_the_writer_batches_rows_into_parts(tmp_path: Path, rows: list[dict]) -> None:
    store = ResultStore(tmp_path)
    writer = PartWriter(store, max_rows=2, max_seconds=3600)
    writer.add(rows[:1])
    assert store.part_files() == []
    writer.add(rows[1:2])
    assert len(store.part_files()) == 1
    writer.add(rows[2:])
    writer.flush()
    assert [len(pd.read_parquet(p)) for p in store.part_files()] in ([2, 1], [1, 2])
    writer.flush()  # nothing pending: no empty part
    assert len(store.part_files()) == 2
