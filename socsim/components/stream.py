"""Frames arriving at the SoC: all at once, at a fixed rate, or as a Poisson process."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from socsim.errors import ConfigError


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
            raise ConfigError(f"arrival.kind={self.kind!r}, expected burst, periodic or poisson")
        if self.kind != "burst" and (self.fps is None or not self.fps > 0):
            raise ConfigError(f"arrival.fps={self.fps!r}, expected a positive frame rate")
        if self.deadline_s is not None and not self.deadline_s > 0:
            raise ConfigError(f"arrival.deadline_s={self.deadline_s!r}, expected a positive time")

    @classmethod
    def of(cls, spec: Arrival | float | None) -> Arrival:
        """`None` is a burst, a number is a periodic stream at that many frames per second."""
        if spec is None:
            return cls()
        if isinstance(spec, Arrival):
            return spec
        return cls(kind="periodic", fps=float(spec))

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
