"""Configuration of the SoC: one frozen dataclass per component, composed into `SocConfig`.

Every field is declared with `param` (see `params.py`): its unit, in its name too, and
what it means for timing, from which come the classes' docstrings (`help(DramConfig)`),
`socsim presets --show`, docs/config.md and the units named in errors. A value may be
written with a unit ("128 KiB", "500 MHz", "8 GB/s", "200 ns", "40%") or in exponent form
("400e6") wherever configs are read: YAML files, `with_overrides`, sweeps, and sections
built in Python (converted when the `SocConfig` holding them is validated; rates and times
at its clock). Presets are functions (see `presets.py`); vary them with
`dataclasses.replace` or a YAML file (see `presets.load_yaml`).

Each component's config names, in its class attribute `component`, the class the SoC
builder (`soc.py`) makes of it. To replace a component, subclass its config, add your
fields and point `component` at your class, which follows the protocol in the docstring
of the class it replaces (its constructor included)::

    @dataclass(frozen=True, kw_only=True)
    class RefreshDramConfig(DramConfig):
        refresh_cycles: int = param(350, doc="each refresh holds the channel", unit=CYCLES)
        component = RefreshDram

    soc = replace(get_preset("squeezelerator-16x16"), dram=RefreshDramConfig())
"""

from __future__ import annotations

import importlib
import math
import types
from collections.abc import Callable
from dataclasses import MISSING, Field, dataclass, fields, is_dataclass, replace
from fractions import Fraction
from typing import Any, ClassVar, Union, get_args, get_origin, get_type_hints

from socsim.checks import bound_text, shown
from socsim.components.params import (
    BYTES,
    BYTES_PER_CYCLE,
    CYCLES,
    FRACTION,
    HERTZ,
    NUMBER,
    Unit,
    cost,
    count,
    documented,
    param,
    plain,
    unit_of,
)
from socsim.dataflow.types import ARRAY_RANGES, ArrayConfig, ArrayTiming, Dataflow, SparsityMode
from socsim.energy import LEVELS, EnergyTable, get_table
from socsim.enums import StrEnum
from socsim.errors import ConfigError

CEILING = 2**40  # the largest value of any numeric field
PES, WORDS, CHANNELS = count("PEs"), count("words"), count("channels")
DESCRIPTORS, TILES, CLUSTERS = count("descriptors"), count("tiles"), count("clusters")
BYTES_PER_WORD, WORDS_PER_CYCLE = count("bytes per word"), count("words per cycle")
COST = cost("table units")  # MAC = 1 for eyeriss, picojoules for pj-45nm
# The mapper's view of the array (`SocConfig.array()`) is the one source of the defaults
# and ranges of the fields `pe_array` and `global_buffer` pass to it.
ARRAY = ArrayConfig()


class Partition(StrEnum):
    """How the host spreads work over several clusters."""

    FRAMES = "frames"  # each frame runs whole on the next free cluster
    PIPELINE = "pipeline"  # contiguous layer segments per cluster, balanced by cycles
    CHANNELS = "channels"  # every layer's output channels split across all clusters


class Fusion(StrEnum):
    """Which weightless layers run inside their neighbours (see `socsim.components.schedule`)."""

    NONE = "none"  # layer by layer: every layer reads its inputs from DRAM, writes back
    WEIGHTLESS = "weightless"  # pools and adds in the producer's write-back, concats as views


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


# The dataflow a layer runs with: fixed (every `socsim.dataflow.Dataflow`, so the two lists
# cannot drift apart), or chosen per layer: `auto` the fewer cycles (ties: less energy),
# `auto-energy` the less energy (ties: fewer cycles), priced by `SocConfig.energy`.
DataflowChoice = StrEnum(
    "DataflowChoice",
    [
        *((d.name, d.value) for d in Dataflow),
        ("AUTO_CYCLES", "auto"),
        ("AUTO_ENERGY", "auto-energy"),
    ],
    module=__name__,
    qualname="DataflowChoice",
)
DataflowChoice.__doc__ = "The dataflow a layer runs with: fixed, or chosen per layer."


