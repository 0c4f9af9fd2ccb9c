"""Components: the SoC as interacting SimPy processes.

Each hardware block is one class with a dotted scope (`soc.cluster0.dma`) and a frozen
config dataclass (`config.py`): DRAM, the interconnect, and per cluster a DMA engine, a
global buffer, a PE array and a controller; a host spreads frames over the clusters. The
controller turns each layer's tiles (from `socsim.dataflow`) into time: reserve buffer
space, DMA the inputs in, compute, DMA the outputs out, with loads of the next tile
overlapping compute. Contention is real: the DMA engines share the interconnect and DRAM,
and a full buffer makes loads wait. Every component appends rows to one `EventLog`.

Every block is replaceable without editing socsim: the builder (`soc.py`) makes each from
the class its config section names in `component`, so a config subclass can name a class
of yours. Each class's docstring states the protocol a replacement keeps: its constructor,
the methods the others call, and the rows it logs; `socsim.testing` checks a run of it.
A run ends when its last frame finishes: a process that schedules events forever (a
periodic tick) is left behind then. A run with frames in flight that logs nothing for
1000 x `Soc.tile_bound` cycles (a generous bound from the plan) while such a process keeps
the clock alive raises `SimulationError` naming the process's unit, as does an exception
a replacement raises. Work out periodic activity from the clock when it matters, as
examples/custom_component.py does: a tick costs an event each time.
"""
