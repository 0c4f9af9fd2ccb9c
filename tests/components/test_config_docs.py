"""Config fields that document themselves: every field's doc and unit, the docstrings,
`presets --show`, docs/config.md and unit strings, all from the field declarations."""

from __future__ import annotations

import json
import pydoc
from dataclasses import fields, is_dataclass, replace
from pathlib import Path
from typing import get_type_hints

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from socsim.cli import main
from socsim.components.config import (
    DramConfig,
    GlobalBufferConfig,
    SocConfig,
    with_overrides,
)
from socsim.components.params import doc_of, unit_of
from socsim.components.presets import PRESETS, get_preset, load_soc, reference, to_yaml
from socsim.errors import ConfigError
from socsim.explore.spec import load_spec
from socsim.testing import soc_configs

DOCS = Path(__file__).parents[2] / "docs" / "config.md"


def _sections(cls=SocConfig, prefix=""):
    """(class, key prefix) of SocConfig and every section in it."""
    yield cls, prefix
    for f in fields(cls):
        if is_dataclass(f.default_factory) and isinstance(f.default_factory, type):
            yield from _sections(f.default_factory, f"{prefix}{f.name}.")


SECTIONS = list(_sections())


def test_every_public_config_class_is_walked():
    """The walk reaches SocConfig and its eight sections, so the checks below cover them."""
    names = [cls.__name__ for cls, _ in SECTIONS]
    assert names == [
        "SocConfig",
        "PeArrayConfig",
        "GlobalBufferConfig",
        "DmaConfig",
        "DramConfig",
        "InterconnectConfig",
        "ControllerConfig",
        "EnergyConfig",
        "ScheduleConfig",
    ]


@pytest.mark.parametrize(("cls", "prefix"), SECTIONS, ids=[c.__name__ for c, _ in SECTIONS])
def test_every_field_has_a_doc_and_every_number_a_unit(cls, prefix):
    """Each field says what it means; each int or float field names its unit."""
    hints = get_type_hints(cls)
    for f in fields(cls):
        assert doc_of(f), f"{prefix}{f.name} has no doc"
        numeric = {int, float} & {hints[f.name], *getattr(hints[f.name], "__args__", ())}
        assert (unit_of(f) is not None) == bool(numeric), f"{prefix}{f.name}"


@pytest.mark.parametrize(("cls", "prefix"), SECTIONS, ids=[c.__name__ for c, _ in SECTIONS])
def test_help_lists_every_field_with_default_unit_and_doc(cls, prefix):
    """`help(socsim.DramConfig)` and the others show each key, its default, unit and doc."""
    text = pydoc.render_doc(cls, renderer=pydoc.plaintext)
    for f in fields(cls):
        assert f.name in text and doc_of(f) in text
        if unit_of(f) is not None:
            assert f"[{unit_of(f).name}]" in text
    assert "channels = 1  [channels]" in pydoc.render_doc(DramConfig, renderer=pydoc.plaintext)
    assert "size_bytes = 131072  [bytes]" in GlobalBufferConfig.__doc__


def test_docs_page_is_current():
    """docs/config.md is what `socsim presets --reference` prints today."""
    assert DOCS.read_text() == reference(), (
        "regenerate: socsim presets --reference > docs/config.md"
    )


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("global_buffer.size_bytes", "256 KiB", 262144),  # 256 x 1024
        ("global_buffer.size_bytes", "1.5 KiB", 1536),  # 1.5 x 1024
        ("global_buffer.size_bytes", "128 kB", 128000),  # kB is 1000 bytes
        ("global_buffer.size_bytes", "131072", 131072),
        ("interconnect.grant_bytes", "2.5KiB", 2560),  # no space needed
        ("clock_hz", "400 MHz", 400_000_000.0),
        ("clock_hz", "400e6", 400_000_000.0),  # what YAML reads `clock_hz: 400e6` as
        ("clock_hz", "1.2 GHz", 1_200_000_000.0),
        ("pe_array.rows", "1e1", 10),
        ("pe_array.rows", 12.0, 12),  # a whole float is the integer
        ("pe_array.weight_sparsity", "35%", 0.35),
        ("dram.bytes_per_cycle", "8 GB/s", 16),  # 8e9 B/s / 500e6 Hz
        ("dram.bytes_per_cycle", "7.5 GB/s", 15),  # 7.5e9 / 500e6
        ("dram.bytes_per_cycle", "3 B/cycle", 3),
        ("dram.latency_cycles", "350 ns", 175),  # 350e-9 s x 500e6 Hz
        ("controller.layer_setup_cycles", "7.8 us", 3900),  # 7.8e-6 x 500e6
        ("dma.setup_cycles", "0 ns", 0),
    ],
)
def test_unit_strings_convert_exactly(path, text, expected):
    """A value with a unit is the same number in the field's unit, and of the field's type
    (the preset's clock is 500 MHz)."""
    soc = with_overrides(get_preset("squeezelerator-16x16"), {path: text})
    section, _, key = path.rpartition(".")
    value = getattr(getattr(soc, section) if section else soc, key)
    assert value == expected and type(value) is type(expected)


