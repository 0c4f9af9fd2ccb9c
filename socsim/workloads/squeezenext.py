"""SqueezeNext (Gholami et al., CVPR-W 2018) from one definition parameterised by its variants.

The structure follows the authors' Caffe files (github.com/amirgholami/SqueezeNext):

- conv1: k x k (7 in v1, 5 from v2 on), 64 filters, stride 2, unpadded, then a 3x3 max
  pool with stride 2 in Caffe's ceil mode (227 -> 111 -> 55 with 7x7, 227 -> 112 -> 56 with 5x5).
- Four stages of blocks with C = 32, 64, 128, 256 output channels at width 1.0 (scaled by
  the width multiplier). The first block of stages 2 to 4 has stride 2.
- A block Cin -> C: 1x1 Cin->C/2 (carrying the stride), 1x1 C/2->C/4, a separable pair
  C/4->C/2 and C/2->C/2 (3x1 and 1x3, padded to keep the size; odd blocks run 3x1 first,
  even blocks 1x3 first, blocks numbered through the network from 1), 1x1 C/2->C, then the
  residual add. The shortcut is the identity except in the first block of each stage,
  which has a 1x1 conv even where its shapes match (2.0-SqNxt-23's stage 1, 64 -> 64, in
  the authors' file; leaving it out would lose 12.6M of the paper's 749M MACs).
- Head: 1x1 (256 x width)->128, global average pool, fully connected 128->1000. conv1 and
  the head's 128 outputs do not scale with the width.

Layers carry `stage` 1 to 4 in the stages, 0 for conv1 and its pool, 5 for the head, so
per-stage reports cover every layer; `block` numbers the blocks (None outside them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, get_args

from socsim.errors import WorkloadError
from socsim.workloads.network import INPUT, Network, NetworkBuilder

STAGE_CHANNELS = (32, 64, 128, 256)  # block output channels per stage at width 1.0
HEAD_CHANNELS = 128
NUM_CLASSES = 1000

FirstBlock = Literal["shortcut", "projection"]
FIRST_BLOCKS: tuple[str, ...] = get_args(FirstBlock)


def squeezenext(
    name: str,
    *,
    width: float = 1.0,
    depth: Sequence[int] = (6, 6, 8, 1),
    conv1_k: int = 7,
    groups: int = 1,
    first_block: FirstBlock = "shortcut",
) -> Network:
    """Build a SqueezeNext variant.

    `width` scales the stage channels, `depth` is the number of blocks in each of the four
    stages, `conv1_k` the size of conv1. `groups` applies to each block's first 1x1 and to
    both separable convs (2 for G-SqNxt). `first_block` says how the first block of a stage
    reaches its residual add:

    - ``"shortcut"`` (the authors' v1 files): the block reads the stage input, and a 1x1
      conv Cin->C with the block's stride carries the stage input to the add.
    - ``"projection"`` (the authors' v5 files): a 1x1 projection Cin->C with the stride
      feeds both the add and an ordinary block C->C/2->C/4->C/2->C/2->C. It costs more
      than the shortcut style wherever Cin < C (stages 2 to 4), less in stage 1 (64 -> 32).
    """
    if len(depth) != len(STAGE_CHANNELS) or min(depth) < 1:
        raise WorkloadError(
            f"network {name!r}: depth={tuple(depth)!r}, expected four positive block counts"
        )
    if first_block not in ("shortcut", "projection"):
        raise WorkloadError(
            f"network {name!r}: first_block={first_block!r}, expected 'shortcut' or 'projection'"
        )
    b = NetworkBuilder(name, (3, 227, 227))
    b.stage = 0
    x = b.conv("conv1", INPUT, 64, conv1_k, stride=2)
    x = b.maxpool("pool1", x, 3, stride=2, ceil_mode=True)
    block = 0
    for stage, (channels, blocks) in enumerate(zip(STAGE_CHANNELS, depth, strict=True), 1):
        b.stage = stage
        c = int(channels * width)
        for i in range(blocks):
            block += 1
            b.block = block
            stride = 2 if i == 0 and stage > 1 else 1
            x = _block(b, x, c, stride, groups, first_block if i == 0 else None)
    b.stage, b.block = 5, None
    x = b.conv("conv_head", x, HEAD_CHANNELS, 1)
    x = b.global_avgpool("pool_head", x)
    b.fc("fc", x, NUM_CLASSES)
    return b.build()


def _block(
    b: NetworkBuilder, src: str, c: int, stride: int, groups: int, first: FirstBlock | None
) -> str:
    """Add block `b.block` reading `src` and return the name of its output (the add).

    `first` is the style of a stage's first block, None for the others (identity shortcut).
    """
    p = f"b{b.block}_"
    shortcut = src
    if first is not None:
        if first == "projection":
            src = shortcut = b.conv(p + "proj", src, c, 1, stride=stride)
            stride = 1
        else:
            shortcut = b.conv(p + "shortcut", src, c, 1, stride=stride)
    x = b.conv(p + "reduce1", src, c // 2, 1, stride=stride, groups=groups)
    x = b.conv(p + "reduce2", x, c // 4, 1)
    pairs = [("sep3x1", (3, 1), (1, 0)), ("sep1x3", (1, 3), (0, 1))]
    if b.block % 2 == 0:
        pairs.reverse()
    for suffix, k, pad in pairs:
        x = b.conv(p + suffix, x, c // 2, k, pad=pad, groups=groups)
    x = b.conv(p + "expand", x, c, 1)
    return b.add(p + "add", [shortcut, x])
