"""ONNX models: read one into a `Network`, write any `Network` as one with random weights.

The `onnx` package is an optional extra (``pip install 'socsim[onnx]'``); it is imported
only when a model is read or written.

Reading (`read_onnx`) runs ONNX shape inference, then walks the graph in order:

- Modelled as layers: Conv (2-D, any groups; dilation 1, equal strides along height and
  width, symmetric padding, which ``auto_pad`` SAME_UPPER / SAME_LOWER must also come to),
  Gemm and MatMul with a constant weight as ``fc`` (the fc reads the whole tensor that was
  flattened into its input), MaxPool and AveragePool (ceil_mode too), GlobalAveragePool and
  GlobalMaxPool (pools whose kernel is the input), ReduceMean and ReduceMax over height and
  width (PyTorch's ``x.mean((2, 3))``) as global pools, Add and Sum of two or more computed
  tensors as ``add``, and Concat along the channels. A conv's bias is not needed: socsim
  counts one bias per filter for every conv and fc (see `Layer.params`).
- Folded away, as at inference (free, no layer): `FOLDED_OPS` (BatchNormalization, Relu,
  Clip, Flatten, Reshape, Dropout, ...); Add, Sub, Mul and Div with a constant operand (a
  bias or a scale); and Mul, Sub or Div whose computed operands all hold one tensor (an
  activation such as SiLU, x * sigmoid(x)). Nodes that read no computed tensor (Constant, the
  Shape arithmetic that feeds a Reshape) are constants and produce nothing to simulate.
- Any other node raises `WorkloadError` naming it, its op type and the supported ops. With
  ``skip_unsupported=True`` it is counted as free instead, and a warning lists every node so
  skipped: its output stands for whichever computed input has as many elements (an
  element-wise op, a transpose, a reshape); a node whose output has a different size from
  all its inputs (a resize, a pad, a split) cannot stand in for any of them and still raises.
- A layer reads the layers whose (possibly folded) outputs feed it. A reshaped tensor can
  feed only a fully connected layer: a conv, pool, add or concat that reads a tensor of
  another shape than its producer's output raises.
- The first graph input is the network input: NCHW (or NK, read as K x 1 x 1) with batch 1
  or symbolic (taken as 1). Any further graph input is a tensor in memory: a layer reading
  it gets ``inputs=()`` and the tensor's shape, as a SCALE-Sim row that fits no earlier
  output does.
- Every layer's output shape is checked against ONNX shape inference. They can differ for a
  ceil-mode pool with padding: socsim drops a last window that would start in the padding
  (as Caffe and PyTorch do), ONNX's shape inference does not; such a pool raises.
- Layer names are the node names made unique, with runs of characters other than letters,
  digits and ``_ . / -`` replaced by ``_`` and outer ``/`` and ``_`` dropped (PyTorch's
  ``/layer1/conv/Conv`` becomes ``layer1/conv/Conv``); an unnamed node is called after its
  op type and its index (``Conv_7``). The network is named after the file's stem.

Writing (`to_onnx`, `write_onnx`) emits opset 17 and IR version 8, which common runtimes
read: each conv as Conv with float32 random weights and a bias, each fc as Flatten and Gemm,
each pool as MaxPool or AveragePool (GlobalAveragePool / GlobalMaxPool when the kernel
covers the unpadded input with stride 1), each add as Add (Sum for more than two) and each
concat as Concat. A ceil-mode pool whose last window would start in the padding is written
in floor mode, which gives socsim's shape where ONNX's ceil mode would not (the flag is
lost, the shapes are kept). Nodes and their output tensors carry the layer names, the network input
is the graph input ``input`` and a layer that reads from memory (``inputs=()``) gets a graph
input of its own, ``<name>.ifmap``. A layer's `stage` and `block` go in its node's
doc_string as ``socsim:stage=1,block=3``, which reading restores, so writing then reading
gives back the same layers.
"""

from __future__ import annotations

import logging
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from socsim.errors import WorkloadError
from socsim.workloads.layer import Layer, Op
from socsim.workloads.network import INPUT, Network

