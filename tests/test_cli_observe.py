"""`socsim run`'s views of a run: --trace, --timeline, Poisson arrivals, -v progress, and the
stream and bound figures of its summary."""

from __future__ import annotations

import io
import json
import logging

import pandas as pd
import pytest
from report.test_paper import paper_table
from report.test_trace import _improperly_nested

from socsim import simulate
from socsim.cli import main
from socsim.components.stream import Arrival

NET = "TinyDarknet"


def test_trace_and_timeline_files(tmp_path, capsys):
    """One run writes both: the trace loads as JSON whose tracks all nest properly, with a
    slice per activity interval; the timeline is a PNG."""
    trace, timeline = tmp_path / "run.json", tmp_path / "run.png"
    argv = ["run", NET, "--frames", "2", "--trace", str(trace), "--timeline", str(timeline)]
    assert main(argv) == 0
    data = json.loads(trace.read_text())
    assert _improperly_nested(data) == []
    expected = simulate(NET, frames=2).events
    slices = [e for e in data["traceEvents"] if e["ph"] == "X"]
    assert len(slices) == (expected["action"] != "hold").sum()
    assert timeline.read_bytes().startswith(b"\x89PNG")
    assert "verdict" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--timeline", "x.gif"], "--timeline='x.gif', expected a file ending in .png"),
        (["--trace", "no/such/dir/t.json"], "--trace='no/such/dir/t.json': no folder"),
        (["--arrival", "poisson"], "--arrival poisson needs --fps F"),
    ],
)
def test_bad_files_and_arrivals_stop_before_the_run(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", NET, *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("socsim: error: ") and message in err
    assert list(tmp_path.iterdir()) == []


def test_an_existing_trace_is_replaced_only_with_force(tmp_path, capsys):
    trace = tmp_path / "t.json"
    trace.write_text("mine")
    assert main(["run", NET, "--trace", str(trace)]) == 2
    assert trace.read_text() == "mine"
    assert main(["run", NET, "--trace", str(trace), "--force"]) == 0
    assert json.loads(trace.read_text())["otherData"]["model"] == NET


def test_poisson_arrivals_from_the_seed(capsys):
    """The frames arrive as `Arrival(kind="poisson")` draws them from the seed: the same
    latencies as the Python call, and another seed gives other arrivals."""
    argv = ["run", NET, "--frames", "4", "--fps", "20", "--arrival", "poisson", "--seed", "7"]
    assert main([*argv, "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    arrival = Arrival(kind="poisson", fps=20)
    expected = simulate(NET, frames=4, arrival=arrival, seed=7).summary
    assert summary["arrival"] == "poisson" and summary["offered_fps"] == 20
    for key in ("cycles", "latency_p50", "latency_p99", "achieved_fps"):
        assert summary[key] == expected[key]
    assert simulate(NET, frames=4, arrival=arrival, seed=8).summary["cycles"] != summary["cycles"]


def test_verbose_logs_each_frame_as_it_finishes(caplog, capsys):
    with caplog.at_level(logging.INFO):
        assert main(["-v", "run", NET, "--frames", "3"]) == 0
    finished = [r.getMessage() for r in caplog.records if "finished at cycle" in r.getMessage()]
    assert [m.split(" finished")[0] for m in finished] == [f"frame {i} of 3" for i in (1, 2, 3)]
    assert any(r.getMessage().startswith("simulated ") for r in caplog.records)


def test_summary_table_shows_rates_busy_fractions_and_the_verdict(capsys):
    assert main(["run", NET, "--clusters", "2", "--partition", "channels"]) == 0
    out = capsys.readouterr().out
    rows = dict(line.split(None, 1) for line in out.splitlines())
    for key in ("offered_fps", "achieved_fps", "capacity_fps", "dram_bandwidth", "bound"):
        assert key in rows
    assert "busy.soc.cluster1.pe_array" in rows
    assert rows["verdict"].startswith(rows["bound"] + "-bound (")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("stream", "drawn"), [(io.StringIO, False), (Terminal, True)])
def test_paper_draws_its_progress_bar_only_on_a_terminal(stream, drawn, monkeypatch, capsys):
    """`socsim paper 2>log` leaves no bar in the log; on a terminal the bar is drawn."""
    import socsim.report.paper
    from socsim.report.paper import Reproduction, fidelity, headline

    def reproduce(workers, progress, overrides=None):
        table = paper_table()
        progress(1, 2)
        return Reproduction(table, fidelity(table), headline(table), {}, {})

    monkeypatch.setattr(socsim.report.paper, "reproduce", reproduce)  # the CLI imports it late
    err = stream()
    monkeypatch.setattr("sys.stderr", err)
    assert main(["paper"]) == 0
    assert ("simulating" in err.getvalue()) is drawn
    assert "Headline" in capsys.readouterr().out


def test_a_sweep_says_when_random_draws_cannot_give_the_count(tmp_path, caplog):
    """Two cluster counts cannot make five distinct designs: the sweep runs the two and
    says why there are not five; its Pareto plot is written."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "networks: [TinyDarknet]\n"
        "random: {seed: 1, count: 5, ranges: {clusters: {choice: [1, 2]}}}\n"
    )
    out = tmp_path / "sweep"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1"]) == 0
    assert "2 distinct settings of the 5 asked (count): the ranges hold only 2" in caplog.text
    assert len(pd.read_parquet(out / "parts")) == 2
    assert (out / "pareto.png").read_bytes().startswith(b"\x89PNG")
