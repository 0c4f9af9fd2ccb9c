"""Residency: tensors kept in a cluster's global buffer between layers (`schedule.residency`).

Part of the plan step (`socsim.components.plan`), after fusion (`schedule`): decided once
per network from the scheduled mappings, and carried out by the SimPy layer as plain data
(tiles without the loads and stores that do not happen, and `Hold`s the cluster takes
before a tensor's writer starts and frees when its last reader ends).

A tensor may stay in the buffer when one layer's tiles write all of it (an unfused layer
that keeps its partial sums on chip and hosts no fused pool or add) and every reader is an
unfused layer whose only input it is (not a fused add's shortcut, not a concat view), all on
one cluster (under `pipeline`, in one segment; under `channels` each cluster's share of a
layer reads channels other clusters wrote, so every tensor goes through DRAM). The network's
output always goes to DRAM.

The rule, greedy in network order (by writer, then name): a candidate is kept when, at
every layer from its writer to its last reader, the tensors kept so far plus it total at
most `residency` x the buffer, and with every layer of that span tiled again into the space
the kept tensors leave it (`size_bytes` minus what they hold there) the span moves strictly
fewer DRAM bytes, takes no more array cycles and spends no more access energy than without
it. Smaller tiles can re-read weights or inputs more often, so a tensor whose saving that
eats is not kept: residency never adds DRAM traffic.

What a kept tensor changes: its writer's tiles store nothing of it (no DMA, no DRAM rows;
no DRAM write, and no buffer read by the DMA), its readers' tiles load nothing of it (no
DRAM read, no buffer write by the DMA); the array reads it from the buffer as it would
have after a load. The tiles' working sets stay as mapped (the staging space of an input
the tile reads in place is still reserved), so every tile still fits the space left.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from socsim.components.schedule import Role, Step
from socsim.dataflow.types import AccessCounts, LayerMapping, Tile
from socsim.energy import EnergyTable
from socsim.workloads import Network


@dataclass(frozen=True)
class Hold:
    """A tensor kept in a cluster's buffer: `nbytes`, taken before layer `first` (its
    writer) starts and freed when layer `last` (its last reader) ends."""

    tensor: str
    nbytes: int
    first: int
    last: int


@dataclass(frozen=True)
class _Candidate:
    tensor: str
    writer: int
    readers: tuple[int, ...]
    nbytes: int


Mapped = Callable[[int, int], "LayerMapping | None"]  # layer i, as scheduled, in n bytes


def candidates(
    network: Network,
    steps: Sequence[Step],
    mappings: Sequence[LayerMapping],
    segment: Sequence[int] | None = None,
) -> list[_Candidate]:
    """The tensors that may stay in the buffer (see the module), in network order;
    `segment[i]` is the cluster that runs layer i (None: one cluster runs them all)."""
    layers = network.layers
    readers: dict[str, list[int]] = {}
    for r, layer in enumerate(layers):
        for name in layer.inputs:
            readers.setdefault(name, []).append(r)
    hosts = {step.host for step in steps if step.host >= 0}
    adds = {step.host for step in steps if step.role is Role.ADD}

    def plain(i: int) -> bool:
        return steps[i].role is Role.ALONE and bool(mappings[i].tiles)

    found = []
    for w, layer in enumerate(layers):
        who = readers.get(layer.name, [])
        if not who or not plain(w) or w in hosts:
            continue
        if any(not plain(r) or len(layers[r].inputs) != 1 or r in adds for r in who):
            continue
        if segment is not None and any(segment[r] != segment[w] for r in who):
            continue
        nbytes = layer.outputs * mappings[w].array.bytes_per_word
        found.append(_Candidate(layer.name, w, tuple(who), nbytes))
    return found


def resident(
    network: Network,
    steps: Sequence[Step],
    mappings: Sequence[LayerMapping],
    fraction: float,
    mapped: Mapped,
    costs: EnergyTable,
    segment: Sequence[int] | None = None,
) -> tuple[tuple[LayerMapping, ...], tuple[Hold, ...]]:
    """The `mappings` (scheduled, whole buffer) with the tensors kept under `fraction`
    (the rule in the module docstring), and their holds; `mapped(i, n)` is layer i
    scheduled into a buffer of n bytes (None: it does not map, or its fusion no longer fits)."""
    out = list(mappings)
    if not fraction:
        return tuple(out), ()
    glb = mappings[0].array.glb_bytes
    budget = int(fraction * glb)
    held = [0] * len(out)
    ins: set[int] = set()
    outs: set[int] = set()
    holds = []
    for c in candidates(network, steps, mappings, segment):
        span = range(c.writer, max(c.readers) + 1)
        if any(held[k] + c.nbytes > budget for k in span):
            continue
        trial = {}
        for k in span:
            m = mapped(k, glb - held[k] - c.nbytes)
            if m is None:
                break
            m = stripped(m, k in ins or k in c.readers, k in outs or k == c.writer)
            if m is None:
                break
            trial[k] = m
        else:
            if _better([trial[k] for k in span], [out[k] for k in span], costs):
                for k in span:
                    held[k] += c.nbytes
                    out[k] = trial[k]
                ins.update(c.readers)
                outs.add(c.writer)
                holds.append(Hold(c.tensor, c.nbytes, c.writer, span[-1]))
    return tuple(out), tuple(holds)


def _better(new: list[LayerMapping], old: list[LayerMapping], costs: EnergyTable) -> bool:
    """Strictly fewer DRAM bytes, no more array cycles, no more access energy."""

    def total(ms: list[LayerMapping], what: Callable[[LayerMapping], float]) -> float:
        return sum(what(m) for m in ms)

    def energy(m: LayerMapping) -> float:
        return costs.energy(m.counts)["total"]

    return (
        total(new, lambda m: m.dram_bytes) < total(old, lambda m: m.dram_bytes)
        and total(new, lambda m: m.cycles) <= total(old, lambda m: m.cycles)
        and total(new, energy) <= total(old, energy)
    )


def stripped(mapping: LayerMapping, input_kept: bool, output_kept: bool) -> LayerMapping | None:
    """`mapping` without the loads of its input (`input_kept`) and the stores of its output
    (`output_kept`); None if its stores are not exactly its output once (spilled sums)."""
    if output_kept and any(t.psum_in_bytes for t in mapping.tiles):
        return None
    if not (input_kept or output_kept):
        return mapping
    bpw = mapping.array.bytes_per_word
    tiles = tuple(
        _kept(
            t, t.ifmap_bytes // bpw if input_kept else 0, t.out_bytes // bpw if output_kept else 0
        )
        for t in mapping.tiles
    )
    return replace(mapping, tiles=tiles)


def _kept(tile: Tile, loads: int, stores: int) -> Tile:
    """`tile` without `loads` words loaded and `stores` words stored (each a DRAM access and
    the DMA's buffer access)."""
    saved = AccessCounts(glb_read=stores, glb_write=loads, dram_read=loads, dram_write=stores)
    counts = AccessCounts(
        *(a - b for a, b in zip(tile.counts.as_tuple(), saved.as_tuple(), strict=True))
    )
    return replace(
        tile,
        ifmap_bytes=0 if loads else tile.ifmap_bytes,
        out_bytes=0 if stores else tile.out_bytes,
        counts=counts,
    )
