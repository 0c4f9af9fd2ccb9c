"""The model zoo: every network of the SqueezeNext paper and a few everyday ones, by name.

`get_network` builds a network once and caches it (networks are immutable). Each network's
metadata holds what the paper reports of it (Gholami et al., "SqueezeNext: Hardware-Aware
Neural Network Design", CVPR-W 2018, Tables 1 and 3): `input_size`, `top1`, `top5`,
`paper_params_M`, `paper_macs_M` (None where the paper gives no value) and `source`
(``"table3"``, ``"table1"`` or ``"other"`` for the networks the paper does not list).

Stage and block tags: SqueezeNext and ResNet layers carry `stage` 1 to 4 in their four
stages, 0 for the stem and 5 for the head; `block` numbers the residual blocks (SqueezeNet:
the fire modules, by their Caffe number 2 to 9; MobileNet: the depthwise/pointwise pairs;
MobileNetV2: the inverted residuals). AlexNet, VGG-16 and Tiny Darknet carry no tags.

The builders are public for variants the zoo does not name, e.g. ``mobilenet(width=0.5)``
or ``squeezenext("my-sqnxt", depth=(2, 6, 12, 1))``, and for ``vgg16()``, which Eyeriss
was measured on (docs/eyeriss.md) but the zoo does not list: a 25th zoo network would
add 6 whole-network golden cases of 15 G MACs each.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
from collections.abc import Callable

from socsim.errors import WorkloadError
from socsim.workloads.network import INPUT, Network, NetworkBuilder
from socsim.workloads.squeezenext import squeezenext

NUM_CLASSES = 1000

# The paper's figures, as in its Table 3 (hardware study) and Table 1 (accuracy only, so no
# MACs): name, input size, params (M), MACs (M), top-1 (%), top-5 (%), source table.
_PAPER: tuple[tuple[str, int, float, float | None, float, float, str], ...] = (
    ("AlexNet", 227, 60.9, 725, 57.10, 80.30, "table3"),
    ("SqueezeNet-v1.0", 227, 1.2, 837, 57.50, 80.30, "table3"),
    ("SqueezeNet-v1.1", 224, 1.2, 352, 57.10, 80.30, "table3"),
    ("TinyDarknet", 224, 1.0, 495, 58.70, 81.70, "table3"),
    ("MobileNet", 224, 4.2, 574, 67.50, 86.59, "table3"),
    ("1.0-SqNxt-23", 227, 0.72, 282, 59.05, 82.60, "table3"),
    ("1.0-SqNxt-23v2", 227, 0.74, 228, 58.55, 82.09, "table3"),
    ("1.0-SqNxt-23v3", 227, 0.74, 228, 58.18, 81.96, "table3"),
    ("1.0-SqNxt-23v4", 227, 0.77, 228, 59.09, 82.41, "table3"),
    ("1.0-SqNxt-23v5", 227, 0.94, 228, 59.24, 82.41, "table3"),
    ("2.0-SqNxt-23", 227, 2.4, 749, 67.18, 88.17, "table3"),
    ("2.0-SqNxt-23v4", 227, 2.56, 708, 66.95, 87.89, "table3"),
    ("2.0-SqNxt-23v5", 227, 3.23, 708, 67.44, 88.20, "table3"),
    ("1.0-G-SqNxt-23", 227, 0.54, None, 56.88, 80.83, "table1"),
    ("1.0-SqNxt-34", 227, 1.0, None, 61.39, 84.31, "table1"),
    ("1.0-SqNxt-44", 227, 1.2, None, 62.64, 85.15, "table1"),
    ("1.5-SqNxt-23", 227, 1.4, None, 63.52, 85.15, "table1"),
    ("1.5-SqNxt-34", 227, 2.1, None, 65.99, 87.40, "table1"),
    ("1.5-SqNxt-44", 227, 2.6, None, 67.27, 88.15, "table1"),
    ("2.0-SqNxt-34", 227, 3.8, None, 68.46, 88.78, "table1"),
    ("2.0-SqNxt-44", 227, 4.4, None, 69.08, 89.36, "table1"),
)

# Blocks per stage. 23 and 44 are published; 34 is not: [9, 9, 12, 2] lies midway between
# them and keeps all three widths within 5% of the paper's parameter counts (+4.5%, +2.1%,
# -3.3%); no distribution of 32 blocks meets all three to the paper's rounding.
DEPTH_23 = (6, 6, 8, 1)
DEPTH_34 = (9, 9, 12, 2)
DEPTH_44 = (12, 12, 16, 2)
# v3 to v5 (like v2, with a 5x5 conv1) move blocks out of the high-resolution stages.
DEPTH_V3 = (4, 8, 8, 1)
DEPTH_V4 = (2, 10, 8, 1)
DEPTH_V5 = (2, 4, 14, 1)


def alexnet(name: str = "AlexNet") -> Network:
    """AlexNet as trained on two GPUs (groups=2 on conv2, conv4, conv5), 227 input.

    Local response normalisation is left out: it has no weights and the paper counts no MACs
    for it.
    """
    b = NetworkBuilder(name, (3, 227, 227))
    x = b.conv("conv1", INPUT, 96, 11, stride=4)
    x = b.maxpool("pool1", x, 3, stride=2, ceil_mode=True)
    x = b.conv("conv2", x, 256, 5, pad=2, groups=2)
    x = b.maxpool("pool2", x, 3, stride=2, ceil_mode=True)
    x = b.conv("conv3", x, 384, 3, pad=1)
    x = b.conv("conv4", x, 384, 3, pad=1, groups=2)
    x = b.conv("conv5", x, 256, 3, pad=1, groups=2)
    x = b.maxpool("pool5", x, 3, stride=2, ceil_mode=True)
    x = b.fc("fc6", x, 4096)
    x = b.fc("fc7", x, 4096)
    b.fc("fc8", x, NUM_CLASSES)
    return b.build()


def vgg16(name: str = "VGG-16") -> Network:
    """VGG-16 (Simonyan and Zisserman, configuration D), 224 input: thirteen 3x3 convs with
    padding 1 in five stages, each closed by a 2x2 max pool, then three fc layers."""
    b = NetworkBuilder(name, (3, 224, 224))
    x = INPUT
    for stage, (convs, width) in enumerate([(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)], 1):
        for i in range(1, convs + 1):
            x = b.conv(f"conv{stage}_{i}", x, width, 3, pad=1)
        x = b.maxpool(f"pool{stage}", x, 2, stride=2)
    x = b.fc("fc6", x, 4096)
    x = b.fc("fc7", x, 4096)
    b.fc("fc8", x, NUM_CLASSES)
    return b.build()


def squeezenet(name: str, version: str) -> Network:
    """SqueezeNet v1.0 (227 input) or v1.1 (224 input) as in the DeepScale Caffe files.

    v1.1 has a 3x3 conv1 with 64 filters instead of 7x7 with 96, and pools earlier (after
    conv1, fire3 and fire5 instead of conv1, fire4 and fire8), so its fire modules run on
    smaller maps.
    """
    if version not in ("1.0", "1.1"):
        raise WorkloadError(f"network {name!r}: version={version!r}, expected '1.0' or '1.1'")
    v10 = version == "1.0"
    b = NetworkBuilder(name, (3, 227, 227) if v10 else (3, 224, 224))
    x = b.conv("conv1", INPUT, 96, 7, stride=2) if v10 else b.conv("conv1", INPUT, 64, 3, stride=2)
    x = b.maxpool("pool1", x, 3, stride=2, ceil_mode=True)
    pool_after = (4, 8) if v10 else (3, 5)
    fires = {2: 16, 3: 16, 4: 32, 5: 32, 6: 48, 7: 48, 8: 64, 9: 64}  # module: squeeze filters
    for n, squeeze in fires.items():
        b.block = n
        x = _fire(b, x, f"fire{n}", squeeze, 4 * squeeze)
        b.block = None
        if n in pool_after:
            x = b.maxpool(f"pool{n}", x, 3, stride=2, ceil_mode=True)
    x = b.conv("conv10", x, NUM_CLASSES, 1)
    b.global_avgpool("pool10", x)
    return b.build()


def _fire(b: NetworkBuilder, src: str, prefix: str, squeeze: int, expand: int) -> str:
    """A fire module: squeeze 1x1, then expand 1x1 and 3x3 side by side, concatenated."""
    s = b.conv(f"{prefix}/squeeze1x1", src, squeeze, 1)
    e1 = b.conv(f"{prefix}/expand1x1", s, expand, 1)
    e3 = b.conv(f"{prefix}/expand3x3", s, expand, 3, pad=1)
    return b.concat(f"{prefix}/concat", [e1, e3])


def tiny_darknet(name: str = "TinyDarknet") -> Network:
    """Tiny Darknet (Darknet's cfg/tiny.cfg), 224 input.

    Darknet's ``pad=1`` means half the kernel, so the 3x3 convs keep the size and the 1x1s
    are unpadded. Max pools are 2x2 with stride 2; the last conv maps to the classes
    directly and a global average pool ends the network.
    """
    b = NetworkBuilder(name, (3, 224, 224))
    x = b.conv("conv1", INPUT, 16, 3, pad=1)
    x = b.maxpool("pool1", x, 2, stride=2)
    x = b.conv("conv2", x, 32, 3, pad=1)
    x = b.maxpool("pool2", x, 2, stride=2)
    conv = 2
    for pool, (squeeze, expand) in enumerate(((16, 128), (32, 256), (64, 512)), 3):
        for _ in range(2):
            x = b.conv(f"conv{conv + 1}", x, squeeze, 1)
            x = b.conv(f"conv{conv + 2}", x, expand, 3, pad=1)
            conv += 2
        if pool < 5:
            x = b.maxpool(f"pool{pool}", x, 2, stride=2)
    x = b.conv("conv15", x, 128, 1)
    x = b.conv("conv16", x, NUM_CLASSES, 1)
    b.global_avgpool("avgpool", x)
    return b.build()


def mobilenet(name: str = "MobileNet", width: float = 1.0) -> Network:
    """MobileNet v1 at 224 input; `width` is the width multiplier (alpha).

    A 3x3 stride-2 conv, then 13 pairs of a depthwise 3x3 (groups = channels) and a
    pointwise 1x1, global average pool, fully connected to the classes. Channels scale
    as in TF-slim: int(channels x width), at least 8.
    """
    if width <= 0:
        raise WorkloadError(f"network {name!r}: width={width!r}, expected a positive number")

    def ch(c: int) -> int:
        return max(int(c * width), 8)

    b = NetworkBuilder(name, (3, 224, 224))
    x = b.conv("conv1", INPUT, ch(32), 3, stride=2, pad=1)
    pairs = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)]
    pairs += [(512, 1)] * 5 + [(1024, 2), (1024, 1)]
    for n, (c, stride) in enumerate(pairs, 1):
        b.block = n
        c_in = b.shape(x)[0]
        x = b.conv(f"dw{n}", x, c_in, 3, stride=stride, pad=1, groups=c_in)
        x = b.conv(f"pw{n}", x, ch(c), 1)
    b.block = None
    x = b.global_avgpool("avgpool", x)
    b.fc("fc", x, NUM_CLASSES)
    return b.build()


def resnet(name: str, blocks: tuple[int, int, int, int], bottleneck: bool) -> Network:
    """ResNet as in torchvision (224 input): basic blocks (ResNet-18/34) or bottlenecks (50+).

    Stem 7x7/2 pad 3 and max pool 3x3/2 pad 1; four stages of 64, 128, 256, 512 base
    channels (x4 at a bottleneck's output), stride 2 in the first block of stages 2 to 4
    (on the bottleneck's 3x3, as torchvision does); a 1x1 conv shortcut wherever the shape
    changes; global average pool, fully connected to the classes.
    """
    b = NetworkBuilder(name, (3, 224, 224))
    b.stage = 0
    x = b.conv("conv1", INPUT, 64, 7, stride=2, pad=3)
    x = b.maxpool("maxpool", x, 3, stride=2, pad=1)
    block = 0
    for stage, (base, count) in enumerate(zip((64, 128, 256, 512), blocks, strict=True), 1):
        b.stage = stage
        for i in range(count):
            block += 1
            b.block = block
            stride = 2 if i == 0 and stage > 1 else 1
            p = f"layer{stage}.{i}."
            if bottleneck:
                y = b.conv(p + "conv1", x, base, 1)
                y = b.conv(p + "conv2", y, base, 3, stride=stride, pad=1)
                y = b.conv(p + "conv3", y, 4 * base, 1)
            else:
                y = b.conv(p + "conv1", x, base, 3, stride=stride, pad=1)
                y = b.conv(p + "conv2", y, base, 3, pad=1)
            if b.shape(x) != b.shape(y):
                x = b.conv(p + "downsample", x, b.shape(y)[0], 1, stride=stride)
            x = b.add(p + "add", [x, y])
    b.stage, b.block = 5, None
    x = b.global_avgpool("avgpool", x)
    b.fc("fc", x, NUM_CLASSES)
    return b.build()


def mobilenet_v2(name: str = "MobileNetV2") -> Network:
    """MobileNetV2 as in torchvision (224 input, width 1.0).

    A 3x3/2 conv to 32 channels, then 17 inverted residuals: 1x1 expansion by t (absent
    when t = 1), depthwise 3x3 carrying the stride, linear 1x1 projection, and an add when
    the stride is 1 and the channels match. A 1x1 conv to 1280, global average pool, fully
    connected to the classes.
    """
    settings = [  # expansion t, output channels, repeats, stride of the first repeat
        (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
        (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
    ]  # fmt: skip
    b = NetworkBuilder(name, (3, 224, 224))
    x = b.conv("conv_stem", INPUT, 32, 3, stride=2, pad=1)
    block = 0
    for t, c, repeats, first_stride in settings:
        for i in range(repeats):
            block += 1
            b.block = block
            stride = first_stride if i == 0 else 1
            p = f"ir{block}_"
            c_in = b.shape(x)[0]
            hidden = c_in * t
            y = b.conv(p + "expand", x, hidden, 1) if t != 1 else x
            y = b.conv(p + "dw", y, hidden, 3, stride=stride, pad=1, groups=hidden)
            y = b.conv(p + "project", y, c, 1)
            x = b.add(p + "add", [x, y]) if stride == 1 and c_in == c else y
    b.block = None
    x = b.conv("conv_last", x, 1280, 1)
    x = b.global_avgpool("avgpool", x)
    b.fc("fc", x, NUM_CLASSES)
    return b.build()


def _sqnxt(width: float, depth: tuple[int, ...], **kwargs) -> Callable[[str], Network]:
    return functools.partial(squeezenext, width=width, depth=depth, **kwargs)


# v1 and its G, 34, 44 and wider siblings use the authors' v1 style: 7x7 conv1, shortcut convs.
# v2 to v5 have a 5x5 conv1; of them the authors published only v5, whose first blocks use
# projections. The paper's MACs (228M for all four at width 1.0, 708M for both at 2.0) pick the
# style: v2 and v3 round to 228M only with shortcuts (228.18M and 227.91M; projections give
# 228.98M and 228.71M); v4 and v5 need projections (2.0-SqNxt-23v4 comes to 708.8M with them,
# 699.2M with shortcuts; 1.0-SqNxt-23v5 to 228.0M against 227.2M).
_SHORTCUT_5X5 = {"conv1_k": 5, "first_block": "shortcut"}
_PROJECTION_5X5 = {"conv1_k": 5, "first_block": "projection"}

_BUILDERS: dict[str, Callable[[str], Network]] = {
    "AlexNet": alexnet,
    "SqueezeNet-v1.0": functools.partial(squeezenet, version="1.0"),
    "SqueezeNet-v1.1": functools.partial(squeezenet, version="1.1"),
    "TinyDarknet": tiny_darknet,
    "MobileNet": mobilenet,
    "1.0-SqNxt-23": _sqnxt(1.0, DEPTH_23),
    "1.0-SqNxt-23v2": _sqnxt(1.0, DEPTH_23, **_SHORTCUT_5X5),
    "1.0-SqNxt-23v3": _sqnxt(1.0, DEPTH_V3, **_SHORTCUT_5X5),
    "1.0-SqNxt-23v4": _sqnxt(1.0, DEPTH_V4, **_PROJECTION_5X5),
    "1.0-SqNxt-23v5": _sqnxt(1.0, DEPTH_V5, **_PROJECTION_5X5),
    "2.0-SqNxt-23": _sqnxt(2.0, DEPTH_23),
    "2.0-SqNxt-23v4": _sqnxt(2.0, DEPTH_V4, **_PROJECTION_5X5),
    "2.0-SqNxt-23v5": _sqnxt(2.0, DEPTH_V5, **_PROJECTION_5X5),
    "1.0-G-SqNxt-23": _sqnxt(1.0, DEPTH_23, groups=2),
    "1.0-SqNxt-34": _sqnxt(1.0, DEPTH_34),
    "1.0-SqNxt-44": _sqnxt(1.0, DEPTH_44),
    "1.5-SqNxt-23": _sqnxt(1.5, DEPTH_23),
    "1.5-SqNxt-34": _sqnxt(1.5, DEPTH_34),
    "1.5-SqNxt-44": _sqnxt(1.5, DEPTH_44),
    "2.0-SqNxt-34": _sqnxt(2.0, DEPTH_34),
    "2.0-SqNxt-44": _sqnxt(2.0, DEPTH_44),
    "ResNet-18": functools.partial(resnet, blocks=(2, 2, 2, 2), bottleneck=False),
    "ResNet-50": functools.partial(resnet, blocks=(3, 4, 6, 3), bottleneck=True),
    "MobileNetV2": mobilenet_v2,
}
_BY_KEY = {name.lower(): name for name in _BUILDERS}
_METADATA = {
    name: {
        "input_size": size,
        "top1": top1,
        "top5": top5,
        "paper_params_M": params,
        "paper_macs_M": macs,
        "source": source,
    }
    for name, size, params, macs, top1, top5, source in _PAPER
}


def model_names() -> list[str]:
    """Every zoo name: the paper's networks in the order of its tables, then the others."""
    return list(_BUILDERS)


def get_network(name: str) -> Network:
    """The zoo network called `name` (any case), with the paper's figures as metadata."""
    canonical = _BY_KEY.get(name.lower())
    if canonical is None:
        closest = _closest(name)
        hint = f"closest: {', '.join(closest)}" if closest else "no close match"
        raise WorkloadError(f"unknown model {name!r}; {hint} (see 'socsim models')")
    return _build(canonical)


@functools.lru_cache  # 128 entries hold the whole zoo
def _build(name: str) -> Network:
    network = _BUILDERS[name](name)
    _, _, size = network.input_shape
    metadata = _METADATA.get(name) or {
        "input_size": size,
        "top1": None,
        "top5": None,
        "paper_params_M": None,
        "paper_macs_M": None,
        "source": "other",
    }
    return dataclasses.replace(network, metadata=metadata)


def _closest(name: str, limit: int = 5) -> list[str]:
    """Zoo names that contain `name` or are contained in it (any case), then near spellings."""
    key = name.lower()
    related = [canon for k, canon in _BY_KEY.items() if key and (key in k or k in key)]
    similar = [_BY_KEY[k] for k in difflib.get_close_matches(key, _BY_KEY, n=3, cutoff=0.6)]
    return list(dict.fromkeys(related + similar))[:limit]
