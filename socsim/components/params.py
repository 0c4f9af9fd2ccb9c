"""Config fields that document themselves, as gem5's params do.

Each field of a config section is declared with `param`, which records in the field's
metadata a one-line meaning and its `Unit`. From that one place come the classes'
docstrings (`documented`), the commented YAML of `socsim presets --show`, the key
reference docs/config.md (`socsim presets --reference`) and error messages that name the
unit. A `Unit` also reads the strings a person writes for a value ("128 KiB", "500 MHz",
"8 GB/s", "200 ns", "40%", "400e6"): `quantity_of` turns one into an exact number in the
field's unit; rates and times convert to cycles at the SoC's clock.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import MISSING, Field, dataclass, field, fields, is_dataclass
from fractions import Fraction
from typing import Any, get_type_hints

from socsim.enums import StrEnum


@dataclass(frozen=True)
class Unit:
    """A field's unit, and the unit strings that convert to it exactly."""

    name: str  # as docs and errors write it: "bytes per cycle"
    quantity: str  # what a value is, for range errors: "number of bytes per cycle"
    what: str  # what a value should look like, for a misread one: "a size in bytes"
    sample: str | None = None  # a value written with a unit, for errors: "'128 KiB'"
    # unit string -> (factor, power of the clock): value = number x factor x clock_hz**power
    suffixes: dict[str, tuple[Fraction, int]] = field(default_factory=dict)
    nice: tuple[str, ...] = ()  # suffixes a value may be shown in, largest first

    def expected(self, default: Any) -> str:
        """What a value should look like, with the field's default as an example."""
        examples = [] if default is None else [plain(default)]
        examples += [self.sample] if self.sample else []
        return f"{self.what} such as {' or '.join(examples)}" if examples else self.what

    def quantity_of(self, text: str, clock_hz: float) -> Fraction | None:
        """The exact value of `text` ("128 KiB", "400e6") in this unit; None if unreadable."""
        match = _NUMBER.fullmatch(text)
        if match is None:
            return None
        number, suffix = match.groups()
        mantissa, _, exponent = number.lower().partition("e")
        if len(mantissa) > 40 or len(exponent.lstrip("+-")) > 3:
            return None  # beyond any quantity; Fraction would build "1e999999999" whole
        if not suffix:
            return Fraction(number)
        if suffix not in self.suffixes:
            return None
        factor, power = self.suffixes[suffix]
        value = Fraction(number) * factor
        return value * Fraction(clock_hz) ** power if power else value

    def needs_clock(self, text: str) -> bool:
        """Whether `text` is a rate or a time that converts at the clock ("8 GB/s")."""
        match = _NUMBER.fullmatch(text)
        suffix = match and match.group(2)
        return bool(suffix) and self.suffixes.get(suffix, (0, 0))[1] != 0

    def shown(self, value: float, clock_hz: float) -> str | None:
        """`value` in the largest of the `nice` suffixes that writes it as a whole number."""
        for suffix in self.nice:
            factor, power = self.suffixes[suffix]
            number = Fraction(value) / (factor * Fraction(clock_hz) ** power)
            if number.denominator == 1 and number >= 1:
                return f"{number} {suffix}"
        return None


_NUMBER = re.compile(r"\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(\S.*?)?\s*")


_SI = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9}
_IEC = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30}  # kB is 1000 bytes, KiB 1024 (IEC 80000-13)
_BYTE_PREFIXES = {**_SI, **_IEC}

BYTES = Unit(
    "bytes",
    "number of bytes",
    "a size in bytes",
    "'128 KiB'",
    {f"{p}B": (Fraction(f), 0) for p, f in _BYTE_PREFIXES.items()},
    ("GiB", "MiB", "KiB", "GB", "MB", "kB"),
)
BYTES_PER_CYCLE = Unit(
    "bytes per cycle",
    "number of bytes per cycle",
    "a bandwidth in bytes per cycle",
    "'8 GB/s'",
    {
        "B/cycle": (Fraction(1), 0),
        **{f"{p}B/s": (Fraction(f), -1) for p, f in _BYTE_PREFIXES.items()},
    },
    ("GB/s", "MB/s", "GiB/s", "MiB/s"),
)
HERTZ = Unit(
    "Hz",
    "frequency in Hz",
    "a frequency in Hz",
    "'500 MHz'",
    {f"{p}Hz": (Fraction(f), 0) for p, f in _SI.items()},
    ("GHz", "MHz", "kHz"),
)
CYCLES = Unit(
    "cycles",
    "number of cycles",
    "a time in cycles",
    "'200 ns'",
    {
        "cycles": (Fraction(1), 0),
        **{
            f"{p}s": (Fraction(1, f), 1)
            for p, f in {"": 1, "m": 10**3, "u": 10**6, "n": 10**9}.items()
        },
    },
    ("us", "ns"),
)
FRACTION = Unit("fraction", "fraction", "a fraction", "'40%'", {"%": (Fraction(1, 100), 0)})


NUMBER = Unit("", "value", "a number")  # a field without a unit: plain numbers, "400e6" too


def count(things: str) -> Unit:
    """A unit that counts `things` (PEs, words, channels): plain numbers only."""
    return Unit(things, f"number of {things}", f"a number of {things}")


def cost(unit: str) -> Unit:
    """An energy cost in the energy table's unit (MAC = 1 for eyeriss, pJ for pj-45nm)."""
    return Unit(unit, f"cost in {unit}", f"a cost in {unit}")


def param(
    default: Any = MISSING, *, doc: str, unit: Unit | None = None, default_factory: Any = MISSING
) -> Any:
    """A config field with its one-line meaning `doc` and its `unit` (None: not a quantity,
    such as a name, a choice or a section)."""
    return field(
        default=default, default_factory=default_factory, metadata={"doc": doc, "unit": unit}
    )


def doc_of(f: Field) -> str:
    return f.metadata.get("doc", "")


def unit_of(f: Field) -> Unit | None:
    return f.metadata.get("unit")


def default_of(f: Field) -> Any:
    """A field's default value (a section's: the section built with its defaults)."""
    return f.default_factory() if f.default is MISSING else f.default


def kind_text(f: Field, kind: Any, sep: str = " | ") -> str:
    """The field's unit as a reader needs it: the unit's name, the choices of an enum, or
    the section's class."""
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        return sep.join(v.value for v in kind)
    if unit_of(f) is not None:
        return unit_of(f).name
    return {bool: f"true{sep}false", str: "text"}.get(kind, getattr(kind, "__name__", str(kind)))


def plain(value: Any) -> str:
    """A value as YAML and Python both read it back: enums by value, whole floats as ints."""
    if isinstance(value, StrEnum):
        return repr(value.value)
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1e3:
        return str(int(value))
    return repr(value)


def documented(cls: type) -> type:
    """Appends to a config class's docstring one entry per field: name, default, unit and
    meaning, so `help()` lists every key. Apply above `@dataclass`."""
    hints = get_type_hints(cls)
    lines = [
        inspect.cleandoc(cls.__doc__ or cls.__name__),
        "",
        "Fields (the keys of its YAML section):",
        "",
    ]
    for f in fields(cls):
        default = default_of(f)
        shown = type(default).__name__ + "()" if is_dataclass(default) else plain(default)
        lines.append(f"    {f.name} = {shown}  [{kind_text(f, hints[f.name])}]")
        lines.append(f"        {doc_of(f)}")
    cls.__doc__ = "\n".join(lines)
    return cls
