"""The unit table: the elaborate step lists every unit that logs, and reports join on it."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sharing import shared

import socsim
from socsim.components.config import DmaConfig, Partition
from socsim.components.dma import Dma
from socsim.components.units import COLUMNS
from socsim.errors import SimulationError
from socsim.workloads.squeezenext import squeezenext

NETWORK = squeezenext("tiny-sqnxt", depth=(1, 1, 1, 1), conv1_k=5)
BASE = socsim.get_preset("squeezelerator-8x8")
CONFIG = replace(
    BASE,
    clusters=2,
    partition=Partition.CHANNELS,
    dram=replace(BASE.dram, channels=3),
    dma=DmaConfig(channels=1, setup_cycles=7, burst_bytes=64),
)
GLB = BASE.global_buffer.size_bytes


def cluster_rows(c: int) -> list[tuple]:
    s = f"soc.cluster{c}"
    return [
        (f"{s}.controller", "controller", f"{s}.controller", c, s, -1, 1, "intervals"),
        (f"{s}.controller.pipeline", "pipeline", f"{s}.controller", c, s, -1, 0, "none"),
        (f"{s}.dma.ch0", "dma", f"{s}.dma", c, s, 0, 1, "intervals"),
        (f"{s}.global_buffer", "global_buffer", f"{s}.global_buffer", c, s, -1, GLB, "bytes"),
        (f"{s}.pe_array", "pe_array", f"{s}.pe_array", c, s, -1, 1, "intervals"),
    ]


EXPECTED = [
    *((f"soc.dram.ch{i}", "dram", "soc.dram", -1, "soc", i, 1, "intervals") for i in range(3)),
    ("soc.interconnect", "interconnect", "soc.interconnect", -1, "soc", -1, 1, "intervals"),
    *cluster_rows(0),
    *cluster_rows(1),
]


@pytest.fixture(scope=shared("module"))
def result():
    return socsim.simulate(NETWORK, CONFIG, frames=2)


def test_two_clusters_and_three_dram_channels_list_every_unit(result):
    """Shared DRAM channels and bus first, then per cluster its controller, waits, DMA
    channel, buffer (capacity: its bytes) and array, each with its cluster and channel."""
    units = result.units
    assert list(units.columns) == list(COLUMNS)
    rows = units[list(COLUMNS[:-2])].itertuples()
    assert [tuple(row) for row in rows] == EXPECTED


def test_every_event_is_on_a_listed_unit_with_a_listed_action(result):
    """Each (unit, action) pair of the log is one the table declares, and every unit the
    run used logged something."""
    pairs = result.events[["unit", "action"]].astype(str).drop_duplicates()
    for unit, action in pairs.itertuples(index=False):
        assert action in result.units.at[unit, "actions"], (unit, action)
    assert set(pairs["unit"]) == set(result.units.index)


def test_dram_bytes_are_the_bytes_on_dram_units(result):
    """The summary's DRAM bytes sum the rows of the table's `dram` units, which move as
    many bytes as the DMA engines load and store."""
    events = result.events
    kind = events["unit"].astype(str).map(result.units["kind"])
    dram = int(events.loc[kind == "dram", "bytes"].sum())
    dma = int(events.loc[kind == "dma", "bytes"].sum())
    assert result.summary["dram_bytes"] == dram == dma > 0


def test_a_stopped_run_carries_its_unit_table(monkeypatch):
    """The partial result of a run that cannot finish lists the same units."""

    def swallow(self, channel):  # a broken DMA: takes descriptors, never completes them
        while True:
            yield self.queue.get()

    monkeypatch.setattr(Dma, "serve", swallow)
    with pytest.raises(SimulationError) as caught:
        socsim.simulate(NETWORK, CONFIG)
    assert [tuple(r) for r in caught.value.result.units[list(COLUMNS[:-2])].itertuples()] == (
        EXPECTED
    )
