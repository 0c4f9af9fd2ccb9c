"""Named SoC configurations, and loading one from a name, a YAML file or a `SocConfig`.

The Squeezelerator presets follow the SqueezeNext paper: 8x8 PEs with a 32 KiB global
buffer, or 16x16 with 128 KiB; 16-bit data; 40% of the weights zero. What the paper leaves
open (bandwidths, latencies, firmware costs) is calibrated once here for every network;
docs/calibration.md gives the reasoning. `eyeriss-v1` is the Eyeriss chip (Chen et al.,
ISSCC 2016 / JSSC 2017) from its published architecture, row stationary; its sources and
what socsim predicts for it against the chip's measurements are in docs/eyeriss.md.
"""

from __future__ import annotations

import difflib
import json
import os
from dataclasses import fields, is_dataclass, replace
from pathlib import Path
from typing import Any, get_type_hints

import yaml

from socsim.checks import shown
from socsim.components.config import (
    DataflowChoice,
    DramConfig,
    Fusion,
    GlobalBufferConfig,
    InterconnectConfig,
    PeArrayConfig,
    ScheduleConfig,
    SocConfig,
    with_overrides,
)
from socsim.components.params import default_of, doc_of, kind_text, unit_of
from socsim.components.scalesim_cfg import load_scalesim_cfg
from socsim.dataflow import SparsityMode
from socsim.enums import StrEnum
from socsim.errors import ConfigError
from socsim.yaml_input import read_yaml


def squeezelerator_16x16() -> SocConfig:
    return SocConfig(
        name="squeezelerator-16x16",
        pe_array=PeArrayConfig(rows=16, cols=16),
        global_buffer=GlobalBufferConfig(size_bytes=128 * 1024, words_per_cycle=32),
        # pools and adds in the conv's write-back, concats as views: the reading of the
        # paper's energy that docs/calibration.md argues for
        schedule=ScheduleConfig(fusion=Fusion.WEIGHTLESS),
    )


def squeezelerator_8x8() -> SocConfig:
    base = squeezelerator_16x16()
    return replace(
        base,
        name="squeezelerator-8x8",
        pe_array=replace(base.pe_array, rows=8, cols=8),
        global_buffer=replace(base.global_buffer, size_bytes=32 * 1024, words_per_cycle=16),
    )


def eyeriss_v1() -> SocConfig:
    """Eyeriss v1 as published (docs/eyeriss.md gives each value's source): 12x14 PEs with
    12-, 224- and 24-word scratchpads, a 108 KB buffer, 16-bit data, row stationary, 200 MHz,
    and a 64-bit DRAM link; its zero gating is of activations, so no zero weights here."""
    return SocConfig(
        name="eyeriss-v1",
        clock_hz=200e6,
        pe_array=PeArrayConfig(
            rows=12,
            cols=14,
            rf_words=24,
            rf_ifmap_words=12,
            rf_filter_words=224,
            rf_psum_words=24,
            bytes_per_word=2,
            dataflow=DataflowChoice.RS,
            weight_sparsity=0.0,
            sparsity_mode=SparsityMode.NONE,
        ),  # fmt: skip
        global_buffer=GlobalBufferConfig(size_bytes=108 * 1024, words_per_cycle=4),
        # 64 bits at the 90 MHz link clock: 720 MB/s, 3.6 bytes per core cycle, rounded to 4
        dram=DramConfig(bytes_per_cycle=4),
        interconnect=InterconnectConfig(bytes_per_cycle=4),
    )


PRESETS = {
    "squeezelerator-8x8": squeezelerator_8x8,
    "squeezelerator-16x16": squeezelerator_16x16,
    "eyeriss-v1": eyeriss_v1,
}
DEFAULT_PRESET = "squeezelerator-16x16"


def get_preset(name: str) -> SocConfig:
    """The preset of that name; an unknown name raises `ConfigError` with the closest ones."""
    if not isinstance(name, str):
        raise ConfigError(f"preset={shown(name)}, expected a preset name (see 'socsim presets')")
    try:
        return PRESETS[name.lower()]()
    except KeyError:
        close = difflib.get_close_matches(name.lower(), PRESETS, n=3, cutoff=0.3) or list(PRESETS)
        raise ConfigError(
            f"unknown preset {name!r}; closest: {', '.join(close)} (see 'socsim presets')"
        ) from None


def load_soc(spec: str | os.PathLike | SocConfig) -> SocConfig:
    """A `SocConfig` from a config, a preset name, a YAML file (`.yaml`/`.yml`) or a SCALE-Sim
    config (`.cfg`, see `socsim.components.scalesim_cfg`)."""
    if isinstance(spec, SocConfig):
        return spec
    if not isinstance(spec, (str, os.PathLike)):
        raise ConfigError(
            f"soc={shown(spec)}, expected a SocConfig, a preset name or a .yaml or .cfg file"
        )
    if str(spec).lower().endswith((".yaml", ".yml")):
        return load_yaml(spec)
    if str(spec).lower().endswith(".cfg"):
        return load_scalesim_cfg(spec)
    return get_preset(str(spec))


