"""Residency (socsim.components.residency): tensors kept in the buffer between layers.

A hand-derived network checks the bytes, holds and occupancy; properties check, on random
networks and SoCs, that residency never costs DRAM traffic or energy and keeps the
invariants (including `check_invariants`' held-tensor check).
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from components.test_schedule import hand_network
from hypothesis import HealthCheck, given, settings

from socsim import get_preset, simulate, with_overrides
from socsim.components.plan import map_one, plan
from socsim.components.residency import Hold, stripped
from socsim.errors import ConfigError
from socsim.testing import check_invariants, networks, soc_configs
from socsim.workloads import INPUT, NetworkBuilder

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run(network, residency: float, fusion: str = "none", soc: str = "squeezelerator-16x16"):
    overrides = {"schedule.fusion": fusion, "schedule.residency": residency}
    return simulate(network, with_overrides(get_preset(soc), overrides))


def test_the_hand_network_keeps_three_tensors():
    """Layer by layer (`test_schedule.hand_network`, every layer one tile, 128 KiB buffer),
    residency 0.5 (65536 B) keeps each tensor whose readers each read only it:
    conv (6*49 words = 588 B, read by pool), squeeze (4*9 = 36 words, 72 B, read by
    expand) and add (6*9 = 54 words, 108 B, read by e1 and e3). The pool's output (read by
    the add, two inputs), expand's and e1's/e3's (read by the add and the concat) and the
    concat's (the network's output) go through DRAM.

    DRAM bytes per layer, from layer by layer [1040, 696, 236, 240, 324, 268, 492, 288]:
    conv 1040 - 588 = 452, pool 696 - 588 = 108, squeeze 236 - 72 = 164, expand
    240 - 72 = 168, add 324 - 108 = 216, e1 268 - 108 = 160, e3 492 - 108 = 384, concat
    288: 3584 - 2 * 588 - 2 * 72 - 3 * 108 = 1940 B.

    Buffer: the holds are taken before their writer starts (cycle 0 for conv: before its
    200-cycle setup) and freed as their last reader ends; each tile keeps its working set
    as mapped, so while conv's tile runs the buffer holds 1040 + 588 = 1628 B. Array
    cycles do not change (one tile each, tiled alike: [55, 91, 17, 15, 28, 17, 65, 0]);
    the frame ends at cycle 3828 instead of 4484, the skipped transfers' DMA time.
    """
    alone, kept = run(hand_network(), 0.0), run(hand_network(), 0.5)
    assert alone.summary["dram_bytes"] == 3584 and not alone.program.holds
    assert list(kept.layers["dram_bytes"]) == [452, 108, 164, 168, 216, 160, 384, 288]
    assert kept.summary["dram_bytes"] == 1940
    assert kept.program.holds == (
        Hold("conv", 588, 0, 1),
        Hold("squeeze", 72, 2, 3),
        Hold("add", 108, 4, 6),
    )
    assert list(kept.layers["compute_cycles"]) == list(alone.layers["compute_cycles"])
    assert (alone.summary["cycles"], kept.summary["cycles"]) == (4484, 3828)
    holds = kept.events[kept.events["action"] == "hold"]
    tensors = holds[holds["tile"] == -1]
    assert list(tensors["bytes"]) == [588, 72, 108]
    assert int(tensors["start"].iloc[0]) == 0
    spanning = holds[(holds["start"] <= 200) & (holds["end"] > 200)]
    assert int(spanning["bytes"].sum()) == 1628
    moves = kept.events[kept.events["action"].isin(("load", "store"))]
    moved = set(zip(moves["layer"], moves["action"], strict=True))
    assert (0, "store") not in moved and (1, "load") not in moved  # conv's tensor stays
    assert (0, "load") in moved and (1, "store") in moved
    check_invariants(kept)


def test_a_small_budget_keeps_what_fits_in_order():
    """0.001 of 131072 B is 131 B: conv's 588 B does not fit; squeeze's 72 B does, and the
    add's 108 B fits too, as no layer holds both (squeeze spans layers 2-3, the add 4-6):
    the budget applies layer by layer."""
    kept = run(hand_network(), 0.001)
    assert [h.tensor for h in kept.program.holds] == ["squeeze", "add"]
    assert kept.summary["dram_bytes"] == 3584 - 2 * 72 - 3 * 108
    check_invariants(kept)


def test_a_tensor_whose_space_costs_more_traffic_stays_in_dram():
    """conv a (3x3, 16 -> 32 channels on 8x8) writes 32 * 64 words = 4096 B, read by conv b
    (32 -> 32) alone. An 8 KiB buffer at residency 0.5 has room for it (4096 B), but the
    layers tiled into the 4096 B left re-read their weights and inputs: 32896 + 61568 B
    against 21568 + 38976 = 60544 B; without a's 4096 B store and b's loads of it (each of
    its tiles' input) they still move more than 60544 B, so the tensor goes through DRAM."""
    b = NetworkBuilder("r", (16, 8, 8))
    b.conv("b", b.conv("a", INPUT, 32, 3, pad=1), 32, 3, pad=1)
    network = b.build()
    overrides = {"global_buffer.size_bytes": 8192, "schedule.fusion": "none"}
    soc = with_overrides(get_preset("squeezelerator-8x8"), overrides)
    base = plan(network, soc)
    assert [m.dram_bytes for m in base.mappings] == [21568, 38976]
    array, costs = soc.array(), soc.energy.costs()
    left = [map_one(x, replace(array, glb_bytes=4096), soc.pe_array.dataflow, costs)
            for x in network.layers]  # fmt: skip
    assert [m.dram_bytes for m in left] == [32896, 61568]
    kept = [stripped(left[0], False, True), stripped(left[1], True, False)]
    assert sum(m.dram_bytes for m in kept) > 60544
    assert not plan(network, with_overrides(soc, {"schedule.residency": 0.5})).holds


def test_the_cli_sets_it(capsys):
    """`socsim run --set schedule.residency=0.5` gives what the API gives, with fewer DRAM
    bytes than the preset's residency 0; a bad value is one line and status 2."""
    import json

    from socsim.cli import main

    argv = ["run", "1.0-SqNxt-23v5", "--soc", "squeezelerator-16x16", "--format", "json"]
    assert main([*argv, "--set", "schedule.residency=0.5"]) == 0
    kept = json.loads(capsys.readouterr().out)
    assert main(argv) == 0
    base = json.loads(capsys.readouterr().out)
    soc = with_overrides(get_preset("squeezelerator-16x16"), {"schedule.residency": 0.5})
    assert kept["dram_bytes"] == simulate("1.0-SqNxt-23v5", soc).summary["dram_bytes"]
    assert kept["dram_bytes"] < base["dram_bytes"]
    assert main([*argv, "--set", "schedule.residency=2"]) == 2
    err = capsys.readouterr().err.strip()
    assert "schedule.residency=2" in err and "[0.0, 0.9]" in err and "\n" not in err


@pytest.mark.parametrize("value", [-0.1, 0.95, "half"])
def test_a_bad_residency_is_one_line(value):
    with pytest.raises(ConfigError, match=r"^schedule\.residency="):
        with_overrides(get_preset("squeezelerator-8x8"), {"schedule.residency": value})


@pytest.mark.parametrize("partition", ["pipeline", "channels"])
def test_clusters_keep_only_their_own_tensors(partition):
    """Three clusters: under `pipeline` a kept tensor's writer and readers share a segment;
    under `channels` nothing is kept (each share reads channels other clusters wrote)."""
    network = hand_network()
    soc = with_overrides(
        get_preset("squeezelerator-16x16"),
        {"clusters": 3, "partition": partition, "schedule.residency": 0.5},
    )
    result = simulate(network, soc, frames=3)
    check_invariants(result)
    program = result.program
    if partition == "channels":
        assert not program.holds
    for hold in program.holds:
        assert any(hold.first in s and hold.last in s for s in program.segments)


@SETTINGS
@given(networks(), soc_configs())
def test_residency_never_costs_dram_traffic_or_energy(network, soc):
    """A tensor is kept only if its span moves strictly fewer DRAM bytes with no more
    cycles or access energy, re-tiled into the space left; so against residency 0 on the
    same SoC, DRAM bytes and energy never grow, MACs are conserved, invariants hold."""
    base = simulate(network, with_overrides(soc, {"schedule.residency": 0.0}))
    kept = simulate(network, with_overrides(soc, {"schedule.residency": 0.5}))
    check_invariants(kept)
    assert kept.summary["dram_bytes"] <= base.summary["dram_bytes"]
    assert kept.summary["energy"]["total"] <= base.summary["energy"]["total"] * (1 + 1e-12)
    assert kept.summary["macs"] == base.summary["macs"] == network.macs
