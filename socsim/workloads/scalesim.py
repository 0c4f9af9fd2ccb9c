"""SCALE-Sim topology files: read one into a `Network`, write any `Network` as one.

A topology is a CSV file with a header line (`HEADER`) and one row per layer, such as
``conv1,227,227,7,7,3,64,2,``: name, IFMAP Height, IFMAP Width, Filter Height, Filter Width,
Channels, Num Filter, Strides. The ifmap height and width include the padding; there are
Num Filter filters, each Filter Height x Filter Width over Channels input channels.
SCALE-Sim models only convolutions (a fully connected layer is the convolution whose filter
covers the ifmap), so its files leave out pooling, element-wise add and concatenation, and
consecutive rows often do not connect.

Reading (`read_topology`):

- The network input is the first row's ifmap; every other row reads the most recent
  earlier row (or the network input) whose output fits its ifmap: same channels, and the
  same height and width up to a symmetric padding smaller than the filter. The padding so
  found is the layer's `pad_h`/`pad_w`, so networks written by `write_topology` come back
  with their padding and their edges.
- A row that fits no earlier output (a pooling or concatenation was left out, or the file
  is a list of unrelated layers) reads its ifmap from outside the network: it becomes an
  unpadded layer with `inputs=()` and exactly the declared ifmap.
- A row whose filter covers the ifmap stays a conv (1x1 output); it has the shapes and
  MACs of the fully connected layer it may stand for.
- A name containing ``DP`` marks a depthwise row, as in SCALE-Sim: Channels channels with
  Num Filter filters each (groups = Channels). Rows ``<name>_g0 .. <name>_g<n-1>`` with
  identical numbers, as `write_topology` emits for a grouped conv, become one conv with
  ``groups=n``.
- Columns after Strides (SCALE-Sim's sparsity ratio, notes) are ignored; blank lines and
  rows of empty fields are skipped; spaces around fields and a trailing comma are fine.

Writing (`topology_text`, `write_topology`) emits the conv and fc layers only, with the
padding added to the ifmap. SCALE-Sim has no groups, so a grouped (or depthwise) conv is
written as one row per group, ``<name>_g<i>``, each with c_in/groups channels and
c_out/groups filters: SCALE-Sim then simulates the groups one after the other, and the
MACs and weights add up to the grouped layer's.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from socsim.errors import WorkloadError
from socsim.workloads.layer import MAX_LAYERS, Layer, Op
from socsim.workloads.network import INPUT, Network

COLUMNS = (
    "Layer name", "IFMAP Height", "IFMAP Width", "Filter Height", "Filter Width",
    "Channels", "Num Filter", "Strides",
)  # fmt: skip
HEADER = ", ".join(COLUMNS) + ","
DEPTHWISE_MARK = "DP"  # SCALE-Sim reads a row whose name contains this as depthwise
_GROUP_ROW = re.compile(r"(.+)_g(\d+)")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Row:
    """One layer row; `line` is its 1-based line in the file, c_in and c_out span all groups."""

    line: int
    name: str
    h: int  # ifmap height including padding
    w: int
    k_h: int
    k_w: int
    c_in: int
    c_out: int
    stride: int
    groups: int = 1

    @property
    def numbers(self) -> tuple[int, ...]:
        return (self.h, self.w, self.k_h, self.k_w, self.c_in, self.c_out, self.stride)


# -- reading --------------------------------------------------------------------------------


def read_topology(path: str | os.PathLike[str]) -> Network:
    """Read a SCALE-Sim topology CSV; the network is named after the file's stem.

    Raises `WorkloadError` naming the file, and for a bad row its line and column.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: spreadsheets save a BOM
    except FileNotFoundError:
        raise WorkloadError(f"{path}: no such file, expected a SCALE-Sim topology CSV") from None
    except (OSError, UnicodeDecodeError) as err:
        reason = getattr(err, "strerror", None) or err
        raise WorkloadError(
            f"{path}: cannot read ({reason}), expected a SCALE-Sim topology CSV"
        ) from None
    lines = text.count("\n")
    if lines > MAX_LAYERS + 1:  # before parsing: a million rows would take minutes
        raise WorkloadError(
            f"{path}: {lines:,} lines, expected a topology of at most {MAX_LAYERS:,} layers"
        )
    rows = _merge_group_rows(_parse_rows(text, str(path)))
    return _build(path.stem, rows, str(path))


def _parse_rows(text: str, source: str) -> list[_Row]:
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    header_seen = False
    for number, line in enumerate(text.splitlines(), 1):
        fields = [field.strip() for field in line.split(",")]
        if not any(fields):
            continue
        where = f"{source} line {number}"
        if not header_seen:
            if fields[0].lower() != COLUMNS[0].lower():
                raise WorkloadError(f"{where}: header {line.strip()!r}, expected {HEADER!r}")
            header_seen = True
            continue
        row = _parse_row(fields, number, where)
        if row.name in seen:
            raise WorkloadError(
                f"{where}: Layer name={row.name!r} repeats line {seen[row.name]}, "
                "expected unique names"
            )
        seen[row.name] = number
        rows.append(row)
    if not rows:
        raise WorkloadError(
            f"{source}: no layer rows, expected a header line and one row per layer"
        )
    return rows


