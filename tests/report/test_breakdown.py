"""Stage, block, stall and component tables: every grouping adds up to what it groups."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import socsim
from socsim.report import (
    block_summary,
    energy_by_component,
    normalise,
    run_table,
    stage_summary,
    stall_summary,
)
from socsim.summarize import ENERGY_COLUMNS, STALL_CAUSES, idle_by_unit
from socsim.workloads import NetworkBuilder
from socsim.workloads.network import INPUT

SUMMED = ["cycles", "compute_cycles", "macs", "dram_bytes", *ENERGY_COLUMNS, "energy"]


@pytest.mark.parametrize("run", ["tiny", "shared"])
def test_stage_rows_add_up_to_the_layers(run, request):
    result = request.getfixturevalue(run)
    stages = stage_summary(result)
    layers = result.layers
    assert list(stages.index) == ["stem", "stage 1", "stage 2", "stage 3", "stage 4", "head"]
    assert stages["layers"].sum() == len(layers)
    np.testing.assert_allclose(stages[SUMMED].sum(), layers[SUMMED].sum(), rtol=1e-12)


def test_stage_efficiency_is_macs_over_compute_cycles_times_pes(tiny):
    stages = stage_summary(tiny)
    pes = tiny.soc.pe_array.rows * tiny.soc.pe_array.cols
    expected = stages["macs"] / (stages["compute_cycles"] * pes)
    np.testing.assert_allclose(stages["efficiency"], expected)
    assert ((stages["efficiency"] > 0) & (stages["efficiency"] <= 1)).all()


def test_blocks_add_up_to_the_tagged_layers_and_name_their_stage(tiny):
    blocks = block_summary(tiny)
    tagged = tiny.layers[tiny.layers["block"].notna()]
    assert list(blocks.index) == [1, 2, 3, 4]
    assert list(blocks["stage"]) == ["stage 1", "stage 2", "stage 3", "stage 4"]
    np.testing.assert_allclose(blocks[SUMMED].sum(), tagged[SUMMED].sum(), rtol=1e-12)


def test_untagged_layers_form_the_other_stage_and_no_block():
    b = NetworkBuilder("untagged", (8, 16, 16))
    x = b.conv("conv", INPUT, 16, 3, pad=1)
    b.maxpool("pool", x, 2, stride=2)
    result = socsim.simulate(b.build())
    stages = stage_summary(result)
    assert list(stages.index) == ["other"]
    assert stages.loc["other", "cycles"] == result.layers["cycles"].sum()
    assert block_summary(result).empty


@pytest.mark.parametrize("run", ["tiny", "shared"])
def test_stall_totals_are_the_pipeline_waits(run, request):
    result = request.getfixturevalue(run)
    stalls = stall_summary(result)
    waits = result.events[result.events["action"].isin(STALL_CAUSES)]
    expected = (waits["end"] - waits["start"]).groupby(waits["action"].astype(str)).sum()
    assert list(stalls.index) == list(result.layers.index)
    assert (stalls["name"] == result.layers["name"]).all()
    for cause in STALL_CAUSES:
        assert stalls[cause].sum() == expected.get(cause, 0)
    assert (stalls["total"] == stalls[list(STALL_CAUSES)].sum(axis=1)).all()
    assert stalls["total"].sum() > 0


@pytest.mark.parametrize("run", ["tiny", "shared"])
def test_component_energy_adds_up_to_the_run_total(run, request):
    result = request.getfixturevalue(run)
    table = energy_by_component(result)
    energy = result.summary["energy"]
    assert table["energy"].sum() == pytest.approx(energy["total"], rel=1e-12)
    assert table["energy_idle"].sum() == pytest.approx(energy["idle"], rel=1e-12)
    assert table["share"].sum() == pytest.approx(1.0)
    dram = table.index.str.startswith("soc.dram.")
    assert table.loc[dram, "energy_dram"].sum() == pytest.approx(energy["dram"], rel=1e-12)
    assert (table.loc[~dram, "energy_dram"] == 0).all()


def test_idle_counts_overlapping_intervals_once_and_skips_holds_and_waits(tiny):
    events = pd.DataFrame(
        {
            "start": [0, 5, 20, 0, 0],
            "end": [10, 15, 25, 30, 30],
            "unit": pd.Categorical(["a", "a", "a", "b", "a.pipeline"]),
            "action": pd.Categorical(["load", "load", "store", "hold", "wait_dma"]),
        }
    )
    config = replace(tiny.soc, energy=replace(tiny.soc.energy, idle_per_cycle=2.0))
    idle = idle_by_unit(events, config, makespan=30)
    assert idle.to_dict() == {"a": 2.0 * (30 - 20)}


def test_normalise_divides_by_the_minimum_of_each_configuration():
    runs = pd.DataFrame(
        {
            "model": ["a", "b", "c", "a", "b"],
            "soc": ["8x8", "8x8", "8x8", "16x16", "16x16"],
            "cycles": [200, 100, 300, 50, 40],
        }
    )
    assert list(normalise(runs, "cycles", by="soc")) == [2.0, 1.0, 3.0, 1.25, 1.0]
    assert list(normalise(runs, "cycles")) == [5.0, 2.5, 7.5, 1.25, 1.0]


def test_run_table_reads_the_metadata_and_normalises_time(tiny):
    big = socsim.simulate("SqueezeNet-v1.1")
    table = run_table([tiny, big])
    assert list(table["model"]) == ["tiny-sqnxt", "SqueezeNet-v1.1"]
    assert table.loc[1, "top1"] == 57.10 and table.loc[1, "params_M"] == 1.2
    assert np.isnan(table.loc[0, "top1"])
    assert table["time"].min() == 1.0
    assert table.loc[1, "energy"] == big.summary["energy"]["total"]