if TYPE_CHECKING:
    import onnx

OPSET = 17
IR_VERSION = 8  # the oldest IR that opset 17 allows, so older runtimes read what we write

SUPPORTED_OPS = (
    "Conv", "Gemm", "MatMul", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
    "ReduceMean", "ReduceMax", "Add", "Sum", "Concat",
)  # fmt: skip
FOLDED_OPS = frozenset({
    "BatchNormalization", "Relu", "LeakyRelu", "PRelu", "Clip", "Sigmoid", "HardSigmoid",
    "HardSwish", "Tanh", "Elu", "Selu", "Celu", "Softplus", "Softsign", "Mish", "Gelu",
    "Softmax", "LogSoftmax", "LRN", "Dropout", "Identity", "Cast", "Flatten", "Reshape",
    "Squeeze", "Unsqueeze", "QuantizeLinear", "DequantizeLinear",
})  # fmt: skip
# Folded when only one operand is computed: the others are a constant bias or scale.
_SCALING_OPS = frozenset({"Add", "Sub", "Mul", "Div", "Sum"})
_METADATA_OPS = frozenset({"Shape", "Size"})  # outputs describe a tensor, they are not data
_SMALL_INITIALIZER = 1024  # elements; larger initializers are weights, not shapes
_TAGS = re.compile(r"socsim:(.*)")
_UNSAFE = re.compile(r"[^\w./-]+")

logger = logging.getLogger(__name__)

Shape = tuple[int, int, int]


def _import_onnx(action: str) -> Any:
    try:
        import onnx
    except ImportError:
        raise WorkloadError(
            f"{action} .onnx files needs the onnx package: pip install 'socsim[onnx]'"
        ) from None
    return onnx


# -- reading --------------------------------------------------------------------------------


def read_onnx(
    source: str | os.PathLike[str] | onnx.ModelProto, skip_unsupported: bool = False
) -> Network:
    """The network of an ONNX file, or of a loaded `onnx.ModelProto` (named after its graph).

    See the module docstring for what is modelled, folded and refused. Raises
    `WorkloadError` naming the file, and for a node that cannot be modelled its name and op.
    """
    onnx = _import_onnx("reading")
    if isinstance(source, onnx.ModelProto):
        model, name = source, source.graph.name or "model"
        where = name
    else:
        path = Path(source)
        model, name, where = _load(onnx, path), path.stem, str(path)
    try:
        inferred = onnx.shape_inference.infer_shapes(_without_weights(onnx, model), data_prop=True)
    except onnx.shape_inference.InferenceError as err:
        raise WorkloadError(f"{where}: ONNX shape inference failed ({err})") from None
    return _Reader(onnx, inferred, where, skip_unsupported).network(name)


def _load(onnx: Any, path: Path) -> onnx.ModelProto:
    from google.protobuf.message import DecodeError  # protobuf comes with onnx

    try:
        # Shape inference needs the weights' shapes only, not weights kept in external files.
        return onnx.load(os.fspath(path), load_external_data=False)
    except FileNotFoundError:
        raise WorkloadError(f"{path}: no such file, expected an ONNX model") from None
    except (OSError, DecodeError) as err:
        reason = getattr(err, "strerror", None) or err
        raise WorkloadError(f"{path}: cannot read ({reason}), expected an ONNX model") from None


def _without_weights(onnx: Any, model: onnx.ModelProto) -> onnx.ModelProto:
    """`model` with its large initializers reduced to their shapes.

    Shape inference needs only the shapes of weights, and copying them in and out of it takes
    seconds for AlexNet's 244 MB; small initializers (a Reshape's target shape) keep their data.
    """
    graph = model.graph
    light = onnx.GraphProto(name=graph.name)
    for field in ("node", "input", "output", "value_info", "sparse_initializer"):
        getattr(light, field).extend(getattr(graph, field))
    for init in graph.initializer:
        if math.prod(init.dims) <= _SMALL_INITIALIZER:
            light.initializer.append(init)
        else:
            light.initializer.add(
                name=init.name, data_type=init.data_type, dims=init.dims,
                data_location=onnx.TensorProto.EXTERNAL,
            )  # fmt: skip
    return onnx.ModelProto(
        ir_version=model.ir_version,
        opset_import=model.opset_import,
        functions=model.functions,
        graph=light,
    )


