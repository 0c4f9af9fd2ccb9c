"""Configuration of the SoC: one frozen dataclass per component, composed into `SocConfig`.

Every field's unit is in its name; the comment beside it says what it means for timing.
Presets are functions (see `presets.py`); vary them with `dataclasses.replace` or a YAML
file (see `presets.load_yaml`).

Each component's config names, in its class attribute `component`, the class the SoC
builder (`soc.py`) makes of it. To replace a component, subclass its config, add your
fields and point `component` at your class, which follows the protocol in the docstring
of the class it replaces (its constructor included)::

    @dataclass(frozen=True, kw_only=True)
    class RefreshDramConfig(DramConfig):
        refresh_cycles: int = 350  # validated like socsim's own fields (an int >= 1)
        component = RefreshDram

    soc = replace(get_preset("squeezelerator-16x16"), dram=RefreshDramConfig())
"""

from __future__ import annotations

import importlib
import types
from collections.abc import Callable
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import Any, ClassVar, Union, get_args, get_origin, get_type_hints

from socsim.dataflow.types import ArrayConfig, ArrayTiming, SparsityMode
from socsim.energy import LEVELS, EnergyTable, get_table
from socsim.enums import StrEnum
from socsim.errors import ConfigError


class Partition(StrEnum):
    """How the host spreads work over several clusters."""

    FRAMES = "frames"  # each frame runs whole on the next free cluster
    PIPELINE = "pipeline"  # contiguous layer segments per cluster, balanced by cycles
    CHANNELS = "channels"  # every layer's output channels split across all clusters


class Arbitration(StrEnum):
    """Who gets the interconnect next when several masters wait."""

    FIFO = "fifo"  # first come, first served
    PRIORITY = "priority"  # lower cluster index first (stores before loads within a cluster)


class _Builds:
    """Makes a socsim component, its class imported on first use: the component modules
    import this one, so it cannot import them."""

    def __init__(self, path: str) -> None:
        self.path = path  # module.Class

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        module, _, name = self.path.rpartition(".")
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    def __repr__(self) -> str:
        return self.path


class DataflowChoice(StrEnum):
    """The dataflow a layer runs with: fixed, or chosen per layer."""

    OS = "os"
    WS = "ws"
    IS = "is"  # input stationary: systolic timing only
    AUTO_CYCLES = "auto"  # per layer, the fewer cycles (ties: less energy)
    AUTO_ENERGY = "auto-energy"  # per layer, the less energy (ties: fewer cycles)


@dataclass(frozen=True, kw_only=True)
class PeArrayConfig:
    component: ClassVar[Callable[..., Any]] = _Builds("socsim.components.pe_array.PeArray")

    rows: int = 16  # PE rows
    cols: int = 16  # PE columns
    rf_words: int = 64  # register-file words per PE; bounds what a PE keeps between cycles
    bytes_per_word: int = 2  # data precision (16-bit)
    dataflow: DataflowChoice = DataflowChoice.AUTO_CYCLES
    weight_sparsity: float = 0.4  # fraction of zero weights
    sparsity_mode: SparsityMode = SparsityMode.GATE  # what the zeros save (see dataflow)
    compress_weights: bool = False  # zero weights are neither stored nor moved
    # how the array's cycles are counted: 'broadcast' (the Squeezelerator's buses) or
    # 'systolic' (SCALE-Sim's skewed array); see socsim.dataflow.mapper
    timing: ArrayTiming = ArrayTiming.BROADCAST


@dataclass(frozen=True, kw_only=True)
class GlobalBufferConfig:
    component: ClassVar[Callable[..., Any]] = _Builds(
        "socsim.components.global_buffer.GlobalBuffer"
    )

    size_bytes: int = 131072  # capacity; a tile's loads wait until its working set fits
    words_per_cycle: int = 32  # bandwidth to the array; below the array's demand it stalls
    tile_fraction: float = 0.5  # share of the buffer one tile may hold (0.5: double buffering)


@dataclass(frozen=True, kw_only=True)
class DmaConfig:
    component: ClassVar[Callable[..., Any]] = _Builds("socsim.components.dma.Dma")

    channels: int = 2  # transfers in flight at once (loads and stores overlap with 2)
    queue_depth: int = 4  # descriptors queued per channel before the controller blocks
    setup_cycles: int = 16  # per descriptor, before its first byte moves
    burst_bytes: int = 64  # transfers move whole bursts: time rounds up to bursts


