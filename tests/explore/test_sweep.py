"""Sweeps end to end: files written, failures recorded, and resumption after a kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from socsim.explore import (
    ResultStore,
    SerialExecutor,
    SqueezeNextNetwork,
    make_point,
    parse_spec,
    run_points,
    sweep,
)


def part_ids(paths: list[Path]) -> list[str]:
    return [i for path in paths for i in pd.read_parquet(path, columns=["point_id"])["point_id"]]


def test_sweep_writes_the_dataset_the_spec_and_the_front(tmp_path: Path, tiny_spec: Path) -> None:
    out = tmp_path / "out"
    result = sweep(tiny_spec, out, executor=SerialExecutor())
    assert (result.computed, result.reused, len(result.results)) == (16, 0, 16)
    assert (result.results["status"] == "ok").all()
    assert (out / "spec.yaml").read_text() == tiny_spec.read_text()
    front = pd.read_csv(out / "pareto.csv")
    assert front["point_id"].tolist() == result.front["point_id"].tolist()
    assert (out / "pareto.png").read_bytes()[:4] == b"\x89PNG"
    # Bigger array and buffer are never slower here, so the fastest design is on the front.
    fastest = result.results.loc[result.results["cycles"].idxmin(), "point_id"]
    assert fastest in set(front["point_id"])

    again = sweep(tiny_spec, out, executor=SerialExecutor())
    assert (again.computed, again.reused) == (0, 16)
    pd.testing.assert_frame_equal(again.results, result.results)


def test_a_failing_point_records_its_error_and_the_others_run(tmp_path: Path, tiny: dict) -> None:
    good = parse_spec(tiny).points[:2]
    # A width that leaves a layer with no channels fails in the worker, not before.
    broken = SqueezeNextNetwork((1, 1, 1, 1), width=0.01)
    bad = make_point(broken, good[0].soc, digest="a network that cannot be built")
    points = [good[0], bad, good[1]]
    store = ResultStore(tmp_path)
    result = run_points(points, executor=SerialExecutor(), store=store)
    assert result.results["status"].tolist() == ["ok", "error", "ok"]
    assert result.errors["error"].item().startswith("WorkloadError: layer 'b1_shortcut': c_out=0")
    assert result.errors["cycles"].isna().all()

    assert run_points(points, executor=SerialExecutor(), store=store).computed == 0
    retried = run_points(points, executor=SerialExecutor(), store=store, retry_errors=True)
    assert (retried.computed, retried.reused) == (1, 2)


def test_a_killed_sweep_resumes_computing_only_the_missing_points(
    tmp_path: Path, tiny_spec: Path
) -> None:
    out = tmp_path / "out"
    script = (
        "from socsim.explore import ProcessExecutor, sweep\n"
        "if __name__ == '__main__':\n"
        "    with ProcessExecutor(2) as executor:\n"
        f"        sweep({str(tiny_spec)!r}, {str(out)!r}, executor=executor, batch_rows=2)\n"
    )
    # A session of its own, so that the kill takes the worker processes too.
    sweep_run = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    deadline = time.monotonic() + 60
    while len(ResultStore(out).part_files()) < 2:
        assert sweep_run.poll() is None, "the sweep finished before it could be killed"
        assert time.monotonic() < deadline, "no parts written within a minute"
        time.sleep(0.005)
    os.killpg(sweep_run.pid, signal.SIGKILL)
    sweep_run.wait()

    before = ResultStore(out).part_files()
    done = set(part_ids(before))
    assert 4 <= len(done) < 16

    result = sweep(tiny_spec, out, executor=SerialExecutor())
    assert (result.computed, result.reused) == (16 - len(done), len(done))
    new = [path for path in ResultStore(out).part_files() if path not in before]
    assert set(part_ids(new)).isdisjoint(done)
    every = part_ids(ResultStore(out).part_files())
    assert len(every) == len(set(every)) == 16  # no point computed twice
    assert set(every) == set(result.results["point_id"])
    assert (result.results["status"] == "ok").all()
