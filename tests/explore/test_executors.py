"""Executors: every point yields one row, in any executor, even when a worker dies."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from socsim.errors import ConfigError
from socsim.explore import (
    DaskExecutor,
    ProcessExecutor,
    SerialExecutor,
    make_executor,
    parse_spec,
    run_points,
    sweep,
)
from socsim.explore.executors import run_chunks

COMPARED = ["point_id", "network", "overrides", "cycles", "seconds", "macs", "params",
            "dram_bytes", "utilization", "energy_total", "energy_dram", "status"]  # fmt: skip


def ids_and_pids(chunk: list) -> list[dict]:  # module level: workers unpickle it by name
    """A chunk function that does no simulation: each point's id and the worker's pid."""
    return [{"point_id": point.id, "pid": os.getpid()} for point in chunk]


def die_on_second(chunk: list) -> list[dict]:
    """Kills its worker process on the point whose network is the second variant."""
    for point in chunk:
        if point.network.depth == (1, 1, 2, 1) and point.soc.pe_array.rows == 16:
            os._exit(3)
    return ids_and_pids(chunk)


def test_make_executor_defaults_and_conflicts() -> None:
    assert isinstance(make_executor(workers=1), SerialExecutor)
    with make_executor(workers=2) as executor:
        assert isinstance(executor, ProcessExecutor) and executor.workers == 2
    with pytest.raises(ConfigError, match="workers and scheduler are both set"):
        make_executor(workers=2, scheduler="tcp://localhost:1")
    with pytest.raises(ConfigError, match="workers=0"):
        make_executor(workers=0)


def test_every_point_yields_one_row_on_processes(tiny: dict) -> None:
    points = parse_spec(tiny).points
    with ProcessExecutor(2) as executor:
        rows = [row for chunk in run_chunks(executor, points, fn=ids_and_pids) for row in chunk]
    assert sorted(row["point_id"] for row in rows) == sorted(p.id for p in points)
    assert all(row["pid"] != os.getpid() for row in rows)


def test_a_point_that_kills_its_worker_is_an_error_and_the_rest_go_on(tiny: dict) -> None:
    points = parse_spec(tiny).points
    killers = {
        p.id for p in points if p.network.depth == (1, 1, 2, 1) and p.soc.pe_array.rows == 16
    }
    with ProcessExecutor(2) as executor:
        rows = [row for chunk in run_chunks(executor, points, fn=die_on_second) for row in chunk]
    assert sorted(row["point_id"] for row in rows) == sorted(p.id for p in points)
    failed = {row["point_id"] for row in rows if row.get("status") == "error"}
    assert failed == killers and len(killers) == 4
    assert all("worker lost (BrokenProcessPool" in r["error"] for r in rows if "error" in r)


def test_local_dask_cluster_matches_a_serial_run_point_for_point(tiny: dict) -> None:
    pytest.importorskip("distributed")
    points = parse_spec(tiny).points
    assert len(points) == 16
    serial = run_points(points, executor=SerialExecutor()).results
    with DaskExecutor(workers=2) as executor:
        assert executor.workers == 2
        dask = run_points(points, executor=executor).results
    assert (serial["status"] == "ok").all()
    pd.testing.assert_frame_equal(dask[COMPARED], serial[COMPARED])
    assert dask["worker"].nunique() == 2 and serial["worker"].nunique() == 1


EXAMPLES = Path(__file__).parents[2] / "examples"


@pytest.mark.slow
def test_the_example_sweeps_run_alike_everywhere(tmp_path: Path) -> None:
    """The grid example (the issue's 16 points) on Dask equals a serial run; the random one
    runs without errors on local processes."""
    pytest.importorskip("distributed")
    grid = EXAMPLES / "sweep_grid.yaml"
    serial = sweep(grid, tmp_path / "serial", executor=SerialExecutor()).results
    with DaskExecutor(workers=2) as executor:
        dask = sweep(grid, tmp_path / "dask", executor=executor).results
    assert len(serial) == 16 and (serial["status"] == "ok").all()
    pd.testing.assert_frame_equal(dask[COMPARED], serial[COMPARED])
    with ProcessExecutor(2) as executor:
        random = sweep(EXAMPLES / "sweep_random.yaml", tmp_path / "random", executor=executor)
    assert len(random.results) == 72 and random.errors.empty


@pytest.mark.slow
def test_dask_records_a_point_that_kills_every_worker_it_meets(tiny: dict) -> None:
    pytest.importorskip("distributed")
    points = parse_spec(tiny).points
    killers = {
        p.id for p in points if p.network.depth == (1, 1, 2, 1) and p.soc.pe_array.rows == 16
    }
    with DaskExecutor(workers=2) as executor:
        rows = [row for chunk in run_chunks(executor, points, fn=die_on_second) for row in chunk]
    assert sorted(row["point_id"] for row in rows) == sorted(p.id for p in points)
    failed = {row["point_id"] for row in rows if row.get("status") == "error"}
    assert failed == killers
    assert all("worker lost (KilledWorker" in r["error"] for r in rows if "error" in r)
