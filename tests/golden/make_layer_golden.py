"""Per-layer golden figures of the layer-by-layer schedule (`fusion: none, residency: 0`).

`layers.json` was written by this script from the code before issue 14 added the execution
schedule, so `test_golden.py` can check, layer by layer, that `schedule.fusion=none` and
`schedule.residency=0` reproduce what socsim did before: each layer's span in cycles, its
compute cycles, its DRAM bytes and its energy, for networks with every weightless kind
(pools after convs, SqueezeNext adds, fire concats) on both presets, one cluster and
two (the `channels` partition). Regenerate only for an intended, explained change:

    .venv/bin/python tests/golden/make_layer_golden.py
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import socsim

PATH = Path(__file__).with_name("layers.json")
CASES = (
    ("AlexNet", "squeezelerator-8x8", 1),
    ("SqueezeNet-v1.0", "squeezelerator-16x16", 1),
    ("SqueezeNet-v1.1", "squeezelerator-8x8", 2),
    ("1.0-SqNxt-23v5", "squeezelerator-16x16", 1),
    ("1.0-SqNxt-23v5", "squeezelerator-8x8", 2),
    ("ResNet-18", "squeezelerator-16x16", 1),
)
COLUMNS = ("cycles", "compute_cycles", "dram_bytes", "energy")


def case_key(network: str, preset: str, clusters: int) -> str:
    return f"{network} | {preset} | {clusters}"


def layer_by_layer(preset: str, clusters: int) -> socsim.SocConfig:
    """The preset with `clusters` clusters (split by channels) and the layer-by-layer
    schedule, set explicitly."""
    config = replace(socsim.get_preset(preset), clusters=clusters, partition="channels")
    return socsim.with_overrides(config, {"schedule.fusion": "none"})


def run_case(network: str, preset: str, clusters: int) -> dict[str, list]:
    """Each column of the per-layer table, layer by layer, as `layers.json` stores it."""
    layers = socsim.simulate(network, layer_by_layer(preset, clusters)).layers
    return {c: [v.item() if hasattr(v, "item") else v for v in layers[c]] for c in COLUMNS}


def main() -> None:
    results = {case_key(*case): run_case(*case) for case in CASES}
    PATH.write_text(json.dumps(results) + "\n")
    print(f"wrote {len(results)} cases to {PATH}")


if __name__ == "__main__":
    main()
