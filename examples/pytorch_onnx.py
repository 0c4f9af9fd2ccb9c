"""Bring your own network: export a PyTorch model to ONNX, then read and simulate it in socsim.

The model is defined here, without torchvision: a SqueezeNext-like network of a 5x5 stem, a
ceil-mode max pool, three blocks (1x1 reductions, a separable 3x1 / 1x3 pair, a 1x1
expansion and a residual add) and a classifier. PyTorch's exporter folds each batch norm
into its conv; socsim folds the ReLUs and the Flatten, and reads the Linear as an fc layer.

Needs torch and onnx (``pip install torch 'socsim[onnx]'``); without them it says so and exits
with status 0. Run it as ``python examples/pytorch_onnx.py``.
"""

import importlib.util
import sys
import tempfile
import warnings
from pathlib import Path

MISSING = [name for name in ("torch", "onnx") if importlib.util.find_spec(name) is None]
if MISSING:
    print(f"{' and '.join(MISSING)} not installed; skipping")
    sys.exit(0)

import torch  # noqa: E402
from torch import nn  # noqa: E402

import socsim  # noqa: E402
from socsim.workloads.onnx_io import read_onnx  # noqa: E402


def conv_bn_relu(c_in: int, c_out: int, k, stride: int = 1, pad=0) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, k, stride=stride, padding=pad, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class Block(nn.Module):
    """A SqueezeNext block c_in -> c: 1x1 to c/2 (with the stride), 1x1 to c/4, 3x1 and 1x3
    to c/2, 1x1 to c, added to the input (through a strided 1x1 where the shape changes)."""

    def __init__(self, c_in: int, c: int, stride: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            conv_bn_relu(c_in, c // 2, 1, stride),
            conv_bn_relu(c // 2, c // 4, 1),
            conv_bn_relu(c // 4, c // 2, (3, 1), pad=(1, 0)),
            conv_bn_relu(c // 2, c // 2, (1, 3), pad=(0, 1)),
            conv_bn_relu(c // 2, c, 1),
        )
        same = stride == 1 and c_in == c
        self.shortcut = nn.Identity() if same else conv_bn_relu(c_in, c, 1, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + self.shortcut(x))


class TinySqueezeNext(nn.Module):
    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            conv_bn_relu(3, 32, 5, stride=2), nn.MaxPool2d(3, stride=2, ceil_mode=True)
        )
        self.blocks = nn.Sequential(Block(32, 32, 1), Block(32, 64, 2), Block(64, 64, 1))
        self.head = nn.Sequential(
            conv_bn_relu(64, 64, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, classes)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.blocks(self.stem(x)))


def main() -> None:
    model = TinySqueezeNext().eval()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tiny_sqnxt.onnx"
        with warnings.catch_warnings():
            # The TorchScript exporter (dynamo=False) needs nothing beyond torch; the newer
            # dynamo exporter also needs onnxscript. PyTorch warns that the former is legacy.
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model, (torch.randn(1, 3, 96, 96),), path, dynamo=False, opset_version=17,
                input_names=["image"], output_names=["logits"],
            )  # fmt: skip
        network = read_onnx(path)

    columns = ["name", "op", "c_in", "h_in", "w_in", "c_out", "h_out", "w_out", "k_h", "k_w",
               "stride", "groups", "macs", "params"]  # fmt: skip
    print(
        f"{network.name}: {len(network)} layers, {network.macs:,} MACs, {network.params:,} params"
    )
    print(network.to_frame()[columns].to_string(index=False))
    print()
    result = socsim.simulate(network, "squeezelerator-16x16")
    for key, value in result.summary.items():
        for name, number in value.items() if isinstance(value, dict) else [("", value)]:
            shown = f"{number:.4g}" if isinstance(number, float) else number
            print(f"{key + ('.' + name if name else ''):16} {shown}")


if __name__ == "__main__":
    main()