@dataclass(frozen=True, kw_only=True)
class DramConfig:
    component: ClassVar[Callable[..., Any]] = _Builds("socsim.components.dram.Dram")

    channels: int = 1  # independent channels; chunks of different transfers use them in parallel
    # Per channel, at the SoC clock (16 B at 500 MHz: 8 GB/s). A transfer also crosses the
    # interconnect, so raising this alone gains nothing beyond interconnect.bytes_per_cycle.
    bytes_per_cycle: int = 16
    latency_cycles: int = 100  # first-byte latency of each transfer (pipelined, holds nothing)


@dataclass(frozen=True, kw_only=True)
class InterconnectConfig:
    component: ClassVar[Callable[..., Any]] = _Builds("socsim.components.interconnect.Interconnect")

    bytes_per_cycle: int = 16  # width of the shared path between the DMA engines and DRAM
    grant_bytes: int = 4096  # largest chunk one grant moves before others may be served
    arbitration: Arbitration = Arbitration.FIFO


@dataclass(frozen=True, kw_only=True)
class ControllerConfig:
    component: ClassVar[Callable[..., Any]] = _Builds("socsim.components.controller.Controller")

    layer_setup_cycles: int = 200  # firmware work to start a layer (program loops, addresses)
    command_cycles: int = 20  # firmware work per command (a DMA descriptor, an array start)
    prefetch_depth: int = 2  # tiles in flight: 2 loads tile i+1 while tile i computes


@dataclass(frozen=True, kw_only=True)
class EnergyConfig:
    """Cost per action: `table` names a built-in table; a level set here overrides it."""

    table: str = "eyeriss"  # 'eyeriss' (normalised, MAC = 1) or 'pj-45nm' (picojoules)
    mac: float | None = None  # per MAC
    rf: float | None = None  # per register-file word read or written
    noc: float | None = None  # per inter-PE transfer
    glb: float | None = None  # per global-buffer word read or written
    dram: float | None = None  # per DRAM word read or written
    idle_per_cycle: float = 0.0  # leakage of each unit per idle cycle, in the table's units

    def costs(self) -> EnergyTable:
        """The table with this config's overrides applied."""
        overrides = {
            level: getattr(self, level) for level in LEVELS if getattr(self, level) is not None
        }
        return replace(get_table(self.table), **overrides)


@dataclass(frozen=True, kw_only=True)
class SocConfig:
    name: str = "custom"
    clock_hz: float = 500e6  # converts cycles to seconds in reports
    clusters: int = 1
    partition: Partition = Partition.FRAMES
    pe_array: PeArrayConfig = field(default_factory=PeArrayConfig)
    global_buffer: GlobalBufferConfig = field(default_factory=GlobalBufferConfig)
    dma: DmaConfig = field(default_factory=DmaConfig)
    dram: DramConfig = field(default_factory=DramConfig)
    interconnect: InterconnectConfig = field(default_factory=InterconnectConfig)
    controller: ControllerConfig = field(default_factory=ControllerConfig)
    energy: EnergyConfig = field(default_factory=EnergyConfig)

    def __post_init__(self) -> None:
        validate(self)

    def array(self) -> ArrayConfig:
        """The array as the dataflow mapper sees it."""
        pe, glb = self.pe_array, self.global_buffer
        return ArrayConfig(
            rows=pe.rows,
            cols=pe.cols,
            rf_words=pe.rf_words,
            glb_bytes=glb.size_bytes,
            bytes_per_word=pe.bytes_per_word,
            glb_words_per_cycle=glb.words_per_cycle,
            tile_fraction=glb.tile_fraction,
            weight_sparsity=pe.weight_sparsity,
            sparsity_mode=pe.sparsity_mode,
            compress_weights=pe.compress_weights,
            timing=pe.timing,
        )


# Allowed ranges, inclusive (None: unbounded); numeric fields not listed must be >= 1.
_RANGES: dict[str, tuple[float | None, float | None]] = {
    "weight_sparsity": (0.0, 0.99),
    "tile_fraction": (0.01, 1.0),
    "latency_cycles": (0, None),
    "setup_cycles": (0, None),
    "layer_setup_cycles": (0, None),
    "command_cycles": (0, None),
    "idle_per_cycle": (0.0, None),
    **{level: (0.0, None) for level in LEVELS},
}


