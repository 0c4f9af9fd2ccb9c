"""Output stationary, weight stationary, or a choice per layer?

`pe_array.dataflow` sets how each layer maps onto the PE array:

- `os`: output stationary for every layer (outputs pixels on rows, filters on columns);
- `ws`: weight stationary for every layer (input channels on rows, filters on columns);
- `auto`: per layer, the dataflow with fewer cycles (ties: less energy), the default;
- `auto-energy`: per layer, the dataflow with less energy (ties: fewer cycles).

One frame of each network runs on both presets under each choice. The table gives the
total cycles and energy, each relative to fixed OS, and how many of the layers with weights
(conv and fc) ran each dataflow; below it, the layers a per-layer choice ran as WS.

    python examples/dataflows.py                   # 1.0-SqNxt-23 and MobileNet
    python examples/dataflows.py AlexNet ResNet-18  # any networks of `socsim models`
"""

import sys

import pandas as pd

import socsim
from socsim.components.config import with_overrides

PRESETS = ["squeezelerator-8x8", "squeezelerator-16x16"]
CHOICES = ["os", "ws", "auto", "auto-energy"]


def main(networks: list[str]) -> None:
    rows, ws_layers = [], {}
    for network in networks:
        for preset in PRESETS:
            baseline = None
            for choice in CHOICES:
                soc = with_overrides(socsim.get_preset(preset), {"pe_array.dataflow": choice})
                result = socsim.simulate(network, soc, frames=1)
                cycles = result.summary["cycles"]
                energy = result.summary["energy"]["total"]
                baseline = baseline or (cycles, energy)  # the first choice is fixed OS
                layers = result.layers  # one row per layer, with the dataflow it ran
                layers = layers[layers["op"].isin(["conv", "fc"])]
                chosen = layers["dataflow"].value_counts()
                if choice.startswith("auto") and chosen.get("ws", 0):
                    names = layers.loc[layers["dataflow"] == "ws", "name"]
                    ws_layers[f"{network} on {preset}, {choice}"] = ", ".join(names)
                rows.append(
                    {
                        "network": network,
                        "soc": preset.removeprefix("squeezelerator-"),
                        "dataflow": choice,
                        "Mcycles": cycles / 1e6,
                        "vs OS": cycles / baseline[0],
                        f"energy ({result.summary['energy_unit']} x 1e9)": energy / 1e9,
                        "energy vs OS": energy / baseline[1],
                        "OS layers": chosen.get("os", 0),
                        "WS layers": chosen.get("ws", 0),
                    }
                )
    table = pd.DataFrame(rows)
    print(table.to_string(index=False, float_format="{:.3f}".format))
    print("\nLayers the per-layer choice ran as WS:")
    for where, names in ws_layers.items():
        print(f"  {where}: {names}")
    if not ws_layers:
        print("  none: OS was at least as good for every layer")


if __name__ == "__main__":
    main(sys.argv[1:] or ["1.0-SqNxt-23", "MobileNet"])
