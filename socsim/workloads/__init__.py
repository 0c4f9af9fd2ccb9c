"""Workloads: CNN layers and networks as plain data.

A `Layer` knows its shapes, its MACs and its parameters (by the SqueezeNext paper's
convention: one extra operation per output for the bias or folded batch norm); a `Network`
is a DAG of layers in topological order. The zoo builds every network of the paper and a
few everyday ones; SCALE-Sim topology files can be read and written; `load_network` takes
any of these by name or path.
"""

from socsim.workloads.layer import Layer, Op
from socsim.workloads.load import load_network
from socsim.workloads.network import INPUT, Network, NetworkBuilder
from socsim.workloads.scalesim import read_topology, write_topology
from socsim.workloads.zoo import get_network, model_names

__all__ = [
    "INPUT",
    "Layer",
    "Network",
    "NetworkBuilder",
    "Op",
    "get_network",
    "load_network",
    "model_names",
    "read_topology",
    "write_topology",
]
