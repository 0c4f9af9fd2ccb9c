"""A CNN as a DAG of layers in topological order, and a builder that tracks shapes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from socsim.errors import WorkloadError
from socsim.workloads.layer import MAX_LAYERS, Layer, Op

if TYPE_CHECKING:
    import pandas as pd

INPUT = "input"  # the name layers use to read the network's input tensor

FRAME_COLUMNS = [
    "name",
    "op",
    "c_in",
    "h_in",
    "w_in",
    "c_out",
    "h_out",
    "w_out",
    "k_h",
    "k_w",
    "stride",
    "groups",
    "macs",
    "params",
]


@dataclass(frozen=True)
class Network:
    """A named network: input shape (C, H, W), layers in topological order, metadata.

    Metadata holds what the paper says of the network (`top1`, `top5`, `paper_macs_M`,
    `paper_params_M`) when known. A layer reads the layers named in its `inputs` (`INPUT`
    for the network input); with no inputs it reads a tensor of its own declared shape from
    memory (as SCALE-Sim runs every row). Construction checks that every layer reads only layers
    before it and that shapes agree along every edge.
    """

    name: str
    input_shape: tuple[int, int, int]
    layers: tuple[Layer, ...]
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))
        object.__setattr__(self, "metadata", MappingProxyType(dict(self.metadata)))
        if not self.layers or len(self.layers) > MAX_LAYERS:
            raise WorkloadError(
                f"network {self.name!r}: {len(self.layers):,} layers, expected 1 to {MAX_LAYERS:,}"
            )
        shapes: dict[str, tuple[int, int, int]] = {INPUT: tuple(self.input_shape)}
        for layer in self.layers:
            if layer.name in shapes:
                raise WorkloadError(
                    f"network {self.name!r}: layer name {layer.name!r} repeats, expected unique names"
                )
            self._check_inputs(layer, shapes)
            shapes[layer.name] = layer.out_shape

    def _check_inputs(self, layer: Layer, shapes: dict[str, tuple[int, int, int]]) -> None:
        for src in layer.inputs:
            if src not in shapes:
                raise WorkloadError(
                    f"network {self.name!r}: layer {layer.name!r} reads {src!r}, "
                    "expected the name of an earlier layer or 'input'"
                )
        if not layer.inputs:
            return  # reads a tensor of its own declared shape from memory: no producer
        got = [shapes[src] for src in layer.inputs]
        if layer.op is Op.CONCAT:
            agree = (
                all(s[1:] == layer.in_shape[1:] for s in got)
                and sum(s[0] for s in got) == layer.c_in
            )
        else:
            agree = all(s == layer.in_shape for s in got)
        if not agree:
            raise WorkloadError(
                f"network {self.name!r}: layer {layer.name!r} has input shape {layer.in_shape}, "
                f"expected one matching its inputs {got}"
            )

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "metadata": dict(self.metadata)}  # a mappingproxy won't pickle

    def __setstate__(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)
        object.__setattr__(self, "metadata", MappingProxyType(state["metadata"]))

    @property
    def macs(self) -> int:
        """Total MACs by the paper's convention (see `Layer.macs`)."""
        return sum(layer.macs for layer in self.layers)

    @property
    def macs_plain(self) -> int:
        return sum(layer.macs_plain for layer in self.layers)

    @property
    def params(self) -> int:
        return sum(layer.params for layer in self.layers)

    def layer(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)

    def to_frame(self) -> pd.DataFrame:
        """One row per layer; the first columns are those of `socsim layers --format csv`."""
        import pandas as pd  # loads on first use: `socsim --help` must not pay for it

        rows = [
            {
                **{col: getattr(layer, col) for col in FRAME_COLUMNS},
                "op": layer.op.value,
                "pad_h": layer.pad_h,
                "pad_w": layer.pad_w,
                "inputs": "+".join(layer.inputs),
                "stage": layer.stage,
                "block": layer.block,
            }
            for layer in self.layers
        ]
        frame = pd.DataFrame(rows)
        return frame.astype({"stage": "Int64", "block": "Int64"})

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)


class NetworkBuilder:
    """Builds a `Network` layer by layer, deriving each layer's input shape from its inputs.

    Each method takes the name of the new layer and the name(s) of the tensors it reads
    (`INPUT` for the network input) and returns the new layer's name, so networks read as
    straight-line code. `stage` and `block`, when set, tag the layers added meanwhile.
    """

    def __init__(self, name: str, input_shape: tuple[int, int, int]) -> None:
        self.name = name
        self.input_shape = tuple(input_shape)
        self.layers: list[Layer] = []
        self._shapes: dict[str, tuple[int, int, int]] = {INPUT: self.input_shape}
        self.stage: int | None = None
        self.block: int | None = None

    def shape(self, tensor: str) -> tuple[int, int, int]:
        return self._shapes[tensor]

    def add_layer(self, name: str, op: Op, src: str | list[str], **kwargs: Any) -> str:
        inputs = [src] if isinstance(src, str) else list(src)
        c, h, w = self._shapes[inputs[0]]
        if op is Op.CONCAT:
            c = sum(self._shapes[s][0] for s in inputs)
        layer = Layer(
            name=name,
            op=op,
            c_in=c,
            h_in=h,
            w_in=w,
            inputs=tuple(inputs),
            stage=self.stage,
            block=self.block,
            **kwargs,
        )
        self.layers.append(layer)
        self._shapes[name] = layer.out_shape
        return name

    def conv(
        self,
        name: str,
        src: str,
        c_out: int,
        k: int | tuple[int, int],
        stride: int = 1,
        pad: int | tuple[int, int] = 0,
        groups: int = 1,
    ) -> str:
        k_h, k_w = (k, k) if isinstance(k, int) else k
        pad_h, pad_w = (pad, pad) if isinstance(pad, int) else pad
        return self.add_layer(
            name,
            Op.CONV,
            src,
            c_out=c_out,
            k_h=k_h,
            k_w=k_w,
            stride=stride,
            pad_h=pad_h,
            pad_w=pad_w,
            groups=groups,
        )

    def fc(self, name: str, src: str, c_out: int) -> str:
        return self.add_layer(name, Op.FC, src, c_out=c_out)

    def maxpool(
        self, name: str, src: str, k: int, stride: int, pad: int = 0, ceil_mode: bool = False
    ) -> str:
        return self._pool(name, Op.MAXPOOL, src, k, stride, pad, ceil_mode)

    def avgpool(
        self, name: str, src: str, k: int, stride: int, pad: int = 0, ceil_mode: bool = False
    ) -> str:
        return self._pool(name, Op.AVGPOOL, src, k, stride, pad, ceil_mode)

    def global_avgpool(self, name: str, src: str) -> str:
        _, h, w = self._shapes[src]
        return self.add_layer(name, Op.AVGPOOL, src, k_h=h, k_w=w, stride=1)

    def add(self, name: str, srcs: list[str]) -> str:
        return self.add_layer(name, Op.ADD, srcs)

    def concat(self, name: str, srcs: list[str]) -> str:
        return self.add_layer(name, Op.CONCAT, srcs)

    def _pool(
        self, name: str, op: Op, src: str, k: int, stride: int, pad: int, ceil_mode: bool
    ) -> str:
        return self.add_layer(
            name, op, src, k_h=k, k_w=k, stride=stride, pad_h=pad, pad_w=pad, ceil_mode=ceil_mode
        )

    def build(self, **metadata: Any) -> Network:
        return Network(self.name, self.input_shape, tuple(self.layers), metadata)
