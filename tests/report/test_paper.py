"""The paper reproduction: its fidelity goals, the csv contract and the headline."""

from __future__ import annotations

import pandas as pd
import pytest

from socsim.report.paper import COLUMNS, TABLE3, fidelity, headline, reproduce, spearman


def test_spearman_ranks_with_ties():
    a, b = pd.Series([1, 2, 3, 4]), pd.Series([10, 30, 20, 40])
    assert spearman(a, b) == pytest.approx(0.8)
    assert spearman(a, -a) == pytest.approx(-1.0)


def test_fidelity_and_headline_of_a_perfect_table():
    table = pd.DataFrame({"model": TABLE3.index})
    for column in COLUMNS[1:]:
        table[column] = table["model"].map(TABLE3[column.removeprefix("paper_")])
    fid = fidelity(table)
    assert (fid["spearman_time"] == 1).all() and (fid["median_error_energy"] == 0).all()
    h = headline(table)
    assert h["faster_by"] == pytest.approx(0.22)
    assert h["more_energy_efficient_by"] == pytest.approx(0.25)


@pytest.mark.slow
def test_the_paper_is_reproduced_within_the_goals():
    """Golden figures: both presets, every network of Table 3, one set of parameters. Each
    bound sits a little beyond the figure measured (in the comment), so a change that moves a
    figure fails here and the new figure is written down on purpose."""
    result = reproduce(workers=2)
    assert list(result.table.columns[: len(COLUMNS)]) == COLUMNS
    assert list(result.table["model"]) == list(TABLE3.index)
    fid = result.fidelity
    eight, sixteen = fid.loc["squeezelerator-8x8"], fid.loc["squeezelerator-16x16"]
    assert eight["spearman_time"] >= 0.98  # 0.985
    assert sixteen["spearman_time"] >= 0.98  # 0.988
    assert eight["spearman_energy"] >= 0.92  # 0.927
    assert sixteen["spearman_energy"] >= 0.92  # 0.932
    assert eight["median_error_time"] <= 0.025  # 0.0217
    assert sixteen["median_error_time"] <= 0.05  # 0.0439
    assert eight["worst_error_time"] <= 0.23  # 0.224, AlexNet
    assert sixteen["worst_error_time"] <= 0.34  # 0.333, AlexNet
    # Energy both ways: a lower error is no calibration win but lost accesses (charging only
    # the first count of each level gives 12% and 13%).
    assert 0.24 <= eight["median_error_energy"] <= 0.27  # 0.254
    # Known shortfall (docs/calibration.md): layer-by-layer DRAM traffic puts 16x16 at 38%.
    assert 0.37 <= sixteen["median_error_energy"] <= 0.39  # 0.379
    assert eight["worst_error_energy"] <= 0.37  # 0.361, 1.0-SqNxt-23v2
    assert sixteen["worst_error_energy"] <= 0.46  # 0.452, SqueezeNet-v1.0
    h = result.headline
    assert h["holds"]
    assert h["faster_by"] == pytest.approx(0.245, abs=0.01)  # 0.2447 (paper 0.22)
    assert h["more_energy_efficient_by"] == pytest.approx(0.263, abs=0.01)  # 0.2625 (paper 0.25)
    v5 = result.table.set_index("model").loc["1.0-SqNxt-23v5"]
    assert v5["time_8x8"] == 1.0 and v5["time_16x16"] == 1.0  # the fastest on both (v4: 1.005)
