"""`socsim run` and `socsim presets`: output contract, files, errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from socsim.cli import main


def test_run_json_holds_the_contract_keys(capsys):
    assert main(["run", "SqueezeNet-v1.1", "--soc", "squeezelerator-8x8", "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    for key in ("model", "soc", "cycles", "seconds", "macs", "dram_bytes", "utilization", "energy"):
        assert key in summary
    assert set(summary["energy"]) >= {"total", "mac", "rf", "noc", "glb", "dram"}
    assert summary["model"] == "SqueezeNet-v1.1" and summary["soc"] == "squeezelerator-8x8"


def test_a_stream_reports_latency_and_throughput(capsys):
    argv = [
        "run",
        "1.0-SqNxt-23",
        "--frames",
        "3",
        "--fps",
        "30",
        "--clusters",
        "2",
        "--format",
        "json",
    ]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["frames"] == 3 and summary["arrival"] == "periodic"
    assert 0 < summary["latency_p50"] <= summary["latency_p99"]
    # Two clusters keep up with 30 fps: frames leave as they arrive, a period apart.
    assert summary["offered_fps"] == 30 and summary["capacity_fps"] > 30
    assert summary["achieved_fps"] == pytest.approx(30, rel=1e-6)


def test_out_writes_events_layers_and_summary(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "TinyDarknet", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        ".socsim-manifest.json",
        "events.parquet",
        "layers.csv",
        "summary.json",
    ]
    events = pd.read_parquet(out / "events.parquet")
    summary = json.loads((out / "summary.json").read_text())
    assert events["macs"].sum() == summary["macs"]
    assert len(pd.read_csv(out / "layers.csv")) == 21  # one row per layer of TinyDarknet


def test_errors_are_one_line_exit_2_and_leave_no_directory(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "NoSuchNet", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("socsim: error: unknown model 'NoSuchNet'") and err.count("\n") == 1
    assert not out.exists() and list(tmp_path.iterdir()) == []
    assert main(["run", "AlexNet", "--soc", "nope", "--out", str(out)]) == 2
    assert "unknown preset 'nope'" in capsys.readouterr().err
    assert main(["run", "AlexNet", "--frames", "0", "--out", str(out)]) == 2
    assert "frames=0, expected a positive integer" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_presets_lists_both_squeezelerators_then_eyeriss(capsys):
    assert main(["presets"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert names == ["squeezelerator-8x8", "squeezelerator-16x16", "eyeriss-v1"]


def test_set_overrides_the_schedule(capsys):
    """`--set schedule.fusion=none` runs layer by layer: what the API gives for that SoC."""
    from socsim import get_preset, simulate, with_overrides

    argv = ["run", "SqueezeNet-v1.1", "--soc", "squeezelerator-8x8", "--format", "json"]
    assert main([*argv, "--set", "schedule.fusion=none"]) == 0
    layer_by_layer = json.loads(capsys.readouterr().out)
    assert main(argv) == 0
    fused = json.loads(capsys.readouterr().out)
    soc = with_overrides(get_preset("squeezelerator-8x8"), {"schedule.fusion": "none"})
    assert layer_by_layer["dram_bytes"] == simulate("SqueezeNet-v1.1", soc).summary["dram_bytes"]
    assert fused["dram_bytes"] < layer_by_layer["dram_bytes"]


def test_a_bad_setting_is_one_line_and_status_2(capsys):
    for setting, named in (("schedule.fusion=some", "schedule.fusion='some'"),
                           ("schedule", "KEY=VALUE")):  # fmt: skip
        assert main(["run", "SqueezeNet-v1.1", "--set", setting]) == 2
        err = capsys.readouterr().err.strip()
        assert named in err and "\n" not in err
