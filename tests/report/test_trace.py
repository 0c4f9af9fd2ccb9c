"""The Chrome trace is valid JSON with one complete event per activity interval."""

from __future__ import annotations

import json

import numpy as np
import pytest

from socsim.report import to_chrome_trace, write_chrome_trace


@pytest.mark.parametrize("run", ["tiny", "shared"])
def test_one_complete_event_per_interval_at_the_clock(run, request, tmp_path):
    result = request.getfixturevalue(run)
    trace = json.loads(write_chrome_trace(result, tmp_path / "trace.json").read_text())
    complete = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    busy = result.events[result.events["action"] != "hold"]
    assert len(complete) == len(busy)
    cycles = result.soc.clock_hz / 1e6
    ts = np.array([e["ts"] for e in complete]) * cycles
    dur = np.array([e["dur"] for e in complete]) * cycles
    np.testing.assert_allclose(ts, busy["start"], atol=1e-3)
    np.testing.assert_allclose(dur, busy["end"] - busy["start"], atol=1e-3)
    args = [e["args"] for e in complete]
    assert [a["bytes"] for a in args] == busy["bytes"].tolist()
    assert [a["macs"] for a in args] == busy["macs"].tolist()


def test_processes_are_clusters_and_the_shared_soc(shared):
    trace = to_chrome_trace(shared)
    meta = [e for e in trace["traceEvents"] if e["ph"] == "M"]
    processes = {e["pid"]: e["args"]["name"] for e in meta if e["name"] == "process_name"}
    assert processes == {0: "soc.cluster0", 1: "soc.cluster1", 2: "soc"}
    threads = {(e["pid"], e["tid"]): e["args"]["name"] for e in meta if e["name"] == "thread_name"}
    for event in trace["traceEvents"]:
        if event["ph"] == "X":
            unit = threads[event["pid"], event["tid"]]
            assert unit.startswith(processes[event["pid"]] + ".")


def test_names_read_action_layer_and_tile(tiny):
    complete = [e for e in to_chrome_trace(tiny)["traceEvents"] if e["ph"] == "X"]
    first = tiny.network.layers[0].name
    assert complete[0]["name"] == f"setup {first}"  # a layer's setup has no tile
    assert any(e["name"] == f"compute {first} t0" for e in complete)


def test_buffer_occupancy_counters_return_to_empty(tiny):
    counters = [e for e in to_chrome_trace(tiny)["traceEvents"] if e["ph"] == "C"]
    size = tiny.soc.global_buffer.size_bytes
    held = [e["args"]["bytes"] for e in counters]
    assert counters and held[-1] == 0
    assert 0 <= min(held) and max(held) <= size


def _improperly_nested(trace: dict) -> list[tuple]:
    """Slices on one track that start inside another and end after it (in microseconds)."""
    tracks: dict[tuple, list] = {}
    for e in trace["traceEvents"]:
        if e["ph"] == "X":
            tracks.setdefault((e["pid"], e["tid"]), []).append((e["ts"], e["ts"] + e["dur"]))
    bad = []
    for track, slices in tracks.items():
        open_ends: list[float] = []
        for start, end in sorted(slices, key=lambda s: (s[0], -s[1])):
            while open_ends and open_ends[-1] <= start + 1e-9:
                open_ends.pop()
            if open_ends and end > open_ends[-1] + 1e-9:
                bad.append((track, start, end, open_ends[-1]))
            open_ends.append(end)
    return bad


@pytest.mark.parametrize("run", ["tiny", "shared"])
def test_every_track_nests_properly_and_waits_have_a_track_per_cause(run, request):
    """The pipeline's waits overlap (wait_array over wait_dma), which viewers mis-nest: each
    cause gets its own track and no track holds partially overlapping slices."""
    result = request.getfixturevalue(run)
    trace = to_chrome_trace(result)
    assert _improperly_nested(trace) == []
    names = {e["args"]["name"] for e in trace["traceEvents"] if e.get("name") == "thread_name"}
    waits = set(result.events.loc[result.events["action"].str.startswith("wait"), "action"])
    assert waits  # the run waits, so the split is exercised
    assert {f"soc.cluster0.controller.pipeline {w}" for w in waits} <= names
    assert "soc.cluster0.controller.pipeline" not in names


def test_overlapping_intervals_of_one_unit_spread_over_lanes():
    """Intervals [0,10) [5,15) [10,20) [12,13): the second overlaps the first (lane 1), the
    third starts as the first ends (lane 0), the fourth finds both busy (lane 2)."""
    from socsim.report.trace import _lanes

    lanes = _lanes(np.array([0, 5, 10, 12]), np.array([10, 15, 20, 13]))
    assert lanes.tolist() == [0, 1, 0, 2]
    assert _lanes(np.array([3, 0]), np.array([4, 3])).tolist() == [0, 0]
