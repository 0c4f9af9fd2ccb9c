"""socsim: discrete-event simulation of neural-network accelerator SoCs."""

from socsim.errors import ConfigError, MappingError, SimulationError, SocsimError, WorkloadError

__all__ = ["ConfigError", "MappingError", "SimulationError", "SocsimError", "WorkloadError"]
__version__ = "0.1.0"
