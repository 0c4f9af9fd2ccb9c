"""socsim: discrete-event simulation of neural-network accelerator SoCs.

`simulate(network, soc)` runs a zoo network (or a `Network`, or a topology or ONNX file)
on a preset SoC (or a `SocConfig`, or a YAML file) and returns a `Result` whose DataFrames
hold every event, every layer and every frame.

The names below load on first use, so `import socsim.dataflow` (pure numpy) does not pull
in the SimPy layer.
"""

from importlib import import_module

from socsim.errors import ConfigError, MappingError, SimulationError, SocsimError, WorkloadError

_LAZY = {
    "Arrival": "socsim.components.stream",
    "Result": "socsim.simulation",
    "SocConfig": "socsim.components.config",
    "PeArrayConfig": "socsim.components.config",
    "GlobalBufferConfig": "socsim.components.config",
    "DmaConfig": "socsim.components.config",
    "DramConfig": "socsim.components.config",
    "InterconnectConfig": "socsim.components.config",
    "ControllerConfig": "socsim.components.config",
    "EnergyConfig": "socsim.components.config",
    "with_overrides": "socsim.components.config",
    "get_preset": "socsim.components.presets",
    "load_soc": "socsim.components.presets",
    "simulate": "socsim.simulation",
    "limited": "socsim.limits",
}

__all__ = [
    "ConfigError",
    "MappingError",
    "SimulationError",
    "SocsimError",
    "WorkloadError",
    *_LAZY,
]
__version__ = "0.1.0"


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'socsim' has no attribute {name!r}")