@dataclass(frozen=True)
class _Value:
    """A computed tensor: the socsim tensor it holds (`source`: a layer, `INPUT`, or None for
    a tensor in memory) and that tensor's shape (C, H, W). A folded node passes its input's
    value on, so a reshaped tensor keeps its producer's shape here."""

    source: str | None
    shape: Shape


class _Reader:
    """One pass over a shape-inferred graph, in its (topological) node order."""

    def __init__(self, onnx: Any, model: onnx.ModelProto, where: str, skip: bool) -> None:
        self.onnx = onnx
        self.graph = model.graph
        self.where = where
        self.skip = skip
        self.dims: dict[str, tuple[int | str | None, ...]] = {}
        for info in (*self.graph.input, *self.graph.value_info, *self.graph.output):
            if info.type.HasField("tensor_type") and info.type.tensor_type.HasField("shape"):
                self.dims[info.name] = tuple(
                    d.dim_value if d.HasField("dim_value") else (d.dim_param or None)
                    for d in info.type.tensor_type.shape.dim
                )
        for init in self.graph.initializer:
            self.dims[init.name] = tuple(init.dims)
        self.constants = {init.name for init in self.graph.initializer} | {""}  # "": no input
        self.values: dict[str, _Value] = {}
        self.names: set[str] = {INPUT}
        self.layers: list[Layer] = []
        self.skipped: list[str] = []

    def network(self, name: str) -> Network:
        input_shape = self._read_inputs()
        for index, node in enumerate(self.graph.node):
            op = node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}.{node.op_type}"
            try:
                self._read_node(index, node, op)
            except WorkloadError as err:
                raise WorkloadError(
                    f"{self.where}: node {node.name or f'#{index}'!r} ({op}): {err}"
                ) from None
        if self.skipped:
            logger.warning(
                "%s: skipped %d unsupported node(s), counted as free: %s",
                self.where, len(self.skipped), ", ".join(self.skipped),
            )  # fmt: skip
        if not self.layers:
            raise WorkloadError(
                f"{self.where}: no node to simulate, expected at least one of "
                + ", ".join(SUPPORTED_OPS)
            )
        try:
            return Network(name, input_shape, tuple(self.layers))
        except WorkloadError as err:
            raise WorkloadError(f"{self.where}: {err}") from None

    def _read_inputs(self) -> Shape:
        """Enter the graph inputs as values; returns the network input's shape (the first)."""
        inputs = [info.name for info in self.graph.input if info.name not in self.constants]
        if not inputs:
            raise WorkloadError(f"{self.where}: no graph input, expected an NCHW image input")
        for i, tensor in enumerate(inputs):
            dims = self.dims.get(tensor, ())
            shape = _chw(dims)
            if shape is None:
                raise WorkloadError(
                    f"{self.where}: input {tensor!r} has shape {_show(dims)}, expected "
                    "[1, C, H, W] (or [1, K]) with fixed C, H and W and batch 1 or symbolic"
                )
            self.values[tensor] = _Value(INPUT if i == 0 else None, shape)
        return self.values[inputs[0]].shape

    def _read_node(self, index: int, node: onnx.NodeProto, op: str) -> None:
        unknown = [t for t in node.input if t not in self.values and t not in self.constants]
        if unknown:
            raise WorkloadError(
                f"reads {unknown[0]!r}, which no earlier node produces, expected the nodes "
                "in topological order"
            )
        computed = [t for t in node.input if t in self.values]
        if not computed or op in _METADATA_OPS:
            self.constants.update(node.output)  # constant arithmetic: nothing to simulate
        elif self._folds(op, computed):
            self.values[node.output[0]] = self.values[computed[0]]
        elif op in _BUILDERS:
            layer = _BUILDERS[op](self, node, self._claim(node.name or f"{op}_{index}"), computed)
            self._check_output(node, layer)
            self.layers.append(layer)
            self.values[node.output[0]] = _Value(layer.name, layer.out_shape)
        elif self.skip:
            self._skip(node, computed)
            self.skipped.append(f"{node.name or f'#{index}'} ({op})")
        else:
            raise WorkloadError(
                f"op type {op!r} is not supported, expected one of {', '.join(SUPPORTED_OPS)} "
                "or an activation, normalisation or reshape folded at inference; "
                "skip_unsupported (--skip-unsupported) counts unsupported nodes as free"
            )

    def _folds(self, op: str, computed: list[str]) -> bool:
        """Whether the node is free at inference: a folded op, or a bias, a scale or an
        activation applied to one tensor (x * sigmoid(x) is SiLU). An Add or Sum of two
        computed operands stays an add, even of one tensor twice."""
        if len({self.values[t] for t in computed}) > 1:
            return False
        if op in FOLDED_OPS:
            return True
        return op in _SCALING_OPS and (len(computed) == 1 or op not in _BUILDERS)

    def _skip(self, node: onnx.NodeProto, computed: list[str]) -> None:
        """Let a computed input with as many elements stand for the node's output."""
        size = _elements(self.dims.get(node.output[0]))
        for tensor in computed:
            if size is not None and _elements(self.dims.get(tensor)) == size:
                self.values[node.output[0]] = self.values[tensor]
                return
        raise WorkloadError(
            f"cannot skip it: its output {_show(self.dims.get(node.output[0]))} differs in "
            f"size from every computed input ({', '.join(_show(self.dims.get(t)) for t in computed)}), "
            "so none can stand in for it"
        )

    def _claim(self, raw: str) -> str:
        """A unique, printable layer name for the node called `raw`."""
        base = _UNSAFE.sub("_", raw).strip("/_") or "node"
        name, n = base, 1
        while name in self.names:
            n += 1
            name = f"{base}_{n}"
        self.names.add(name)
        return name

    def _check_output(self, node: onnx.NodeProto, layer: Layer) -> None:
        dims = self.dims.get(node.output[0], ())
        got = _chw(dims)
        if got is None or got == layer.out_shape:
            return
        why = ""
        if layer.ceil_mode and (layer.pad_h or layer.pad_w):
            why = (
                "; in ceil mode socsim drops a last window that would start in the padding "
                "(as Caffe and PyTorch do), ONNX shape inference keeps it"
            )
        raise WorkloadError(
            f"ONNX shape inference gives output {_show(dims)}, socsim's {layer.op.value} "
            f"layer gives {_show(layer.out_shape)}{why}"
        )

    # -- what the builders share --------------------------------------------------------

    def attrs(self, node: onnx.NodeProto) -> dict[str, Any]:
        out = {}
        for attr in node.attribute:
            value = self.onnx.helper.get_attribute_value(attr)
            out[attr.name] = value.decode() if isinstance(value, bytes) else value
        return out

    def operand(self, tensor: str) -> _Value:
        """The value a conv, pool, add or concat reads from `tensor`, checked not reshaped."""
        if tensor not in self.values:
            raise WorkloadError(f"input {tensor!r} is a constant, expected a computed tensor")
        value = self.values[tensor]
        dims = self.dims.get(tensor, ())
        seen = _chw(dims)
        if seen is not None and seen != value.shape:
            producer = "the network input" if value.source == INPUT else repr(value.source)
            raise WorkloadError(
                f"reads {tensor!r} as {_show(dims)}, a reshape of {producer} "
                f"({_show(value.shape)}); socsim can model a reshape only before a fully "
                "connected layer"
            )
        return value

    def weight_dims(self, node: onnx.NodeProto, rank: int) -> tuple[int, ...]:
        tensor = node.input[1]
        if tensor in self.values:
            raise WorkloadError(f"weight {tensor!r} is computed, expected a constant")
        dims = self.dims.get(tensor, ())
        if len(dims) != rank or not all(isinstance(d, int) and d > 0 for d in dims):
            raise WorkloadError(
                f"weight {tensor!r} has shape {_show(dims)}, expected {rank} fixed dimensions"
            )
        return dims

    def tags(self, node: onnx.NodeProto) -> dict[str, int]:
        """The stage and block that `to_onnx` wrote into the node's doc_string, if any."""
        match = _TAGS.fullmatch(node.doc_string.strip())
        if not match:
            return {}
        pairs = (item.split("=", 1) for item in match[1].split(",") if "=" in item)
        return {k: int(v) for k, v in pairs if k in ("stage", "block") and v.isdigit()}


