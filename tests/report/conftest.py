"""Small runs to report on: a five-block SqueezeNext simulates in about a tenth of a second."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sharing import shared

import socsim
from socsim.components.config import Partition
from socsim.simulation import Result
from socsim.workloads.squeezenext import squeezenext

TINY = squeezenext("tiny-sqnxt", depth=(1, 1, 1, 1), conv1_k=5)


@pytest.fixture(scope=shared("session"))
def tiny() -> Result:
    """One frame of a tagged (stage and block) network on one cluster."""
    return socsim.simulate(TINY, "squeezelerator-16x16")


@pytest.fixture(scope=shared("session"))
def shared() -> Result:
    """Two frames on two clusters splitting every layer, with leakage and a pJ table, so
    that cross-frame sums, cluster processes, idle energy and mW axes all show up."""
    base = socsim.get_preset("squeezelerator-8x8")
    config = replace(
        base,
        clusters=2,
        partition=Partition.CHANNELS,
        energy=replace(base.energy, table="pj-45nm", idle_per_cycle=0.25),
    )
    return socsim.simulate(TINY, config, frames=2)
