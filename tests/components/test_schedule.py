"""The execution schedule (socsim.components.schedule): fused pools and adds, concat views.

A hand-derived network checks every rewrite byte for byte; properties check, on random
networks and SoCs, that fusion never costs DRAM traffic or energy and keeps the invariants.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings

from socsim import get_preset, simulate, with_overrides
from socsim.components.schedule import Role, halo_words
from socsim.testing import check_invariants, networks, soc_configs
from socsim.workloads import INPUT, NetworkBuilder, get_network

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def hand_network():
    """conv -> pool, then a block whose add takes the pool as its shortcut, then a fire
    module's concat (input 4x7x7, 16-bit words)."""
    b = NetworkBuilder("hand", (4, 7, 7))
    c = b.conv("conv", INPUT, 6, 1)
    p = b.maxpool("pool", c, 3, stride=2)
    s = b.conv("squeeze", p, 4, 1)
    x = b.conv("expand", s, 6, 1)
    a = b.add("add", [p, x])
    e1 = b.conv("e1", a, 5, 1)
    e3 = b.conv("e3", a, 3, 3, pad=1)
    b.concat("cat", [e1, e3])
    return b.build()


def run(network, fusion: str, soc: str = "squeezelerator-16x16", **changes):
    config = replace(get_preset(soc), **changes)
    return simulate(network, with_overrides(config, {"schedule.fusion": fusion}))


def test_a_hand_derived_network_fused():
    """Each layer's DRAM bytes, layer by layer and fused (every layer is one tile here).

    conv 1x1 4->6 on 7x7: loads 4*49 = 196 words (392 B) and 6*(4+1) = 30 weights with
    biases (60 B); writes 6*49 = 294 words (588 B): 1040 B. Fused with the 3x3/2 max pool
    (7x7 -> 3x3) it writes the pooled 6*9 = 54 words (108 B) instead: 392+60+108 = 560 B,
    and the pool, 588 B in and 108 B out alone, moves nothing.
    expand 1x1 4->6 on 3x3: 36 words in (72 B), 30 weights (60 B), 54 out (108 B): 240 B.
    The add (pool + expand) alone loads 2*54 words (216 B) and writes 108 B: 324 B. Fused,
    expand also loads the shortcut, 54 words (108 B): 348 B, and the add moves nothing.
    The concat of e1 (5 channels) and e3 (3) is 8*9 = 72 words: 144 B in and out alone,
    nothing as a view. Total 3584 B alone, 3584 - 480 - 696 + 108 - 324 - 288 = 1904 fused.
    """
    alone, fused = run(hand_network(), "none"), run(hand_network(), "weightless")
    assert list(alone.layers["dram_bytes"]) == [1040, 696, 236, 240, 324, 268, 492, 288]
    assert list(alone.layers["dram_weight_bytes"]) == [60, 0, 56, 60, 0, 70, 330, 0]
    assert list(fused.layers["dram_bytes"]) == [560, 0, 236, 348, 0, 268, 492, 0]
    assert alone.summary["dram_bytes"] == 3584 and fused.summary["dram_bytes"] == 1904
    roles = [step.role for step in fused.program.steps]
    assert roles == [Role.ALONE, Role.POOL, Role.ALONE, Role.ALONE, Role.ADD, Role.ALONE,
                     Role.ALONE, Role.VIEW]  # fmt: skip
    check_invariants(fused)


def test_the_hand_network_cycles_and_holds():
    """The fused pool and add and the view have no tiles, no rows and no cycles (alone:
    91, 28 and 0 array cycles). Their producers keep their array cycles: the write path
    reads the conv's 294 outputs in ceil(294 / 32) = 10 cycles (under its 55) and
    expand's 54 outputs and 54 shortcut words in ceil(108 / 32) = 4 (under its 15).
    Buffer: the conv's one tile holds 392 + 60 + 588 = 1040 B (all 7 rows in one block: no
    halo); expand's holds its 72 + 60 + 108 = 240 B and the 108 B shortcut: 348 B."""
    alone, fused = run(hand_network(), "none"), run(hand_network(), "weightless")
    assert list(alone.layers["compute_cycles"]) == [55, 91, 17, 15, 28, 17, 65, 0]
    assert list(fused.layers["compute_cycles"]) == [55, 0, 17, 15, 0, 17, 65, 0]
    assert set(fused.events["layer"]) == {0, 2, 3, 5, 6}
    holds = fused.events[fused.events["action"] == "hold"].groupby("layer")["bytes"].max()
    assert holds[0] == 1040 and holds[3] == 348
    assert fused.summary["cycles"] < alone.summary["cycles"]


def test_the_halo_of_a_pool_fused_into_row_blocks():
    """1.0-SqNxt-23v5's conv1 (5x5/2 -> 64x112x112) on 8x8 runs in blocks of 1 row x 28
    columns of all 64 filters; its 3x3/2 pool needs 3 - 2 = 1 row across the block's 28
    columns and 1 column down its 1 row, per channel: 64 * (28 + 1) = 1856 words."""
    soc = get_preset("squeezelerator-8x8")
    network = get_network("1.0-SqNxt-23v5")
    conv1 = run(network, "none", "squeezelerator-8x8").program.mappings[0]
    assert (conv1.plan.rows, conv1.plan.cols, conv1.plan.filters) == (1, 28, 64)
    assert halo_words(conv1, network.layers[1]) == 1856
    fused = run(network, "weightless", "squeezelerator-8x8").program.mappings[0]
    share = soc.global_buffer.tile_fraction * soc.global_buffer.size_bytes
    assert max(t.glb_bytes for t in fused.tiles) <= share  # tiled again to leave room


@pytest.mark.parametrize("partition", ["pipeline", "channels"])
def test_a_pair_split_across_clusters_runs_layer_by_layer(partition):
    """Four clusters: under `pipeline` a conv and its pool in different segments both run
    alone (the tensor crosses clusters through DRAM); every fused pair shares a segment."""
    fused = run(get_network("SqueezeNet-v1.1"), "weightless", clusters=4, partition=partition)
    check_invariants(fused)
    program = fused.program
    for i, step in enumerate(program.steps):
        if step.host >= 0 and partition == "pipeline":
            assert any(i in s and step.host in s for s in program.segments)


@SETTINGS
@given(networks(), soc_configs())
def test_fusion_never_costs_dram_traffic_or_energy(network, soc):
    """Fusion only removes DRAM transfers (a shortcut loaded once replaces an output written
    and read back), so DRAM bytes and energy never grow; both runs keep the invariants."""
    plain = {"schedule.residency": 0.0}  # residency plans differ under each fusion
    alone = simulate(network, with_overrides(soc, {**plain, "schedule.fusion": "none"}))
    fused = simulate(network, with_overrides(soc, {**plain, "schedule.fusion": "weightless"}))
    check_invariants(fused)
    assert fused.summary["dram_bytes"] <= alone.summary["dram_bytes"]
    assert fused.summary["energy"]["total"] <= alone.summary["energy"]["total"] * (1 + 1e-12)
    assert fused.summary["macs"] == alone.summary["macs"] == network.macs
