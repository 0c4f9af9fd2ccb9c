"""Prints, per layer of a network on both Squeezelerator arrays, the chosen dataflow, the
cycles and the efficiency (MACs / (cycles x PEs)), then the totals.

The paper's effects should show without being written in: low efficiency in the early,
few-filter layers on 16x16 (idle columns), and in depthwise layers (one column per fold).

    .venv/bin/python bench/layer_table.py [--model 1.0-SqNxt-23] [--objective cycles]
"""

from __future__ import annotations

import argparse

from socsim.components.presets import get_preset
from socsim.dataflow import choose_dataflow
from socsim.workloads import get_network

PRESETS = ("squeezelerator-8x8", "squeezelerator-16x16")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="1.0-SqNxt-23")
    parser.add_argument("--objective", choices=["cycles", "energy"], default="cycles")
    args = parser.parse_args()
    net = get_network(args.model)
    arrays = [get_preset(name).array() for name in PRESETS]
    head = "".join(f" | {a.rows}x{a.cols} {'df':>2s} {'cycles':>9s} {'eff':>5s}" for a in arrays)
    print(f"{'layer':24s} {'op':7s} {'shape in -> out':26s} {'k':5s} {'MACs':>10s}{head}")
    totals = [[0, 0] for _ in arrays]
    for layer in net.layers:
        shape = (
            f"{layer.c_in}x{layer.h_in}x{layer.w_in} -> {layer.c_out}x{layer.h_out}x{layer.w_out}"
        )
        kernel = f"{layer.k_h}x{layer.k_w}" + (f"/{layer.stride}" if layer.stride > 1 else "")
        if layer.groups > 1:
            kernel += f" g{layer.groups}"
        row = f"{layer.name:24s} {layer.op.value:7s} {shape:26s} {kernel:5s} {layer.macs:10d}"
        for total, array in zip(totals, arrays, strict=True):
            m = choose_dataflow(layer, array, args.objective)
            total[0] += m.cycles
            total[1] += m.macs
            eff = f"{m.utilization:5.2f}" if m.macs else "    -"
            row += f" |     {m.dataflow.value:>4s} {m.cycles:9d} {eff}"
        print(row)
    foot = "".join(
        f" |          {c:9d} {macs / (c * a.pes):5.2f}"
        for (c, macs), a in zip(totals, arrays, strict=True)
    )
    print(f"{'total':24s} {'':7s} {'':26s} {'':5s} {net.macs:10d}{foot}")


if __name__ == "__main__":
    main()