def _inputs(*values: _Value) -> tuple[str, ...]:
    """A layer's `inputs`: the sources of its operands, or () for a tensor in memory."""
    return () if values[0].source is None else tuple(v.source for v in values)


def _conv(r: _Reader, node: onnx.NodeProto, name: str, computed: list[str]) -> Layer:
    x = r.operand(node.input[0])
    c_out, c_per_group, k_h, k_w = r.weight_dims(node, 4)
    attrs = r.attrs(node)
    _require_no_dilation(attrs)
    stride = _stride(attrs)
    pad_h, pad_w = _pads(attrs, x.shape, (k_h, k_w), stride)
    groups = attrs.get("group", 1)
    c, h, w = x.shape
    if c_per_group * groups != c:
        raise WorkloadError(
            f"weight has {c_per_group} input channels per group and group={groups}, expected "
            f"{c} input channels in all"
        )
    return Layer(
        name=name, op=Op.CONV, c_in=c, h_in=h, w_in=w, c_out=c_out, k_h=k_h, k_w=k_w,
        stride=stride, pad_h=pad_h, pad_w=pad_w, groups=groups, inputs=_inputs(x),
        **r.tags(node),
    )  # fmt: skip


def _fc(r: _Reader, node: onnx.NodeProto, name: str, computed: list[str]) -> Layer:
    """Gemm or MatMul of a [1, K] tensor by a constant weight: an fc over whatever was
    flattened into the K (the fc's kernel covers that whole tensor)."""
    tensor = node.input[0]
    if tensor not in r.values:
        raise WorkloadError(f"input {tensor!r} is a constant, expected a computed tensor")
    x = r.values[tensor]
    dims = r.dims.get(tensor)
    if dims is not None and len(dims) != 2:
        raise WorkloadError(
            f"multiplies a tensor of shape {_show(dims)}, expected [1, K]: socsim models a "
            "matrix product only as a fully connected layer"
        )
    attrs = r.attrs(node)
    if attrs.get("transA", 0):
        raise WorkloadError("transA=1, expected 0 (a [1, K] input)")
    k, n = r.weight_dims(node, 2)
    if attrs.get("transB", 0):
        k, n = n, k
    c, h, w = x.shape
    if k != c * h * w:
        raise WorkloadError(f"weight has {k} rows, expected the input's {c * h * w} elements")
    return Layer(
        name=name, op=Op.FC, c_in=c, h_in=h, w_in=w, c_out=n, inputs=_inputs(x), **r.tags(node)
    )


