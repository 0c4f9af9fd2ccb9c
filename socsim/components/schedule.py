"""The execution schedule: which weightless layers run inside their neighbours.

Part of the plan step (`socsim.components.plan`): decided once per network, before time
starts, from the network's graph and the layers' mappings, and carried out by the SimPy
layer as plain tiles (the controller never decides anything). `schedule.fusion`:

- `none`: layer by layer. Every layer loads its inputs from DRAM and writes its output back.
- `weightless`: three rewrites of the layer-by-layer tiles, each saving DRAM traffic. The
  pools and adds run on the cluster's write path, the unit between the buffer and the DMA
  that reads each output block as it leaves: it takes no array cycles, and the fused layer
  has no tiles and no rows of its own (its work shows in its producer's).

  * A pool (max or average) whose only input is the conv or fc just before it, and which
    is that tensor's only reader, runs in the conv's write-back (`Role.POOL`). The write
    path reads each output block from the buffer, as the DMA did, and the DMA writes the
    pooled words instead: each writing tile its share (its outputs x pooled / conv
    outputs, rounded down; the last tile writes the rest, so the total is exact). Windows
    that straddle two output blocks need the block before's last rows (and columns): each
    conv tile holds that halo, (k - stride) rows of its block's width (and (k - stride)
    columns of its height when blocks split the rows) for each of its output channels, in
    the buffer on top of its working set.
  * An element-wise add one of whose operands is the conv or fc just before it (its only
    reader) is applied in the conv's write-back (`Role.ADD`): each writing conv tile also
    loads the other operands' words of its output block (the shortcut, held in the buffer
    from load to write-back, on top of its working set; one buffer write and one read
    per word), and the write path adds it to the outputs as the DMA writes the sum.
  * A concatenation is a view (`Role.VIEW`): its producers write into their channel slices
    of one tensor, which its readers load as before; it has no tiles, so no cycles, no
    rows and no controller setup.

  Cycles: the write path reads its words (outputs, and shortcut) at the buffer's port rate
  (`global_buffer.words_per_cycle`) while the array computes; a tile whose write path
  takes longer than its array work holds the array for the difference, counted as a
  buffer stall of the tile (on the Table 3 networks it never does). Each fused producer
  is tiled again, into the buffer its extra words leave (`with_room`), so that a tile
  still loads while the one before computes.

  A pair is fused only where it can be: the conv's tiles keep their partial sums on chip
  (no spill, so each output is written exactly once), its halo or shortcut fits the
  buffer beside its working set, both run on the same cluster (under `pipeline`, in one
  segment; under `channels`, each cluster's share of the pool or add covers exactly the
  channels its share of the conv writes). Otherwise both run layer by layer: a tensor that
  crosses clusters goes through DRAM.

So the DRAM traffic saved is, for a fused pool or add, the conv's output written and read
back (the pooled tensor, or the shortcut and the sum, move either way); for a view, the
concat's copy in and out. Bytes and MACs are
conserved: the tiles' DMA bytes are what the DMA moves (`socsim.testing` checks it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from socsim.components.config import Fusion
from socsim.dataflow.types import AccessCounts, LayerMapping, Tile
from socsim.enums import StrEnum
from socsim.errors import MappingError
from socsim.workloads import Layer, Network, Op
from socsim.workloads.layer import POOL_OPS, WEIGHTED_OPS


class Role(StrEnum):
    """How a layer runs under the schedule (`Program.steps`)."""

    ALONE = "alone"  # loads its inputs from DRAM, writes its output back
    POOL = "pool"  # in the write-back of the layer before it: it writes the pooled tensor
    ADD = "add"  # in the write-back of the layer before it: it loads the shortcut
    VIEW = "view"  # a concatenation its producers write into: no tiles


@dataclass(frozen=True)
class Step:
    """One layer's place in the schedule: its `role`, and for `POOL` and `ADD` the index of
    the layer whose write-back it runs in (`host`; -1 otherwise)."""

    role: Role = Role.ALONE
    host: int = -1


ALONE = Step()


def candidate_steps(network: Network, fusion: Fusion) -> tuple[Step, ...]:
    """Each layer's step as the graph allows it (`fusion`), before the mappings have a say."""
    if fusion is Fusion.NONE:
        return (ALONE,) * len(network.layers)
    readers = Counter(name for layer in network.layers for name in layer.inputs)
    concat_reads = Counter(
        name for layer in network.layers if layer.op is Op.CONCAT for name in layer.inputs
    )
    index = {layer.name: i for i, layer in enumerate(network.layers)}
    steps = []
    for i, layer in enumerate(network.layers):
        before = network.layers[i - 1] if i else None
        fed = (
            before is not None
            and before.op in WEIGHTED_OPS
            and readers[before.name] == 1
            and before.name in layer.inputs
        )
        if layer.op in POOL_OPS and fed and layer.inputs == (before.name,):
            steps.append(Step(Role.POOL, i - 1))
        elif layer.op is Op.ADD and fed:
            steps.append(Step(Role.ADD, i - 1))
        elif layer.op is Op.CONCAT and all(
            name in index and concat_reads[name] == 1 for name in layer.inputs
        ):  # each input a layer's output, sliced into this concat alone
            steps.append(Step(Role.VIEW))
        else:
            steps.append(ALONE)
    return tuple(steps)


