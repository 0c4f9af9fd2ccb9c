"""The golden results: every zoo network x both presets x each partition, on two clusters.

Each case simulates two frames (so `frames` and `pipeline` spread work over both clusters)
and records the run summary's cycles, MACs, DRAM bytes and total energy, under each
execution schedule of `SCHEDULES`: `results.json` layer by layer (`schedule.fusion=none`,
written by this script from the code before the structural changes of issue 13, and
unchanged by the schedule of issue 14), `results_weightless.json` with the fused schedule
the presets run. `test_golden.py` compares today's code with both; regenerate them (only
when a change of results is intended and explained in the commit) with

    .venv/bin/python tests/golden/make_golden.py [none|weightless]
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import socsim
from socsim.workloads.zoo import model_names

SCHEDULES = {  # schedule.fusion -> its golden file
    "none": Path(__file__).with_name("results.json"),
    "weightless": Path(__file__).with_name("results_weightless.json"),
}
PRESETS = ("squeezelerator-8x8", "squeezelerator-16x16")
PARTITIONS = ("frames", "pipeline", "channels")
CLUSTERS, FRAMES = 2, 2


def case_key(network: str, preset: str, partition: str) -> str:
    return f"{network} | {preset} | {partition}"


def run_case(network: str, preset: str, partition: str, fusion: str) -> dict[str, int | float]:
    """The figures of one case under `schedule.fusion=fusion`, as the golden files store them."""
    config = replace(socsim.get_preset(preset), clusters=CLUSTERS, partition=partition)
    config = socsim.with_overrides(config, {"schedule.fusion": fusion})
    summary = socsim.simulate(network, config, frames=FRAMES).summary
    return {
        "cycles": summary["cycles"],
        "macs": summary["macs"],
        "dram_bytes": summary["dram_bytes"],
        "energy": summary["energy"]["total"],
    }


def all_cases() -> list[tuple[str, str, str]]:
    return [(n, p, q) for n in model_names() for p in PRESETS for q in PARTITIONS]


def main() -> None:
    for fusion in sys.argv[1:] or SCHEDULES:
        results = {case_key(*case): run_case(*case, fusion) for case in all_cases()}
        SCHEDULES[fusion].write_text(json.dumps(results, indent=1) + "\n")
        print(f"wrote {len(results)} cases to {SCHEDULES[fusion]}")


if __name__ == "__main__":
    main()
