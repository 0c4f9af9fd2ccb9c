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
