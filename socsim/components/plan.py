"""The plan step: before time starts, a mapping per layer and the work each cluster gets.

`plan(network, soc)` decides everything the run carries out as a `Program` (plain, frozen
data); the SoC's run step only follows it and never maps a layer itself.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache, lru_cache

from socsim.components.config import DataflowChoice, Partition, SocConfig
from socsim.components.residency import Hold, resident
from socsim.components.schedule import (
    ALONE,
    Step,
    candidate_steps,
    fusable,
    fused,
    scheduled,
    settle,
)
from socsim.dataflow import ArrayConfig, Dataflow, LayerMapping, choose_dataflow, map_layer
from socsim.energy import EnergyTable
from socsim.errors import ConfigError, MappingError
from socsim.limits import EVENTS_PER_TILE, max_events, memory_text
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


@dataclass(frozen=True)
class Program:
    """What a run carries out, decided once by `plan` before time starts.

    `mappings` is the mapping of each whole layer, in network order, as the execution
    schedule runs it; `steps` says how each layer runs under that schedule (see
    `socsim.components.schedule`: alone, in the write-back of the layer before it, or as a
    view without tiles; empty: every layer alone). `partition` is how clusters share the
    work (`frames` whenever there is one cluster: it has nothing to split). Under
    `pipeline`, cluster i runs the layers `segments[i]` (index ranges, balanced by the
    mappings' cycles); under `channels`, `shares[layer][cluster]` is that cluster's part of
    the layer, mapped on its own and scheduled like the whole (None: nothing to do). Both
    are empty otherwise. `holds` are the tensors each cluster keeps in its buffer between
    layers (`socsim.components.residency`; empty under `channels`).
    """

    mappings: tuple[LayerMapping, ...]
    partition: Partition = Partition.FRAMES
    segments: tuple[range, ...] = ()
    shares: tuple[tuple[LayerMapping | None, ...], ...] = ()
    steps: tuple[Step, ...] = ()
    holds: tuple[Hold, ...] = ()

    @property
    def ran(self) -> tuple[tuple[LayerMapping, ...], ...]:
        """What one frame runs of each layer: its mapping, or under `channels` the shares."""
        if self.partition is Partition.CHANNELS:
            return tuple(tuple(m for m in parts if m is not None) for parts in self.shares)
        return tuple((m,) for m in self.mappings)

    @property
    def work(self) -> tuple[LayerMapping, ...]:
        """What one frame runs, in order: `ran` flattened."""
        return tuple(m for parts in self.ran for m in parts)

    def layers_of(self, cluster: int) -> tuple[tuple[int, LayerMapping], ...]:
        """(layer index, mapping) of each layer `cluster` runs of a frame, in order: every
        layer under `frames` (the frame's cluster runs it whole), its segment under
        `pipeline`, its shares under `channels`."""
        if self.partition is Partition.CHANNELS:
            return tuple(
                (i, parts[cluster])
                for i, parts in enumerate(self.shares)
                if parts[cluster] is not None
            )
        layers = self.segments[cluster] if self.partition is Partition.PIPELINE else None
        return tuple((i, m) for i, m in enumerate(self.mappings) if layers is None or i in layers)


def plan(network: Network, soc: SocConfig) -> Program:
    """The plan step of `simulate`: maps every layer (and under `channels` every cluster's
    share of it) and fixes the schedule (`soc.schedule`), once, before time starts."""
    whole = tuple(map_network(network, soc))
    candidates = candidate_steps(network, soc.schedule.fusion)
    glb = soc.global_buffer.size_bytes
    array, choice, costs = soc.array(), soc.pe_array.dataflow, soc.energy.costs()

    @cache  # residency asks for the same few sizes many times
    def array_of(glb_bytes: int) -> ArrayConfig:
        return replace(array, glb_bytes=glb_bytes)

    def remap(layer: Layer, glb_bytes: int) -> LayerMapping:
        return map_one(layer, array_of(glb_bytes), choice, costs)

    parts = soc.clusters
    partition = Partition.FRAMES if parts == 1 else soc.partition
    if partition is Partition.CHANNELS:
        split = [
            tuple(
                None if part is None else map_one(part, array, choice, costs)
                for part in split_channels(layer, parts)
            )
            for layer in network.layers
        ]
        # the whole layers settle with the shares, so both tell the same schedule
        steps = settle(candidates, [(m, *s) for m, s in zip(whole, split, strict=True)], glb)
        per_cluster = [scheduled([s[c] for s in split], steps, remap) for c in range(parts)]
        shares = tuple(zip(*per_cluster, strict=True))
        return Program(scheduled(whole, steps, remap), partition, shares=shares, steps=steps)
    steps = settle(candidates, [(m,) for m in whole], glb)
    segments: list[range] = []
    where: dict[int, int] = {}
    if partition is Partition.PIPELINE:
        # balanced on the fused cycles; a pair they split runs alone again, which moves
        # its cycles by at most the write path's stalls, so the segments are kept
        segments = balanced_segments([m.cycles for m in scheduled(whole, steps, remap)], parts)
        where = {i: s for s, segment in enumerate(segments) for i in segment}
        steps = tuple(
            ALONE if step.host >= 0 and where[step.host] != where[i] else step
            for i, step in enumerate(steps)
        )
    mappings = scheduled(whole, steps, remap)
    hosted = {step.host: (i, step.role) for i, step in enumerate(steps) if step.host >= 0}

    def in_space(i: int, glb_bytes: int) -> LayerMapping | None:
        """Layer i as scheduled, tiled into a buffer of `glb_bytes` (None: it cannot be)."""
        if not mappings[i].tiles:
            return mappings[i]
        try:
            mapping = remap(network.layers[i], glb_bytes)
            if i not in hosted:
                return mapping
            j, role = hosted[i]
            if not fusable(mapping, whole[j], role, glb_bytes):
                return None
            return fused(mapping, whole[j], role, remap)
        except MappingError:
            return None

    segment = [where[i] for i in range(len(whole))] if segments else None
    mappings, holds = resident(
        network, steps, mappings, soc.schedule.residency, in_space, costs, segment
    )
    return Program(mappings, partition, segments=tuple(segments), steps=steps, holds=holds)


def check_work(program: Program, frames: int) -> None:
    """Refuses, before time starts, a run of `frames` frames estimated past
    `socsim.limits.max_events()` events, saying what to change."""
    per_frame = sum(m.tile_count for m in program.work)
    events, limit = frames * per_frame * EVENTS_PER_TILE, max_events()
    if events > limit:
        biggest = max(program.work, key=lambda m: m.tile_count)
        raise ConfigError(
            f"frames={frames:,} of {per_frame:,} tiles each make {events:,} events "
            f"({memory_text(events)}), expected at most {limit:,} (layer "
            f"{biggest.layer.name!r} has {biggest.tile_count:,} tiles): run fewer frames, "
            "raise global_buffer.size_bytes, or raise the limit (--max-events, "
            "SOCSIM_MAX_EVENTS)"
        )


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
