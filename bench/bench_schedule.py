"""Prints Table 3's fidelity under the layer-by-layer schedule and the presets' own (at each
residency of `--residency`), side by side, and how fast a simulation runs under each.

Fidelity: per preset, the Spearman correlation, median and worst relative error of time
and energy against the paper, and the headline (1.0-SqNxt-23v5 against 1.0-SqNxt-23 on
16x16). Speed: the median processor time of a whole `simulate` of 1.0-SqNxt-23 on
squeezelerator-16x16 (mapping cache warm) under each schedule; processor time, not wall
time, because the machine is shared and wall time measures the neighbours.

    .venv/bin/python bench/bench_schedule.py [--workers N] [--repeat N] [--residency 0,0.25,0.5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import pandas as pd

from socsim import get_preset, simulate, with_overrides
from socsim.report.paper import reproduce

LAYER_BY_LAYER = {"schedule.fusion": "none"}


def speed(overrides: dict[str, str], repeat: int) -> float:
    """Median processor seconds of one simulation of 1.0-SqNxt-23 on squeezelerator-16x16."""
    soc = with_overrides(get_preset("squeezelerator-16x16"), overrides)
    simulate("1.0-SqNxt-23", soc)  # warm the mapping cache, as a sweep would be
    times = []
    for _ in range(repeat):
        start = time.process_time()
        simulate("1.0-SqNxt-23", soc)
        times.append(time.process_time() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--residency", default="0,0.25,0.5", help="comma-separated fractions")
    args = parser.parse_args()
    residencies = [float(r) for r in args.residency.split(",")]
    runs = {"none": reproduce(args.workers, overrides=LAYER_BY_LAYER)}
    for r in residencies:
        runs[f"presets r={r:g}"] = reproduce(args.workers, overrides={"schedule.residency": r})
    for name, run in runs.items():
        ran = ", ".join(
            f"{k} fusion={v.fusion.value} residency={v.residency:g}"
            for k, v in run.schedule.items()
        )
        print(f"schedule {name}: {ran}")
    columns = {name: run.fidelity.T for name, run in runs.items()}
    print(pd.concat(columns, axis=1).to_string(float_format=lambda v: f"{v:.3f}"))
    for name, run in runs.items():
        h = run.headline
        print(
            f"headline ({name}): faster by {h['faster_by']:.1%} (paper {h['paper_faster_by']:.1%}), "
            f"more energy-efficient by {h['more_energy_efficient_by']:.1%} "
            f"(paper {h['paper_more_energy_efficient_by']:.1%})"
        )
    for name, run in runs.items():
        t = run.table
        print(f"\n{name}:")
        print(
            t[
                [
                    c
                    for c in t.columns
                    if c.startswith(("model", "time_", "paper_time", "energy_", "paper_energy"))
                ]
            ].to_string(index=False, float_format=lambda v: f"{v:.3g}")
        )
    layer_by_layer = speed(LAYER_BY_LAYER, args.repeat)
    print(
        f"\nsimulate 1.0-SqNxt-23 on squeezelerator-16x16, processor time, median of {args.repeat}:"
    )
    print(f"  fusion none                  {layer_by_layer * 1e3:.1f} ms")
    for r in residencies:
        fused = speed({"schedule.fusion": "weightless", "schedule.residency": r}, args.repeat)
        change = fused / layer_by_layer - 1
        print(f"  fusion weightless, r={r:<5g}  {fused * 1e3:.1f} ms  ({change:+.1%})")


if __name__ == "__main__":
    main()