def load_yaml(path: str | os.PathLike) -> SocConfig:
    """Reads a YAML SoC file: `base` names a preset (default squeezelerator-16x16) and every
    other key overrides its fields, sections nested as in `SocConfig`."""
    path = Path(path)
    data, _ = read_yaml(path, "a SoC file")
    if data is None:
        raise ConfigError(
            f"{path}: empty, expected a mapping of keys (at least 'base: {DEFAULT_PRESET}')"
        )
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: top level is {type(data).__name__}, expected a mapping of keys")
    data = dict(data)
    base = data.pop("base", DEFAULT_PRESET)
    if not isinstance(base, str):
        raise ConfigError(f"{path}: base={shown(base)}, expected a preset name")
    data.setdefault("name", path.stem)
    try:
        return with_overrides(get_preset(base), dict(_flatten(data)))
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from None


def _flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            items += _flatten(value, f"{prefix}{key}.")
        else:
            items.append((f"{prefix}{key}", value))
    return items


def to_yaml(soc: SocConfig, base: str = DEFAULT_PRESET) -> str:
    """`soc` as a YAML SoC file giving every key, each with its unit and meaning in a
    comment; `load_yaml` reads it back equal to `soc`."""
    lines: list[tuple[str, str]] = [("base: " + base, "")]

    def walk(obj: Any, indent: str) -> None:
        hints = get_type_hints(type(obj))
        for f in fields(obj):
            value = getattr(obj, f.name)
            if is_dataclass(value):
                lines.append((f"{indent}{f.name}:", doc_of(f)))
                walk(value, indent + "  ")
                continue
            unit = kind_text(f, hints[f.name])
            shown = unit_of(f) and unit_of(f).shown(value, soc.clock_hz)
            comment = f"[{unit}{f' = {shown}' if shown else ''}] {doc_of(f)}" if doc_of(f) else ""
            lines.append((f"{indent}{f.name}: {_yaml_scalar(value)}", comment))

    walk(soc, "")
    column = max(len(text) for text, _ in lines) + 2
    head = (
        "# A SoC with every key given: copy, edit and load with `--soc FILE.yaml`.\n"
        "# Deleted keys keep the base preset's value. Values may carry units ('256 KiB',\n"
        "# '400 MHz', '8 GB/s', '200 ns', '40%'); docs/config.md describes every key.\n"
    )
    body = (f"{text:<{column}}# {comment}" if comment else text for text, comment in lines)
    return head + "\n".join(body) + "\n"


def _yaml_scalar(value: Any) -> str:
    """One value as YAML writes it (null, true, 0.4, a quoted string where needed)."""
    value = value.value if isinstance(value, StrEnum) else value
    text = yaml.safe_dump(value, width=1000).removesuffix("\n...\n").strip()
    # YAML folds a string with line breaks over lines; a JSON string is YAML on one line
    return json.dumps(value) if "\n" in text else text


def reference() -> str:
    """docs/config.md: every key of a SoC file with its default, unit and meaning, and the
    unit strings each unit accepts, all from the fields' declarations."""
    out = [
        "# SoC configuration keys",
        "",
        "<!-- Generated from socsim/components/config.py by "
        "`socsim presets --reference > docs/config.md`; a test checks it is current. -->",
        "",
        "A SoC YAML file (`socsim run --soc FILE.yaml`) names a `base` preset and sets any of "
        "the keys below, sections nested as in the headings; keys left out keep the "
        "preset's value. `socsim presets --show NAME` prints a preset as such a file, every "
        "key given. The defaults below are `SocConfig()`'s; in Python, `help(socsim.DramConfig)` "
        "and the other sections list the same.",
        "",
        "## Writing values",
        "",
        "A number may be written in exponent form (`400e6`, which YAML alone reads as text). "
        "A quantity may carry a unit, converted exactly into the key's unit; an integer key "
        "takes only a whole result (`1.5 KiB` is 1536 bytes, `1.3 B` is refused). Rates and "
        "times convert to cycles at the SoC's `clock_hz` (`8 GB/s` at 500 MHz is 16 bytes "
        "per cycle), when the file is read.",
        "",
        "| unit | also written as | converted at `clock_hz` |",
        "|---|---|---|",
    ]
    units = {}
    sections = [(SocConfig, "")]
    for cls, _ in sections:
        for f in fields(cls):
            if is_dataclass(default_of(f)):
                sections.append((type(default_of(f)), f.name + "."))
            elif unit_of(f) is not None and unit_of(f).suffixes:
                units[unit_of(f).name] = unit_of(f)
    for unit in units.values():
        written = [
            [f"`{suffix}`" for suffix, (_, p) in unit.suffixes.items() if bool(p) is at]
            for at in (False, True)
        ]
        out.append(f"| {unit.name} | {', '.join(written[0])} | {', '.join(written[1])} |")
    out.append("")
    out.append("Byte prefixes follow IEC 80000-13: `kB` is 1000 bytes, `KiB` 1024.")
    for cls, prefix in sections:
        hints = get_type_hints(cls)
        title = f"`{prefix.rstrip('.')}`" if prefix else "Top level"
        summary = " ".join((cls.__doc__ or "").split("\n\n")[0].split())
        out += ["", f"## {title} ({cls.__name__})", "", summary]
        out += ["", "| key | default | unit | meaning |", "|---|---|---|---|"]
        for f in fields(cls):
            default = default_of(f)
            if is_dataclass(default):
                continue
            unit = kind_text(f, hints[f.name], sep=", ")
            out.append(f"| `{prefix}{f.name}` | `{_yaml_scalar(default)}` | {unit} | {doc_of(f)} |")
    return "\n".join(out) + "\n"