def _checked(where: str, name: str, value: Any, kind: Any) -> Any:
    """One field's value, checked against its type and range (strings become enums).

    A type other than a number, a bool, a string or an enum (a user section's own field)
    is left for its class to check.
    """
    if get_origin(kind) in (Union, types.UnionType):  # an optional field: `X | None`
        if value is None:
            return None
        kind = next(k for k in get_args(kind) if k is not type(None))
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(v.value for v in kind)
            raise ConfigError(f"{where}={value!r}, expected one of {allowed}") from None
    if kind in (bool, str):
        if not isinstance(value, kind):
            raise ConfigError(
                f"{where}={value!r}, expected {'true or false' if kind is bool else 'a string'}"
            )
        return value
    if kind not in (int, float):
        return value
    wrong_type = isinstance(value, bool) or not isinstance(
        value, int if kind is int else (int, float)
    )
    if wrong_type:
        raise ConfigError(
            f"{where}={value!r}, expected {'an integer' if kind is int else 'a number'}"
        )
    low, high = _RANGES.get(name, (1, None))
    if (low is not None and value < low) or (high is not None and value > high):
        bound = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ConfigError(f"{where}={value!r}, expected a value {bound}")
    return kind(value)


def _validate_section(obj: Any, path: str) -> None:
    """Checks every field of a config dataclass, recursing into nested sections."""
    hints = get_type_hints(type(obj))
    for f in fields(obj):
        value = getattr(obj, f.name)
        if is_dataclass(value):
            _validate_section(value, f"{path}{f.name}.")
        else:
            object.__setattr__(obj, f.name, _checked(path + f.name, f.name, value, hints[f.name]))


def validate(soc: SocConfig) -> None:
    """Raises `ConfigError` naming the key path of the first bad value or combination."""
    _validate_section(soc, "")
    get_table(soc.energy.table)
    pe, glb = soc.pe_array, soc.global_buffer
    if pe.dataflow is DataflowChoice.IS and pe.timing is not ArrayTiming.SYSTOLIC:
        raise ConfigError(
            f"pe_array.dataflow='is' with pe_array.timing={pe.timing.value!r}, expected "
            "timing 'systolic' (input stationary runs on the systolic array only)"
        )
    pe_bytes = pe.rows * pe.cols * pe.bytes_per_word
    if glb.size_bytes < pe_bytes:
        raise ConfigError(
            f"global_buffer.size_bytes={glb.size_bytes}, expected at least one word per PE "
            f"({pe_bytes} bytes for a {pe.rows}x{pe.cols} array)"
        )
    if soc.interconnect.grant_bytes < soc.dma.burst_bytes:
        raise ConfigError(
            f"interconnect.grant_bytes={soc.interconnect.grant_bytes}, expected at least "
            f"dma.burst_bytes={soc.dma.burst_bytes} (a grant moves whole bursts)"
        )


def with_overrides(soc: SocConfig, overrides: dict[str, Any]) -> SocConfig:
    """A copy of `soc` with dotted key paths (`pe_array.rows`) set; the result is validated.

    An unknown key path raises `ConfigError` naming it and the keys allowed there.
    """
    sections: dict[str, dict[str, Any]] = {}
    top: dict[str, Any] = {}
    for path, value in overrides.items():
        head, _, rest = path.partition(".")
        _require_key(soc, head, "")
        section = getattr(soc, head)
        if is_dataclass(section):
            if not rest or "." in rest:
                allowed = ", ".join(f.name for f in fields(section))
                raise ConfigError(f"{path}={value!r}, expected a key of {head}: {allowed}")
            _require_key(section, rest, head + ".")
            sections.setdefault(head, {})[rest] = value
        elif rest:
            raise ConfigError(f"unknown key {path!r}: {head} has no sub-keys")
        else:
            top[head] = value
    changes = {name: replace(getattr(soc, name), **kv) for name, kv in sections.items()}
    return replace(soc, **top, **changes)


def _require_key(obj: Any, key: str, prefix: str) -> None:
    names = [f.name for f in fields(obj)]
    if key not in names:
        raise ConfigError(f"unknown key {prefix + key!r}, expected one of {', '.join(names)}")
