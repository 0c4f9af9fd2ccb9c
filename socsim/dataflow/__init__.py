"""Dataflow: how one layer runs on the PE array, worked out analytically.

A layer is mapped onto a `rows` x `cols` PE array with a global buffer by a dataflow:
output stationary (OS: PEs keep partial sums while inputs and weights stream past), weight
stationary (WS: PEs keep weights while pixels stream past), on the broadcast array row
stationary (RS, Eyeriss's: PEs keep filter rows and convolve input rows, partial sums
summed down the columns) or, on a systolic array, input stationary (IS: PEs keep inputs
while filters stream past). The array's timing model is
`broadcast` (the Squeezelerator's buses) or `systolic` (SCALE-Sim's skewed array). The
mapping cuts the layer into tiles that fit the buffer (double-buffered) and prices each
tile: bytes to load and store, compute cycles on the array (folds, fill and drain, idle
PEs, buffer stalls) and access counts per level (MAC, register file, inter-PE, global
buffer, DRAM). The SimPy layer (`socsim.components`) turns tiles into time; it never
re-derives them.

Model assumption: layer-by-layer execution. Every layer reads its inputs from DRAM and
writes its outputs to DRAM; nothing stays on chip between layers.

`socsim.dataflow.mapper` documents the micro-architecture precisely; `reference` simulates
the broadcast array cycle by cycle on small layers to check the closed forms, and SCALE-Sim
itself checks the systolic ones (tests/dataflow/test_scalesim_parity.py). Pure Python and
numpy: this package never imports simpy.
"""

from socsim.dataflow.mapper import choose_dataflow, map_layer
from socsim.dataflow.types import (
    AccessCounts,
    ArrayConfig,
    ArrayTiming,
    Dataflow,
    LayerMapping,
    Region,
    SparsityMode,
    Tile,
    TilePlan,
)

__all__ = [
    "AccessCounts",
    "ArrayConfig",
    "ArrayTiming",
    "Dataflow",
    "LayerMapping",
    "Region",
    "SparsityMode",
    "Tile",
    "TilePlan",
    "choose_dataflow",
    "map_layer",
]
