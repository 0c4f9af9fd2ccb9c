"""Planning before time starts: a mapping per layer, and the work each cluster gets."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from socsim.components.config import DataflowChoice, SocConfig
from socsim.dataflow import ArrayConfig, Dataflow, LayerMapping, choose_dataflow, map_layer
from socsim.energy import EnergyTable
from socsim.workloads import Layer, Network


def map_one(
    layer: Layer, array: ArrayConfig, choice: DataflowChoice, costs: EnergyTable
) -> LayerMapping:
    """The mapping of one layer under the configured dataflow choice; an automatic choice
    prices energy (objective or tie-break) with `costs`, the SoC's energy table."""
    if choice is DataflowChoice.AUTO_CYCLES:
        return choose_dataflow(layer, array, "cycles", costs)
    if choice is DataflowChoice.AUTO_ENERGY:
        return choose_dataflow(layer, array, "energy", costs)
    return map_layer(layer, array, Dataflow(choice.value))


def map_network(network: Network, config: SocConfig) -> list[LayerMapping]:
    """One mapping per layer of the network, in its order."""
    array, costs = config.array(), config.energy.costs()
    return [map_one(layer, array, config.pe_array.dataflow, costs) for layer in network.layers]


def balanced_segments(costs: list[int], parts: int) -> list[range]:
    """Splits `costs` into `parts` contiguous ranges minimising the largest range's sum.

    Binary search on the bottleneck with a greedy fill; a range may be empty when there are
    more parts than items.
    """
    low, high = max(costs, default=0), sum(costs)
    while low < high:
        mid = (low + high) // 2
        if _greedy_parts(costs, mid) <= parts:
            high = mid
        else:
            low = mid + 1
    bounds, start, total = [], 0, 0
    for i, cost in enumerate(costs):
        if total + cost > low and i > start:
            bounds.append(range(start, i))
            start, total = i, 0
        total += cost
    bounds.append(range(start, len(costs)))
    bounds += [range(len(costs), len(costs))] * (parts - len(bounds))
    return bounds


def _greedy_parts(costs: list[int], limit: int) -> int:
    parts, total = 1, 0
    for cost in costs:
        if total + cost > limit:
            parts, total = parts + 1, 0
        total += cost
    return parts


@lru_cache(maxsize=4096)
def split_channels(layer: Layer, parts: int) -> tuple[Layer | None, ...]:
    """The layer's output channels dealt out to `parts` clusters as evenly as they go.

    A grouped conv is split by whole groups (depthwise: by channels), an ungrouped one by
    filters, a layer without weights by channels. A part with nothing to do is None.
    """
    if layer.has_weights and layer.groups > 1:
        per_in, per_out = layer.c_in // layer.groups, layer.c_out // layer.groups

        def part(n: int) -> Layer:
            return replace(layer, c_in=n * per_in, c_out=n * per_out, groups=n)

        units = layer.groups
    elif layer.has_weights:
        units, part = layer.c_out, lambda n: replace(layer, c_out=n)
    else:
        units, part = layer.c_in, lambda n: replace(layer, c_in=n)
    shares = (units // parts + (1 if i < units % parts else 0) for i in range(parts))
    return tuple(part(n) if n else None for n in shares)
