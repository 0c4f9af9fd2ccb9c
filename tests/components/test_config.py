"""SoC configuration: presets, dotted overrides, YAML files and their errors."""

from __future__ import annotations

from dataclasses import replace

import pytest

from socsim.components.config import Partition, SocConfig, with_overrides
from socsim.components.presets import get_preset, load_soc
from socsim.errors import ConfigError


def test_presets_follow_the_paper():
    small, large = get_preset("squeezelerator-8x8"), get_preset("Squeezelerator-16x16")
    assert (small.pe_array.rows, small.pe_array.cols, small.global_buffer.size_bytes) == (
        8,
        8,
        32768,
    )
    assert (large.pe_array.rows, large.pe_array.cols, large.global_buffer.size_bytes) == (
        16,
        16,
        131072,
    )
    for soc in (small, large):
        assert soc.pe_array.bytes_per_word == 2 and soc.pe_array.weight_sparsity == 0.4


def test_overrides_set_dotted_paths_and_coerce_enums():
    soc = with_overrides(
        get_preset("squeezelerator-16x16"), {"pe_array.rows": 8, "partition": "pipeline"}
    )
    assert soc.pe_array.rows == 8 and soc.partition is Partition.PIPELINE


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"pe_array.rowz": 8}, "unknown key 'pe_array.rowz', expected one of rows, cols"),
        ({"pe_array.rows": 0}, "pe_array.rows=0, expected a positive number of PEs"),
        ({"pe_array.rows": "eight"}, "pe_array.rows='eight', expected a number of PEs such as 16"),
        (
            {"pe_array.weight_sparsity": 1.5},
            r"pe_array.weight_sparsity=1.5, expected a fraction in \[0.0, 0.99\]",
        ),
        ({"partition": "rings"}, "partition='rings', expected one of frames, pipeline, channels"),
        ({"clusters.count": 2}, "unknown key 'clusters.count': clusters has no sub-keys"),
        ({"dram": 3}, "dram=3, expected a key of dram"),
        ({"energy.table": "nope"}, "energy.table='nope', expected one of eyeriss, pj-45nm"),
        (
            {"global_buffer.size_bytes": 100},
            r"global_buffer.size_bytes=100, expected at least one word per PE",
        ),
        (
            {"interconnect.grant_bytes": 32},
            "interconnect.grant_bytes=32, expected at least dma.burst_bytes=64",
        ),
    ],
)
def test_bad_values_name_the_key_path(overrides, message):
    with pytest.raises(ConfigError, match=message):
        with_overrides(SocConfig(), overrides)


def test_replace_validates_the_whole_config():
    with pytest.raises(ConfigError, match="dma.channels=0"):
        replace(SocConfig(), dma=replace(SocConfig().dma, channels=0))


def test_yaml_overrides_its_base_preset(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("base: squeezelerator-8x8\nclusters: 2\ndram:\n  bytes_per_cycle: 16\n")
    soc = load_soc(path)
    assert soc.name == "mine" and soc.clusters == 2 and soc.dram.bytes_per_cycle == 16
    assert soc.pe_array.rows == 8  # from the base


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("pe_array:\n  rowz: 8\n", "bad.yaml: unknown key 'pe_array.rowz'"),
        ("base: squeezelerator-4x4\n", "bad.yaml: unknown preset 'squeezelerator-4x4'"),
        ("pe_array: [\n", "bad.yaml line 2: "),
        ("- 1\n- 2\n", "bad.yaml: top level is list, expected a mapping"),
    ],
)
def test_bad_yaml_files_give_one_line_errors(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_soc(path)
    assert "\n" not in str(caught.value)


def test_missing_yaml_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="no such file, expected a SoC file"):
        load_soc(tmp_path / "missing.yaml")
