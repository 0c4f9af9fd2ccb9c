"""The exceptions socsim raises; the CLI turns each into one line on stderr and exit status 2."""


class SocsimError(Exception):
    """Base of every error socsim raises on purpose."""


class WorkloadError(SocsimError):
    """A layer, network or topology file that cannot be built or read."""


class ConfigError(SocsimError):
    """A configuration value that is out of range, of the wrong type or unknown."""


class MappingError(SocsimError):
    """A layer that cannot be mapped onto the array or tiled to the global buffer."""


class SimulationError(SocsimError):
    """A simulation that cannot finish (deadlock, a tile that can never be admitted).

    Raised by `simulate`, it carries what the run did before it stopped: `result`, a
    `socsim.simulation.Result` of the events so far (unfinished frames have no finish), and
    `waits`, what each blocked controller stage waits for (`"soc.cluster0.controller load"`
    -> `"soc.cluster0.dma: the load of layer 0 tile 0"`). Both are None when the error was
    not raised by a run.
    """

    result = None
    waits: dict[str, str] | None = None
