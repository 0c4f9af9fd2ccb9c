"""Components: the SoC as interacting SimPy processes.

Each hardware block is one class with a dotted scope (`soc.cluster0.dma`) and a frozen
config dataclass (`config.py`): DRAM, the interconnect, and per cluster a DMA engine, a
global buffer, a PE array and a controller; a host spreads frames over the clusters. The
controller turns each layer's tiles (from `socsim.dataflow`) into time: reserve buffer
space, DMA the inputs in, compute, DMA the outputs out, with loads of the next tile
overlapping compute. Contention is real: the DMA engines share the interconnect and DRAM,
and a full buffer makes loads wait. Every component appends rows to one `EventLog`.
"""
