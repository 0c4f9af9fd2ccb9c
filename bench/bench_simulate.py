"""Prints how fast socsim simulates 1.0-SqNxt-23 on squeezelerator-16x16, full event log.

Figures: events logged, median wall time of a whole `simulate` call (mapping, SimPy run,
DataFrames), events per second, memory per event (peak traced allocation / events), and
the floor: the same number of events through a bare SimPy loop of timeouts.

    .venv/bin/python bench/bench_simulate.py [--model NAME] [--soc PRESET] [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc

import simpy

from socsim import simulate
from socsim.components.plan import map_network
from socsim.components.presets import load_soc
from socsim.workloads import get_network


def bare_simpy(events: int) -> float:
    """Seconds for `events` timeouts in one SimPy process: the cost of the engine alone."""

    def loop(env):
        for _ in range(events):
            yield env.timeout(1)

    env = simpy.Environment()
    env.process(loop(env))
    start = time.perf_counter()
    env.run()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="1.0-SqNxt-23")
    parser.add_argument("--soc", default="squeezelerator-16x16")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    network, soc = get_network(args.model), load_soc(args.soc)
    map_network(network, soc)  # warm the mapping cache, as a sweep would be
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = simulate(network, soc)
        times.append(time.perf_counter() - start)
    events = len(result.events)
    tracemalloc.start()
    simulate(network, soc)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    median = statistics.median(times)
    floor = bare_simpy(events)
    print(f"model                 {args.model} on {args.soc}")
    print(f"events                {events:,}")
    print(f"median wall time      {median * 1e3:.1f} ms  (of {args.repeat} runs)")
    print(f"events per second     {events / median:,.0f}")
    print(f"memory per event      {peak / events:,.0f} bytes (peak traced {peak / 2**20:.1f} MiB)")
    print(f"bare SimPy floor      {floor * 1e3:.1f} ms for {events:,} timeouts")


if __name__ == "__main__":
    main()