def test_rates_and_times_convert_at_the_clock_they_are_set_with():
    """`with_overrides` converts at the new clock: 3 GB/s at 250 MHz is 12 bytes per cycle,
    1 us is 250 cycles; sections built in Python convert when their SocConfig is made."""
    soc = with_overrides(
        SocConfig(),
        {"dram.bytes_per_cycle": "3 GB/s", "dram.latency_cycles": "1 us", "clock_hz": "250 MHz"},
    )
    assert (soc.dram.bytes_per_cycle, soc.dram.latency_cycles) == (12, 250)
    built = SocConfig(
        clock_hz="333 MHz",
        dram=DramConfig(bytes_per_cycle="3.33 GB/s", latency_cycles="3 us"),
        global_buffer=GlobalBufferConfig(size_bytes="96 KiB"),
    )
    assert built.clock_hz == 333e6 and built.global_buffer.size_bytes == 98304  # 96 x 1024
    assert (built.dram.bytes_per_cycle, built.dram.latency_cycles) == (10, 999)  # 3.33e9/333e6


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"global_buffer.size_bytes": "256 MHz"},
            "global_buffer.size_bytes='256 MHz', expected a size in bytes such as 131072 or "
            "'128 KiB'",
        ),
        (
            {"global_buffer.size_bytes": "128 KB"},  # neither kB (1000) nor KiB (1024)
            "global_buffer.size_bytes='128 KB', expected a size in bytes such as 131072 or "
            "'128 KiB'",
        ),
        (
            {"global_buffer.size_bytes": "1.3 B"},
            "global_buffer.size_bytes='1.3 B', expected a whole number of bytes",
        ),
        (
            {"dram.bytes_per_cycle": 0},
            "dram.bytes_per_cycle=0, expected a positive number of bytes per cycle",
        ),
        (
            {"clock_hz": "300 MHz", "dram.bytes_per_cycle": "1 GB/s"},  # 1e9 / 300e6
            "dram.bytes_per_cycle='1 GB/s', expected a whole number of bytes per cycle "
            "(it is 3.33333 at clock_hz=300000000)",
        ),
        (
            {"controller.command_cycles": "3 ns"},  # 3e-9 x 500e6
            "controller.command_cycles='3 ns', expected a whole number of cycles "
            "(it is 1.5 at clock_hz=500000000)",
        ),
        (
            {"clock_hz": "fast"},
            "clock_hz='fast', expected a frequency in Hz such as 500000000 or '500 MHz'",
        ),
        ({"clock_hz": 0}, "clock_hz=0, expected a frequency in Hz >= 1"),
        (
            {"dma.setup_cycles": -1},
            "dma.setup_cycles=-1, expected a non-negative number of cycles",
        ),
        (
            {"pe_array.weight_sparsity": "99.5%"},
            "pe_array.weight_sparsity='99.5%', expected a fraction in [0.0, 0.99]",
        ),
        ({"pe_array.rows": True}, "pe_array.rows=True, expected a number of PEs such as 16"),
        ({"pe_array.rows": 2.5}, "pe_array.rows=2.5, expected a whole number of PEs"),
        ({"energy.mac": "1 pJ"}, "energy.mac='1 pJ', expected a cost in table units"),
        (
            {"energy.idle_per_cycle": float("nan")},
            "energy.idle_per_cycle=nan, expected a cost in table units such as 0.0",
        ),
    ],
)
def test_wrong_values_name_field_value_and_unit(overrides, message):
    with pytest.raises(ConfigError) as caught:
        with_overrides(get_preset("squeezelerator-16x16"), overrides)
    assert str(caught.value) == message


def _leaf_keys(data, prefix=""):
    for key, value in data.items():
        if isinstance(value, dict):
            yield from _leaf_keys(value, f"{prefix}{key}.")
        else:
            yield prefix + key


ALL_KEYS = {
    prefix + f.name
    for cls, prefix in SECTIONS
    for f in fields(cls)
    if not isinstance(f.default_factory, type)  # a section, not a key
}