def halo_words(producer: LayerMapping, pool: Layer) -> int:
    """Words of the producer's output a tile keeps for the pool windows that straddle its
    block and the next: (k - stride) rows across the block's columns when blocks split the
    rows, (k - stride) columns down its rows when they split the columns, per channel."""
    plan, conv = producer.plan, producer.layer
    channels = plan.groups * plan.filters
    rows = max(0, pool.k_h - pool.stride) * plan.cols if plan.rows < conv.h_out else 0
    cols = max(0, pool.k_w - pool.stride) * plan.rows if plan.cols < conv.w_out else 0
    return channels * (rows + cols)


def extra_bytes(producer: LayerMapping, consumer: Layer, role: Role) -> int:
    """Buffer bytes the largest producer tile holds on top of its working set when
    `consumer` runs in its write-back: the pool's halo, or the shortcut of its output."""
    bpw = producer.array.bytes_per_word
    if role is Role.POOL:
        return halo_words(producer, consumer) * bpw
    return max(t.out_bytes for t in producer.tiles) * (len(consumer.inputs) - 1)


def fusable(producer: LayerMapping, consumer: LayerMapping, role: Role, glb_bytes: int) -> bool:
    """Whether `consumer` can run in `producer`'s write-back: partial sums stay on chip (each
    output written once), the extra words fit the buffer, and the consumer covers exactly
    the channels the producer writes (a share under `channels` included)."""
    if producer.plan is None or any(t.psum_in_bytes for t in producer.tiles):
        return False
    written = sum(t.out_bytes * t.repeat for t in producer.tiles)
    bpw = producer.array.bytes_per_word
    if written != producer.layer.outputs * bpw or consumer.layer.c_in != producer.layer.c_out:
        return False
    largest = max(t.glb_bytes for t in producer.tiles)
    return largest + extra_bytes(producer, consumer.layer, role) <= glb_bytes


def settle(
    steps: Sequence[Step], parts: Sequence[Sequence[LayerMapping | None]], glb_bytes: int
) -> tuple[Step, ...]:
    """The candidate `steps` that every cluster's mappings allow: `parts[layer]` holds
    each cluster's mapping of the layer (None: no share). A pool or add stays fused only
    if, on every cluster, both layers have a share or neither, and each pair is `fusable`."""
    settled = list(steps)
    for i, step in enumerate(steps):
        if step.role not in (Role.POOL, Role.ADD):
            continue
        pairs = list(zip(parts[step.host], parts[i], strict=True))
        ok = all((p is None) == (c is None) for p, c in pairs) and all(
            fusable(p, c, step.role, glb_bytes) for p, c in pairs if p is not None
        )
        if not ok:
            settled[i] = ALONE
    return tuple(settled)


Remap = Callable[[Layer, int], LayerMapping]  # a layer mapped into a buffer of n bytes


def scheduled(
    mappings: Sequence[LayerMapping | None], steps: Sequence[Step], remap: Remap
) -> tuple[LayerMapping | None, ...]:
    """The mappings (one cluster's, or the whole layers') with the settled `steps` applied;
    `remap` tiles a producer again into the space its extra words leave (`with_room`)."""
    out = list(mappings)
    for i, step in enumerate(steps):
        if mappings[i] is None:
            continue
        if step.role is Role.VIEW:
            out[i] = replace(mappings[i], tiles=())
        elif step.role in (Role.POOL, Role.ADD):
            out[step.host] = fused(mappings[step.host], mappings[i], step.role, remap)
            out[i] = replace(mappings[i], tiles=())
    return tuple(out)


def fused(producer: LayerMapping, consumer: LayerMapping, role: Role, remap: Remap) -> LayerMapping:
    """The producer, tiled with room for `consumer` (`with_room`), running it in its write-back."""
    return in_write_back(with_room(producer, consumer, role, remap), consumer, role)


