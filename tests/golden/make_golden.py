"""The golden results: every zoo network x both presets x each partition, on two clusters.

Each case simulates two frames (so `frames` and `pipeline` spread work over both clusters)
and records the run summary's cycles, MACs, DRAM bytes and total energy. `test_golden.py`
compares today's code with `results.json`, written by this script from the code before the
structural changes of issue 13; regenerate it (only when a change of results is intended
and explained in the commit) with

    .venv/bin/python tests/golden/make_golden.py
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import socsim
from socsim.workloads.zoo import model_names

PATH = Path(__file__).with_name("results.json")
PRESETS = ("squeezelerator-8x8", "squeezelerator-16x16")
PARTITIONS = ("frames", "pipeline", "channels")
CLUSTERS, FRAMES = 2, 2


def case_key(network: str, preset: str, partition: str) -> str:
    return f"{network} | {preset} | {partition}"


def run_case(network: str, preset: str, partition: str) -> dict[str, int | float]:
    """The figures of one case, as they are stored in `results.json`."""
    config = replace(socsim.get_preset(preset), clusters=CLUSTERS, partition=partition)
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
    results = {case_key(*case): run_case(*case) for case in all_cases()}
    PATH.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {len(results)} cases to {PATH}")


if __name__ == "__main__":
    main()
