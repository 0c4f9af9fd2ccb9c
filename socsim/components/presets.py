"""Named SoC configurations, and loading one from a name, a YAML file or a `SocConfig`.

The Squeezelerator presets follow the SqueezeNext paper: 8x8 PEs with a 32 KiB global
buffer, or 16x16 with 128 KiB; 16-bit data; 40% of the weights zero. What the paper leaves
open (bandwidths, latencies, firmware costs) is calibrated once here for every network;
docs/calibration.md gives the reasoning.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from socsim.components.config import (
    GlobalBufferConfig,
    PeArrayConfig,
    SocConfig,
    with_overrides,
)
from socsim.components.scalesim_cfg import load_scalesim_cfg
from socsim.errors import ConfigError


def squeezelerator_16x16() -> SocConfig:
    return SocConfig(
        name="squeezelerator-16x16",
        pe_array=PeArrayConfig(rows=16, cols=16),
        global_buffer=GlobalBufferConfig(size_bytes=128 * 1024, words_per_cycle=32),
    )


def squeezelerator_8x8() -> SocConfig:
    base = squeezelerator_16x16()
    return replace(
        base,
        name="squeezelerator-8x8",
        pe_array=replace(base.pe_array, rows=8, cols=8),
        global_buffer=replace(base.global_buffer, size_bytes=32 * 1024, words_per_cycle=16),
    )


PRESETS = {
    "squeezelerator-8x8": squeezelerator_8x8,
    "squeezelerator-16x16": squeezelerator_16x16,
}
DEFAULT_PRESET = "squeezelerator-16x16"


def get_preset(name: str) -> SocConfig:
    """The preset of that name; an unknown name raises `ConfigError` with the closest ones."""
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
    if str(spec).lower().endswith((".yaml", ".yml")):
        return load_yaml(spec)
    if str(spec).lower().endswith(".cfg"):
        return load_scalesim_cfg(spec)
    return get_preset(str(spec))


def load_yaml(path: str | os.PathLike) -> SocConfig:
    """Reads a YAML SoC file: `base` names a preset (default squeezelerator-16x16) and every
    other key overrides its fields, sections nested as in `SocConfig`."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such SoC file") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise ConfigError(f"{path}{where}: {problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: top level is {type(data).__name__}, expected a mapping of keys")
    data = dict(data)
    base = data.pop("base", DEFAULT_PRESET)
    if not isinstance(base, str):
        raise ConfigError(f"{path}: base={base!r}, expected a preset name")
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