@documented
@dataclass(frozen=True, kw_only=True)
class PeArrayConfig:
    """The PE array: its shape, precision, dataflow and what zero weights save."""

    component: ClassVar[Callable[..., Any]] = _Builds("socsim.components.pe_array.PeArray")

    rows: int = param(
        ARRAY.rows,
        doc="PE rows: output pixels (OS), input channels (WS) or input rows (RS)",
        unit=PES,
    )
    cols: int = param(
        ARRAY.cols, doc="PE columns: output channels (filters), or output rows (RS)", unit=PES
    )
    rf_words: int = param(
        ARRAY.rf_words,
        doc="register-file words per PE; bounds what a PE keeps between cycles",
        unit=WORDS,
    )
    rf_ifmap_words: int = param(
        ARRAY.rf_ifmap_words,
        doc="row stationary: input scratchpad per PE; holds q input-row windows",
        unit=WORDS,
    )
    rf_filter_words: int = param(
        ARRAY.rf_filter_words,
        doc="row stationary: filter scratchpad per PE; holds p filters x q filter rows",
        unit=WORDS,
    )
    rf_psum_words: int = param(
        ARRAY.rf_psum_words,
        doc="row stationary: partial-sum scratchpad per PE; holds one sum per filter (p)",
        unit=WORDS,
    )
    bytes_per_word: int = param(
        ARRAY.bytes_per_word, doc="data precision (2: 16-bit)", unit=BYTES_PER_WORD
    )
    dataflow: DataflowChoice = param(
        DataflowChoice.AUTO_CYCLES,
        doc="fixed (rs: broadcast only, never chosen by auto), or chosen per layer among "
        "os/ws (is too when systolic): fewer cycles (auto) or less energy (auto-energy)",
    )
    # The paper's Squeezelerator, not the bare array's dense default (see ArrayConfig).
    weight_sparsity: float = param(0.4, doc="share of the weights that are zero", unit=FRACTION)
    sparsity_mode: SparsityMode = param(
        SparsityMode.GATE,
        doc="what zero weights save: nothing, MAC energy (gate), or cycles too (skip)",
    )
    compress_weights: bool = param(
        ARRAY.compress_weights, doc="zero weights are neither stored nor moved"
    )
    timing: ArrayTiming = param(
        ARRAY.timing,
        doc="how cycles are counted: the Squeezelerator's buses or SCALE-Sim's array",
    )


@documented
@dataclass(frozen=True, kw_only=True)
class GlobalBufferConfig:
    """The global buffer between DRAM and the PE array."""

    component: ClassVar[Callable[..., Any]] = _Builds(
        "socsim.components.global_buffer.GlobalBuffer"
    )

    size_bytes: int = param(
        ARRAY.glb_bytes, doc="capacity; a tile's loads wait until its working set fits", unit=BYTES
    )
    words_per_cycle: int = param(
        ARRAY.glb_words_per_cycle,
        doc="bandwidth to the array; below the array's demand it stalls",
        unit=WORDS_PER_CYCLE,
    )
    tile_fraction: float = param(
        ARRAY.tile_fraction,
        doc="share of the buffer one tile may hold (0.5: double buffering)",
        unit=FRACTION,
    )


@documented
@dataclass(frozen=True, kw_only=True)
class DmaConfig:
    """The DMA engine that moves each tile's data between DRAM and the global buffer."""

    component: ClassVar[Callable[..., Any]] = _Builds("socsim.components.dma.Dma")

    channels: int = param(
        2, doc="transfers in flight at once (loads and stores overlap with 2)", unit=CHANNELS
    )
    queue_depth: int = param(
        4, doc="descriptors queued per channel before the controller blocks", unit=DESCRIPTORS
    )
    setup_cycles: int = param(16, doc="per descriptor, before its first byte moves", unit=CYCLES)
    burst_bytes: int = param(
        64, doc="transfers move whole bursts: time rounds up to bursts", unit=BYTES
    )


@documented
@dataclass(frozen=True, kw_only=True)
class DramConfig:
    """DRAM, shared by every cluster through the interconnect."""

    component: ClassVar[Callable[..., Any]] = _Builds("socsim.components.dram.Dram")

    channels: int = param(
        1,
        doc="independent channels; chunks of different transfers use them in parallel",
        unit=CHANNELS,
    )
    bytes_per_cycle: int = param(
        16,
        doc="per channel; beyond interconnect.bytes_per_cycle it gains nothing",
        unit=BYTES_PER_CYCLE,
    )
    latency_cycles: int = param(
        100, doc="first-byte latency of each transfer (pipelined, holds nothing)", unit=CYCLES
    )


@documented
@dataclass(frozen=True, kw_only=True)
class InterconnectConfig:
    """The shared path between the clusters' DMA engines and DRAM."""

    component: ClassVar[Callable[..., Any]] = _Builds("socsim.components.interconnect.Interconnect")

    bytes_per_cycle: int = param(
        16, doc="width of the path between the DMA engines and DRAM", unit=BYTES_PER_CYCLE
    )
    grant_bytes: int = param(
        4096, doc="largest chunk one grant moves before others may be served", unit=BYTES
    )
    arbitration: Arbitration = param(
        Arbitration.FIFO,
        doc="who goes next: first come, or the lower cluster and stores first (priority)",
    )


