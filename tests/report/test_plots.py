"""Every figure writes a readable file; the power plot's bucketing conserves energy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from socsim.errors import ConfigError
from socsim.report import (
    plot_accuracy_vs_cost,
    plot_layer_times,
    plot_power,
    plot_stage_times,
    plot_timeline,
)
from socsim.report.plots import _spread

PNG = b"\x89PNG\r\n\x1a\n"


def written(path) -> bool:
    return path.stat().st_size > 10_000 and path.read_bytes()[:8] == PNG


def test_layer_and_stage_figures_write_pngs(tiny, shared, tmp_path):
    runs = {"one cluster": tiny, "two clusters": shared}
    assert written(plot_layer_times(runs, tmp_path / "fig6.png"))
    assert written(plot_stage_times(runs, tmp_path / "fig8.png"))


def test_accuracy_figure_writes_a_png_and_skips_rows_without_figures(tmp_path):
    table = pd.DataFrame(
        {
            "model": ["AlexNet", "SqueezeNet-v1.1", "1.0-SqNxt-23", "1.0-SqNxt-23v5", "x"],
            "top1": [57.1, 57.1, 59.05, 59.24, np.nan],
            "params_M": [60.9, 1.2, 0.72, 0.94, 1.0],
            "time": [8.26, 1.31, 1.22, 1.0, 2.0],
            "energy": [1.5e10, 2.4e9, 2.5e9, 2.0e9, 3e9],
        }
    )
    path = plot_accuracy_vs_cost(table, tmp_path / "fig7.png", "squeezelerator-16x16")
    assert written(path)


def test_timeline_writes_whole_runs_and_windows(tiny, shared, tmp_path):
    assert written(plot_timeline(tiny, tmp_path / "whole.png"))
    assert written(plot_timeline(shared, tmp_path / "shared.png"))
    middle = tiny.summary["cycles"] // 2
    assert written(plot_timeline(tiny, tmp_path / "window.png", middle, middle + 5000))


def test_power_writes_pngs_in_both_energy_units(tiny, shared, tmp_path):
    assert written(plot_power(tiny, tmp_path / "power.png"))
    assert written(plot_power(shared, tmp_path / "power_pj.png", window_cycles=1000))


def test_spreading_is_uniform_over_each_interval_and_conserves_the_total():
    starts, ends = np.array([0, 5, 12]), np.array([10, 5, 16])
    amounts = np.array([[10.0, 1.0], [3.0, 0.0], [8.0, 4.0]])  # the second is instantaneous
    buckets = _spread(starts, ends, amounts, np.array([0, 4, 8, 12, 16]))
    np.testing.assert_allclose(buckets[:, 0], [4.0, 4.0 + 3.0, 2.0, 8.0])
    np.testing.assert_allclose(buckets[:, 1], [0.4, 0.4, 0.2, 4.0])


def test_bucketed_energy_of_a_run_equals_its_total(shared):
    events = shared.events
    levels = [c for c in events.columns if c.startswith("energy_")]
    edges = np.arange(0, events["end"].max() + 777, 777)
    buckets = _spread(
        events["start"].to_numpy(), events["end"].to_numpy(), events[levels].to_numpy(), edges
    )
    assert buckets.sum() == pytest.approx(events[levels].to_numpy().sum(), rel=1e-9)
    assert (buckets > -1e-6).all()


def test_an_empty_timeline_window_is_a_config_error(tiny, tmp_path):
    with pytest.raises(ConfigError, match="start < end"):
        plot_timeline(tiny, tmp_path / "empty.png", start=500, end=500)
