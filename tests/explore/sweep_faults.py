"""The tiny sweep with worker-killing points, in a process of its own: for the tests that
load the machine, time out or SIGKILL the process running a sweep.

    python sweep_faults.py EXECUTOR killers   # one JSON line: rows, failed point ids
    python sweep_faults.py EXECUTOR idle      # one JSON line: the worker pids; then sleeps

EXECUTOR is ``processes`` (two local processes) or ``dask`` (a local cluster of two).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from conftest import TINY
from test_executors import die_on_second, ids_and_pids

from socsim.explore import DaskExecutor, ProcessExecutor, parse_spec
from socsim.explore.executors import run_chunks


def descendants(pid: int) -> list[int]:
    """The pids of every process below `pid`, from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def main(kind: str, mode: str) -> None:
    points = parse_spec(TINY).points
    executor = DaskExecutor(workers=2) if kind == "dask" else ProcessExecutor(2)
    with executor:
        if mode == "idle":
            list(run_chunks(executor, points, fn=ids_and_pids))  # starts every worker
            print(json.dumps({"pids": descendants(os.getpid())}), flush=True)
            time.sleep(3600)
        rows = [row for chunk in run_chunks(executor, points, fn=die_on_second) for row in chunk]
    failed = sorted(row["point_id"] for row in rows if row.get("status") == "error")
    print(json.dumps({"rows": sorted(row["point_id"] for row in rows), "failed": failed}))


if __name__ == "__main__":
    main(*sys.argv[1:])