def _pool(r: _Reader, node: onnx.NodeProto, name: str, computed: list[str]) -> Layer:
    x = r.operand(node.input[0])
    c, h, w = x.shape
    op = Op.MAXPOOL if node.op_type in ("MaxPool", "GlobalMaxPool", "ReduceMax") else Op.AVGPOOL
    if node.op_type.startswith("Reduce") and _chw(r.dims.get(node.output[0], ())) != (c, 1, 1):
        raise WorkloadError(
            f"reduces {_show(x.shape)} to {_show(r.dims.get(node.output[0]))}, expected a "
            "reduction over height and width only (a global pool)"
        )
    if node.op_type.startswith(("Global", "Reduce")):
        return Layer(
            name=name, op=op, c_in=c, h_in=h, w_in=w, k_h=h, k_w=w, inputs=_inputs(x),
            **r.tags(node),
        )  # fmt: skip
    attrs = r.attrs(node)
    _require_no_dilation(attrs)
    k_h, k_w = attrs["kernel_shape"]
    stride = _stride(attrs)
    pad_h, pad_w = _pads(attrs, x.shape, (k_h, k_w), stride)
    return Layer(
        name=name, op=op, c_in=c, h_in=h, w_in=w, k_h=k_h, k_w=k_w, stride=stride,
        pad_h=pad_h, pad_w=pad_w, ceil_mode=bool(attrs.get("ceil_mode", 0)), inputs=_inputs(x),
        **r.tags(node),
    )  # fmt: skip