def _parse_row(fields: list[str], number: int, where: str) -> _Row:
    if len(fields) < len(COLUMNS):
        raise WorkloadError(
            f"{where}: {COLUMNS[len(fields)]} missing, expected {len(COLUMNS)} columns: {HEADER}"
        )
    name = fields[0]
    if not name:
        raise WorkloadError(f"{where}: {COLUMNS[0]}='', expected a non-empty name")
    h, w, k_h, k_w, channels, filters, stride = (
        _positive(value, column, where)
        for value, column in zip(fields[1 : len(COLUMNS)], COLUMNS[1:], strict=True)
    )
    if DEPTHWISE_MARK in name:
        return _Row(number, name, h, w, k_h, k_w, channels, channels * filters, stride, channels)
    return _Row(number, name, h, w, k_h, k_w, channels, filters, stride)


def _positive(value: str, column: str, where: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise WorkloadError(f"{where}: {column}={value!r}, expected a positive integer")
    return number


def _merge_group_rows(rows: list[_Row]) -> list[_Row]:
    """Fold runs ``x_g0 .. x_g<n-1>`` of identical rows back into one grouped conv ``x``."""
    merged: list[_Row] = []
    i = 0
    while i < len(rows):
        row = rows[i]
        match = _GROUP_ROW.fullmatch(row.name)
        n = 1
        if match and match[2] == "0" and row.groups == 1:
            base = match[1]
            while (
                i + n < len(rows)
                and rows[i + n].name == f"{base}_g{n}"
                and rows[i + n].numbers == row.numbers
            ):
                n += 1
            if n > 1:
                row = replace(row, name=base, c_in=row.c_in * n, c_out=row.c_out * n, groups=n)
        merged.append(row)
        i += n
    return merged


def _build(name: str, rows: list[_Row], source: str) -> Network:
    first = rows[0]
    input_shape = (first.c_in, first.h, first.w)
    outputs: list[tuple[str, tuple[int, int, int]]] = [(INPUT, input_shape)]
    layers = []
    for row in rows:
        inputs, h_in, w_in = _producer(row, outputs)
        try:
            layer = Layer(
                name=row.name, op=Op.CONV, c_in=row.c_in, h_in=h_in, w_in=w_in,
                c_out=row.c_out, k_h=row.k_h, k_w=row.k_w, stride=row.stride,
                pad_h=(row.h - h_in) // 2, pad_w=(row.w - w_in) // 2, groups=row.groups,
                inputs=inputs,
            )  # fmt: skip
        except WorkloadError as err:
            raise WorkloadError(f"{source} line {row.line}: {err}") from None
        layers.append(layer)
        outputs.append((layer.name, layer.out_shape))
    loose = [layer.name for layer in layers if not layer.inputs]
    if loose:
        logger.info("%s: %d of %d layers fit no earlier output and read their own ifmap: %s",
                    source, len(loose), len(layers), ", ".join(loose))  # fmt: skip
    try:
        return Network(name, input_shape, tuple(layers))
    except WorkloadError as err:
        raise WorkloadError(f"{source}: {err}") from None


def _producer(
    row: _Row, outputs: list[tuple[str, tuple[int, int, int]]]
) -> tuple[tuple[str, ...], int, int]:
    """The inputs and the unpadded ifmap height and width of `row`: see the module docstring."""
    for tensor, (c, h, w) in reversed(outputs):
        if c == row.c_in and _pads(row.h - h, row.k_h) and _pads(row.w - w, row.k_w):
            return (tensor,), h, w
    return (), row.h, row.w


def _pads(extra: int, k: int) -> bool:
    """Whether `extra` pixels are a symmetric padding a k-wide filter can have (under k)."""
    return extra >= 0 and extra % 2 == 0 and extra // 2 < k


# -- writing --------------------------------------------------------------------------------


def topology_text(network: Network) -> str:
    """The SCALE-Sim topology of `network`'s conv and fc layers, header first.

    Raises `WorkloadError` if the network has no conv or fc layer, or a layer name that
    SCALE-Sim would misread (see `_check_name`).
    """
    lines = [HEADER]
    for layer in network.layers:
        if layer.has_weights:
            lines.extend(_layer_rows(layer))
    if len(lines) == 1:
        raise WorkloadError(
            f"network {network.name!r}: no conv or fc layer, expected at least one to write"
        )
    return "\n".join(lines) + "\n"


def write_topology(network: Network, path_or_stream: str | os.PathLike[str] | TextIO) -> None:
    """Write `topology_text(network)` to a text stream or a file path."""
    text = topology_text(network)
    if hasattr(path_or_stream, "write"):
        path_or_stream.write(text)
    else:
        Path(path_or_stream).write_text(text, encoding="utf-8")


def _layer_rows(layer: Layer) -> list[str]:
    _check_name(layer.name)
    g = layer.groups
    numbers = (
        layer.h_in + 2 * layer.pad_h, layer.w_in + 2 * layer.pad_w, layer.k_h, layer.k_w,
        layer.c_in // g, layer.c_out // g, layer.stride,
    )  # fmt: skip
    names = [layer.name] if g == 1 else [f"{layer.name}_g{i}" for i in range(g)]
    # The trailing comma matters: SCALE-Sim drops each row's last field.
    return [",".join([name, *map(str, numbers)]) + "," for name in names]


def _check_name(name: str) -> None:
    """Refuse names that would split a row or that SCALE-Sim would read as depthwise."""
    if "," in name or DEPTHWISE_MARK in name or not name.isprintable():
        raise WorkloadError(
            f"layer {name!r}: name={name!r}, expected no comma, no {DEPTHWISE_MARK!r} "
            "(SCALE-Sim's depthwise mark) and no control characters"
        )
