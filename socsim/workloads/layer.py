"""One layer of a CNN as plain data: its shapes, its work (MACs) and its weights (params)."""

from __future__ import annotations

from dataclasses import dataclass

from socsim.checks import checked_number, shown
from socsim.enums import StrEnum
from socsim.errors import WorkloadError

# The largest channel count, size, kernel, stride or padding a layer may have: past it a
# value is surely a slip (an image 10^24 pixels high) whose mapping would never finish.
MAX_EXTENT = 1 << 20
MAX_LAYERS = 10_000  # layers of a network: ten times the deepest CNN of the zoo's kind


class Op(StrEnum):
    """What a layer computes; the values are the `op` column of `socsim layers`."""

    CONV = "conv"
    FC = "fc"
    MAXPOOL = "maxpool"
    AVGPOOL = "avgpool"
    ADD = "add"
    CONCAT = "concat"


WEIGHTED_OPS = frozenset({Op.CONV, Op.FC})
POOL_OPS = frozenset({Op.MAXPOOL, Op.AVGPOOL})


def _pool_extent(size: int, pad: int, k: int, stride: int, ceil_mode: bool) -> int:
    """Output extent along one axis; ceil mode follows Caffe (the last window starts inside)."""
    span = size + 2 * pad - k
    if not ceil_mode:
        return span // stride + 1
    out = -(-span // stride) + 1
    if pad and (out - 1) * stride >= size + pad:
        out -= 1
    return out


@dataclass(frozen=True, kw_only=True)
class Layer:
    """A layer with its input shape (channels, height, width) and its hyper-parameters.

    A fully connected layer reads the whole input map, so its kernel is the input's height
    and width (it is the convolution whose output is 1x1). Element-wise `add` reads every
    tensor of `inputs`, each of shape (c_in, h_in, w_in); `concat` has `c_in` equal to the
    sum of its inputs' channels. Padding is symmetric, in pixels on each side.
    """

    name: str
    op: Op
    c_in: int
    h_in: int
    w_in: int
    c_out: int = 0  # filters for conv and fc; derived for every other op
    k_h: int = 1
    k_w: int = 1
    stride: int = 1
    pad_h: int = 0
    pad_w: int = 0
    groups: int = 1
    ceil_mode: bool = False  # pooling rounds the output size up (Caffe) instead of down
    inputs: tuple[str, ...] = ()
    stage: int | None = None  # for per-stage reports (SqueezeNext stages 1 to 4)
    block: int | None = None  # for per-block reports, numbered through the network

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise WorkloadError(f"layer name={shown(self.name)}, expected a string")
        object.__setattr__(self, "op", self._parse_op(self.op))
        object.__setattr__(self, "inputs", tuple(self.inputs))
        for field in ("c_in", "h_in", "w_in", "c_out", "k_h", "k_w", "stride", "groups"):
            low = 0 if field == "c_out" else 1  # c_out: 0 until derived for layers without weights
            self._number(field, low)
        for field in ("pad_h", "pad_w"):
            self._number(field, 0)
        if self.op is Op.FC:
            for field in ("pad_h", "pad_w"):
                self._require(field, getattr(self, field) == 0, "0 for a fully connected layer")
            object.__setattr__(self, "k_h", self.h_in)
            object.__setattr__(self, "k_w", self.w_in)
        if self.op in WEIGHTED_OPS:
            self._require("c_out", self.c_out >= 1, "a positive integer")
            self._require("groups", self.c_in % self.groups == 0, f"a divisor of c_in={self.c_in}")
            self._require(
                "groups", self.c_out % self.groups == 0, f"a divisor of c_out={self.c_out}"
            )
        else:
            self._require("groups", self.groups == 1, "1 for a layer without weights")
            object.__setattr__(self, "c_out", self.c_in)
        if self.op in (Op.ADD, Op.CONCAT):
            self._require("inputs", len(self.inputs) >= 2, "at least two input layers")
        self._require(
            "k_h",
            self.k_h <= self.h_in + 2 * self.pad_h,
            f"at most the padded input height {self.h_in + 2 * self.pad_h}",
        )
        self._require(
            "k_w",
            self.k_w <= self.w_in + 2 * self.pad_w,
            f"at most the padded input width {self.w_in + 2 * self.pad_w}",
        )

    def _parse_op(self, op: Op | str) -> Op:
        try:
            return Op(op)
        except ValueError:
            raise WorkloadError(
                f"layer {self.name!r}: op={op!r}, expected one of {', '.join(o.value for o in Op)}"
            ) from None

    def _number(self, field: str, low: int) -> None:
        """Checks that `field` is a whole number in [low, MAX_EXTENT]."""
        where = f"layer {self.name!r}: {field}"
        value = getattr(self, field)
        number = checked_number(
            where, value, quantity="integer", low=low, high=MAX_EXTENT, integer=True,
            error=WorkloadError,
        )  # fmt: skip
        object.__setattr__(self, field, number)

    def _require(self, field: str, ok: bool, expected: str) -> None:
        if not ok:
            raise WorkloadError(
                f"layer {self.name!r}: {field}={getattr(self, field)!r}, expected {expected}"
            )

    # -- shapes ---------------------------------------------------------------------------

    @property
    def h_out(self) -> int:
        if self.op in POOL_OPS:
            return _pool_extent(self.h_in, self.pad_h, self.k_h, self.stride, self.ceil_mode)
        return (self.h_in + 2 * self.pad_h - self.k_h) // self.stride + 1

    @property
    def w_out(self) -> int:
        if self.op in POOL_OPS:
            return _pool_extent(self.w_in, self.pad_w, self.k_w, self.stride, self.ceil_mode)
        return (self.w_in + 2 * self.pad_w - self.k_w) // self.stride + 1

    @property
    def in_shape(self) -> tuple[int, int, int]:
        return (self.c_in, self.h_in, self.w_in)

    @property
    def out_shape(self) -> tuple[int, int, int]:
        return (self.c_out, self.h_out, self.w_out)

    @property
    def outputs(self) -> int:
        """Number of output elements."""
        return self.c_out * self.h_out * self.w_out

    @property
    def has_weights(self) -> bool:
        return self.op in WEIGHTED_OPS

    @property
    def reduction(self) -> int:
        """Products summed into one output of a conv or fc: c_in / groups x k_h x k_w."""
        return self.c_in // self.groups * self.k_h * self.k_w if self.has_weights else 0

    # -- work and storage -----------------------------------------------------------------

    @property
    def macs_plain(self) -> int:
        """Multiply-accumulates of the loop nest, without the bias."""
        return self.outputs * self.reduction

    @property
    def macs(self) -> int:
        """MACs by the paper's convention: one more per output for the bias or folded BN."""
        return self.macs_plain + self.outputs if self.has_weights else 0

    @property
    def weights(self) -> int:
        """Filter weights, without biases."""
        return self.c_out * self.reduction

    @property
    def params(self) -> int:
        """Parameters by the paper's convention: the weights plus one bias per filter."""
        return self.weights + self.c_out if self.has_weights else 0

    @property
    def input_elements(self) -> int:
        """Elements read from the input tensors (every operand of an element-wise add)."""
        operands = len(self.inputs) if self.op is Op.ADD else 1
        return operands * self.c_in * self.h_in * self.w_in

    def ifmap_bytes(self, bytes_per_word: int = 2) -> int:
        return self.input_elements * bytes_per_word

    def weight_bytes(self, bytes_per_word: int = 2) -> int:
        return self.params * bytes_per_word

    def ofmap_bytes(self, bytes_per_word: int = 2) -> int:
        return self.outputs * bytes_per_word

    def __str__(self) -> str:
        shape = f"{self.c_in}x{self.h_in}x{self.w_in} -> {self.c_out}x{self.h_out}x{self.w_out}"
        return f"{self.name} ({self.op.value} {self.k_h}x{self.k_w}/{self.stride}, {shape})"