@documented
@dataclass(frozen=True, kw_only=True)
class ControllerConfig:
    """The cluster's controller: the firmware that turns each layer's tiles into commands."""

    component: ClassVar[Callable[..., Any]] = _Builds("socsim.components.controller.Controller")

    layer_setup_cycles: int = param(
        200, doc="firmware work to start a layer (program loops, addresses)", unit=CYCLES
    )
    command_cycles: int = param(
        20, doc="firmware work per command (a DMA descriptor, an array start)", unit=CYCLES
    )
    prefetch_depth: int = param(
        2, doc="tiles in flight: 2 loads tile i+1 while tile i computes", unit=TILES
    )


@documented
@dataclass(frozen=True, kw_only=True)
class ScheduleConfig:
    """How a network's layers run, planned once per network before time starts (see
    `socsim.components.schedule`)."""

    fusion: Fusion = param(
        Fusion.NONE,
        doc="none: every tensor through DRAM; weightless: pools and adds fused into the "
        "conv or fc before them, concats as views",
    )
    residency: float = param(
        0.0,
        doc="share of the buffer that tensors may keep between layers, writer to last "
        "reader (0: every tensor through DRAM)",
        unit=FRACTION,
    )


@documented
@dataclass(frozen=True, kw_only=True)
class EnergyConfig:
    """Cost per action: `table` names a built-in table; a level set here overrides it."""

    table: str = param(
        "eyeriss", doc="built-in costs: eyeriss (normalised, MAC = 1) or pj-45nm (picojoules)"
    )
    mac: float | None = param(None, doc="per MAC (null: the table's)", unit=COST)
    rf: float | None = param(
        None, doc="per register-file word read or written (null: the table's)", unit=COST
    )
    noc: float | None = param(None, doc="per inter-PE transfer (null: the table's)", unit=COST)
    glb: float | None = param(
        None, doc="per global-buffer word read or written (null: the table's)", unit=COST
    )
    dram: float | None = param(
        None, doc="per DRAM word read or written (null: the table's)", unit=COST
    )
    idle_per_cycle: float = param(0.0, doc="leakage of each unit per idle cycle", unit=COST)

    def costs(self) -> EnergyTable:
        """The table with this config's overrides applied."""
        overrides = {
            level: getattr(self, level) for level in LEVELS if getattr(self, level) is not None
        }
        return replace(get_table(self.table), **overrides)


