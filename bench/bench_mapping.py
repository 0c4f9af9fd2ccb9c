"""Prints how long mapping takes: every layer of every zoo network, both Squeezelerator arrays.

Each layer goes through `choose_dataflow` (so both OS and WS are mapped). Figures: layers,
distinct layer shapes, wall time from cold caches (the figure that matters; target under
1 s on two cores) and again warm (the per-shape cache hit), and time per network.

    .venv/bin/python bench/bench_mapping.py
"""

from __future__ import annotations

import time

from socsim.components.presets import get_preset
from socsim.dataflow import choose_dataflow
from socsim.dataflow.mapper import clear_cache
from socsim.dataflow.tiling import shape_of
from socsim.workloads import get_network, model_names

PRESETS = ("squeezelerator-8x8", "squeezelerator-16x16")


def map_all(networks, arrays) -> dict[str, float]:
    """Seconds per network to map all its layers on all arrays."""
    seconds = {}
    for net in networks:
        start = time.perf_counter()
        for array in arrays:
            for layer in net.layers:
                choose_dataflow(layer, array)
        seconds[net.name] = time.perf_counter() - start
    return seconds


def main() -> None:
    networks = [get_network(name) for name in model_names()]
    arrays = [get_preset(name).array() for name in PRESETS]
    layers = sum(len(n.layers) for n in networks)
    shapes = len({shape_of(layer) for n in networks for layer in n.layers})
    choose_dataflow(networks[0].layers[0], arrays[0])  # import-time work out of the way
    clear_cache()
    cold = map_all(networks, arrays)
    warm = map_all(networks, arrays)
    print(f"{len(networks)} networks, {layers} layers, {shapes} distinct shapes, "
          f"{len(arrays)} arrays, OS and WS each")  # fmt: skip
    print(f"cold: {sum(cold.values()):.3f} s   warm: {sum(warm.values()) * 1e3:.1f} ms")
    print(f"{'network':18s} {'layers':>6s} {'cold ms':>8s} {'warm ms':>8s}")
    for net in networks:
        ms = cold[net.name] * 1e3, warm[net.name] * 1e3
        print(f"{net.name:18s} {len(net.layers):6d} {ms[0]:8.1f} {ms[1]:8.2f}")


if __name__ == "__main__":
    main()
