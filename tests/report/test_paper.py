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
    """Golden figures: both presets, every network of Table 3, one set of parameters."""
    result = reproduce(workers=2)
    assert list(result.table.columns[: len(COLUMNS)]) == COLUMNS
    assert list(result.table["model"]) == list(TABLE3.index)
    fid = result.fidelity
    assert (fid["spearman_time"] >= 0.9).all()
    assert (fid["spearman_energy"] >= 0.85).all()
    assert (fid["median_error_time"] <= 0.25).all()
    assert fid.loc["squeezelerator-8x8", "median_error_energy"] <= 0.30
    # Known shortfall (docs/calibration.md): layer-by-layer DRAM traffic puts 16x16 at 38%.
    assert fid.loc["squeezelerator-16x16", "median_error_energy"] <= 0.40
    assert result.headline["holds"]
    v5 = result.table.set_index("model").loc["1.0-SqNxt-23v5"]
    assert v5["time_8x8"] == pytest.approx(1.0, abs=0.02) and v5["time_16x16"] == 1.0
