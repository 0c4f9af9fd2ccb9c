"""socsim: discrete-event simulation of neural-network accelerator SoCs.

`simulate(network, soc)` runs a zoo network (or a `Network`, or a topology file) on a
preset SoC (or a `SocConfig`, or a YAML file) and returns a `Result` whose DataFrames hold
every event, every layer and every frame.
"""

from socsim.components.config import SocConfig
from socsim.components.presets import get_preset, load_soc
from socsim.components.stream import Arrival
from socsim.errors import ConfigError, MappingError, SimulationError, SocsimError, WorkloadError
from socsim.simulate import Result, simulate

__all__ = [
    "Arrival",
    "ConfigError",
    "MappingError",
    "Result",
    "SimulationError",
    "SocConfig",
    "SocsimError",
    "WorkloadError",
    "get_preset",
    "load_soc",
    "simulate",
]
__version__ = "0.1.0"