@documented
@dataclass(frozen=True, kw_only=True)
class SocConfig:
    """The whole SoC: clock, clusters and one section per component (see each section's
    class for its keys)."""

    name: str = param("custom", doc="shown in reports")
    clock_hz: float = param(
        500e6, doc="converts cycles to seconds, and rates to cycles", unit=HERTZ
    )
    clusters: int = param(
        1, doc="copies of the DMA, buffer, array and controller, sharing DRAM", unit=CLUSTERS
    )
    partition: Partition = param(Partition.FRAMES, doc="how the host spreads work over clusters")
    pe_array: PeArrayConfig = param(default_factory=PeArrayConfig, doc="the PE array")
    global_buffer: GlobalBufferConfig = param(
        default_factory=GlobalBufferConfig, doc="the global buffer"
    )
    dma: DmaConfig = param(default_factory=DmaConfig, doc="each cluster's DMA engine")
    dram: DramConfig = param(default_factory=DramConfig, doc="the DRAM")
    interconnect: InterconnectConfig = param(
        default_factory=InterconnectConfig, doc="the path between DMA engines and DRAM"
    )
    controller: ControllerConfig = param(
        default_factory=ControllerConfig, doc="each cluster's controller"
    )
    energy: EnergyConfig = param(default_factory=EnergyConfig, doc="the cost of each action")
    schedule: ScheduleConfig = param(
        default_factory=ScheduleConfig, doc="the execution schedule of each network"
    )

    def __post_init__(self) -> None:
        validate(self)

    def array(self) -> ArrayConfig:
        """The array as the dataflow mapper sees it."""
        pe, glb = self.pe_array, self.global_buffer
        return ArrayConfig(
            rows=pe.rows,
            cols=pe.cols,
            rf_words=pe.rf_words,
            rf_ifmap_words=pe.rf_ifmap_words,
            rf_filter_words=pe.rf_filter_words,
            rf_psum_words=pe.rf_psum_words,
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
# The upper bounds are generous physical ones: past them a value is surely a slip (a
# 100000 x 100000 array, 20 GB of buffer) that would only exhaust memory.
_RANGES: dict[str, tuple[float | None, float | None]] = {
    **ARRAY_RANGES,
    "clusters": (1, 1024),
    "size_bytes": (1, 2**32),
    "residency": (0.0, 0.9),  # tiles need the rest of the buffer
    "latency_cycles": (0, None),
    "setup_cycles": (0, None),
    "layer_setup_cycles": (0, None),
    "command_cycles": (0, None),
    "idle_per_cycle": (0.0, None),
    **{level: (0.0, None) for level in LEVELS},
}


def _checked(where: str, spec: Field, value: Any, kind: Any, root: SocConfig) -> Any:
    """One field's value, checked against its type, unit and range (strings become enums
    and numbers, unit strings converting at `root`'s clock).

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
            raise ConfigError(f"{where}={shown(value)}, expected one of {allowed}") from None
    if kind in (bool, str):
        if not isinstance(value, kind):
            raise ConfigError(
                f"{where}={shown(value)}, expected {'true or false' if kind is bool else 'a string'}"
            )
        return value
    if isinstance(kind, type) and is_dataclass(kind) and not isinstance(value, kind):
        raise ConfigError(f"{where}={shown(value)}, expected a {kind.__name__} section")
    if kind not in (int, float):
        return value
    unit = unit_of(spec) or NUMBER
    number = _number(value, unit, root)
    if number is None:
        expected = unit.expected(None if spec.default is MISSING else spec.default)
        if unit is NUMBER:
            expected = "an integer" if kind is int else "a number"
        raise ConfigError(f"{where}={shown(value)}, expected {expected}")
    if kind is int and number.denominator != 1:
        converted = ""
        if isinstance(value, str) and unit.needs_clock(value):
            converted = f" (it is {float(number):g} at clock_hz={plain(root.clock_hz)})"
        whole = "an integer" if unit is NUMBER else f"a whole {unit.quantity}"
        raise ConfigError(f"{where}={shown(value)}, expected {whole}{converted}")
    low, high = _RANGES.get(spec.name, (1, None))
    if (low is not None and number < low) or (high is not None and number > high):
        bound = bound_text(unit.quantity, low, high, kind is int)
        raise ConfigError(f"{where}={shown(value)}, expected {bound}")
    if number > CEILING:  # no quantity socsim models comes near it; it would only overflow
        bound = bound_text(unit.quantity, None, CEILING, kind is int)
        raise ConfigError(f"{where}={shown(value)}, expected {bound}")
    return kind(number)


def _number(value: Any, unit: Unit, root: SocConfig) -> Fraction | None:
    """The exact value of a number or a string read in `unit`; None if it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return Fraction(value)
    if isinstance(value, str):
        # fields are checked in order, so clock_hz is a number before the sections need it
        return unit.quantity_of(value, root.clock_hz)
    return None


def _validate_section(obj: Any, path: str, root: SocConfig) -> None:
    """Checks every field of a config dataclass, recursing into nested sections."""
    hints = get_type_hints(type(obj))
    for f in fields(obj):
        value, kind = getattr(obj, f.name), hints[f.name]
        if is_dataclass(value) and (not isinstance(kind, type) or isinstance(value, kind)):
            _validate_section(value, f"{path}{f.name}.", root)
        else:
            object.__setattr__(obj, f.name, _checked(path + f.name, f, value, kind, root))


def validate(soc: SocConfig) -> None:
    """Raises `ConfigError` naming the key path of the first bad value or combination."""
    _validate_section(soc, "", soc)
    get_table(soc.energy.table)
    pe, glb = soc.pe_array, soc.global_buffer
    if pe.dataflow is DataflowChoice.IS and pe.timing is not ArrayTiming.SYSTOLIC:
        raise ConfigError(
            f"pe_array.dataflow='is' with pe_array.timing={pe.timing.value!r}, expected "
            "timing 'systolic' (input stationary runs on the systolic array only)"
        )
    if pe.dataflow is DataflowChoice.RS and pe.timing is not ArrayTiming.BROADCAST:
        raise ConfigError(
            f"pe_array.dataflow='rs' with pe_array.timing={pe.timing.value!r}, expected "
            "timing 'broadcast' (row stationary runs on the broadcast array only)"
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
        if not isinstance(path, str):
            raise ConfigError(f"key {shown(path)}, expected a key name (text)")
        head, _, rest = path.partition(".")
        _require_key(soc, head, "")
        section = getattr(soc, head)
        if is_dataclass(section):
            if not rest or "." in rest:
                allowed = ", ".join(f.name for f in fields(section))
                raise ConfigError(f"{path}={shown(value)}, expected a key of {head}: {allowed}")
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
