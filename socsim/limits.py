"""Work budgets: how big a run or a sweep may be before it is refused, not started.

A run's size is known before time starts: the plan holds every layer's tiles, and a tile
becomes about `EVENTS_PER_TILE` rows of the event log. A run estimated past `max_events()`
is refused with what to change, instead of exhausting memory an hour later (a 1 KiB
buffer cuts AlexNet into 870,000 tiles a frame). A sweep or a co-design search is
counted, never built, before it is refused past `max_points()`. Both limits are generous
by default, and raised for a block of code with `limited(max_events=...)` (the commands'
`--max-events` and `--max-points`) or for every process by environment variable
(`SOCSIM_MAX_EVENTS`, `SOCSIM_MAX_POINTS`: a sweep's worker processes see those too).
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType

from socsim.checks import checked_number

MAX_EVENTS = 5_000_000  # ~3.5 GB of event log and DataFrame at the peak today
MAX_POINTS = 100_000  # design points: building each one checks and hashes a config
EVENTS_PER_TILE = 13  # log rows per tile, measured: loads, compute, stores, holds, waits
BYTES_PER_EVENT = 700  # peak memory per event, measured (the log's tuples, then columns)


_SET: contextvars.ContextVar[Mapping[str, int]] = contextvars.ContextVar(
    "limits", default=MappingProxyType({})
)


@contextmanager
def limited(*, max_events: int | None = None, max_points: int | None = None) -> Iterator[None]:
    """Within the block, these limits (None: unchanged) replace the defaults."""
    changes = {"SOCSIM_MAX_EVENTS": max_events, "SOCSIM_MAX_POINTS": max_points}
    where = {"SOCSIM_MAX_EVENTS": "max_events", "SOCSIM_MAX_POINTS": "max_points"}
    given = {
        name: checked_number(where[name], value, quantity="integer", low=1, integer=True)
        for name, value in changes.items()
        if value is not None
    }
    token = _SET.set({**_SET.get(), **given})
    try:
        yield
    finally:
        _SET.reset(token)


def max_events() -> int:
    """The largest run, in estimated events: as `limited` or `SOCSIM_MAX_EVENTS` set it,
    or `MAX_EVENTS`."""
    return _limit("SOCSIM_MAX_EVENTS", MAX_EVENTS)


def max_points() -> int:
    """The largest sweep or search, in design points: as `limited` or `SOCSIM_MAX_POINTS`
    set it, or `MAX_POINTS`."""
    return _limit("SOCSIM_MAX_POINTS", MAX_POINTS)


def _limit(name: str, default: int) -> int:
    if name in _SET.get():
        return _SET.get()[name]
    text = os.environ.get(name)
    if text is None:
        return default
    try:
        value: object = int(text)
    except ValueError:
        value = text
    return checked_number(name, value, quantity="integer", low=1, integer=True)


def memory_text(events: int) -> str:
    """The memory `events` take at the peak, roughly: "~3.5 GB"."""
    gigabytes = events * BYTES_PER_EVENT / 1e9
    return (
        f"~{gigabytes:.2g} GB" if gigabytes >= 0.1 else f"~{events * BYTES_PER_EVENT / 1e6:.0f} MB"
    )
