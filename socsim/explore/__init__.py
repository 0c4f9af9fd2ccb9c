"""Design-space exploration: many designs, run in parallel, kept, and compared.

A design point is one network on one SoC: a base configuration with dotted-path overrides
(`pe_array.rows: 8`). A sweep spec (`load_spec`, YAML) crosses networks with a grid and/or
random samples of overrides; every point is validated before anything runs and gets an id
that hashes what is simulated, so results can be found again. `run_points` evaluates the
points a dataset does not hold yet on an executor (this process, local processes, or a
Dask cluster) and streams the rows into a `ResultStore`, a directory of Parquet parts
written atomically: an interrupted sweep resumes where it stopped, and a failing point
records its error without stopping the others. `pareto` keeps the designs no other beats
on time, energy and parameters at once; `codesign` searches SqueezeNext's depth
distribution for one SoC with the same machinery.
"""

from socsim.explore.codesign import (
    CodesignResult,
    codesign,
    codesign_report,
    compositions,
    search_space,
)
from socsim.explore.evaluate import SCHEMA, evaluate
from socsim.explore.executors import (
    DaskExecutor,
    Executor,
    ProcessExecutor,
    SerialExecutor,
    make_executor,
)
from socsim.explore.pareto import OBJECTIVES, pareto, pareto_figure
from socsim.explore.spec import (
    DesignPoint,
    SqueezeNextNetwork,
    SweepSpec,
    ZooNetwork,
    load_spec,
    make_point,
    parse_spec,
)
from socsim.explore.store import ResultStore
from socsim.explore.sweep import SweepResult, front_table, run_points, sweep, sweep_report

__all__ = [
    "OBJECTIVES",
    "SCHEMA",
    "CodesignResult",
    "DaskExecutor",
    "DesignPoint",
    "Executor",
    "ProcessExecutor",
    "ResultStore",
    "SerialExecutor",
    "SqueezeNextNetwork",
    "SweepResult",
    "SweepSpec",
    "ZooNetwork",
    "codesign",
    "codesign_report",
    "compositions",
    "evaluate",
    "front_table",
    "load_spec",
    "make_executor",
    "make_point",
    "pareto",
    "pareto_figure",
    "parse_spec",
    "run_points",
    "search_space",
    "sweep",
    "sweep_report",
]
