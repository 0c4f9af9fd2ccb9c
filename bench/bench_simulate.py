"""Prints how fast, and in how much memory, socsim simulates a network with the full event log.

Figures, for 1.0-SqNxt-23 on squeezelerator-16x16 by default:

- speed: events logged; the median wall time of a whole `simulate` call (mapping cached,
  SimPy run, summaries; the events DataFrame is not built) and, in the same process and
  interleaved with it, of the bare-SimPy floor (one timeout per logged event in one
  process); the ratio of each pair and its median;
- the events DataFrame built from the log (`Result.events`, on first read);
- memory per logged event at 1 and `--frames` frames: the peak traced allocation of a
  `simulate` call (tracemalloc), and the growth of the peak resident set of a fresh process
  that runs it (RSS, VmHWM of /proc/self/status: Linux, after one warm-up frame), both
  over the events.

    .venv/bin/python bench/bench_simulate.py [--model NAME] [--soc PRESET] [--repeat N]
        [--frames N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import tracemalloc

import simpy

from socsim import simulate
from socsim.components.plan import map_network
from socsim.components.presets import load_soc
from socsim.workloads import get_network

# Peak RSS from VmHWM, not getrusage: a child's ru_maxrss starts from its parent's at fork.
RSS_CHILD = """
import sys
from socsim import simulate

def peak():
    return int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1])

model, soc, frames = sys.argv[1], sys.argv[2], int(sys.argv[3])
simulate(model, soc)  # warm-up: imports, mapping cache, first allocations
before = peak()
result = simulate(model, soc, frames=frames)
print(len(result.log), (peak() - before) * 1024)
"""


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


def timed(function, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    value = function(*args, **kwargs)
    return time.perf_counter() - start, value


def traced_peak(network, soc, frames: int) -> tuple[int, int]:
    """(events, peak traced bytes) of one `simulate` call."""
    tracemalloc.start()
    result = simulate(network, soc, frames=frames)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return len(result.log), peak


def rss_growth(model: str, soc: str, frames: int) -> tuple[int, int]:
    """(events, growth of peak RSS in bytes) of a fresh process simulating `frames`."""
    out = subprocess.run(
        [sys.executable, "-c", RSS_CHILD, model, soc, str(frames)],
        capture_output=True,
        text=True,
        check=True,
    )
    events, grown = out.stdout.split()
    return int(events), int(grown)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="1.0-SqNxt-23")
    parser.add_argument("--soc", default="squeezelerator-16x16")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--frames", type=int, default=100, help="frames of the memory figures")
    args = parser.parse_args()
    network, soc = get_network(args.model), load_soc(args.soc)
    map_network(network, soc)  # warm the mapping cache, as a sweep would be
    events = len(simulate(network, soc).log)
    times, floors = [], []
    for _ in range(args.repeat):
        times.append(timed(simulate, network, soc)[0])
        floors.append(bare_simpy(events))
    ratios = [t / f for t, f in zip(times, floors, strict=True)]
    median, floor = statistics.median(times), statistics.median(floors)
    result = simulate(network, soc)
    frame_time = timed(lambda: result.events)[0]
    print(f"model                 {args.model} on {args.soc}")
    print(f"events                {events:,}")
    print(f"median wall time      {median * 1e3:.1f} ms  (of {args.repeat} runs)")
    print(f"bare SimPy floor      {floor * 1e3:.1f} ms for {events:,} timeouts")
    print(f"ratio to the floor    {statistics.median(ratios):.1f}x  (median of the pairs)")
    print(f"events per second     {events / median:,.0f}")
    print(f"events DataFrame      {frame_time * 1e3:.1f} ms on first read")
    for frames in (1, args.frames):
        logged, peak = traced_peak(network, soc, frames)
        counted, grown = rss_growth(args.model, args.soc, frames)
        print(
            f"memory per event      {frames} frame(s), {logged:,} events: traced peak "
            f"{peak / logged:,.0f} B, RSS growth {grown / counted:,.0f} B"
        )


if __name__ == "__main__":
    main()
