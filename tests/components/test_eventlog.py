"""The columnar event log: packed a block at a time, tallied as it goes, framed on demand.

The summaries come from the log's tally (`socsim.components.eventlog.Tally`), never from the
events frame, so these tests hold them to what the frame says, however the rows fall into
blocks and whether or not the rows are kept.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socsim import get_preset, simulate
from socsim.components import eventlog
from socsim.components.eventlog import COLUMNS, EventLog
from socsim.summarize import idle_by_unit
from socsim.testing import networks, soc_configs

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def leaky(soc):
    """`soc` with leakage, so that the busy-time union shows in the figures."""
    return replace(soc, energy=replace(soc.energy, idle_per_cycle=0.5))


def test_a_frame_keeps_the_columns_types_and_order_of_the_rows():
    """Rows come back in the order they were logged, unit and action as categoricals of the
    names used (sorted), every number as int64, counts spread over their columns."""
    log = EventLog()
    log.add(5, 9, "b.unit", "write", 0, 1, 2, 40, 0, (0, 0, 0, 0, 0, 0, 0, 20))
    log.add(0, 3, "a.unit", "compute", 0, 1, 2, 0, 7, (7, 1, 2, 3, 4, 5, 0, 0))
    log.add(3, 4, "b.unit", "command")
    frame = log.frame()
    assert list(frame.columns) == COLUMNS
    assert frame["unit"].tolist() == ["b.unit", "a.unit", "b.unit"]
    assert list(frame["unit"].cat.categories) == ["a.unit", "b.unit"]
    assert list(frame["action"].cat.categories) == ["command", "compute", "write"]
    assert frame.drop(columns=["unit", "action"]).dtypes.eq(np.int64).all()
    assert frame.loc[0, "dram_write"] == 20 and frame.loc[1, "glb_write"] == 5
    assert frame.loc[2, ["frame", "layer", "tile"]].tolist() == [-1, -1, -1]
    assert len(log) == 3


def test_an_empty_log_frames_to_no_rows_with_every_column():
    frame = EventLog().frame()
    assert list(frame.columns) == COLUMNS and len(frame) == 0


def test_a_log_that_keeps_no_rows_refuses_to_frame_them():
    result = simulate("1.0-SqNxt-23v5", "squeezelerator-8x8", keep_events=False)
    with pytest.raises(ValueError, match="keep_events=False"):
        result.events  # noqa: B018 - the property raises


@SETTINGS
@given(networks(), soc_configs(), st.integers(1, 3), st.sampled_from([None, 2e6]))
def test_summaries_do_not_depend_on_blocks_or_on_keeping_the_rows(network, soc, frames, fps):
    """Blocks of 7 rows (so that frames, layers and busy runs straddle them) and a log that
    keeps nothing give the same layer table, leakage and summary as one block of every
    row; the leakage equals the union of each unit's intervals computed on the frame."""
    soc = leaky(soc)
    whole = simulate(network, soc, frames=frames, arrival=fps)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(eventlog, "BLOCK", 7)
        small = simulate(network, soc, frames=frames, arrival=fps, keep_events=False)
    pd.testing.assert_frame_equal(small.layers, whole.layers)
    pd.testing.assert_series_equal(small.leakage, whole.leakage)
    assert small.summary == whole.summary
    makespan = whole.summary["cycles"]
    pd.testing.assert_series_equal(idle_by_unit(whole.events, soc, makespan), whole.leakage)


def test_summaries_are_the_sums_of_the_event_rows():
    """The layer table and run summary from the tally equal groupings of the event frame:
    MACs and energy per layer (zero for a layer the fused schedule ran without rows) and in
    total, DRAM bytes on the DRAM units' rows."""
    result = simulate("1.0-SqNxt-23v5", leaky(get_preset("squeezelerator-8x8")), frames=2)
    events = result.events
    per_layer = events[events["layer"] >= 0].groupby("layer")[["macs", "energy"]].sum() / 2
    per_layer = per_layer.reindex(result.layers.index, fill_value=0.0)  # fused: no rows
    pd.testing.assert_series_equal(result.layers["macs"], per_layer["macs"])
    pd.testing.assert_series_equal(result.layers["energy"], per_layer["energy"])
    dram = events["unit"].isin(result.units.index[result.units["kind"] == "dram"])
    assert result.summary["dram_bytes"] == events.loc[dram, "bytes"].sum()
    assert result.summary["macs"] == events["macs"].sum()
    levels = result.summary["energy"]
    assert levels["dram"] == events["energy_dram"].sum()
    assert levels["total"] == pytest.approx(events["energy"].sum() + levels["idle"])
