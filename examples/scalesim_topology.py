"""Bring a SCALE-Sim topology file, simulate it, and see each layer's cycles on both presets.

examples/topologies/squeezenext_block.csv holds the first two blocks of 1.0-SqNxt-23 in
SCALE-Sim's format: one row per conv, the ifmap height and width including the padding
(a 3x1 filter on a 55x55 map with one row of padding each side reads 57x55). SCALE-Sim files
leave out pooling and residual additions; `read_topology` connects each row to the most
recent earlier output that fits its ifmap and recovers the padding from it.

Then the other way: any `Network` (here a zoo network) written as a topology file, and read
back with the same MACs.

    python examples/scalesim_topology.py                     # the shipped file
    python examples/scalesim_topology.py my_topology.csv     # your own
    python examples/scalesim_topology.py --out DIR           # keep the written topology
"""

import argparse
import sys
import tempfile
from pathlib import Path

import pandas as pd

import socsim
from socsim.workloads import get_network, read_topology, write_topology

SHIPPED = Path(__file__).with_name("topologies") / "squeezenext_block.csv"
PRESETS = {"8x8": "squeezelerator-8x8", "16x16": "squeezelerator-16x16"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("topology", nargs="?", default=SHIPPED, help="a SCALE-Sim topology CSV")
    parser.add_argument("--out", type=Path, help="write the exported topology here")
    args = parser.parse_args()

    network = read_topology(args.topology)  # named after the file's stem
    # How the rows were read: shapes without the padding, the padding, and who reads whom.
    table = pd.DataFrame(
        {
            "layer": layer.name,
            "input": f"{layer.c_in}x{layer.h_in}x{layer.w_in}",
            "filters": f"{layer.c_out}x{layer.k_h}x{layer.k_w}",
            "pad": f"{layer.pad_h},{layer.pad_w}",
            "reads": ", ".join(layer.inputs) or "(memory)",
            "MACs": layer.macs,
        }
        for layer in network.layers
    )

    # One frame on each preset; `result.layers` has one row per layer, in network order.
    totals, busy, dataflows = {}, {}, []
    for label, preset in PRESETS.items():
        result = socsim.simulate(network, preset, frames=1)
        layers = result.layers
        # `cycles` is the layer's span, loads and stores included (a mean over frames).
        table[f"{label} cycles"] = layers["cycles"].round().astype(int).to_numpy()
        table[f"{label} util %"] = 100 * layers["utilization"].to_numpy()
        dataflows.append(layers["dataflow"].to_numpy())
        totals[label] = result.summary["cycles"]
        busy[label] = layers["compute_cycles"].sum() / layers["cycles"].sum()  # array busy
    table["speed-up"] = table["8x8 cycles"] / table["16x16 cycles"]
    table["dataflow"] = [f"{a}/{b}" for a, b in zip(*dataflows, strict=True)]  # 8x8/16x16

    print(f"{network.name}: {len(network.layers)} layers, {network.macs:,} MACs\n")
    print(table.to_string(index=False, float_format="{:.1f}".format))
    print(
        f"\nall layers: {totals['8x8']:,} cycles on 8x8, {totals['16x16']:,} on 16x16, "
        f"{totals['8x8'] / totals['16x16']:.2f}x faster with 4x the PEs. The arrays compute "
        f"{busy['8x8']:.0%} and {busy['16x16']:.0%} of the time; the rest they wait for DRAM transfers and layer setup."
    )

    # Export: SCALE-Sim gets the conv and fc layers, one row each (a grouped conv: per group).
    zoo = get_network("1.0-SqNxt-23")
    with tempfile.TemporaryDirectory() as tmp:
        path = (args.out or Path(tmp)) / "1.0-SqNxt-23.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_topology(zoo, path)
        back = read_topology(path)
        weighted = sum(layer.macs for layer in zoo.layers if layer.has_weights)
        print(
            f"\nwrote {zoo.name} as {len(back.layers)} SCALE-Sim rows"
            + (f" to {path}" if args.out else "")
            + f"; read back, its MACs match the conv and fc layers': {back.macs == weighted}"
        )


if __name__ == "__main__":
    try:
        main()
    except socsim.SocsimError as error:  # a bad file or name: one line, not a traceback
        sys.exit(f"error: {error}")
