"""Prints socsim's predictions for the Eyeriss chip beside its published measurements, and
row stationary against output and weight stationary on Eyeriss's array (docs/eyeriss.md).

Conv layers only, as Chen et al. report them (JSSC 2017 abstract: AlexNet 35 frames/s at
0.0029 DRAM accesses per MAC, batch 4; VGG-16 0.7 frames/s at 0.0035, batch 3; ISSCC 2016:
34.7 frames/s for AlexNet). socsim runs one frame (it has no batch yet), so its DRAM
traffic carries every weight once per frame where the chip's is shared by the batch.
A conv layer's time is its span in the event log (its DMA included); the frame rate is one
over the conv layers' summed spans.

    .venv/bin/python bench/eyeriss.py
"""

from __future__ import annotations

from dataclasses import replace

from socsim import simulate
from socsim.components.presets import get_preset
from socsim.energy import LEVELS
from socsim.workloads import get_network
from socsim.workloads.zoo import vgg16

PUBLISHED = {  # network: (frames/s, DRAM accesses per MAC, batch)
    "AlexNet": (34.7, 0.0029, 4),
    "VGG-16": (0.7, 0.0035, 3),
}


def conv_figures(network, soc) -> dict[str, float]:
    """Frame rate, DRAM words per MAC and energy per level (table units per MAC) of the
    conv layers of one frame."""
    result = simulate(network, soc)
    conv = result.layers[result.layers["op"] == "conv"]
    seconds = conv["cycles"].sum() / soc.clock_hz
    macs = conv["macs"].sum()
    words = conv["dram_bytes"].sum() / soc.pe_array.bytes_per_word
    figures = {"fps": 1 / seconds, "dram_per_mac": words / macs}
    figures |= {level: conv[f"energy_{level}"].sum() / macs for level in LEVELS}
    figures["total"] = conv["energy"].sum() / macs
    return figures


def main() -> None:
    soc = get_preset("eyeriss-v1")
    print("Eyeriss v1, conv layers: published (batch N) vs socsim (one frame)")
    print(f"{'network':<9} {'figure':<16} {'published':>10} {'socsim':>10} {'error':>8}")
    for name, network in (("AlexNet", get_network("AlexNet")), ("VGG-16", vgg16())):
        fps, per_mac, batch = PUBLISHED[name]
        got = conv_figures(network, soc)
        for figure, want, have in (
            (f"frames/s (N={batch})", fps, got["fps"]),
            ("DRAM acc./MAC", per_mac, got["dram_per_mac"]),
        ):
            print(f"{name:<9} {figure:<16} {want:>10.4g} {have:>10.4g} {have / want - 1:>+8.0%}")
    print()
    result = simulate("AlexNet", soc)
    conv = result.layers[result.layers["op"] == "conv"]
    spans = ", ".join(
        f"{name} {1e3 * cycles / soc.clock_hz:.1f}"
        for name, cycles in zip(conv["name"], conv["cycles"], strict=True)
    )
    print(f"AlexNet conv layers, ms per frame: {spans}")
    print()
    print("RS vs OS vs WS on Eyeriss's array (12x14, 108 KiB), energy in MACs per MAC")
    header = " ".join(f"{c:>7}" for c in (*LEVELS, "total"))
    print(f"{'network':<22} {'df':<3} {'fps':>7} {'DRAM/MAC':>9} {header}")
    cases = (("AlexNet conv", get_network("AlexNet")), ("1.0-SqNxt-23", None))
    for label, network in cases:
        for dataflow in ("rs", "os", "ws"):
            variant = replace(soc, pe_array=replace(soc.pe_array, dataflow=dataflow))
            if network is None:
                got = whole_figures(get_network(label), variant)
            else:
                got = conv_figures(network, variant)
            levels = " ".join(f"{got[c]:>7.3f}" for c in (*LEVELS, "total"))
            print(
                f"{label:<22} {dataflow:<3} {got['fps']:>7.1f} {got['dram_per_mac']:>9.4f} {levels}"
            )


def whole_figures(network, soc) -> dict[str, float]:
    """As `conv_figures`, over every layer of the network (its pools, adds and fc too)."""
    result = simulate(network, soc)
    macs = network.macs
    words = result.summary["dram_bytes"] / soc.pe_array.bytes_per_word
    figures = {"fps": result.summary["achieved_fps"], "dram_per_mac": words / macs}
    figures |= {level: result.summary["energy"][level] / macs for level in LEVELS}
    figures["total"] = result.summary["energy"]["total"] / macs
    return figures


if __name__ == "__main__":
    main()
