"""Compose your own accelerator, in Python or in YAML, and compare it with the presets.

Three ways to describe an SoC, all giving a frozen `SocConfig`:

1. build it from its section dataclasses (`PeArrayConfig`, `GlobalBufferConfig`, ...);
   every field you leave out keeps its default (the squeezelerator-16x16 values);
2. vary a preset with `dataclasses.replace` (or `with_overrides` and dotted keys);
3. write a YAML file (examples/custom_accelerator.yaml) and load it with `load_soc`.

Each design runs one frame of 1.0-SqNxt-23v5; the table puts them side by side.

    python examples/custom_accelerator.py
"""

import dataclasses
from pathlib import Path

import pandas as pd

import socsim
from socsim.components.config import (
    DramConfig,
    GlobalBufferConfig,
    InterconnectConfig,
    PeArrayConfig,
    ScheduleConfig,
    SocConfig,
    with_overrides,
)

NETWORK = "1.0-SqNxt-23v5"
YAML_FILE = Path(__file__).with_name("custom_accelerator.yaml")


def wide_accelerator() -> SocConfig:
    """A 16x32 array with twice the buffer and twice the memory bandwidth of the 16x16."""
    return SocConfig(
        name="wide-16x32",
        pe_array=PeArrayConfig(rows=16, cols=32),
        global_buffer=GlobalBufferConfig(size_bytes=256 * 1024, words_per_cycle=48),
        # DMA traffic crosses the interconnect and then DRAM: widen both, or the narrower
        # one stays the bottleneck.
        dram=DramConfig(bytes_per_cycle=32),
        interconnect=InterconnectConfig(bytes_per_cycle=32),
        # the presets' schedule: pools and adds in the conv's write-back, concats as views
        schedule=ScheduleConfig(fusion="weightless"),
    )


def main() -> None:
    preset = socsim.get_preset("squeezelerator-16x16")
    designs = {
        "8x8 preset": socsim.get_preset("squeezelerator-8x8"),
        "16x16 preset": preset,
        # Only the memory path changes: is the 16x16 preset memory-bound? Sections are
        # frozen dataclasses too, so a nested field takes a nested replace ...
        "16x16, 2x memory": dataclasses.replace(
            preset,
            name="16x16-2x-memory",
            dram=dataclasses.replace(preset.dram, bytes_per_cycle=32),
            interconnect=dataclasses.replace(preset.interconnect, bytes_per_cycle=32),
        ),
        "wide (Python)": wide_accelerator(),
        "wide (YAML)": socsim.load_soc(YAML_FILE),
    }
    # ... or, shorter, dotted keys as in the YAML file and `socsim sweep`:
    same = with_overrides(
        preset,
        {"name": "16x16-2x-memory", "dram.bytes_per_cycle": 32, "interconnect.bytes_per_cycle": 32},
    )
    assert same == designs["16x16, 2x memory"]
    # The YAML file describes the same design as wide_accelerator(): configs compare by value.
    print(f"YAML config equals the Python one: {designs['wide (YAML)'] == wide_accelerator()}")

    columns = {}
    for label, soc in designs.items():
        result = socsim.simulate(NETWORK, soc, frames=1)
        s = result.summary
        energy = s["energy"]
        columns[label] = {
            "PE array": f"{soc.pe_array.rows}x{soc.pe_array.cols}",
            "global buffer (KiB)": soc.global_buffer.size_bytes // 1024,
            "memory path (B/cycle)": min(
                soc.dram.bytes_per_cycle, soc.interconnect.bytes_per_cycle
            ),
            "cycles": f"{s['cycles']:,}",
            "time per frame (ms)": f"{s['seconds'] * 1e3:.2f}",
            "frames per second": f"{1 / s['seconds']:.0f}",
            "PE utilisation (%)": f"{100 * s['utilization']:.1f}",
            # The default table (Eyeriss) counts energy in MACs: one MAC costs 1. Set
            # `energy.table: pj-45nm` for picojoules.
            f"energy ({s['energy_unit']} x 1e9)": f"{energy['total'] / 1e9:.2f}",
            "  of which DRAM (%)": f"{100 * energy['dram'] / energy['total']:.0f}",
            "DRAM traffic (MB)": f"{s['dram_bytes'] / 1e6:.1f}",
        }
    print(f"\n{NETWORK}, one frame on each design:\n")
    print(pd.DataFrame(columns).to_string())


if __name__ == "__main__":
    main()
