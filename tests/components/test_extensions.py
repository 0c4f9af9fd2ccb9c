"""User components plugged in through their configs, and `check_invariants` catching broken ones.

Each broken component below is a few lines of the kind of bug a user could write; the
kit must name the unit, the cycle, the values and the invariant it violates.
"""

from __future__ import annotations

import importlib.util
import pickle
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from test_timing import CONFIG, TILE, intervals, run

from socsim import simulate
from socsim.components.config import (
    DmaConfig,
    DramConfig,
    GlobalBufferConfig,
    InterconnectConfig,
    PeArrayConfig,
    with_overrides,
)
from socsim.components.dma import Dma
from socsim.components.dram import Dram
from socsim.components.global_buffer import GlobalBuffer
from socsim.components.interconnect import Interconnect
from socsim.components.pe_array import PeArray
from socsim.errors import ConfigError
from socsim.testing import check_invariants
from socsim.workloads import NetworkBuilder


def load_example():
    """examples/custom_component.py as a module (registered, so its dataclasses resolve)."""
    path = Path(__file__).resolve().parents[2] / "examples" / "custom_component.py"
    spec = importlib.util.spec_from_file_location("custom_component", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


example = load_example()


def small_network():
    """A conv whose tiles load and store several bursts each, then an fc."""
    builder = NetworkBuilder("small", (16, 16, 16))
    builder.conv("conv", "input", 32, 3, pad=1)
    builder.fc("fc", "conv", 10)
    return builder.build()


def run_with(**sections):
    return simulate(small_network(), replace(CONFIG, **sections))


# -- the example's refresh DRAM -------------------------------------------------------------


def test_refresh_during_a_transfer_delays_it_by_the_refresh():
    # test_timing's tile with 256-byte grants: the 1024-byte load moves chunks of 32 DRAM
    # cycles from 15 (to 143 without refresh). The refresh due at 100 waits for the chunk
    # ending at 111, holds the channel 111-131, and the load lands at 163 instead of 143.
    # The one due at 200 falls while the array computes (163-263) and costs nothing. The
    # store starts at 278; the refresh due at 300 waits for its first chunk (310), holds
    # 310-330, and the store lands at 362: 322 + 2 x 20 cycles.
    config = replace(CONFIG, interconnect=replace(CONFIG.interconnect, grant_bytes=256))
    assert run(config, (TILE,)).host.frames == [[0, 0, 322]]
    dram = example.RefreshDramConfig(
        latency_cycles=10, bytes_per_cycle=8, refresh_interval_cycles=100, refresh_cycles=20
    )
    soc = run(replace(config, dram=dram), (TILE,))
    assert soc.host.frames == [[0, 0, 322 + 2 * 20]]
    assert intervals(soc, "soc.cluster0.pe_array") == [(163, 263)]
    assert intervals(soc, "soc.dram.ch0") == [
        (15, 111), (111, 131), (131, 163), (200, 220), (278, 310), (310, 330), (330, 362)
    ]  # fmt: skip
    actions = [
        row[3] for row in soc.log.frame().itertuples(index=False) if row[2] == "soc.dram.ch0"
    ]
    assert actions == ["read", "refresh", "read", "refresh", "write", "refresh", "write"]


def test_refresh_makes_a_network_slower_and_keeps_the_invariants():
    dram = example.RefreshDramConfig(
        latency_cycles=10, bytes_per_cycle=8, refresh_interval_cycles=200, refresh_cycles=50
    )
    plain, refreshed = run_with(), run_with(dram=dram)
    check_invariants(refreshed)
    assert refreshed.summary["cycles"] > plain.summary["cycles"]
    assert (refreshed.events["action"] == "refresh").any()


def test_the_example_property_test_passes():
    example.test_refresh_keeps_the_invariants()


# -- configs of user components -------------------------------------------------------------


def test_a_user_config_is_validated_pickled_and_overridden_like_socsim_s_own():
    with pytest.raises(ConfigError, match="dram.refresh_cycles=0, expected a positive value"):
        replace(CONFIG, dram=example.RefreshDramConfig(refresh_cycles=0))
    with pytest.raises(ConfigError, match="dram.refresh_cycles=90, expected less than"):
        example.RefreshDramConfig(refresh_interval_cycles=90, refresh_cycles=90)
    soc = replace(CONFIG, dram=example.RefreshDramConfig(refresh_cycles=30))
    assert pickle.loads(pickle.dumps(soc)) == soc
    changed = with_overrides(soc, {"dram.refresh_cycles": 40, "dram.channels": 2})
    assert type(changed.dram) is example.RefreshDramConfig
    assert (changed.dram.refresh_cycles, changed.dram.channels) == (40, 2)
    assert changed.dram.component is example.RefreshDram


@dataclass(frozen=True, kw_only=True)
class BankedDramConfig(DramConfig):
    bank_order: tuple[int, ...] = (0, 2, 1, 3)  # a type socsim does not know: left to its class
    page_bytes: int | None = None  # optional numbers are checked when set


def test_fields_of_types_socsim_does_not_know_are_left_to_the_user_class():
    assert replace(CONFIG, dram=BankedDramConfig()).dram.bank_order == (0, 2, 1, 3)
    with pytest.raises(ConfigError, match="dram.page_bytes=0, expected a positive value"):
        replace(CONFIG, dram=BankedDramConfig(page_bytes=0))


# -- broken components, caught ----------------------------------------------------------------


class LossyDma(Dma):
    """Drops the last burst of every descriptor longer than one."""

    def submit(self, nbytes, write, frame, layer, tile):
        burst = self.config.burst_bytes
        kept = nbytes - burst if nbytes > burst else nbytes
        return (yield from super().submit(kept, write, frame, layer, tile))


@dataclass(frozen=True, kw_only=True)
class LossyDmaConfig(DmaConfig):
    component = LossyDma


def test_a_dma_that_drops_the_last_burst_is_caught_naming_the_channel_and_the_tile():
    result = run_with(dma=LossyDmaConfig(**vars(CONFIG.dma)))
    asked = result.mappings[0].tiles[0].in_bytes
    with pytest.raises(AssertionError) as caught:
        check_invariants(result)
    assert re.search(
        rf"soc\.cluster0\.dma\.ch0 by cycle \d+, frame 0 layer 0 \(conv\) tile 0: "
        rf"bytes loaded {asked - 64}, the mapping asks for {asked}\n",
        str(caught.value),
    )
    assert "tile 0: bytes stored " in str(caught.value)


class LossyInterconnect(Interconnect):
    """Drops the last burst of every transfer, while the DMA believes all of it moved."""

    def transfer(self, nbytes, write, burst_bytes, *rest):
        yield from super().transfer(max(nbytes - burst_bytes, 0), write, burst_bytes, *rest)


@dataclass(frozen=True, kw_only=True)
class LossyInterconnectConfig(InterconnectConfig):
    component = LossyInterconnect


def test_an_interconnect_that_loses_bytes_is_caught_against_the_dma():
    with pytest.raises(AssertionError) as caught:
        check_invariants(
            run_with(interconnect=LossyInterconnectConfig(**vars(CONFIG.interconnect)))
        )
    message = str(caught.value)
    read = r"frame 0 layer 0 \(conv\) tile 0: bytes read (\d+), the DMA loaded (\d+)"
    moved, loaded = re.search(rf"soc\.dram\.ch0 by cycle \d+, {read}", message).groups()
    assert int(moved) == int(loaded) - 64
    assert "soc.interconnect by cycle " in message


class FastDram(Dram):
    """Moves 64 bytes per cycle whatever its config says (16 below)."""

    def cycles(self, nbytes):
        return -(-nbytes // 64)


@dataclass(frozen=True, kw_only=True)
class FastDramConfig(DramConfig):
    component = FastDram


def test_a_dram_faster_than_configured_is_caught_naming_the_channel_and_the_rate():
    """A 64 B/cycle bus leaves the DRAM's own timing visible: a 16 B/cycle DRAM moving a
    load of N bytes in ceil(N / 64) cycles exceeds its configured rate; the bus, at 64,
    keeps to its own."""
    wide = replace(CONFIG.interconnect, bytes_per_cycle=64)
    dram = FastDramConfig(**{**vars(CONFIG.dram), "bytes_per_cycle": 16})
    with pytest.raises(AssertionError) as caught:
        check_invariants(run_with(dram=dram, interconnect=wide))
    message = str(caught.value)
    assert re.search(
        r"soc\.dram\.ch0: read at cycles \d+-\d+ moved \d+ bytes, (6\d|5\d)(\.\d+)? B/cycle, "
        r"above the configured 16 bytes_per_cycle",
        message,
    ), message
    assert "soc.interconnect:" not in message
    check_invariants(run_with(dram=replace(CONFIG.dram, bytes_per_cycle=16), interconnect=wide))


class DoubleFreeBuffer(GlobalBuffer):
    """Frees every tile's space twice: the phantom space lets later tiles in too early."""

    def free(self, nbytes, since, tag):
        super().free(nbytes, since, tag)
        super().free(nbytes, since, tag)


@dataclass(frozen=True, kw_only=True)
class DoubleFreeBufferConfig(GlobalBufferConfig):
    component = DoubleFreeBuffer


def test_a_buffer_that_frees_twice_is_caught_naming_the_buffer_and_the_cycle():
    with pytest.raises(AssertionError) as caught:
        check_invariants(run_with(global_buffer=DoubleFreeBufferConfig(size_bytes=8192)))
    assert re.search(
        r"soc\.cluster0\.global_buffer: occupancy \d+ bytes at cycle \d+ exceeds the "
        r"capacity of 8192 bytes",
        str(caught.value),
    )


class OverlappingArray(PeArray):
    """Takes the next tile after half of this one's cycles: two tiles share the array."""

    def compute(self, tile, tag):
        self.env.process(super().compute(tile, tag))  # runs, and logs, on its own
        yield self.env.timeout(tile.compute_cycles // 2)


@dataclass(frozen=True, kw_only=True)
class OverlappingArrayConfig(PeArrayConfig):
    component = OverlappingArray


def test_a_unit_busier_than_its_capacity_is_caught_unless_declared():
    result = run_with(pe_array=OverlappingArrayConfig(**vars(CONFIG.pe_array)))
    with pytest.raises(
        AssertionError,
        match=r"soc\.cluster0\.pe_array: over capacity at cycle \d+: 2 intervals at once "
        r"\(compute \d+-\d+, compute \d+-\d+\), capacity 1",
    ):
        check_invariants(result)
    check_invariants(result, capacities={"*.pe_array": 2})


def test_every_violation_is_listed_in_one_error():
    result = run_with(
        dma=LossyDmaConfig(**vars(CONFIG.dma)),
        global_buffer=DoubleFreeBufferConfig(size_bytes=8192),
    )
    with pytest.raises(AssertionError, match=r"^\d+ invariant violation\(s\):\n- ") as caught:
        check_invariants(result)
    assert "bytes loaded" in str(caught.value) and "exceeds the capacity" in str(caught.value)


def test_component_settings_report_a_failure_as_drawn_without_shrinking():
    """A property that fails on two-cluster SoCs: after the first failing draw only
    Hypothesis' replay of it runs, not the reruns shrinking takes (which `shrink=True`
    turns back on); and no deadline, as one simulation outlasts Hypothesis' 200 ms."""
    from hypothesis import Phase, given

    from socsim.testing import component_settings, networks, soc_configs

    failed = []

    @component_settings()
    @given(networks(max_layers=3), soc_configs(max_clusters=2))
    def prop(network, soc):
        simulate(network, soc)
        failed.append(soc.clusters == 2)
        assert not failed[-1], "broken"

    with pytest.raises(AssertionError, match="broken"):
        prop()
    assert failed[failed.index(True) :] == [True, True]
    assert component_settings().deadline is None
    assert Phase.shrink in component_settings(shrink=True).phases
