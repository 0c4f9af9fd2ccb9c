"""The paper reproduction: its fidelity goals, the csv contract and the headline."""

from __future__ import annotations

import pandas as pd
import pytest

from socsim.components.config import Fusion, ScheduleConfig
from socsim.report.paper import (
    COLUMNS,
    TABLE3,
    Reproduction,
    fidelity,
    headline,
    render_text,
    reproduce,
    spearman,
)


def test_spearman_ranks_with_ties():
    a, b = pd.Series([1, 2, 3, 4]), pd.Series([10, 30, 20, 40])
    assert spearman(a, b) == pytest.approx(0.8)
    assert spearman(a, -a) == pytest.approx(-1.0)


def paper_table(time_scale: float = 1.0, energy_scale: float = 1.0) -> pd.DataFrame:
    """A comparison table whose simulated values are the paper's, scaled."""
    table = pd.DataFrame({"model": TABLE3.index})
    for column in COLUMNS[1:]:
        value = table["model"].map(TABLE3[column.removeprefix("paper_")])
        if not column.startswith("paper_"):
            value = value * (time_scale if column.startswith("time") else energy_scale)
        table[column] = value
    return table


def test_fidelity_and_headline_of_a_perfect_table():
    table = paper_table()
    fid = fidelity(table)
    assert (fid["spearman_time"] == 1).all() and (fid["median_error_energy"] == 0).all()
    h = headline(table)
    assert h["faster_by"] == pytest.approx(0.22)
    assert h["more_energy_efficient_by"] == pytest.approx(0.25)


def test_the_report_names_the_schedule_each_preset_ran():
    table = pd.DataFrame({"model": TABLE3.index})
    for column in COLUMNS[1:]:
        table[column] = table["model"].map(TABLE3[column.removeprefix("paper_")])
    schedule = {
        "squeezelerator-8x8": ScheduleConfig(fusion=Fusion.NONE),
        "squeezelerator-16x16": ScheduleConfig(fusion=Fusion.WEIGHTLESS, residency=0.25),
    }
    run = Reproduction(table, fidelity(table), headline(table), {}, schedule)
    line = (
        "Schedule: squeezelerator-8x8 fusion=none residency=0; "
        "squeezelerator-16x16 fusion=weightless residency=0.25"
    )
    assert line in render_text(run) and line in render_text(run, markdown=True)


@pytest.mark.slow
def test_the_paper_is_reproduced_within_the_goals():
    """Golden figures: both presets, every network of Table 3, one set of parameters, the
    presets' schedule (fusion: weightless). Each bound sits a little beyond the figure
    measured (in the comment), so a change that moves a figure fails here and the new
    figure is written down on purpose."""
    result = reproduce(workers=2)
    assert list(result.table.columns[: len(COLUMNS)]) == COLUMNS
    assert list(result.table["model"]) == list(TABLE3.index)
    assert {s.fusion.value for s in result.schedule.values()} == {"weightless"}
    fid = result.fidelity
    eight, sixteen = fid.loc["squeezelerator-8x8"], fid.loc["squeezelerator-16x16"]
    assert eight["spearman_time"] >= 0.97  # 0.976
    assert sixteen["spearman_time"] >= 0.975  # 0.979
    assert eight["spearman_energy"] >= 0.99  # 0.993
    assert sixteen["spearman_energy"] >= 0.955  # 0.957
    assert eight["median_error_time"] <= 0.03  # 0.0289
    assert sixteen["median_error_time"] <= 0.02  # 0.0185
    assert eight["worst_error_time"] <= 0.15  # 0.142, AlexNet
    assert sixteen["worst_error_time"] <= 0.27  # 0.265, MobileNet
    # Energy both ways: a lower error is no calibration win but lost accesses.
    assert 0.03 <= eight["median_error_energy"] <= 0.035  # 0.0317
    assert 0.037 <= sixteen["median_error_energy"] <= 0.042  # 0.0393
    assert eight["worst_error_energy"] <= 0.145  # 0.142, MobileNet
    assert sixteen["worst_error_energy"] <= 0.077  # 0.0735, 1.0-SqNxt-23
    h = result.headline
    assert h["holds"]
    assert h["faster_by"] == pytest.approx(0.262, abs=0.01)  # 0.2622 (paper 0.22)
    assert h["more_energy_efficient_by"] == pytest.approx(0.280, abs=0.01)  # 0.2800 (paper 0.25)
    v5 = result.table.set_index("model").loc["1.0-SqNxt-23v5"]
    assert v5["time_16x16"] == 1.0  # the fastest on 16x16; on 8x8 v4 is, by 2.7% (paper: tie)


@pytest.mark.slow
def test_layer_by_layer_is_the_paper_reproduced_before_schedules():
    """`--set schedule.fusion=none` gives Table 3 as socsim did before issue 14."""
    result = reproduce(workers=2, overrides={"schedule.fusion": "none"})
    fid = result.fidelity
    eight, sixteen = fid.loc["squeezelerator-8x8"], fid.loc["squeezelerator-16x16"]
    assert eight["median_error_time"] == pytest.approx(0.02167, abs=1e-5)
    assert sixteen["median_error_time"] == pytest.approx(0.04389, abs=1e-5)
    assert eight["median_error_energy"] == pytest.approx(0.25418, abs=1e-5)
    assert sixteen["median_error_energy"] == pytest.approx(0.37894, abs=1e-5)


def test_the_html_report_shows_table3_and_errors_as_percentages():
    """The paper's own values with every simulated time 5% high and energy 12.5% low: the
    fidelity table (one header row, preset a column, no empty first row) reads 5.0% and
    12.5% errors; Table 3 has just the columns of the csv contract."""
    import re

    from socsim.report.paper import Reproduction, _html

    table = paper_table(time_scale=1.05, energy_scale=0.875)
    table["cycles_8x8"] = 1  # carried by the table, not shown
    page = _html(Reproduction(table, fidelity(table), headline(table), {}, {}), {})
    tables = re.findall(r"<table.*?</table>", page, re.S)
    assert len(tables) == 2
    heads = [re.findall(r"<tr.*?</tr>", re.search(r"<thead>.*?</thead>", t, re.S)[0], re.S)
             for t in tables]  # fmt: skip
    assert [len(h) for h in heads] == [1, 1]
    assert len(re.findall(r"<th>", heads[0][0])) == len(COLUMNS)
    assert "<th></th>" not in tables[1] and "preset" in heads[1][0]
    cells = re.findall(r"<td>(.*?)</td>", tables[1])
    assert cells.count("5.0%") == 4 and cells.count("12.5%") == 4
    assert "squeezelerator-8x8" in cells
