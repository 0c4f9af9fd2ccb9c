"""The golden results: every zoo network x both presets x each partition, on two clusters.

Each case simulates two frames (so `frames` and `pipeline` spread work over both clusters)
and records the run summary's cycles, MACs, DRAM bytes and total energy, under each
execution schedule of `SCHEDULES`: `results.json` layer by layer (`schedule.fusion=none`,
written by this script from the code before the structural changes of issue 13, and
unchanged by the schedule of issue 14), `results_weightless.json` with the fused schedule
the presets run. `events.json` holds, per schedule and case, a digest of every event (each
row's start, end, unit, action, tags, bytes, MACs, access counts and energy, rows sorted so
that the order they were logged in does not matter), of the layer, frame and leakage
tables and of the whole summary, written from the code before the engine changes of issue
15. `test_golden.py` compares today's code with all of them; regenerate them (only when a
change of results is intended and explained in the commit) with

    .venv/bin/python tests/golden/make_golden.py [none|weightless]
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd

import socsim
from socsim.workloads.zoo import model_names

SCHEDULES = {  # schedule.fusion -> its golden file
    "none": Path(__file__).with_name("results.json"),
    "weightless": Path(__file__).with_name("results_weightless.json"),
}
EVENTS_PATH = Path(__file__).with_name("events.json")
PRESETS = ("squeezelerator-8x8", "squeezelerator-16x16")
PARTITIONS = ("frames", "pipeline", "channels")
CLUSTERS, FRAMES = 2, 2


def case_key(network: str, preset: str, partition: str) -> str:
    return f"{network} | {preset} | {partition}"


def simulate_case(network: str, preset: str, partition: str, fusion: str) -> socsim.Result:
    """One case under `schedule.fusion=fusion`."""
    config = replace(socsim.get_preset(preset), clusters=CLUSTERS, partition=partition)
    config = socsim.with_overrides(config, {"schedule.fusion": fusion})
    return socsim.simulate(network, config, frames=FRAMES)


def figures(summary: dict) -> dict[str, int | float]:
    """The figures of one case's summary, as the golden files store them."""
    return {
        "cycles": summary["cycles"],
        "macs": summary["macs"],
        "dram_bytes": summary["dram_bytes"],
        "energy": summary["energy"]["total"],
    }


def digest(table: pd.DataFrame | pd.Series) -> str:
    """A hash of a table's index, columns, dtypes and values (floats to the bit)."""
    text = f"{list(table.index.names)} {table.dtypes.to_dict() if table.ndim == 2 else table.dtype}"
    values = pd.util.hash_pandas_object(table, index=True).to_numpy()
    return hashlib.sha256(text.encode() + values.tobytes()).hexdigest()[:16]


def event_digests(result: socsim.Result) -> dict[str, object]:
    """What `events.json` holds of one case: the row count and a digest of the sorted events
    (unit and action compared as text), of the layer, frame and leakage tables and of the
    summary (floats to the bit: `repr` round-trips)."""
    events = result.events
    columns = list(events.columns)
    plain = events.astype({"unit": str, "action": str})
    rows = plain.sort_values(columns, kind="stable").reset_index(drop=True)
    return {
        "rows": len(events),
        "columns": columns,
        "categories": [str(events[c].dtype) for c in ("unit", "action")],
        "events": digest(rows),
        "layers": digest(result.layers),
        "frames": digest(result.frames),
        "leakage": digest(result.leakage.sort_index()),
        "summary": hashlib.sha256(repr(sorted(result.summary.items())).encode()).hexdigest()[:16],
    }


def all_cases() -> list[tuple[str, str, str]]:
    return [(n, p, q) for n in model_names() for p in PRESETS for q in PARTITIONS]


def main() -> None:
    events = json.loads(EVENTS_PATH.read_text()) if EVENTS_PATH.exists() else {}
    for fusion in sys.argv[1:] or SCHEDULES:
        results, events[fusion] = {}, {}
        for case in all_cases():
            result = simulate_case(*case, fusion)
            results[case_key(*case)] = figures(result.summary)
            events[fusion][case_key(*case)] = event_digests(result)
        SCHEDULES[fusion].write_text(json.dumps(results, indent=1) + "\n")
        print(f"wrote {len(results)} cases to {SCHEDULES[fusion]}")
    EVENTS_PATH.write_text(json.dumps(events, indent=1) + "\n")
    print(f"wrote the event digests of {', '.join(events)} to {EVENTS_PATH}")


if __name__ == "__main__":
    main()
