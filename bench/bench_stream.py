"""Prints the cost of camera streams: time and memory against frames, full log or summary only.

Each count of frames runs in a fresh process (so peak RSS is that run's), as a periodic
stream at `--fps`; a line per run gives the events logged, wall and CPU seconds, the
microseconds per event, and the peak resident set (VmHWM: Linux). With `--summary-only` the runs keep no
events (`keep_events=False`): their memory should not grow with the frames.

    .venv/bin/python bench/bench_stream.py [--model NAME] [--soc PRESET] [--fps F]
        [--summary-only] [FRAMES ...]        (default frames: 1 10 100 1000)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = """
import json, sys, time
from socsim import simulate
model, soc, frames, fps, keep = sys.argv[1:6]
simulate(model, soc)  # imports and the mapping cache, not counted
wall, cpu = time.perf_counter(), time.process_time()
result = simulate(model, soc, frames=int(frames), arrival=float(fps), keep_events=keep == "1")
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
rss = int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1]) * 1024
print(json.dumps({"events": len(result.log), "wall": wall, "cpu": cpu, "rss": rss,
                  "misses": result.summary["deadline_misses"]}))
"""


def run(model: str, soc: str, frames: int, fps: float, keep: bool) -> dict:
    argv = [sys.executable, "-c", CHILD, model, soc, str(frames), str(fps), "1" if keep else "0"]
    out = subprocess.run(argv, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("frames", type=int, nargs="*", default=[1, 10, 100, 1000])
    parser.add_argument("--model", default="1.0-SqNxt-23")
    parser.add_argument("--soc", default="squeezelerator-16x16")
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--summary-only", action="store_true")
    args = parser.parse_args()
    log = "summary only" if args.summary_only else "full log"
    print(f"{args.model} on {args.soc}, {args.fps:g} fps, {log}")
    print(
        f"{'frames':>7} {'events':>11} {'wall s':>8} {'cpu s':>8} {'us/event':>9} {'peak RSS':>9}"
    )
    for frames in args.frames:
        r = run(args.model, args.soc, frames, args.fps, not args.summary_only)
        print(
            f"{frames:>7} {r['events']:>11,} {r['wall']:>8.2f} {r['cpu']:>8.2f} "
            f"{r['cpu'] / r['events'] * 1e6:>9.2f} {r['rss'] / 2**20:>7.0f} MiB"
        )


if __name__ == "__main__":
    main()
