"""The one check of a value a user gives, and the one way an error shows it.

Config fields (`socsim.components.config`), layers, arrivals, sweep specs, codesign and the
command line all check numbers with `checked_number`, so every refusal reads the same:
``<where>=<value>, expected <what, with its unit and allowed range>``. NaN and infinity
are refused everywhere: no quantity socsim models is infinite, and NaN compares false
with every bound, so it would slip through a range check. `shown` writes a value into a
message without walking all of it (a YAML alias bomb must not be printed to be refused).
"""

from __future__ import annotations

import math
import numbers
import reprlib
from typing import Any

from socsim.errors import ConfigError, SocsimError

_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother = 3, 60, 60


def shown(value: Any) -> str:
    """`repr(value)` cut short: a few items per level, a few levels, long text elided."""
    return _REPR.repr(value)


def bound_text(
    quantity: str, low: float | None, high: float | None, integer: bool, positive: bool = False
) -> str:
    """What a value in [low, high] (`positive`: above 0 too) is, as errors write it: "a
    positive number of PEs", "a positive integer <= 1,048,576", "a fraction in [0.0, 0.99]"."""
    article = "an" if quantity[:1] in tuple("aeiou") else "a"
    if low is not None and high is not None and not ((integer or positive) and low in (0, 1)):
        return f"{article} {quantity} in [{_plain(low)}, {_plain(high)}]"
    if positive:
        text = f"a positive {quantity}"
    elif low == 0:
        text = f"a non-negative {quantity}"
    elif low == 1 and integer:
        text = f"a positive {quantity}"
    elif low is not None:
        text = f"{article} {quantity} >= {_plain(low)}"
    else:
        text = f"{article} {quantity}"
    return text if high is None else f"{text} <= {_plain(high)}"


def _plain(bound: float) -> str:
    if isinstance(bound, float) and not bound.is_integer():
        return f"{bound:.3g}"
    if isinstance(bound, float) and abs(bound) >= 10**4:
        bound = int(bound)
    return f"{bound:,}" if isinstance(bound, int) and abs(bound) >= 10**4 else str(bound)


def checked_number(
    where: str,
    value: Any,
    *,
    quantity: str = "number",
    low: float | None = None,
    high: float | None = None,
    integer: bool = False,
    positive: bool = False,
    error: type[SocsimError] = ConfigError,
) -> Any:
    """`value` as an int (`integer`) or a float, if it is a finite number in [low, high]
    (None: unbounded) and above 0 if `positive`; otherwise raises `error` naming `where`,
    the value and the range.

    A bool is not a number here (YAML reads `yes` as one); a whole float passes as an
    integer (YAML reads `16.0` as one).
    """
    expected = bound_text(quantity, low, high, integer, positive)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise error(f"{where}={shown(value)}, expected {expected}")
    if not math.isfinite(value):
        raise error(f"{where}={shown(value)}, expected {expected}")
    if integer and value != int(value):
        whole = "an integer" if quantity == "integer" else f"a whole {quantity}"
        raise error(f"{where}={shown(value)}, expected {whole}")
    below = (low is not None and value < low) or (positive and value <= 0)
    if below or (high is not None and value > high):
        raise error(f"{where}={shown(value)}, expected {expected}")
    return int(value) if integer else float(value)
