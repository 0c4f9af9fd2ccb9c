"""One entry point for every way a user names a network: an object, a file or a zoo name."""

from __future__ import annotations

import os

from socsim.checks import shown
from socsim.errors import WorkloadError
from socsim.workloads.network import Network
from socsim.workloads.onnx_io import read_onnx
from socsim.workloads.scalesim import read_topology
from socsim.workloads.zoo import get_network


def load_network(
    spec: str | os.PathLike[str] | Network, *, skip_unsupported: bool = False
) -> Network:
    """The network `spec` names.

    A `Network` is returned as is; a path ending in ``.csv`` (any case) is read as a
    SCALE-Sim topology, one ending in ``.onnx`` as an ONNX model (`read_onnx`, which
    `skip_unsupported` is passed to; it needs the onnx package); anything else is a zoo name
    (case-insensitive). Raises `WorkloadError` for a missing or malformed file and for an
    unknown name.
    """
    if isinstance(spec, Network):
        return spec
    if not isinstance(spec, (str, os.PathLike)):
        raise WorkloadError(
            f"network={shown(spec)}, expected a Network, a zoo name, a topology .csv or an "
            ".onnx model"
        )
    text = os.fspath(spec)
    if text.lower().endswith(".csv"):
        return read_topology(text)
    if text.lower().endswith(".onnx"):
        return read_onnx(text, skip_unsupported=skip_unsupported)
    return get_network(text)
