"""Executors: every point yields one row, in any executor, even when a worker dies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from socsim.errors import ConfigError, SimulationError
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


def killer_ids(points: list) -> set[str]:
    return {p.id for p in points if p.network.depth == (1, 1, 2, 1) and p.soc.pe_array.rows == 16}


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
    killers = killer_ids(points)
    with ProcessExecutor(2) as executor:
        rows = [row for chunk in run_chunks(executor, points, fn=die_on_second) for row in chunk]
    assert sorted(row["point_id"] for row in rows) == sorted(p.id for p in points)
    failed = {row["point_id"] for row in rows if row.get("status") == "error"}
    assert failed == killers and len(killers) == 4
    assert all("worker lost (BrokenProcessPool" in r["error"] for r in rows if "error" in r)


@pytest.mark.slow
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


@pytest.mark.timeout(120)
def test_dask_records_a_point_that_kills_every_worker_it_meets(tiny: dict) -> None:
    """Each of the 4 killers kills its chunk's worker, then its own worker running alone:
    recorded as an error on the second death (allowed-failures 0), the others run fine."""
    pytest.importorskip("distributed")
    points = parse_spec(tiny).points
    with DaskExecutor(workers=2) as executor:
        rows = [row for chunk in run_chunks(executor, points, fn=die_on_second) for row in chunk]
    assert sorted(row["point_id"] for row in rows) == sorted(p.id for p in points)
    failed = {row["point_id"] for row in rows if row.get("status") == "error"}
    assert failed == killer_ids(points) and len(failed) == 4
    assert all("worker lost (KilledWorker" in r["error"] for r in rows if "error" in r)


def no_lost_worker_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """A local cluster closes for good the nanny of a worker that died and has not come
    back after this timeout (read at each death, from another thread: dask.config.set,
    undone out of order with the client's own, can drop keys; so the one key, patched)."""
    dask = pytest.importorskip("dask")
    monkeypatch.setitem(dask.config.config["distributed"]["deploy"], "lost-worker-timeout", "0s")


@pytest.mark.timeout(120)
def test_dask_starts_again_the_workers_the_cluster_closes(
    tiny: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 19's hang, made certain: with a lost-worker timeout of 0 s, the cluster closes
    the nanny of every worker that dies, and the killers leave it with no worker at all.
    The executor starts the closed workers again and every point still yields a row."""
    no_lost_worker_timeout(monkeypatch)
    points = parse_spec(tiny).points
    with DaskExecutor(workers=2) as executor:
        rows = [row for chunk in run_chunks(executor, points, fn=die_on_second) for row in chunk]
    assert sorted(row["point_id"] for row in rows) == sorted(p.id for p in points)
    assert {row["point_id"] for row in rows if row.get("status") == "error"} == killer_ids(points)


@pytest.mark.timeout(120)
def test_a_dask_cluster_left_without_workers_stops_the_run(
    tiny: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A running cluster of one worker, whose nanny closes when the worker dies: once it
    has had no worker for `no_workers_seconds`, the run stops with one line, after the rows
    it finished. In chunks of 4 with 2 in flight, the killers' chunk (the last) is sent
    once two chunks are back, so at least 8 points, all innocent, finish first."""
    distributed = pytest.importorskip("distributed")
    no_lost_worker_timeout(monkeypatch)
    points = parse_spec(tiny).points
    killers = killer_ids(points)
    points = sorted(points, key=lambda point: point.id in killers)  # the 4 killers last
    rows: list[dict] = []
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        DaskExecutor(address=cluster.scheduler_address, no_workers_seconds=2) as executor,
        pytest.raises(SimulationError, match="has had no workers for 2 s") as error,
    ):
        for chunk in run_chunks(executor, points, size=4, fn=die_on_second):
            rows += chunk
    assert "\n" not in str(error.value)
    assert len(rows) >= 8 and {row["point_id"] for row in rows} <= {p.id for p in points[:12]}
    assert all("error" not in row for row in rows)  # ids_and_pids rows, none recorded lost


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kind", ["processes", "dask"])
def test_workers_end_when_the_sweep_process_is_killed(kind: str) -> None:
    """SIGKILL leaves the sweep's process no chance to stop its workers (and, on local
    processes, the fork server and resource tracker): they notice and end by themselves."""
    if kind == "dask":
        pytest.importorskip("distributed")
    child = subprocess.Popen(
        [sys.executable, str(FAULTS), kind, "idle"], stdout=subprocess.PIPE, text=True
    )
    try:
        pids = json.loads(child.stdout.readline())["pids"]
    finally:
        child.kill()
        child.wait()
    assert len(pids) >= 2  # the workers, at least
    while alive := [pid for pid in pids if running(pid)]:
        time.sleep(0.1)  # bounded by the test's timeout
    assert not alive


FAULTS = Path(__file__).with_name("sweep_faults.py")


def running(pid: int) -> bool:
    """Whether `pid` is a process that has not exited (a zombie has)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


@pytest.mark.stress
@pytest.mark.timeout(20 * 150)
@pytest.mark.parametrize("kind", ["dask", "processes"])
def test_killer_sweeps_never_stall_on_a_loaded_machine(kind: str) -> None:
    """The killer sweep 20 times over, each in a process of its own bounded to 120 s (a
    stall), while two processes burn both CPUs. Prints runs, stalls and the longest run."""
    if kind == "dask":
        pytest.importorskip("distributed")
    burn = [sys.executable, "-c", "while True: pass"]
    burners = [subprocess.Popen(burn) for _ in range(2)]
    times, stalls = [], 0
    try:
        for _ in range(20):
            start = time.perf_counter()
            try:
                run = subprocess.run(
                    [sys.executable, str(FAULTS), kind, "killers"],
                    capture_output=True, text=True, timeout=120, check=True,
                )  # fmt: skip
            except subprocess.TimeoutExpired:
                stalls += 1
                continue
            times.append(time.perf_counter() - start)
            result = json.loads(run.stdout.splitlines()[-1])
            assert len(result["rows"]) == 16 and len(result["failed"]) == 4
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    print(f"{kind}: {len(times) + stalls} runs, {stalls} stalls, longest {max(times):.1f} s")
    assert stalls == 0
