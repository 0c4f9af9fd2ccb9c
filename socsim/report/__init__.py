"""Reports: from a run's event log to tables, figures and traces.

`summary` holds the tables every `Result` carries (events with energy, the layer, frame and
run tables, built by `socsim.summarize`, below this package); `breakdown` groups them by stage, block, stall cause and unit; `plots` draws the
paper's figures and a run's timeline and power (matplotlib, written to files); `trace`
exports a run for the Perfetto / Chrome trace viewer; `paper` runs the paper's study. Reports
import the simulator, never the reverse; names load on first use, so a report's import does
not load matplotlib until it draws.
"""

from importlib import import_module

_LAZY = {
    "block_summary": "socsim.report.breakdown",
    "energy_by_component": "socsim.report.breakdown",
    "normalise": "socsim.report.breakdown",
    "run_table": "socsim.report.breakdown",
    "stage_summary": "socsim.report.breakdown",
    "stall_summary": "socsim.report.breakdown",
    "plot_accuracy_vs_cost": "socsim.report.plots",
    "plot_layer_times": "socsim.report.plots",
    "plot_power": "socsim.report.plots",
    "plot_stage_times": "socsim.report.plots",
    "plot_timeline": "socsim.report.plots",
    "to_chrome_trace": "socsim.report.trace",
    "write_chrome_trace": "socsim.report.trace",
}

__all__ = list(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'socsim.report' has no attribute {name!r}")
