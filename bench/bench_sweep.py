"""Prints how fast design-space sweeps run and how they scale with workers.

Points per second for SqueezeNext depth distributions (21 blocks, 5x5 conv1, as the
co-design search runs them) on 1 and 2 workers, as local processes and as a local Dask
cluster, each run writing a fresh dataset, and the speed-up from 1 to 2 workers (target:
1.7x or more). Rates are steady-state: each executor first runs a few other points, so
that its workers are up and their mapping caches warm (as they are after the first
seconds of any long sweep); starting the workers is timed apart. On a shared machine other
work comes and goes, so the configurations take turns, round after round, and each rate
is the best of `--repeat` rounds, with the median beside it. `--big` also times a
1,000-point sweep on 2 local processes end to end, start-up included (target: under 5
minutes on 2 cores).

    .venv/bin/python bench/bench_sweep.py [--points N] [--repeat N] [--soc PRESET] [--big]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import tempfile
import time

from socsim.components.presets import load_soc
from socsim.explore import (
    DaskExecutor,
    DesignPoint,
    Executor,
    ProcessExecutor,
    ResultStore,
    make_point,
    run_points,
    search_space,
)


def sweep_seconds(executor: Executor, points: list[DesignPoint]) -> float:
    """Wall time of one sweep of `points` into a new dataset."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        result = run_points(points, executor=executor, store=ResultStore(out))
        seconds = time.perf_counter() - start
    assert result.errors.empty and len(result.results) == len(points), result.errors
    return seconds


def _load() -> str:
    """The 1-minute load average: work of others on a shared machine skews every rate."""
    return f"{os.getloadavg()[0]:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=60, help="points per timed run")
    parser.add_argument("--repeat", type=int, default=5, help="rounds of timed runs")
    parser.add_argument("--soc", default="squeezelerator-16x16")
    parser.add_argument("--big", action="store_true", help="also time a 1,000-point sweep")
    args = parser.parse_args()
    soc = load_soc(args.soc)
    space = [make_point(spec, soc) for spec in search_space(21)]
    step = max(1, len(space) // args.points)  # spread over the space, not neighbours only
    points = space[::step][: args.points]
    warmup = space[1::step][:8]
    print(f"SqueezeNext depth distributions of 21 blocks on {soc.name}, load {_load()}")
    configurations = {
        ("local processes", 1): lambda: ProcessExecutor(1),
        ("local processes", 2): lambda: ProcessExecutor(2),
        ("local Dask cluster", 1): lambda: DaskExecutor(workers=1),
        ("local Dask cluster", 2): lambda: DaskExecutor(workers=2),
    }
    rates: dict[tuple[str, int], list[float]] = {key: [] for key in configurations}
    with contextlib.ExitStack() as stack:
        executors = {}
        for key, make in configurations.items():
            start = time.perf_counter()
            executors[key] = stack.enter_context(make())
            sweep_seconds(executors[key], warmup)
            print(f"{key[0]} x{key[1]}: up and warm in {time.perf_counter() - start:.1f} s")
        for _ in range(args.repeat):
            for key, executor in executors.items():
                rates[key].append(len(points) / sweep_seconds(executor, points))
    print(f"{args.repeat} rounds of {len(points)} points each, load now {_load()}")
    for (kind, workers), runs in rates.items():
        print(
            f"{kind + f' x{workers}':<22} {max(runs):6.2f} points/s best, "
            f"{statistics.median(runs):6.2f} median"
        )
    for kind in ("local processes", "local Dask cluster"):
        best = max(rates[kind, 2]) / max(rates[kind, 1])
        median = statistics.median(rates[kind, 2]) / statistics.median(rates[kind, 1])
        print(f"speed-up 1 -> 2 workers, {kind}: {best:.2f}x best, {median:.2f}x median")
    if args.big:
        big = space[:1000]
        start = time.perf_counter()
        with ProcessExecutor(2) as executor, tempfile.TemporaryDirectory() as out:
            result = run_points(big, executor=executor, store=ResultStore(out))
            parts = len(ResultStore(out).part_files())
        seconds = time.perf_counter() - start
        assert result.errors.empty and len(result.results) == 1000
        print(
            f"1,000-point sweep, 2 local processes: {seconds:.1f} s end to end, "
            f"{1000 / seconds:.2f} points/s, {parts} parts; "
            f"{result.results['elapsed_s'].mean() * 1e3:.0f} ms per point in a worker"
        )


if __name__ == "__main__":
    main()