def _add(r: _Reader, node: onnx.NodeProto, name: str, computed: list[str]) -> Layer:
    xs = [r.operand(t) for t in computed]
    if len({x.shape for x in xs}) > 1 or any(x.source is None for x in xs):
        raise WorkloadError(
            f"adds {', '.join(_show(x.shape) for x in xs)}, expected tensors of one shape "
            "computed in the network (socsim's add does not broadcast)"
        )
    c, h, w = xs[0].shape
    return Layer(
        name=name, op=Op.ADD, c_in=c, h_in=h, w_in=w, inputs=tuple(x.source for x in xs),
        **r.tags(node),
    )  # fmt: skip


def _concat(r: _Reader, node: onnx.NodeProto, name: str, computed: list[str]) -> Layer:
    xs = [r.operand(t) for t in node.input]
    axis = r.attrs(node)["axis"]
    if axis % len(r.dims.get(node.output[0]) or "NCHW") != 1:
        raise WorkloadError(f"axis={axis}, expected the channels (1)")
    if len({x.shape[1:] for x in xs}) > 1 or any(x.source is None for x in xs):
        raise WorkloadError(
            f"concatenates {', '.join(_show(x.shape) for x in xs)}, expected tensors of one "
            "height and width computed in the network"
        )
    _, h, w = xs[0].shape
    return Layer(
        name=name, op=Op.CONCAT, c_in=sum(x.shape[0] for x in xs), h_in=h, w_in=w,
        inputs=tuple(x.source for x in xs), **r.tags(node),
    )  # fmt: skip


_BUILDERS = {
    "Conv": _conv,
    "Gemm": _fc,
    "MatMul": _fc,
    "MaxPool": _pool,
    "AveragePool": _pool,
    "GlobalAveragePool": _pool,
    "GlobalMaxPool": _pool,
    "ReduceMean": _pool,
    "ReduceMax": _pool,
    "Add": _add,
    "Sum": _add,
    "Concat": _concat,
}


def _require_no_dilation(attrs: dict[str, Any]) -> None:
    if any(d != 1 for d in attrs.get("dilations", ())):
        raise WorkloadError(
            f"dilations={attrs['dilations']}, expected all 1 (socsim has no dilated kernels)"
        )


def _stride(attrs: dict[str, Any]) -> int:
    strides = attrs.get("strides", [1, 1])
    if len(strides) != 2 or strides[0] != strides[1]:
        raise WorkloadError(
            f"strides={strides}, expected two equal strides (a socsim layer has one stride)"
        )
    return strides[0]


