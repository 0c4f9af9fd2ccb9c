"""Prints SCALE-Sim's and socsim's wall time and peak memory on the same SqueezeNext and array,
and whether their compute-cycle totals agree.

Both tools get the same two files: 1.0-SqNxt-23 written as a SCALE-Sim topology by socsim's
writer (its conv and fc layers; `--layers N` keeps the first N), and a SCALE-Sim cfg per
array (`scalesim_cfg_text`). SCALE-Sim runs stall-free (CALC) and saves no traces, its
fastest setting; socsim reads the same files, computes SCALE-Sim's compute cycles per layer
(`LayerMapping.scalesim_compute_cycles`) and then simulates the SoC the cfg describes (its
DRAM, interconnect and DMA included). Each tool runs in a fresh process: wall time is the
whole process, imports included, and peak memory its peak resident set.

    SOCSIM_SCALESIM_PYTHON=/path/to/venv-with-scalesim/bin/python \\
        .venv/bin/python bench/bench_scalesim.py [--layers N] [--arrays 16x16,8x8] [--dataflow os]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from socsim.components.config import PeArrayConfig, SocConfig
from socsim.components.scalesim_cfg import run_scalesim, scalesim_cfg_text, scalesim_python
from socsim.workloads import get_network
from socsim.workloads.scalesim import topology_text

NETWORK = "1.0-SqNxt-23"

# Runs in a fresh socsim process: SCALE-Sim's count per layer, the array cycles as socsim tiles
# them, the simulated SoC, then the time of each step and the peak resident set.
_SOCSIM = """
import json, resource, sys, time
start = time.perf_counter()
from socsim.components.presets import load_soc
from socsim.dataflow import map_layer
from socsim.simulation import simulate
from socsim.workloads.scalesim import read_topology
soc, network = load_soc(sys.argv[1]), read_topology(sys.argv[2])
imported = time.perf_counter()
array, dataflow = soc.array(), soc.pe_array.dataflow.value
mappings = [map_layer(layer, array, dataflow) for layer in network.layers]
mapped = time.perf_counter()
result = simulate(network, soc)
print(json.dumps({
    "layers": [m.scalesim_compute_cycles for m in mappings],
    "groups": [m.layer.groups for m in mappings],
    "array_cycles": sum(m.cycles for m in mappings),
    "simulated_cycles": result.summary["cycles"],
    "import_s": imported - start, "map_s": mapped - imported,
    "simulate_s": time.perf_counter() - mapped,
    "peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
}))
"""


def run_socsim(cfg: Path, topology: Path) -> tuple[dict, float]:
    """socsim's figures on the two files, and the process's wall time."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _SOCSIM, str(cfg), str(topology)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout), time.perf_counter() - start


def per_scalesim_row(cycles: list[int], groups: list[int]) -> list[int]:
    """socsim's per-layer counts, a grouped layer's spread evenly over its SCALE-Sim rows."""
    return [c // g for c, g in zip(cycles, groups, strict=True) for _ in range(g)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, help="only the first N conv/fc layers")
    parser.add_argument("--arrays", default="16x16,8x8", help="e.g. 16x16,8x8 (rows x cols)")
    parser.add_argument("--dataflow", default="os", choices=["os", "ws", "is"])
    parser.add_argument("--workdir", type=Path, help="keep the files and SCALE-Sim's reports")
    args = parser.parse_args()
    python = scalesim_python()
    if python is None:
        sys.exit("bench_scalesim: set SOCSIM_SCALESIM_PYTHON to a Python that imports scalesim")
    lines = topology_text(get_network(NETWORK)).splitlines()
    rows = lines[1:] if args.layers is None else lines[1 : args.layers + 1]
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        topology = work / "sqnxt.csv"
        topology.write_text("\n".join([lines[0], *rows]) + "\n")
        print(f"{NETWORK}: {len(rows)} of {len(lines) - 1} conv/fc layers; SCALE-Sim {python}")
        print(f"{'array':8s} {'tool':10s} {'wall s':>9s} {'peak MiB':>9s} {'compute cycles':>15s}")
        for spec in args.arrays.split(","):
            r, c = map(int, spec.split("x"))
            soc = SocConfig(
                name=f"sqnxt_{spec}_{args.dataflow}",
                pe_array=PeArrayConfig(rows=r, cols=c, dataflow=args.dataflow, timing="systolic"),
            )
            cfg = work / f"{soc.name}.cfg"
            cfg.write_text(scalesim_cfg_text(soc))
            start = time.perf_counter()
            theirs = run_scalesim(cfg, topology, work / "reports", python=python)
            their_wall = time.perf_counter() - start
            ours, our_wall = run_socsim(cfg, topology)
            their_cycles = theirs.compute_cycles()
            ours_rows = per_scalesim_row(ours["layers"], ours["groups"])
            same = sum(a == b for a, b in zip(ours_rows, their_cycles, strict=True))
            total_theirs, total_ours = sum(their_cycles), sum(ours["layers"])
            for tool, wall, peak, total in (
                ("SCALE-Sim", their_wall, theirs.peak_bytes, total_theirs),
                ("socsim", our_wall, ours["peak_bytes"], total_ours),
            ):
                print(f"{spec:8s} {tool:10s} {wall:9.2f} {peak / 2**20:9.0f} {total:15,d}")
            verdict = "agree" if total_ours == total_theirs else "DIFFER"
            print(f"{'':8s} totals {verdict}; layers equal: {same} of {len(their_cycles)}")
            print(f"{'':8s} socsim inside: import {ours['import_s']:.2f} s, SCALE-Sim's "
                  f"cycles for every layer {ours['map_s'] * 1e3:.0f} ms, SoC simulation "
                  f"{ours['simulate_s']:.2f} s")  # fmt: skip
            print(f"{'':8s} speed-up {their_wall / our_wall:,.0f}x process to process, "
                  f"{theirs.seconds / ours['map_s']:,.0f}x SCALE-Sim's run to socsim's "
                  "cycles")  # fmt: skip
            print(f"{'':8s} socsim array cycles as tiled {ours['array_cycles']:,} "
                  f"({ours['array_cycles'] / total_ours - 1:+.2%}); simulated with DRAM "
                  f"and interconnect {ours['simulated_cycles']:,}")  # fmt: skip


if __name__ == "__main__":
    main()
