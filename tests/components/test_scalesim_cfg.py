"""SCALE-Sim `.cfg` files: what socsim reads from one, its errors, and `socsim run --soc x.cfg`."""

from __future__ import annotations

import json

import pytest

from socsim.cli import main
from socsim.components.config import DataflowChoice, PeArrayConfig, SocConfig
from socsim.components.plan import map_network
from socsim.components.presets import load_soc
from socsim.components.scalesim_cfg import load_scalesim_cfg, scalesim_cfg_text
from socsim.dataflow import ArrayTiming, SparsityMode
from socsim.errors import ConfigError
from socsim.workloads import get_network

# As SCALE-Sim's own example configs are written: `key: value` and `key = value`, spaces
# around, keys in any case, sections and keys socsim does not use.
CFG = """\
[general]
run_name = tpu_like_ws

[architecture_presets]
ArrayHeight:    16
ArrayWidth:     8
IfmapSramSzkB:   64
FilterSramSzkB:  32
ofmapsramszkb:   16
IfmapOffset:    0
FilterOffset:   10000000
OfmapOffset:    20000000
Bandwidth : 10,20
Dataflow : ws
MemoryBanks:   1
ReadRequestBuffer: 512
WriteRequestBuffer: 512

[layout]
IfmapCustomLayout: False

[sparsity]
SparsitySupport : false

[run_presets]
InterfaceBandwidth: USER
UseRamulatorTrace: False
"""


def write(tmp_path, text: str = CFG, name: str = "tpu.cfg"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_scalesim_cfg_becomes_a_systolic_soc(tmp_path):
    """Array size and dataflow as given, systolic timing, the three SRAMs as one buffer,
    one-byte words, dense weights, and a USER bandwidth as DRAM and interconnect width."""
    soc = load_scalesim_cfg(write(tmp_path))
    pe = soc.pe_array
    assert soc.name == "tpu_like_ws"
    assert (pe.rows, pe.cols, pe.dataflow, pe.timing) == (
        16, 8, DataflowChoice.WS, ArrayTiming.SYSTOLIC,
    )  # fmt: skip
    assert (pe.bytes_per_word, pe.weight_sparsity, pe.sparsity_mode) == (1, 0.0, SparsityMode.NONE)
    assert soc.global_buffer.size_bytes == (64 + 32 + 16) * 1024
    assert soc.dram.bytes_per_cycle == soc.interconnect.bytes_per_cycle == 10
    assert soc.array().timing is ArrayTiming.SYSTOLIC


def test_calc_bandwidth_keeps_the_default_dram_and_load_soc_reads_cfg_files(tmp_path):
    """CALC (SCALE-Sim's stall-free estimate) leaves socsim's DRAM as it is; `load_soc` sends
    any `.cfg` (any case) to the reader; without a run_name the file's stem names the SoC."""
    text = CFG.replace("USER", "CALC").replace("run_name = tpu_like_ws", "")
    soc = load_soc(str(write(tmp_path, text, "Mine.CFG")))
    assert soc.dram == SocConfig().dram
    assert soc.name == "Mine"


@pytest.mark.parametrize(
    "edit, message",
    [
        (("[architecture_presets]", "[arch]"), r"no \[architecture_presets\] section"),
        (("ArrayWidth:     8\n", ""), r"\[architecture_presets\] has no ArrayWidth"),
        (
            ("ArrayHeight:    16", "ArrayHeight: 0"),
            r"\[architecture_presets\] ArrayHeight='0', expected a positive integer",
        ),
        (
            ("IfmapSramSzkB:   64", "IfmapSramSzkB: 64kB"),
            r"\[architecture_presets\] IfmapSramSzkB='64kB', expected a positive integer",
        ),
        (
            ("Dataflow : ws", "Dataflow : rs"),
            r"\[architecture_presets\] Dataflow='rs', expected os, ws or is",
        ),
        (
            ("InterfaceBandwidth: USER", "InterfaceBandwidth: FAST"),
            r"\[run_presets\] InterfaceBandwidth='FAST', expected CALC or USER",
        ),
        (
            ("Bandwidth : 10,20", "Bandwidth : none"),
            r"\[architecture_presets\] Bandwidth='none', expected a positive integer",
        ),
        (
            ("SparsitySupport : false", "SparsitySupport : true"),
            r"\[sparsity\] SparsitySupport='true', expected false",
        ),
        (("[general]", "general"), r"File contains no section headers"),
        (
            ("ArrayHeight:    16", "ArrayHeight: 1\nArrayWidth: 1\nIfmapSramSzkB: 1"),
            r"option 'arraywidth' in section 'architecture_presets' already exists",
        ),
    ],
)
def test_errors_name_the_file_section_key_and_value(tmp_path, edit, message):
    """Each bad cfg is one ConfigError naming the file and what is wrong where."""
    path = write(tmp_path, CFG.replace(*edit))
    with pytest.raises(ConfigError, match=message) as error:
        load_scalesim_cfg(path)
    assert str(error.value).startswith(str(path))


def test_a_missing_file_and_a_tiny_buffer_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="nope.cfg: no such file, expected a SCALE-Sim config"):
        load_scalesim_cfg(tmp_path / "nope.cfg")
    text = CFG.replace("ArrayHeight:    16", "ArrayHeight: 512").replace(
        "ArrayWidth:     8", "ArrayWidth: 512"
    )
    with pytest.raises(ConfigError, match=r"tpu.cfg: global_buffer.size_bytes=114688, expected"):
        load_scalesim_cfg(write(tmp_path, text))


def test_written_cfg_reads_back(tmp_path):
    """`scalesim_cfg_text` writes what the reader reads: the array, the dataflow, the buffer
    as three equal SRAMs of whole KiB; a per-layer dataflow choice has no SCALE-Sim form."""
    soc = SocConfig(name="back", pe_array=PeArrayConfig(rows=8, cols=4, dataflow="is",
                                                        timing="systolic"))  # fmt: skip
    back = load_scalesim_cfg(write(tmp_path, scalesim_cfg_text(soc), "back.cfg"))
    assert (back.name, back.pe_array.rows, back.pe_array.cols) == ("back", 8, 4)
    assert back.pe_array.dataflow is DataflowChoice.IS
    assert back.global_buffer.size_bytes == 3 * (131072 // 1024 // 3) * 1024
    with pytest.raises(ConfigError, match="pe_array.dataflow='auto', expected os, ws or is"):
        scalesim_cfg_text(SocConfig())


def test_socsim_run_takes_a_scalesim_cfg(tmp_path, capsys):
    """`socsim run MODEL --soc x.cfg`: the SoC is the cfg's, and the simulated time holds at
    least the array's compute cycles (memory and contention only add to them)."""
    cfg = write(tmp_path, CFG.replace("USER", "CALC"))
    assert main(["run", "1.0-SqNxt-23", "--soc", str(cfg), "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    network = get_network("1.0-SqNxt-23")
    assert (summary["soc"], summary["macs"]) == ("tpu_like_ws", network.macs)
    compute = sum(m.cycles for m in map_network(network, load_soc(cfg)))
    assert summary["cycles"] >= compute


def test_socsim_run_reports_a_bad_cfg_on_one_line(tmp_path, capsys):
    cfg = write(tmp_path, CFG.replace("Dataflow : ws", "Dataflow : rs"))
    assert main(["run", "1.0-SqNxt-23", "--soc", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert (
        err
        == f"socsim: error: {cfg}: [architecture_presets] Dataflow='rs', expected os, ws or is\n"
    )