def _pads(
    attrs: dict[str, Any], shape: Shape, kernel: tuple[int, int], stride: int
) -> tuple[int, int]:
    """Symmetric (pad_h, pad_w) from ``pads`` or ``auto_pad``; raises for anything else."""
    auto = attrs.get("auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        totals = [
            max((-(-size // stride) - 1) * stride + k - size, 0)
            for size, k in zip(shape[1:], kernel, strict=True)
        ]
        if any(t % 2 for t in totals):
            raise WorkloadError(
                f"auto_pad={auto} pads height and width by {totals[0]} and {totals[1]} in all, "
                "expected even totals (socsim pads symmetrically)"
            )
        return totals[0] // 2, totals[1] // 2
    if auto == "VALID":
        return 0, 0
    pads = list(attrs.get("pads", [0, 0, 0, 0]))
    if len(pads) != 4 or pads[:2] != pads[2:]:
        raise WorkloadError(
            f"pads={pads}, expected symmetric padding [top, left, bottom, right] with "
            "top = bottom and left = right"
        )
    return pads[0], pads[1]


def _chw(dims: tuple[int | str | None, ...]) -> Shape | None:
    """(C, H, W) of an NCHW (or NK) tensor with batch 1 or symbolic; None if not known."""
    if len(dims) not in (2, 4) or isinstance(dims[0], int) and dims[0] != 1:
        return None
    rest = dims[1:]
    if not all(isinstance(d, int) and d > 0 for d in rest):
        return None
    return (rest[0], 1, 1) if len(rest) == 1 else tuple(rest)


def _elements(dims: tuple[int | str | None, ...] | None) -> int | None:
    """Elements of a tensor without its batch dimension; None if not known."""
    if dims is None or not all(isinstance(d, int) for d in dims[1:]):
        return None
    return math.prod(dims[1:])


def _show(dims: tuple[int | str | None, ...] | None) -> str:
    if dims is None:
        return "unknown"
    return "[" + ", ".join("?" if d is None else str(d) for d in dims) + "]"


# -- writing --------------------------------------------------------------------------------


def write_onnx(network: Network, path: str | os.PathLike[str], seed: int = 0) -> None:
    """Write `to_onnx(network, seed)` to the file `path`."""
    Path(path).write_bytes(to_onnx(network, seed).SerializeToString())


def to_onnx(network: Network, seed: int = 0) -> onnx.ModelProto:
    """`network` as an ONNX model (see the module docstring) with float32 random weights
    drawn from `seed`. Raises `WorkloadError` without the onnx package."""
    onnx = _import_onnx("writing")
    return _Writer(onnx, network, np.random.default_rng(seed)).model()


class _Writer:
    """Builds the nodes, initializers and graph inputs and outputs of one network."""

    def __init__(self, onnx: Any, network: Network, rng: np.random.Generator) -> None:
        self.onnx = onnx
        self.helper = onnx.helper
        self.network = network
        self.rng = rng
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.inputs = [self._info(INPUT, [1, *network.input_shape])]
        self.fc = {layer.name for layer in network.layers if layer.op is Op.FC}
        self.nchw: set[str] = set()  # fc outputs already reshaped to [1, N, 1, 1]

    def model(self) -> onnx.ModelProto:
        for layer in self.network.layers:
            node = self._node(layer)
            tags = [f"{k}={getattr(layer, k)}" for k in ("stage", "block")]
            tags = [t for t in tags if not t.endswith("=None")]
            if tags:
                node.doc_string = "socsim:" + ",".join(tags)
            self.nodes.append(node)
        read = {src for layer in self.network.layers for src in layer.inputs}
        outputs = [
            self._info(layer.name, _dims(layer))
            for layer in self.network.layers
            if layer.name not in read
        ]
        graph = self.helper.make_graph(self.nodes, self.network.name, self.inputs, outputs)
        model = self.helper.make_model(
            graph,
            opset_imports=[self.helper.make_opsetid("", OPSET)],
            ir_version=IR_VERSION,
            producer_name="socsim",
        )
        model.graph.initializer.extend(self.initializers)  # once: make_model copies its graph
        return model

    def _node(self, layer: Layer) -> onnx.NodeProto:
        make = self.helper.make_node
        if layer.op is Op.FC:
            flat = f"{layer.name}.flat"
            self.nodes.append(make("Flatten", [self._operands(layer)[0]], [flat], name=flat))
            weight = (layer.c_out, layer.c_in * layer.k_h * layer.k_w)
            return make(
                "Gemm", [flat, *self._parameters(layer, weight)], [layer.name], name=layer.name,
                transB=1,
            )  # fmt: skip
        srcs = [self._nchw(src) for src in self._operands(layer)]
        if layer.op is Op.CONV:
            kernel = (layer.c_out, layer.c_in // layer.groups, layer.k_h, layer.k_w)
            return make(
                "Conv", [*srcs, *self._parameters(layer, kernel)], [layer.name],
                name=layer.name, kernel_shape=[layer.k_h, layer.k_w],
                strides=[layer.stride] * 2, pads=[layer.pad_h, layer.pad_w] * 2,
                group=layer.groups,
            )  # fmt: skip
        if layer.op in (Op.MAXPOOL, Op.AVGPOOL):
            return self._pool(layer, srcs[0])
        if layer.op is Op.ADD:
            return make("Add" if len(srcs) == 2 else "Sum", srcs, [layer.name], name=layer.name)
        return make("Concat", srcs, [layer.name], name=layer.name, axis=1)

    def _pool(self, layer: Layer, src: str) -> onnx.NodeProto:
        kind = "Max" if layer.op is Op.MAXPOOL else "Average"
        whole = (layer.k_h, layer.k_w) == (layer.h_in, layer.w_in)
        if whole and not (layer.pad_h or layer.pad_w or layer.ceil_mode) and layer.stride == 1:
            return self.helper.make_node(f"Global{kind}Pool", [src], [layer.name], name=layer.name)
        # ONNX's ceil mode keeps a last window that starts in the padding, socsim's drops it
        # (and is then the floor, for padding under the kernel size): write the mode that
        # gives socsim's shape.
        want = (layer.h_out, layer.w_out)
        modes = [c for c in dict.fromkeys((layer.ceil_mode, False)) if _onnx_hw(layer, c) == want]
        if not modes:
            raise WorkloadError(
                f"layer {layer.name!r}: a ceil-mode pool padded by {layer.pad_h}x{layer.pad_w} "
                f"with a {layer.k_h}x{layer.k_w} kernel, which ONNX cannot express, expected "
                "padding smaller than the kernel"
            )
        ceil = modes[0]
        return self.helper.make_node(
            f"{kind}Pool", [src], [layer.name], name=layer.name,
            kernel_shape=[layer.k_h, layer.k_w], strides=[layer.stride] * 2,
            pads=[layer.pad_h, layer.pad_w] * 2, ceil_mode=int(ceil),
        )  # fmt: skip

    def _operands(self, layer: Layer) -> list[str]:
        """The tensors `layer` reads; a layer reading from memory gets a graph input."""
        if layer.inputs:
            return list(layer.inputs)
        name = f"{layer.name}.ifmap"
        self.inputs.append(self._info(name, [1, *layer.in_shape]))
        return [name]

    def _nchw(self, src: str) -> str:
        """`src` as a 4-D tensor: an fc's [1, N] output is reshaped to [1, N, 1, 1] once."""
        if src not in self.fc:
            return src
        name = f"{src}.nchw"
        if name not in self.nchw:
            self.nchw.add(name)
            shape = self.onnx.numpy_helper.from_array(
                np.array([1, -1, 1, 1], dtype=np.int64), f"{name}.shape"
            )
            self.initializers.append(shape)
            self.nodes.append(
                self.helper.make_node("Reshape", [src, shape.name], [name], name=name)
            )
        return name

    def _parameters(self, layer: Layer, weight: tuple[int, ...]) -> list[str]:
        """Random float32 initializers `<name>.weight` (of shape `weight`) and `<name>.bias`,
        uniform in [-0.5, 0.5)."""
        names = [f"{layer.name}.weight", f"{layer.name}.bias"]
        for name, shape in zip(names, (weight, (layer.c_out,)), strict=True):
            values = self.rng.random(shape, dtype=np.float32) - np.float32(0.5)
            self.initializers.append(self.onnx.numpy_helper.from_array(values, name))
        return names

    def _info(self, name: str, dims: list[int]) -> onnx.ValueInfoProto:
        return self.helper.make_tensor_value_info(name, self.onnx.TensorProto.FLOAT, dims)


def _dims(layer: Layer) -> list[int]:
    """The ONNX shape of a layer's output tensor: [1, N] for an fc, NCHW otherwise."""
    return [1, layer.c_out] if layer.op is Op.FC else [1, *layer.out_shape]


def _onnx_hw(pool: Layer, ceil: bool) -> tuple[int, int]:
    """A pool's output height and width by ONNX's rule: in ceil mode it keeps a last window
    that starts in the padding."""
    spans = (pool.h_in + 2 * pool.pad_h - pool.k_h, pool.w_in + 2 * pool.pad_w - pool.k_w)
    h, w = ((-(-span // pool.stride) if ceil else span // pool.stride) + 1 for span in spans)
    return h, w