@pytest.mark.parametrize("name", PRESETS)
def test_presets_show_reads_back_equal_to_the_preset(name, capsys, tmp_path):
    """The printed file gives every key, and loaded with `--soc` it is the preset exactly."""
    assert main(["presets", "--show", name]) == 0
    text = capsys.readouterr().out
    assert set(_leaf_keys(yaml.safe_load(text))) == ALL_KEYS | {"base"}
    path = tmp_path / "copy.yaml"
    path.write_text(text)
    assert load_soc(path) == get_preset(name)


def test_presets_show_gives_unit_and_meaning_in_the_comments(capsys):
    assert main(["presets", "--show", "squeezelerator-8x8"]) == 0
    lines = [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]
    assert (
        "size_bytes: 32768 # [bytes = 32 KiB] capacity; a tile's loads wait until its "
        "working set fits" in lines
    )
    assert (
        "clock_hz: 500000000.0 # [Hz = 500 MHz] converts cycles to seconds, and rates "
        "to cycles" in lines
    )
    assert (
        "partition: frames # [frames | pipeline | channels] how the host spreads work "
        "over clusters" in lines
    )
    assert any(
        line.startswith("bytes_per_cycle: 16 # [bytes per cycle = 8 GB/s]") for line in lines
    )


@settings(max_examples=40, deadline=None)
@given(
    soc=soc_configs(),
    clock=st.floats(1.0, 1e10, allow_nan=False),
    mac=st.none() | st.floats(0.0, 1e3, allow_nan=False),
    name=st.text(st.characters(blacklist_categories=("Cs",)), max_size=12),
)
def test_any_config_reads_back_from_its_yaml(soc, clock, mac, name, tmp_path_factory):
    """to_yaml then load_yaml is the identity: floats, nulls, enums and odd names survive."""
    soc = replace(soc, name=name, clock_hz=clock, energy=replace(soc.energy, mac=mac))
    path = tmp_path_factory.mktemp("yaml") / "soc.yaml"
    path.write_text(to_yaml(soc))
    assert load_soc(path) == soc


UNITS_YAML = """\
# squeezelerator-8x8 at 400 MHz, values written as a person would
base: squeezelerator-8x8
name: units-demo
clock_hz: 400 MHz
pe_array:
  weight_sparsity: 35%
global_buffer:
  size_bytes: 48 KiB
dram:
  bytes_per_cycle: 6 GB/s     # 15 bytes per cycle at 400 MHz
  latency_cycles: 155 ns      # 62 cycles
dma:
  setup_cycles: 2e1
interconnect:
  bytes_per_cycle: 6.4 GB/s   # 16 bytes per cycle
  grant_bytes: 2.5 KiB
controller:
  layer_setup_cycles: 1.1 us  # 440 cycles
"""


def test_a_yaml_file_with_unit_strings_runs(tmp_path, capsys):
    """The file reads as the numbers it means, and `socsim run` runs it at its clock."""
    path = tmp_path / "units.yaml"
    path.write_text(UNITS_YAML)
    numbers = {
        "name": "units-demo",
        "clock_hz": 400e6,
        "pe_array.weight_sparsity": 0.35,
        "global_buffer.size_bytes": 49152,  # 48 x 1024
        "dram.bytes_per_cycle": 15,  # 6e9 / 400e6
        "dram.latency_cycles": 62,  # 155e-9 x 400e6
        "dma.setup_cycles": 20,
        "interconnect.bytes_per_cycle": 16,  # 6.4e9 / 400e6
        "interconnect.grant_bytes": 2560,  # 2.5 x 1024
        "controller.layer_setup_cycles": 440,  # 1.1e-6 x 400e6
    }
    assert load_soc(path) == with_overrides(get_preset("squeezelerator-8x8"), numbers)
    assert main(["run", "TinyDarknet", "--soc", str(path), "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["soc"] == "units-demo"
    assert summary["seconds"] == pytest.approx(summary["cycles"] / 400e6, rel=1e-12)


def test_a_sweep_grid_takes_unit_strings(tmp_path):
    """Sweeps set keys through `with_overrides`, so their grids take unit strings too."""
    path = tmp_path / "spec.yaml"
    path.write_text(
        "networks: [TinyDarknet]\nbase: squeezelerator-8x8\n"
        "grid:\n  global_buffer.size_bytes: [32 KiB, 0.5 MiB]\n"
    )
    sizes = sorted(point.soc.global_buffer.size_bytes for point in load_spec(path).points)
    assert sizes == [32768, 524288]


def test_bad_unit_in_a_yaml_file_is_one_line_with_exit_status_2(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text("global_buffer:\n  size_bytes: 256 MHz\n")
    assert main(["run", "TinyDarknet", "--soc", str(path)]) == 2
    assert capsys.readouterr().err == (
        f"socsim: error: {path}: global_buffer.size_bytes='256 MHz', expected a size in "
        "bytes such as 131072 or '128 KiB'\n"
    )
