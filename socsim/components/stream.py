"""Frames arriving at the SoC: all at once, at a fixed rate, or as a Poisson process."""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from socsim.checks import checked_number, shown
from socsim.components.config import CEILING
from socsim.components.params import plain
from socsim.errors import ConfigError

FPS, SECONDS = "frame rate in frames per second", "time in seconds"


@dataclass(frozen=True, kw_only=True)
class Arrival:
    """When frames arrive, and the deadline each has from its arrival.

    `kind` is `burst` (every frame at time 0), `periodic` (one every 1/fps seconds) or
    `poisson` (exponential gaps with mean 1/fps, seeded). The deadline defaults to one frame
    period for a stream and to none for a burst.
    """

    kind: str = "burst"
    fps: float | None = None
    deadline_s: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("burst", "periodic", "poisson"):
            raise ConfigError(
                f"arrival.kind={shown(self.kind)}, expected burst, periodic or poisson"
            )
        if self.kind != "burst" or self.fps is not None:
            checked_number("arrival.fps", self.fps, quantity=FPS, positive=True)
        if self.deadline_s is not None:
            checked_number("arrival.deadline_s", self.deadline_s, quantity=SECONDS, positive=True)

    @classmethod
    def of(cls, spec: Arrival | float | None) -> Arrival:
        """`None` is a burst, a number is a periodic stream at that many frames per second."""
        if spec is None:
            return cls()
        if isinstance(spec, Arrival):
            return spec
        if isinstance(spec, bool) or not isinstance(spec, numbers.Real):
            raise ConfigError(
                f"arrival={shown(spec)}, expected None (all at once), a frame rate in frames "
                "per second or an Arrival"
            )
        return cls(kind="periodic", fps=float(spec))

    def check_clock(self, clock_hz: float) -> None:
        """Refuses a rate or a deadline that is not 1 to `CEILING` cycles at `clock_hz`:
        faster than a frame a cycle, or so slow that times in cycles overflow."""
        if self.fps is not None:
            checked_number(
                "arrival.fps", self.fps, quantity=f"{FPS} at clock_hz={plain(clock_hz)}",
                low=clock_hz / CEILING, high=clock_hz,
            )  # fmt: skip
        if self.deadline_s is not None:
            checked_number(
                "arrival.deadline_s", self.deadline_s,
                quantity=f"{SECONDS} at clock_hz={plain(clock_hz)}",
                low=1 / clock_hz, high=CEILING / clock_hz,
            )  # fmt: skip

    def deadline_cycles(self, clock_hz: float) -> int | None:
        seconds = (
            self.deadline_s if self.deadline_s is not None else (1 / self.fps if self.fps else None)
        )
        return None if seconds is None else round(seconds * clock_hz)

    def times(self, frames: int, clock_hz: float, seed: int) -> list[int]:
        """Arrival cycle of each frame, non-decreasing."""
        if self.kind == "burst":
            return [0] * frames
        period = clock_hz / self.fps
        if self.kind == "periodic":
            return [round(f * period) for f in range(frames)]
        gaps = np.random.default_rng(seed).exponential(period, size=frames)
        gaps[0] = 0.0
        return np.rint(np.cumsum(gaps)).astype(np.int64).tolist()