def with_room(
    producer: LayerMapping, consumer: LayerMapping, role: Role, remap: Remap
) -> LayerMapping:
    """The producer tiled so that its largest tile and the extra words (`extra_bytes`)
    still fit its share of the buffer (`tile_fraction`: the next tile loads while one
    computes). It is mapped into a buffer smaller by what overflows (over the fraction),
    up to `ROOM_TRIES` times; the first fusable tiling that fits, if fused it moves no more
    DRAM bytes than the pair alone (smaller tiles may fetch more), else the original (its
    tiles then hold more than their share, and the next waits for space)."""
    array = producer.array
    cap, size, candidate = int(array.tile_fraction * array.glb_bytes), array.glb_bytes, producer
    for _ in range(ROOM_TRIES):
        largest = max(t.glb_bytes for t in candidate.tiles)
        over = largest + extra_bytes(candidate, consumer.layer, role) - cap
        if over <= 0:
            return candidate
        size -= -(-over // array.tile_fraction)
        try:
            candidate = remap(producer.layer, int(size))
        except MappingError:
            break
        if not fusable(candidate, consumer, role, array.glb_bytes):
            break
        alone = producer.dram_bytes + consumer.dram_bytes
        if in_write_back(candidate, consumer, role).dram_bytes > alone:
            break  # room that costs more traffic than the pair alone is no fusion
    return producer


ROOM_TRIES = 4  # smaller tiles shrink the extra words too: a few steps settle it


def in_write_back(producer: LayerMapping, consumer: LayerMapping, role: Role) -> LayerMapping:
    """The producer's tiles with `consumer` (a pool or an add) applied as they write back."""
    bpw = producer.array.bytes_per_word
    if role is Role.ADD:
        others = len(consumer.layer.inputs) - 1
        tiles = tuple(
            _with_shortcut(producer, t, t.out_bytes // bpw * others) for t in producer.tiles
        )
        return replace(producer, tiles=tiles)
    pooled, outputs = consumer.layer.outputs, producer.layer.outputs
    halo = halo_words(producer, consumer.layer) * bpw
    tiles = [
        _pooling(producer, t, t.out_bytes // bpw * pooled // outputs, halo) for t in producer.tiles
    ]
    rest = pooled - sum(t.out_bytes // bpw * t.repeat for t in tiles)
    if rest:  # the last tile (it always writes) writes what rounding down left
        last = producer.tiles[-1]
        share = last.out_bytes // bpw * pooled // outputs
        tiles.pop()
        if last.repeat > 1:
            tiles.append(_pooling(producer, replace(last, repeat=last.repeat - 1), share, halo))
        tiles.append(_pooling(producer, replace(last, repeat=1), share + rest, halo))
    return replace(producer, tiles=tuple(tiles))


def _pooling(producer: LayerMapping, tile: Tile, words: int, halo: int) -> Tile:
    """`tile` writing `words` of pooled tensor instead of its outputs, which the write path
    reads from the buffer as the DMA did, holding `halo` more bytes."""
    if not tile.out_bytes:
        return replace(tile, glb_bytes=tile.glb_bytes + halo)
    outputs = tile.out_bytes // producer.array.bytes_per_word
    counts = replace(tile.counts, dram_write=tile.counts.dram_write - (outputs - words))
    tile = replace(
        tile,
        out_bytes=words * producer.array.bytes_per_word,
        glb_bytes=tile.glb_bytes + halo,
        counts=counts,
    )
    return _write_path(producer, tile, outputs)


def _with_shortcut(producer: LayerMapping, tile: Tile, words: int) -> Tile:
    """`tile` also loading `words` of shortcut into the buffer, held until the write path
    reads it beside the outputs and the DMA writes the sum."""
    if not words:
        return tile
    bpw = producer.array.bytes_per_word
    counts = tile.counts + AccessCounts(glb_read=words, glb_write=words, dram_read=words)
    tile = replace(
        tile,
        ifmap_bytes=tile.ifmap_bytes + words * bpw,
        glb_bytes=tile.glb_bytes + words * bpw,
        counts=counts,
    )
    return _write_path(producer, tile, tile.out_bytes // bpw + words)


def _write_path(producer: LayerMapping, tile: Tile, words: int) -> Tile:
    """`tile` with its write path reading `words` from the buffer: at the buffer's port
    rate, beside the array; a tile whose write path outlasts its array work stalls the
    array for the difference (counted as buffer stall, the port being the limit)."""
    cycles = -(-words // producer.array.glb_words_per_cycle)
    extra = max(0, cycles - tile.compute_cycles)
    return replace(
        tile,
        compute_cycles=tile.compute_cycles + extra,
        stall_cycles=tile.stall_cycles + extra,
    )
